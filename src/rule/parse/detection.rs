//! Detection rules: the `detection` block (searches, values with their modifiers, conditions), also
//! used by filters.

use super::ctx::{Ctx, require};
use super::meta::{parse_logsource, parse_meta, text};
use crate::diag::Pos;
use crate::rule::codes;
use crate::rule::condition::{self, Cond};
use crate::rule::model::*;
use crate::rule::modifier::{self, ModifierError, RawValue};
use crate::rule::value::Number;
use crate::rule::yaml::{Key, Node, Yaml};

fn raw_value(node: &Node) -> Option<RawValue> {
    Some(match &node.value {
        Yaml::Str(s) => RawValue::Str(s.clone()),
        Yaml::Int(i) => RawValue::Number(Number::Int(*i)),
        Yaml::Float(f) => RawValue::Number(Number::Float(*f)),
        Yaml::Bool(b) => RawValue::Bool(*b),
        Yaml::Null => RawValue::Null,
        _ => return None,
    })
}

fn modifier_error(ctx: &mut Ctx, pos: Pos, e: ModifierError) {
    match e {
        ModifierError::Unknown(m) => {
            let hint = match m.as_str() {
                "endwith" => " (did you mean `endswith`?)",
                "startwith" => " (did you mean `startswith`?)",
                "contain" => " (did you mean `contains`?)",
                "regex" => " (did you mean `re`?)",
                "base64offsets" => " (did you mean `base64offset`?)",
                _ => "",
            };
            ctx.report(
                pos,
                codes::UNKNOWN_MODIFIER,
                format!("unknown modifier `{m}`{hint}"),
            )
        }
        ModifierError::IllegalChain(m) => ctx.report(pos, codes::ILLEGAL_MODIFIERS, m),
        ModifierError::BadValue(m) => ctx.report(pos, codes::BAD_VALUE, m),
    }
}

fn field_match(ctx: &mut Ctx, key: &Key, node: &Node, keyword: bool) -> Option<FieldMatch> {
    let mut parts = key.text.split('|');
    let field = parts.next().unwrap_or_default();
    let names: Vec<&str> = parts.collect();
    let chain = match modifier::parse_chain(&names) {
        Ok(c) => c,
        Err(e) => {
            modifier_error(ctx, key.pos, e);
            return None;
        }
    };
    let field = if keyword || field.is_empty() {
        None
    } else {
        Some(field.to_string())
    };
    let value_nodes: Vec<&Node> = match &node.value {
        Yaml::Seq(items) => {
            if items.is_empty() {
                ctx.report(
                    node.pos,
                    codes::BAD_SEARCH,
                    format!("`{}` has an empty value list", key.text),
                );
                return None;
            }
            items.iter().collect()
        }
        Yaml::Map(_) => {
            ctx.report(
                node.pos,
                codes::BAD_SEARCH,
                format!(
                    "`{}` has a mapping as its value; values must be scalars or a list of scalars",
                    key.text
                ),
            );
            return None;
        }
        _ => vec![node],
    };
    let mut values = Vec::with_capacity(value_nodes.len());
    let mut ok = true;
    for v in value_nodes {
        let Some(raw) = raw_value(v) else {
            ctx.report(
                v.pos,
                codes::BAD_SEARCH,
                format!(
                    "a value of `{}` is a {}; values must be scalars",
                    key.text,
                    v.type_name()
                ),
            );
            ok = false;
            continue;
        };
        if field.is_none() && matches!(raw, RawValue::Null) {
            ctx.report(v.pos, codes::BAD_SEARCH, "a keyword search cannot be null");
            ok = false;
            continue;
        }
        match modifier::apply(&chain, &raw) {
            Ok(alternatives) => values.push(ValueMatch {
                raw,
                pos: v.pos,
                alternatives,
            }),
            Err(e) => {
                modifier_error(ctx, v.pos, e);
                ok = false;
            }
        }
    }
    ok.then_some(FieldMatch {
        field,
        pos: key.pos,
        chain,
        values,
    })
}

fn group(ctx: &mut Ctx, node: &Node) -> Option<Group> {
    let map = node.as_map()?;
    if map.is_empty() {
        ctx.report(node.pos, codes::BAD_SEARCH, "empty mapping in a search");
        return None;
    }
    let mut items = Vec::new();
    let mut ok = true;
    for (k, v) in map {
        match field_match(ctx, k, v, false) {
            Some(m) => items.push(m),
            None => ok = false,
        }
    }
    ok.then_some(Group {
        items,
        pos: node.pos,
    })
}

fn search(ctx: &mut Ctx, key: &Key, node: &Node) -> Option<Search> {
    let mut groups = Vec::new();
    match &node.value {
        Yaml::Map(_) => groups.push(group(ctx, node)?),
        Yaml::Seq(items) if items.is_empty() => {
            ctx.report(
                node.pos,
                codes::BAD_SEARCH,
                format!("search `{}` is an empty list", key.text),
            );
            return None;
        }
        Yaml::Seq(items) => {
            let mut keywords = Vec::new();
            let mut ok = true;
            for item in items {
                match &item.value {
                    Yaml::Map(_) => match group(ctx, item) {
                        Some(g) => groups.push(g),
                        None => ok = false,
                    },
                    Yaml::Seq(_) => {
                        ctx.report(
                            item.pos,
                            codes::BAD_SEARCH,
                            "nested lists are not allowed in a search",
                        );
                        ok = false;
                    }
                    _ => keywords.push(item.clone()),
                }
            }
            if !keywords.is_empty() {
                let list = Node {
                    value: Yaml::Seq(keywords),
                    pos: node.pos,
                    quoted: false,
                };
                let kw_key = Key {
                    text: String::new(),
                    pos: key.pos,
                };
                match field_match(ctx, &kw_key, &list, true) {
                    Some(m) => groups.push(Group {
                        items: vec![m],
                        pos: node.pos,
                    }),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
        }
        Yaml::Null => {
            ctx.report(
                key.pos,
                codes::BAD_SEARCH,
                format!("search `{}` has no value", key.text),
            );
            return None;
        }
        _ => {
            let kw_key = Key {
                text: String::new(),
                pos: key.pos,
            };
            let m = field_match(ctx, &kw_key, node, true)?;
            groups.push(Group {
                items: vec![m],
                pos: node.pos,
            });
        }
    }
    Some(Search {
        name: key.text.clone(),
        pos: key.pos,
        groups,
    })
}

fn condition_pos(node: &Node, offset: usize) -> Pos {
    Pos::new(
        node.pos.line,
        node.pos.col + offset as u32 + u32::from(node.quoted),
    )
}

fn parse_conditions(ctx: &mut Ctx, node: &Node, searches: &[Search]) -> Vec<Condition> {
    let nodes: Vec<&Node> = match &node.value {
        Yaml::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for n in nodes {
        let Some(text) = n.as_str() else {
            ctx.report(
                n.pos,
                codes::WRONG_TYPE,
                format!("`condition` must be a string, found {}", n.type_name()),
            );
            continue;
        };
        match condition::parse(text) {
            Ok(tree) => {
                let mut ok = true;
                tree.walk(&mut |c| match c {
                    Cond::Ident { name, offset } if !searches.iter().any(|s| s.name == *name) => {
                        let hint = if ["AND", "OR", "NOT", "And", "Or", "Not"].contains(&name.as_str()) {
                            " (condition keywords are lower case)".to_string()
                        } else {
                            let known: Vec<&str> =
                                searches.iter().map(|s| s.name.as_str()).collect();
                            format!(" (defined: {})", known.join(", "))
                        };
                        ctx.report(
                            condition_pos(n, *offset),
                            codes::UNKNOWN_IDENTIFIER,
                            format!("the condition uses `{name}`, which is not a search identifier{hint}"),
                        );
                        ok = false;
                    }
                    Cond::Of {
                        pattern, offset, ..
                    } if select(searches, pattern.as_deref()).is_empty() => {
                        ctx.report(
                            condition_pos(n, *offset),
                            codes::EMPTY_OF,
                            format!(
                                "`of {}` matches no search identifier",
                                pattern.as_deref().unwrap_or("them")
                            ),
                        );
                        ok = false;
                    }
                    _ => {}
                });
                if ok {
                    out.push(Condition {
                        text: text.to_string(),
                        pos: n.pos,
                        tree,
                    });
                }
            }
            Err(e) => {
                let code = if e.is_aggregation {
                    codes::AGGREGATION
                } else {
                    codes::CONDITION_SYNTAX
                };
                ctx.report(condition_pos(n, e.offset), code, e.message);
            }
        }
    }
    out
}

/// Parses a detection-like block (a rule's `detection`, a filter's `filter`); `skip` lists keys that are
/// not search identifiers.
pub(super) fn parse_detection(
    ctx: &mut Ctx,
    key: &Key,
    node: &Node,
    skip: &[&str],
) -> Option<Detection> {
    let Some(map) = node.as_map() else {
        ctx.report(
            node.pos,
            codes::WRONG_TYPE,
            format!(
                "`{}` must be a mapping, found {}",
                key.text,
                node.type_name()
            ),
        );
        return None;
    };
    let before = ctx.errors();
    let mut searches = Vec::new();
    let mut condition_node = None;
    let mut timeframe = None;
    for (k, v) in map {
        match k.text.as_str() {
            "condition" => condition_node = Some(v),
            "timeframe" => timeframe = text(ctx, k, v),
            s if skip.contains(&s) => {}
            _ => {
                if let Some(s) = search(ctx, k, v) {
                    searches.push(s);
                }
            }
        }
    }
    let Some(cnode) = condition_node else {
        ctx.report(
            key.pos,
            codes::MISSING_FIELD,
            format!("`{}` has no `condition`", key.text),
        );
        return None;
    };
    if ctx.errors() > before {
        // Identifier checks against a partial search list would only add noise.
        return None;
    }
    let conditions = parse_conditions(ctx, cnode, &searches);
    if ctx.errors() > before || conditions.is_empty() {
        return None;
    }
    for s in &searches {
        let used = conditions.iter().any(|c| {
            let mut used = false;
            c.tree.walk(&mut |n| match n {
                Cond::Ident { name, .. } if *name == s.name => used = true,
                Cond::Of { pattern, .. } => {
                    used |= !select(std::slice::from_ref(s), pattern.as_deref()).is_empty();
                }
                _ => {}
            });
            used
        });
        if !used {
            ctx.report(
                s.pos,
                codes::UNUSED_SEARCH,
                format!("search `{}` is not used by the condition", s.name),
            );
        }
    }
    Some(Detection {
        searches,
        conditions,
        pos: key.pos,
        timeframe,
    })
}

/// Parses a rule document.
pub fn parse_rule(ctx: &mut Ctx, root: &Node) -> Option<Rule> {
    let before = ctx.errors();
    let meta = parse_meta(ctx, root, &["logsource", "detection"]);
    if meta.title.is_none() && root.get("title").is_none() {
        ctx.report(
            root.pos,
            codes::MISSING_FIELD,
            "required field `title` is missing",
        );
    }
    let logsource = require(ctx, root, "logsource").map(|(k, v)| parse_logsource(ctx, k, v));
    let detection =
        require(ctx, root, "detection").and_then(|(k, v)| parse_detection(ctx, k, v, &[]));
    if ctx.errors() > before {
        return None;
    }
    Some(Rule {
        meta,
        logsource: logsource?,
        detection: detection?,
    })
}
