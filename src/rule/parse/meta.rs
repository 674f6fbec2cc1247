//! Metadata every document kind shares (title, id, status, level, tags, …) and the logsource block.

use super::ctx::Ctx;
use crate::rule::codes;
use crate::rule::model::*;
use crate::rule::yaml::{Key, Node, Yaml};

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

/// Reads a value of a closed set (`parse` gives its meaning); an unknown value is reported with the
/// `allowed` names and read as absent (the error rejects the document anyway).
fn enum_value<T>(
    ctx: &mut Ctx,
    key: &Key,
    node: &Node,
    parse: impl Fn(&str) -> Option<T>,
    allowed: &[&str],
) -> Option<Spanned<T>> {
    let t = text(ctx, key, node)?;
    let value = parse(&t.value);
    if value.is_none() {
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
    value.map(|v| Spanned::new(v, t.pos))
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
            "status" => {
                // Listed most mature first, as the specification does.
                let names: Vec<&str> = Status::ALL.iter().rev().map(|s| s.name()).collect();
                meta.status = enum_value(ctx, key, node, Status::parse, &names);
            }
            "description" => meta.description = text(ctx, key, node),
            "license" => meta.license = text(ctx, key, node),
            "author" => meta.author = text(ctx, key, node),
            "date" => meta.date = text(ctx, key, node),
            "modified" => meta.modified = text(ctx, key, node),
            "level" => {
                let names = Level::ALL.map(Level::name);
                meta.level = enum_value(ctx, key, node, Level::parse, &names);
            }
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
        let kind = enum_value(
            ctx,
            tk,
            kind,
            |s| RELATION_TYPES.contains(&s).then(|| s.to_string()),
            RELATION_TYPES,
        );
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

/// A `references`-style list: one string or a list of strings.
pub(super) fn references(ctx: &mut Ctx, key: &Key, node: &Node) -> Vec<Text> {
    match &node.value {
        Yaml::Str(s) => vec![Text::new(s.clone(), node.pos)],
        _ => text_list(ctx, key, node),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Ctx, parse_document};
    use crate::rule::yaml::{Limits, parse_documents};
    use crate::rule::{Document, Level, Status};

    fn parse(extra: &str) -> (Option<Document>, Vec<String>) {
        let src = format!(
            "title: T\n{extra}logsource:\n    product: windows\ndetection:\n    s:\n        a: 1\n    condition: s\n"
        );
        let docs = parse_documents(&src, Limits::default()).expect("yaml");
        let mut ctx = Ctx::new("r.yml");
        let doc = parse_document(&mut ctx, &docs[0].root);
        let diags = ctx
            .diags
            .iter()
            .map(|d| format!("{}:{}:{}: {} {}", d.path, d.line, d.col, d.code, d.message))
            .collect();
        (doc, diags)
    }

    #[test]
    fn level_and_status_become_enums() {
        let (doc, diags) = parse("level: high\nstatus: test\n");
        assert!(diags.is_empty(), "{diags:?}");
        let meta = doc.expect("rule").meta().clone();
        assert_eq!(
            meta.level.map(|l| (l.value, l.pos.line)),
            Some((Level::High, 2))
        );
        assert_eq!(meta.status.map(|s| s.value), Some(Status::Test));
    }

    #[test]
    fn unknown_level_and_status_are_reported_where_written() {
        let (doc, diags) = parse("level: severe\nstatus: done\n");
        assert!(doc.is_none());
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(
            diags[0].contains("r.yml:2:8")
                && diags[0].contains("SF023")
                && diags[0].contains(
                    "`level: severe` is not allowed; use one of informational, low, medium, high, critical"
                ),
            "{}",
            diags[0]
        );
        assert!(
            diags[1].contains("r.yml:3:9")
                && diags[1].contains(
                    "`status: done` is not allowed; use one of stable, test, experimental, deprecated, unsupported"
                ),
            "{}",
            diags[1]
        );
    }
}
