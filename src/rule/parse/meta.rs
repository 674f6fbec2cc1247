//! Metadata every document kind shares (title, id, status, level, tags, …) and the logsource block.

use super::Ctx;
use crate::rule::codes;
use crate::rule::model::*;
use crate::rule::yaml::{Key, Node, Yaml};

const STATUSES: &[&str] = &[
    "stable",
    "test",
    "experimental",
    "deprecated",
    "unsupported",
];

const LEVELS: &[&str] = &["informational", "low", "medium", "high", "critical"];

const RELATION_TYPES: &[&str] = &["derived", "obsolete", "merged", "renamed", "similar"];

pub(super) fn text(ctx: &mut Ctx, key: &Key, node: &Node) -> Option<Text> {
    match &node.value {
        Yaml::Str(s) => Some(Text::new(s.clone(), node.pos)),
        // Numbers and dates written unquoted are still meaningful text (e.g. `date: 2024-01-01` in YAML 1.2).
        Yaml::Int(_) | Yaml::Float(_) => Some(Text::new(node.as_scalar_string()?, node.pos)),
        _ => {
            ctx.report(
                node.pos,
                codes::WRONG_TYPE,
                format!(
                    "`{}` must be a string, found {}",
                    key.text,
                    node.type_name()
                ),
            );
            None
        }
    }
}

pub(super) fn text_list(ctx: &mut Ctx, key: &Key, node: &Node) -> Vec<Text> {
    match &node.value {
        Yaml::Seq(items) => items
            .iter()
            .filter_map(|item| match item.as_scalar_string() {
                Some(s) if !matches!(item.value, Yaml::Bool(_)) => Some(Text::new(s, item.pos)),
                _ => {
                    ctx.report(
                        item.pos,
                        codes::WRONG_TYPE,
                        format!(
                            "`{}` entries must be strings, found {}",
                            key.text,
                            item.type_name()
                        ),
                    );
                    None
                }
            })
            .collect(),
        Yaml::Null => Vec::new(),
        _ => {
            ctx.report(
                node.pos,
                codes::WRONG_TYPE,
                format!(
                    "`{}` must be a list of strings, found {}; write `{}: ['…']`",
                    key.text,
                    node.type_name(),
                    key.text
                ),
            );
            Vec::new()
        }
    }
}

fn enum_text(ctx: &mut Ctx, key: &Key, node: &Node, allowed: &[&str]) -> Option<Text> {
    let t = text(ctx, key, node)?;
    if !allowed.contains(&t.value.as_str()) {
        ctx.report(
            t.pos,
            codes::BAD_ENUM,
            format!(
                "`{}: {}` is not allowed; use one of {}",
                key.text,
                t.value,
                allowed.join(", ")
            ),
        );
    }
    Some(t)
}

/// Reads the metadata keys; `extra` lists keys handled by the caller, which are not custom attributes.
pub(super) fn parse_meta(ctx: &mut Ctx, root: &Node, extra: &[&str]) -> Meta {
    let mut meta = Meta::default();
    let Some(map) = root.as_map() else {
        return meta;
    };
    for (key, node) in map {
        match key.text.as_str() {
            "title" => meta.title = text(ctx, key, node),
            "id" => meta.id = text(ctx, key, node),
            "name" => meta.name = text(ctx, key, node),
            "taxonomy" => meta.taxonomy = text(ctx, key, node),
            "status" => meta.status = enum_text(ctx, key, node, STATUSES),
            "description" => meta.description = text(ctx, key, node),
            "license" => meta.license = text(ctx, key, node),
            "author" => meta.author = text(ctx, key, node),
            "date" => meta.date = text(ctx, key, node),
            "modified" => meta.modified = text(ctx, key, node),
            "level" => meta.level = enum_text(ctx, key, node, LEVELS),
            "references" => meta.references = text_list(ctx, key, node),
            "fields" => meta.fields = text_list(ctx, key, node),
            "falsepositives" => meta.falsepositives = text_list(ctx, key, node),
            "tags" => meta.tags = text_list(ctx, key, node),
            "scope" => meta.scope = text_list(ctx, key, node),
            "related" => meta.related = parse_related(ctx, node),
            k if extra.contains(&k) => {}
            _ => meta.custom.push((key.clone(), node.clone())),
        }
    }
    meta
}

fn parse_related(ctx: &mut Ctx, node: &Node) -> Vec<Related> {
    let Yaml::Seq(items) = &node.value else {
        ctx.report(
            node.pos,
            codes::WRONG_TYPE,
            format!(
                "`related` must be a list of {{id, type}} mappings, found {}",
                node.type_name()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let (Some((ik, id)), Some((tk, kind))) = (item.get("id"), item.get("type")) else {
            ctx.report(
                item.pos,
                codes::MISSING_FIELD,
                "each `related` entry needs both `id` and `type`",
            );
            continue;
        };
        let id = text(ctx, ik, id);
        let kind = enum_text(ctx, tk, kind, RELATION_TYPES);
        if let (Some(id), Some(kind)) = (id, kind) {
            out.push(Related { id, kind });
        }
    }
    out
}

pub(super) fn parse_logsource(ctx: &mut Ctx, key: &Key, node: &Node) -> LogSource {
    let mut ls = LogSource {
        pos: key.pos,
        ..LogSource::default()
    };
    let Some(map) = node.as_map() else {
        ctx.report(
            node.pos,
            codes::WRONG_TYPE,
            format!("`logsource` must be a mapping, found {}", node.type_name()),
        );
        return ls;
    };
    for (k, v) in map {
        match k.text.as_str() {
            "category" => ls.category = text(ctx, k, v),
            "product" => ls.product = text(ctx, k, v),
            "service" => ls.service = text(ctx, k, v),
            "definition" => ls.definition = text(ctx, k, v),
            _ => ls.custom.push((k.clone(), v.clone())),
        }
    }
    ls
}
