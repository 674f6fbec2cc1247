//! Filter (meta filter) documents: the rules they apply to and a detection-like `filter` block.

use super::ctx::{Ctx, require};
use super::detection::parse_detection;
use super::meta::references;
use super::meta::{parse_logsource, parse_meta};
use crate::rule::codes;
use crate::rule::model::*;
use crate::rule::yaml::Node;

/// Parses a filter document.
pub fn parse_filter(ctx: &mut Ctx, root: &Node) -> Option<Filter> {
    let before = ctx.errors();
    let meta = parse_meta(ctx, root, &["logsource", "filter"]);
    if root.get("title").is_none() {
        ctx.report(
            root.pos,
            codes::MISSING_FIELD,
            "required field `title` is missing",
        );
    }
    let logsource = require(ctx, root, "logsource").map(|(k, v)| parse_logsource(ctx, k, v));
    let (fkey, fnode) = root.get("filter")?;
    let rules = match fnode.get("rules") {
        Some((k, v)) => references(ctx, k, v),
        None => {
            ctx.report(
                fkey.pos,
                codes::FILTER,
                "`filter` needs `rules` (ids or names)",
            );
            Vec::new()
        }
    };
    let detection = parse_detection(ctx, fkey, fnode, &["rules"]);
    if ctx.errors() > before {
        return None;
    }
    Some(Filter {
        meta,
        logsource: logsource?,
        rules,
        detection: detection?,
    })
}
