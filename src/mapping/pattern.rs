//! Small detection-like expressions written inside configs (logsource `conditions`, override `match`,
//! `replace` and `negation`). They use Sigma's own value syntax and modifiers, so a config author
//! writes `field|contains: x` exactly as in a rule, and the same modifier code interprets it.
//!
//! Grammar of a mapping (all entries AND-ed):
//! * `field|modifiers: value` or `field|modifiers: [v1, v2]` (OR, or AND with `|all`);
//! * `any: [pattern, …]` — OR of sub-patterns; `all: [pattern, …]` — AND; `not: pattern`.

use serde_yaml::{Mapping, Value};

use super::ir::Expr;
use super::lower::item_expr;
use crate::rule::modifier::{self, RawValue};
use crate::rule::value::Number;

fn raw_value(v: &Value) -> Result<RawValue, String> {
    Ok(match v {
        Value::Null => RawValue::Null,
        Value::Bool(b) => RawValue::Bool(*b),
        Value::String(s) => RawValue::Str(s.clone()),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => RawValue::Number(Number::Int(i)),
            (None, Some(f)) => RawValue::Number(Number::Float(f)),
            _ => return Err(format!("unsupported number {n}")),
        },
        other => return Err(format!("a value must be a scalar, not {other:?}")),
    })
}

fn describe(e: &modifier::ModifierError) -> String {
    match e {
        modifier::ModifierError::Unknown(m) => format!("unknown modifier `{m}`"),
        modifier::ModifierError::IllegalChain(m) | modifier::ModifierError::BadValue(m) => {
            m.clone()
        }
    }
}

/// Parses any pattern node: a mapping, or a list of mappings (OR, like a Sigma search).
pub(crate) fn parse_value(v: &Value) -> Result<Expr, String> {
    match v {
        Value::Mapping(m) => parse_mapping(m),
        Value::Sequence(items) if !items.is_empty() => Ok(Expr::or(
            items.iter().map(parse_value).collect::<Result<_, _>>()?,
        )),
        other => Err(format!(
            "expected a mapping of field tests, found {other:?}"
        )),
    }
}

/// Parses a mapping of field tests and `any`/`all`/`not` combinators.
pub(crate) fn parse_mapping(m: &Mapping) -> Result<Expr, String> {
    if m.is_empty() {
        return Err("empty pattern".into());
    }
    let mut parts = Vec::new();
    for (k, v) in m {
        let key = k
            .as_str()
            .ok_or_else(|| format!("pattern keys must be strings, not {k:?}"))?;
        match key {
            "any" | "all" => {
                let items = v
                    .as_sequence()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| format!("`{key}` needs a non-empty list of patterns"))?;
                let subs = items
                    .iter()
                    .map(parse_value)
                    .collect::<Result<Vec<_>, _>>()?;
                parts.push(if key == "any" {
                    Expr::or(subs)
                } else {
                    Expr::and(subs)
                });
            }
            "not" => parts.push(Expr::not(parse_value(v)?)),
            _ => {
                let mut names = key.split('|');
                let field = names.next().unwrap_or_default();
                if field.is_empty() {
                    return Err(format!("`{key}`: missing field name"));
                }
                let mods: Vec<&str> = names.collect();
                let chain = modifier::parse_chain(&mods)
                    .map_err(|e| format!("`{key}`: {}", describe(&e)))?;
                let values: Vec<&Value> = match v {
                    Value::Sequence(s) if !s.is_empty() => s.iter().collect(),
                    Value::Sequence(_) => return Err(format!("`{key}`: empty value list")),
                    one => vec![one],
                };
                let mut alternatives = Vec::new();
                for value in values {
                    let raw = raw_value(value).map_err(|e| format!("`{key}`: {e}"))?;
                    alternatives.push(
                        modifier::apply(&chain, &raw)
                            .map_err(|e| format!("`{key}`: {}", describe(&e)))?,
                    );
                }
                let fields = [field.to_string()];
                parts.push(
                    item_expr(&fields, &chain, alternatives, &Default::default(), false)
                        .map_err(|e| format!("`{key}`: {e}"))?,
                );
            }
        }
    }
    Ok(Expr::and(parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::ir::{CaseStrategy, FieldKind, FieldTest, Test};
    use crate::rule::value::SigmaString;

    fn p(text: &str) -> Result<Expr, String> {
        parse_value(&serde_yaml::from_str(text).unwrap())
    }

    #[test]
    fn combinators_and_modifiers() {
        let e = p("any:\n  - a: '*'\n  - b|contains: x\n    c: [1, 2]\n").unwrap();
        let Expr::Or(v) = e else { panic!() };
        assert_eq!(v.len(), 2);
        assert!(matches!(&v[1], Expr::And(items) if items.len() == 2));
        let e = p("not:\n  a: null\n").unwrap();
        assert_eq!(
            e,
            Expr::not(Expr::Test(FieldTest {
                kind: FieldKind::default(),
                case: CaseStrategy::default(),
                field: "a".into(),
                time_part: None,
                test: Test::Null
            }))
        );
        let e = p("a: x").unwrap();
        assert!(
            matches!(e, Expr::Test(FieldTest { test: Test::Pattern { ref value, .. }, .. }) if *value == SigmaString::literal("x"))
        );
        assert!(p("a|nosuch: x").is_err());
        assert!(p("any: []").is_err());
        assert!(p("[]").is_err());
    }
}
