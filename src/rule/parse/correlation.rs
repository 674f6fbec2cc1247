//! Correlation documents (Sigma 2.1): type, referenced rules, group-by, timespan, condition, aliases.

use super::ctx::Ctx;
use super::meta::parse_meta;
use super::meta::references;
use crate::rule::codes;
use crate::rule::model::*;
use crate::rule::yaml::{Node, Yaml};

fn parse_timespan(text: &str) -> Option<u64> {
    let unit = text.chars().last()?;
    let n: u64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        'M' => 2_592_000,
        'y' => 31_536_000,
        _ => return None,
    };
    n.checked_mul(mult).filter(|s| *s > 0)
}

fn number(node: &Node) -> Option<f64> {
    match node.value {
        Yaml::Int(i) => Some(i as f64),
        Yaml::Float(f) if f.is_finite() => Some(f),
        _ => None,
    }
}

fn parse_corr_condition(ctx: &mut Ctx, node: &Node) -> Option<CorrCondition> {
    let Some(map) = node.as_map() else {
        ctx.report(
            node.pos,
            codes::CORRELATION,
            "the correlation `condition` must be a mapping such as `{gte: 10}`",
        );
        return None;
    };
    let mut cond = CorrCondition {
        pos: node.pos,
        ..CorrCondition::default()
    };
    for (k, v) in map {
        if let Some(op) = CorrOp::parse(&k.text) {
            match number(v) {
                Some(n) => cond.ops.push((op, n)),
                None => ctx.report(
                    v.pos,
                    codes::CORRELATION,
                    format!("`{}` needs a number, found {}", k.text, v.type_name()),
                ),
            }
        } else if k.text == "field" {
            cond.field = references(ctx, k, v);
        } else if k.text == "percentile" {
            cond.percentile = number(v);
        } else {
            ctx.report(
                k.pos,
                codes::CORRELATION,
                format!(
                    "unknown key `{}` in a correlation condition (use gt, gte, lt, lte, eq, neq, field)",
                    k.text
                ),
            );
        }
    }
    if cond.ops.is_empty() || cond.ops.len() > 2 {
        ctx.report(
            node.pos,
            codes::CORRELATION,
            "a correlation condition needs one comparison, or two for a range",
        );
    }
    Some(cond)
}

/// Parses a correlation document.
pub fn parse_correlation(ctx: &mut Ctx, root: &Node) -> Option<Correlation> {
    let before = ctx.errors();
    let meta = parse_meta(ctx, root, &["correlation", "generate"]);
    if root.get("title").is_none() {
        ctx.report(
            root.pos,
            codes::MISSING_FIELD,
            "required field `title` is missing",
        );
    }
    let (ckey, cnode) = root.get("correlation")?;
    if cnode.as_map().is_none() {
        ctx.report(
            cnode.pos,
            codes::CORRELATION,
            "`correlation` must be a mapping",
        );
        return None;
    }
    let mut kind = None;
    let mut rules = Vec::new();
    let mut group_by = Vec::new();
    let mut timespan = None;
    let mut condition = None;
    let mut aliases = Vec::new();
    let mut generate = root
        .get("generate")
        .is_some_and(|(_, v)| v.value == Yaml::Bool(true));
    for (k, v) in cnode.as_map().unwrap_or_default() {
        match k.text.as_str() {
            "type" => match v.as_str().and_then(CorrelationType::parse) {
                Some(t) => kind = Some(Spanned::new(t, v.pos)),
                None => ctx.report(
                    v.pos,
                    codes::CORRELATION,
                    format!(
                        "unknown correlation type {}; use event_count, value_count, temporal, \
                         temporal_ordered, value_sum, value_avg or value_percentile",
                        v.as_scalar_string().unwrap_or_else(|| v.type_name().into())
                    ),
                ),
            },
            "rules" => rules = references(ctx, k, v),
            "group-by" => group_by = references(ctx, k, v),
            "timespan" | "timeframe" => {
                match v.as_scalar_string().as_deref().and_then(parse_timespan) {
                    Some(s) => timespan = Some(Spanned::new(Timespan { seconds: s }, v.pos)),
                    None => ctx.report(
                        v.pos,
                        codes::CORRELATION,
                        "`timespan` must be a number with a unit s, m, h, d, w, M or y (e.g. `5m`)",
                    ),
                }
            }
            "condition" => condition = parse_corr_condition(ctx, v),
            "generate" => generate = v.value == Yaml::Bool(true),
            "aliases" => match v.as_map() {
                Some(map) => {
                    for (ak, av) in map {
                        let fields = av
                            .as_map()
                            .map(|m| {
                                m.iter()
                                    .filter_map(|(rk, rv)| {
                                        Some((
                                            Text::new(rk.text.clone(), rk.pos),
                                            Text::new(rv.as_scalar_string()?, rv.pos),
                                        ))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        aliases.push(CorrAlias {
                            name: Text::new(ak.text.clone(), ak.pos),
                            fields,
                        });
                    }
                }
                None => ctx.report(v.pos, codes::CORRELATION, "`aliases` must be a mapping"),
            },
            other => ctx.report(
                k.pos,
                codes::CORRELATION,
                format!("unknown key `{other}` in `correlation`"),
            ),
        }
    }
    let Some(kind) = kind else {
        if cnode.get("type").is_none() {
            ctx.report(ckey.pos, codes::CORRELATION, "`correlation` needs a `type`");
        }
        return None;
    };
    if rules.is_empty() {
        ctx.report(ckey.pos, codes::CORRELATION, "`correlation` needs `rules`");
    }
    if timespan.is_none() && cnode.get("timespan").is_none() {
        ctx.report(
            ckey.pos,
            codes::CORRELATION,
            "`correlation` needs a `timespan`",
        );
    }
    match (&condition, kind.value) {
        (None, CorrelationType::Temporal | CorrelationType::TemporalOrdered) => {}
        (None, t) => ctx.report(
            ckey.pos,
            codes::CORRELATION,
            format!("a `{}` correlation needs a `condition`", t.name()),
        ),
        (Some(c), t) if t.needs_field() && c.field.is_empty() => ctx.report(
            c.pos,
            codes::CORRELATION,
            format!("a `{}` correlation condition needs a `field`", t.name()),
        ),
        _ => {}
    }
    if ctx.errors() > before {
        return None;
    }
    Some(Correlation {
        meta,
        kind,
        rules,
        group_by,
        timespan: timespan?,
        condition,
        aliases,
        generate,
        pos: ckey.pos,
    })
}
