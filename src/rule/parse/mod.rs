//! From a spanned YAML document to the typed model, collecting every problem with its position.
//!
//! [`parse_document`] dispatches on the document kind: detection rules ([`detection`]), correlations
//! ([`correlation`]) and filters ([`filter`]); [`meta`] reads what every kind shares.

mod correlation;
mod ctx;
mod detection;
mod filter;
mod meta;

pub use ctx::Ctx;

pub use correlation::parse_correlation;
pub use detection::parse_rule;
pub use filter::parse_filter;

use super::codes;
use super::model::*;
use super::yaml::Node;

/// Whether a YAML document looks like Sigma at all (so workflow files and configs can be skipped).
pub fn looks_like_sigma(root: &Node) -> bool {
    if root.as_map().is_none() {
        return true;
    }
    ["detection", "correlation", "filter", "logsource", "action"]
        .iter()
        .any(|k| root.get(k).is_some())
        || (root.get("title").is_some()
            && ["id", "status", "level", "author", "date", "tags"]
                .iter()
                .any(|k| root.get(k).is_some()))
}

/// Parses one (already merged) document into the model.
pub fn parse_document(ctx: &mut Ctx, root: &Node) -> Option<Document> {
    if root.as_map().is_none() {
        ctx.report(
            root.pos,
            codes::NOT_A_MAPPING,
            format!(
                "a Sigma document must be a mapping, found {}",
                root.type_name()
            ),
        );
        return None;
    }
    if root.get("correlation").is_some() {
        parse_correlation(ctx, root).map(Document::Correlation)
    } else if root.get("filter").is_some() {
        parse_filter(ctx, root).map(Document::Filter)
    } else {
        parse_rule(ctx, root).map(Document::Rule)
    }
}
