//! `eql`: Elasticsearch Event Query Language (`any where …`) from the IR.
//!
//! Sigma matches strings case-insensitively; EQL has operators for exactly that, so no value is
//! folded or rewritten:
//! * plain value → `field : "v"` (case-insensitive equality);
//! * value with Sigma wildcards → `field like~ "a*b?"` (case-insensitive wildcard match);
//! * value whose *literal* text holds `*` or `?` (EQL wildcards cannot be escaped) → `field regex~`
//!   with an escaped pattern;
//! * `cased` values use the case-sensitive `==`, `like`, `regex`;
//! * Sigma regexes go through the Lucene regex translation (EQL runs Lucene's regex engine, which
//!   matches the whole value) and use `regex`.
//!
//! Not expressible, so the rule is skipped with the reason: keyword (full-text) searches, field
//! references (EQL refuses field-to-field comparisons), time modifiers, unresolved placeholders, regexes without a Lucene equivalent.
//!
//! Numbers: ECS keeps most "numeric" Sigma values (event ids, codes) in `keyword` fields, and EQL
//! refuses to compare a keyword with an integer, so numbers are written as strings unless the
//! field is one of ECS's numeric fields (ports, pids, byte counts …, see [`numeric_literal`]: the field catalog's type, else a name heuristic).

use std::fmt::Write;

use crate::mapping::correlation::CorrelationInput;
use crate::mapping::ir::{Expr, FieldTest, Test};
use crate::render::text::{
    BoolOps, boolean_literal, condition_text, double_quoted, no_placeholders, numeric_literal,
    quoted_field, render_bool, span,
};
use crate::rule::CorrelationType;
use crate::rule::value::{Part, SigmaString};

/// The complete EQL query (`any where <condition>`) for one expression. Other targets (EQL
/// detection rules) embed this.
pub fn query(expr: &Expr) -> Result<String, String> {
    let mut out = String::from("any where ");
    condition(expr, &mut out)?;
    Ok(out)
}

/// Most events an `event_count` sequence may chain (Elasticsearch's limit for `runs`).
const MAX_RUNS: u64 = 100;

/// A correlation as an EQL query: `temporal_ordered` → `sequence [by …] with maxspan=… [q1] [q2] …`;
/// `event_count` with `gt`/`gte` N → the rule's query repeated N times in one sequence (what
/// `with runs=N` abbreviates: N matching events, per group, within the span). `temporal` (any order)
/// and the value aggregations have no EQL form and are refused with the reason.
pub fn correlation_query(c: &CorrelationInput<'_>) -> Result<String, String> {
    let mut steps: Vec<String> = Vec::new();
    match c.kind() {
        CorrelationType::TemporalOrdered => {
            for r in &c.rules {
                let mut q = String::new();
                condition(&r.expr, &mut q)?;
                steps.push(q);
            }
        }
        CorrelationType::EventCount => {
            let n = c.at_least().ok_or_else(|| {
                format!(
                    "an EQL sequence counts at-least conditions only, not `{}`",
                    condition_text(c.correlation)
                )
            })?;
            let mut q = String::new();
            condition(&c.any_rule(), &mut q)?;
            if n == 1 {
                return Ok(format!("any where {q}"));
            }
            if n > MAX_RUNS {
                return Err(format!(
                    "an EQL sequence chains at most {MAX_RUNS} events, the condition needs {n}"
                ));
            }
            steps = vec![q; n as usize];
        }
        CorrelationType::Temporal => {
            return Err(
                "EQL sequences are ordered; `temporal` (any order) has no EQL equivalent".into(),
            );
        }
        k => return Err(format!("{} correlations have no EQL equivalent", k.name())),
    }
    let mut out = String::from("sequence");
    if !c.group_by.is_empty() {
        let by: Vec<String> = c.group_by.iter().map(|g| field(g)).collect();
        let _ = write!(out, " by {}", by.join(", "));
    }
    let _ = write!(out, " with maxspan={}", span(c.seconds()));
    for s in steps {
        let _ = write!(out, " [any where {s}]");
    }
    Ok(out)
}

/// Renders the boolean condition only (no `any where`), for sequences built around it.
pub fn condition(e: &Expr, out: &mut String) -> Result<(), String> {
    render_bool(
        e,
        out,
        &BoolOps {
            and: " and ",
            or: " or ",
            not: "not ",
        },
        &|x, out| match x {
            Expr::Test(t) => test(t, out),
            _ => Err(
                "keyword (full-text) searches have no EQL equivalent: EQL tests named fields only"
                    .into(),
            ),
        },
    )
}

const KEYWORDS: &[&str] = &[
    "and", "any", "by", "false", "in", "join", "like", "maxspan", "not", "null", "of", "or",
    "regex", "runs", "sample", "sequence", "true", "until", "where", "with",
];

/// A field name, back-quoted unless every dotted segment is a plain identifier.
pub fn field(name: &str) -> String {
    quoted_field(name, KEYWORDS)
}

/// A double-quoted EQL string literal. Other control characters stay raw: the EQL grammar allows
/// them, and the `eql` reference parser mis-reads `\u{..}` escapes when a string holds several.
pub fn string(s: &str) -> String {
    double_quoted(s)
}

/// True when a literal part holds a character a wildcard language would read as a wildcard.
pub(crate) fn literal_wildcard(v: &SigmaString) -> bool {
    v.parts
        .iter()
        .any(|p| matches!(p, Part::Lit(l) if l.contains(['*', '?'])))
}

/// A Sigma string as EQL wildcard text: literals verbatim (a backslash is literal in EQL patterns,
/// as in Elastic's own prebuilt rules), wildcards as `*`/`?`. Callers route values whose literals
/// hold `*`/`?` elsewhere.
fn raw(v: &SigmaString) -> String {
    let mut o = String::new();
    for p in &v.parts {
        match p {
            Part::Lit(l) => o.push_str(l),
            Part::AnyChars => o.push('*'),
            Part::OneChar => o.push('?'),
            Part::Placeholder(n) => {
                o.push('%');
                o.push_str(n);
                o.push('%');
            }
        }
    }
    o
}

/// A Sigma string as a Lucene-dialect regex (whole-value match), literals escaped.
pub(crate) fn as_regex(v: &SigmaString, lower: bool) -> String {
    let mut o = String::new();
    for p in &v.parts {
        match p {
            Part::Lit(l) => {
                for c in l.chars() {
                    let c = if lower {
                        c.to_lowercase().next().unwrap_or(c)
                    } else {
                        c
                    };
                    if !c.is_alphanumeric() {
                        o.push('\\');
                    }
                    o.push(c);
                }
            }
            Part::AnyChars => o.push_str(".*"),
            Part::OneChar | Part::Placeholder(_) => o.push('.'),
        }
    }
    o
}

fn test(t: &FieldTest, out: &mut String) -> Result<(), String> {
    if let Some(u) = t.time_part {
        return Err(format!(
            "the `{}` time modifier on `{}` cannot be expressed in EQL",
            u.name(),
            t.field
        ));
    }
    let f = field(&t.field);
    match &t.test {
        Test::Pattern { value, cased } => {
            no_placeholders(value, &t.field)?;
            if value.parts == [Part::AnyChars] {
                let _ = write!(out, "?{f} != null");
            } else if literal_wildcard(value) {
                let op = if *cased { "regex" } else { "regex~" };
                let _ = write!(out, "{f} {op} {}", string(&as_regex(value, false)));
            } else if value.has_wildcards() {
                let op = if *cased { "like" } else { "like~" };
                let _ = write!(out, "{f} {op} {}", string(&raw(value)));
            } else {
                let op = if *cased { "==" } else { ":" };
                let _ = write!(out, "{f} {op} {}", string(&raw(value)));
            }
        }
        Test::Regex { pattern, flags } => {
            let body = crate::mapping::query_string::translate_regex(pattern, *flags)
                .map_err(|e| format!("regex `{pattern}` on `{}`: {e}", t.field))?;
            let _ = write!(out, "{f} regex {}", string(&body));
        }
        Test::Cidr(c) => {
            let _ = write!(out, "cidrMatch({f}, {})", string(c));
        }
        Test::Number(n) => {
            if numeric_literal(t) {
                let _ = write!(out, "{f} == {n}");
            } else {
                let _ = write!(out, "{f} : {}", string(&n.to_string()));
            }
        }
        Test::Bool(b) => {
            if boolean_literal(t) {
                let _ = write!(out, "{f} == {b}");
            } else {
                let _ = write!(out, "{f} : {}", string(&b.to_string()));
            }
        }
        Test::Null => {
            let _ = write!(out, "?{f} == null");
        }
        Test::Exists => {
            let _ = write!(out, "?{f} != null");
        }
        Test::Compare { op, value } => {
            let _ = write!(out, "{f} {} {value}", op.symbol());
        }
        Test::FieldRef(other) => {
            return Err(format!(
                "fieldref (`{}` equals `{other}`): EQL cannot compare two fields",
                t.field
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::ir::Keyword;
    use crate::mapping::ir::{CaseStrategy, FieldKind};

    fn pat(f: &str, v: &str, cased: bool) -> Expr {
        Expr::Test(FieldTest {
            kind: FieldKind::default(),
            case: CaseStrategy::default(),
            field: f.into(),
            time_part: None,
            test: Test::Pattern {
                value: SigmaString::parse(v, false),
                cased,
            },
        })
    }

    #[test]
    fn operators_follow_case_and_wildcards() {
        let q = |e: &Expr| query(e).unwrap();
        assert_eq!(
            q(&pat("a.b", "X\"y\\", false)),
            r#"any where a.b : "X\"y\\""#
        );
        assert_eq!(q(&pat("a", "*x?", false)), r#"any where a like~ "*x?""#);
        assert_eq!(q(&pat("a", "*x", true)), r#"any where a like "*x""#);
        assert_eq!(q(&pat("a", "X", true)), r#"any where a == "X""#);
        assert_eq!(q(&pat("a", r"x\*", false)), r#"any where a regex~ "x\\*""#);
        assert_eq!(q(&pat("a b", "x", false)), r#"any where `a b` : "x""#);
        assert_eq!(q(&pat("where", "x", false)), r#"any where `where` : "x""#);
        let e = Expr::and(vec![pat("a", "1", false), Expr::not(pat("b", "2", false))]);
        assert_eq!(q(&e), r#"any where (a : "1" and not (b : "2"))"#);
        let k = Expr::Keyword(Keyword {
            case: CaseStrategy::default(),
            value: SigmaString::parse("x", false),
            cased: false,
        });
        assert!(query(&k).is_err());
    }
}
