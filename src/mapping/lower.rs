//! Lowering: one detection item of a rule (a field, its modifier chain, its values) becomes an IR
//! expression on already-mapped field names.
//!
//! This is the bottom of the mapping folder: it knows the rule model and the IR, nothing of configs.
//! The builder ([`super::build`]) calls it for rule detections and the config pattern parser
//! ([`super::pattern`]) for override patterns, so both read a value exactly the same way.

use std::collections::BTreeMap;

use super::ir::{CaseStrategy, Expr, FieldKind, FieldTest, Test};
use crate::rule::Rule;
use crate::rule::modifier::{Chain, Matcher, RawValue};
use crate::rule::value::{Part, SigmaString};

/// Expands `%name%` placeholders with the config's values (cartesian product for several). With
/// `keep_unknown` (pipelines follow, which may resolve them), a name without a value stays a
/// placeholder instead of failing.
pub(crate) fn expand_placeholders(
    s: &SigmaString,
    placeholders: &BTreeMap<String, Vec<String>>,
    keep_unknown: bool,
) -> Result<Vec<SigmaString>, String> {
    let mut out: Vec<Vec<Part>> = vec![Vec::new()];
    for part in &s.parts {
        match part {
            Part::Placeholder(name) if keep_unknown && !placeholders.contains_key(name) => {
                out.iter_mut().for_each(|p| p.push(part.clone()));
            }
            Part::Placeholder(name) => {
                let values = placeholders.get(name).ok_or_else(|| {
                    format!("placeholder %{name}% has no value in the config set (add it under `placeholders`)")
                })?;
                let mut next = Vec::new();
                for prefix in &out {
                    for v in values {
                        let mut p = prefix.clone();
                        p.extend(SigmaString::parse(v, false).parts);
                        next.push(p);
                    }
                }
                out = next;
            }
            other => out.iter_mut().for_each(|p| p.push(other.clone())),
        }
    }
    Ok(out
        .into_iter()
        .map(|parts| {
            let mut merged: Vec<Part> = Vec::with_capacity(parts.len());
            for p in parts {
                match (merged.last_mut(), p) {
                    (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
                    (_, p) => merged.push(p),
                }
            }
            SigmaString { parts: merged }
        })
        .collect())
}

fn matcher_tests(
    m: Matcher,
    fieldref: impl Fn(&str) -> Result<String, String>,
    placeholders: &BTreeMap<String, Vec<String>>,
    keep_unknown: bool,
) -> Result<Vec<(Test, bool)>, String> {
    // (test, negate)
    Ok(match m {
        Matcher::Pattern { value, cased } if value.has_placeholders() => {
            expand_placeholders(&value, placeholders, keep_unknown)?
                .into_iter()
                .map(|value| (Test::Pattern { value, cased }, false))
                .collect()
        }
        Matcher::Pattern { value, cased } => vec![(Test::Pattern { value, cased }, false)],
        Matcher::Regex { pattern, flags } => vec![(Test::Regex { pattern, flags }, false)],
        Matcher::Cidr(c) => vec![(Test::Cidr(c), false)],
        Matcher::Number(n) => vec![(Test::Number(n), false)],
        Matcher::Bool(b) => vec![(Test::Bool(b), false)],
        Matcher::Null => vec![(Test::Null, false)],
        Matcher::Exists(b) => vec![(Test::Exists, !b)],
        Matcher::Compare { op, value } => vec![(Test::Compare { op, value }, false)],
        Matcher::FieldRef(f) => vec![(Test::FieldRef(fieldref(&f)?), false)],
    })
}

/// Builds the expression of one detection item on already-mapped field names: values OR-ed (AND-ed
/// with `all`), the alternatives of one value OR-ed, several mapped fields OR-ed per value, and `neq`
/// negating the whole item ("the field differs from every value").
pub(crate) fn item_expr(
    fields: &[String],
    chain: &Chain,
    values: Vec<Vec<Matcher>>,
    placeholders: &BTreeMap<String, Vec<String>>,
    keep_unknown: bool,
) -> Result<Expr, String> {
    let mut per_value = Vec::with_capacity(values.len());
    for alternatives in values {
        let mut alts = Vec::new();
        for m in alternatives {
            for field in fields {
                let tests =
                    matcher_tests(m.clone(), |f| Ok(f.to_string()), placeholders, keep_unknown)?;
                for (test, negate) in tests {
                    let t = Expr::Test(FieldTest {
                        kind: FieldKind::default(),
                        case: CaseStrategy::default(),
                        field: field.clone(),
                        time_part: chain.time_part,
                        test,
                    });
                    alts.push(if negate { Expr::not(t) } else { t });
                }
            }
        }
        if alts.is_empty() {
            return Err("a value produced nothing to match".into());
        }
        per_value.push(Expr::or(alts));
    }
    if per_value.is_empty() {
        return Err("empty value list".into());
    }
    let e = if chain.all {
        Expr::and(per_value)
    } else {
        Expr::or(per_value)
    };
    Ok(if chain.negated { Expr::not(e) } else { e })
}

/// How a matcher is named in a skip reason.
pub(crate) fn matcher_kind(m: &Matcher) -> &'static str {
    match m {
        Matcher::Pattern { .. } => "a string",
        Matcher::Regex { .. } => "a regex",
        Matcher::Cidr(_) => "cidr",
        Matcher::Number(_) => "a number",
        Matcher::Bool(_) => "a boolean",
        Matcher::Null => "null",
        Matcher::Exists(_) => "exists",
        Matcher::Compare { .. } => "a comparison",
        Matcher::FieldRef(_) => "fieldref",
    }
}

/// The `(field, value)` pairs of a rule's detection, for sigmac's `field=value` conditional mappings.
pub(crate) fn detection_pairs(rule: &Rule) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for s in &rule.detection.searches {
        for g in &s.groups {
            for fm in &g.items {
                let Some(f) = &fm.field else { continue };
                for v in &fm.values {
                    match &v.raw {
                        RawValue::Str(s) => pairs.push((f.clone(), s.clone())),
                        RawValue::Number(n) => pairs.push((f.clone(), n.to_string())),
                        RawValue::Bool(b) => pairs.push((f.clone(), b.to_string())),
                        RawValue::Null => {}
                    }
                }
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand_as_a_product() {
        let mut p = BTreeMap::new();
        p.insert("a".to_string(), vec!["x".to_string(), "y*".to_string()]);
        let s = SigmaString::parse("pre%a%post", true);
        let out = expand_placeholders(&s, &p, false).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], SigmaString::literal("prexpost"));
        assert_eq!(out[1].to_string(), "prey*post");
        assert!(expand_placeholders(&SigmaString::parse("%b%", true), &p, false).is_err());
    }
}
