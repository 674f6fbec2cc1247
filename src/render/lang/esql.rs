//! `esql`: Elasticsearch ES|QL (`FROM … METADATA _id, _index, _version | WHERE …`) from the IR.
//!
//! ES|QL's `==`, `LIKE` and `RLIKE` are case-sensitive, so Sigma's case-insensitive matching is
//! written as `TO_LOWER(field) == "value"` / `TO_LOWER(field) LIKE "pattern"` with the value
//! lower-cased (values without letters skip the `TO_LOWER`); `cased` values compare as written.
//! `LIKE` treats `\` as its escape character, so literal `\`, `*` and `?` are escaped in patterns.
//! Sigma regexes go through the Lucene regex translation (ES|QL `RLIKE` is Lucene's whole-value
//! regex engine) and the `i` flag folds case inside the pattern.
//!
//! `METADATA _id, _index, _version` lets Kibana de-duplicate alerts of ES|QL detection rules.
//! A rule query (not a correlation, whose `STATS` already chooses its columns) then ends with
//! `| KEEP _id, _version, _index, <fields>`: Elastic's detection-rules repository requires a `KEEP`
//! in its ES|QL rules and the three metadata columns in it (elastic/detection-rules#4146, #5441),
//! since a `KEEP` without them would drop what de-duplication reads. The fields are the ones the
//! query tests, sorted; the `keep=false` option of the `esql` and `es-rule` targets leaves it out.
//! Not expressible, so skipped with the reason: keyword (full-text) searches, time modifiers,
//! unresolved placeholders, regexes without a Lucene equivalent.

use std::fmt::Write;

use crate::mapping::correlation::CorrelationInput;
use crate::mapping::ir::{Expr, FieldTest, Test};
use crate::render::text::{
    BoolOps, boolean_literal, double_quoted, field_names, no_placeholders, numeric_literal,
    quoted_field, render_bool,
};
use crate::rule::CorrelationType;
use crate::rule::value::{Part, SigmaString};

/// The complete ES|QL query over `indices` for one expression. ES|QL detection rules embed this.
/// With `keep`, the query ends with `| KEEP _id, _version, _index, <fields it uses>` (see the
/// module doc).
pub fn query(expr: &Expr, indices: &[String], keep: bool) -> Result<String, String> {
    if indices.is_empty() {
        return Err("ES|QL needs at least one index pattern for FROM".into());
    }
    let mut out = String::from("FROM ");
    for (i, idx) in indices.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&source(idx));
    }
    out.push_str(" METADATA _id, _index, _version\n| WHERE ");
    condition(expr, &mut out)?;
    if keep {
        out.push_str("\n| KEEP _id, _version, _index");
        for f in field_names(expr) {
            let _ = write!(out, ", {}", field(f));
        }
    }
    Ok(out)
}

/// An ES|QL time span literal (`5 minutes`, `1 hour`).
fn time_span(seconds: u64) -> String {
    let s = seconds.max(1);
    let (n, unit) = if s.is_multiple_of(86_400) {
        (s / 86_400, "day")
    } else if s.is_multiple_of(3600) {
        (s / 3600, "hour")
    } else if s.is_multiple_of(60) {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A correlation as an ES|QL aggregation over the last `timespan` (what a scheduled rule sees):
/// `event_count` → `COUNT(*)`, `value_count` → `COUNT_DISTINCT`, `value_sum`/`value_avg`/
/// `value_percentile` → `SUM`/`AVG`/`PERCENTILE`, each `BY` the group-by fields and filtered by the
/// condition (any operator, ranges included); `temporal` → one 0/1 column per referenced rule, all
/// (or the condition's number of them) required per group. `temporal_ordered` is refused: ES|QL
/// aggregations do not see event order.
pub fn correlation_query(c: &CorrelationInput<'_>) -> Result<String, String> {
    let indices = crate::render::meta::esql_indices(&c.indices());
    let mut out = String::from("FROM ");
    out.push_str(
        &indices
            .iter()
            .map(|i| source(i))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let _ = write!(
        out,
        "\n| WHERE {} >= NOW() - {} AND ",
        field(c.set.date_field()),
        time_span(c.seconds())
    );
    condition(&c.any_rule(), &mut out)?;
    let by = if c.group_by.is_empty() {
        String::new()
    } else {
        let g: Vec<String> = c.group_by.iter().map(|g| field(g)).collect();
        format!(" BY {}", g.join(", "))
    };
    let cond = |name: &str| -> Option<String> {
        let ops = &c.correlation.condition.as_ref()?.ops;
        if ops.is_empty() {
            return None;
        }
        Some(
            ops.iter()
                .map(|(op, n)| format!("{name} {} {}", op.symbol(), number(*n)))
                .collect::<Vec<_>>()
                .join(" AND "),
        )
    };
    let value_field = || {
        c.field
            .as_deref()
            .map(field)
            .ok_or_else(|| format!("{} needs a field", c.kind().name()))
    };
    let agg = match c.kind() {
        CorrelationType::EventCount => "COUNT(*)".to_string(),
        CorrelationType::ValueCount => format!("COUNT_DISTINCT({})", value_field()?),
        CorrelationType::ValueSum => format!("SUM({})", value_field()?),
        CorrelationType::ValueAvg => format!("AVG({})", value_field()?),
        CorrelationType::ValuePercentile => {
            let p = c
                .correlation
                .condition
                .as_ref()
                .and_then(|x| x.percentile)
                .ok_or("value_percentile needs a percentile")?;
            format!("PERCENTILE({}, {})", value_field()?, number(p))
        }
        CorrelationType::Temporal => {
            let mut evals = Vec::new();
            let mut stats = Vec::new();
            for (i, r) in c.rules.iter().enumerate() {
                let mut q = String::new();
                condition(&r.expr, &mut q)?;
                evals.push(format!("rule_{i} = CASE({q}, 1, 0)"));
                stats.push(format!("matched_{i} = MAX(rule_{i})"));
            }
            let total = (0..c.rules.len())
                .map(|i| format!("matched_{i}"))
                .collect::<Vec<_>>()
                .join(" + ");
            let want = cond(&format!("({total})"))
                .unwrap_or_else(|| format!("({total}) == {}", c.rules.len()));
            let _ = write!(
                out,
                "\n| EVAL {}\n| STATS {}{by}\n| WHERE {want}",
                evals.join(", "),
                stats.join(", ")
            );
            return Ok(out);
        }
        CorrelationType::TemporalOrdered => {
            return Err(
                "ES|QL aggregations do not see event order; `temporal_ordered` is not converted"
                    .into(),
            );
        }
    };
    let name = c.kind().name();
    let want = cond(name).ok_or_else(|| format!("{name} needs a condition"))?;
    let _ = write!(out, "\n| STATS {name} = {agg}{by}\n| WHERE {want}");
    Ok(out)
}

/// An index pattern for `FROM`: bare when it only uses the unquoted-source characters, else quoted.
fn source(idx: &str) -> String {
    if !idx.is_empty()
        && idx
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '-' | '_' | '.' | ':'))
        && !idx.starts_with('-')
    {
        idx.to_string()
    } else {
        string(idx)
    }
}

/// Renders the boolean condition of a `WHERE`.
pub fn condition(e: &Expr, out: &mut String) -> Result<(), String> {
    render_bool(
        e,
        out,
        &BoolOps {
            and: " AND ",
            or: " OR ",
            not: "NOT ",
        },
        &|x, out| match x {
            Expr::Test(t) => test(t, out),
            _ => {
                Err("keyword (full-text) searches have no ES|QL equivalent over all fields".into())
            }
        },
    )
}

const KEYWORDS: &[&str] = &[
    "and", "as", "asc", "by", "desc", "false", "first", "from", "in", "is", "last", "like",
    "limit", "metadata", "not", "null", "nulls", "on", "or", "rlike", "true", "where", "with",
];

/// A field name, back-quoted unless every dotted segment is a plain identifier.
pub fn field(name: &str) -> String {
    quoted_field(name, KEYWORDS)
}

/// A double-quoted ES|QL string literal.
pub fn string(s: &str) -> String {
    double_quoted(s)
}

fn has_letters(v: &SigmaString) -> bool {
    v.parts.iter().any(|p| match p {
        Part::Lit(l) => l.chars().any(|c| c.to_lowercase().ne(c.to_uppercase())),
        _ => false,
    })
}

/// Literal text of a plain value, optionally lower-cased.
fn text(v: &SigmaString, lower: bool) -> String {
    let mut o = String::new();
    for p in &v.parts {
        if let Part::Lit(l) = p {
            if lower {
                o.push_str(&l.to_lowercase());
            } else {
                o.push_str(l);
            }
        }
    }
    o
}

/// A `LIKE` pattern: wildcards bare, literal `\ * ?` escaped with `\`.
fn like_pattern(v: &SigmaString, lower: bool) -> String {
    let mut o = String::new();
    for p in &v.parts {
        match p {
            Part::Lit(l) => {
                for c in l.chars() {
                    if matches!(c, '\\' | '*' | '?') {
                        o.push('\\');
                    }
                    if lower {
                        o.extend(c.to_lowercase());
                    } else {
                        o.push(c);
                    }
                }
            }
            Part::AnyChars => o.push('*'),
            Part::OneChar | Part::Placeholder(_) => o.push('?'),
        }
    }
    o
}

fn test(t: &FieldTest, out: &mut String) -> Result<(), String> {
    if let Some(u) = t.time_part {
        return Err(format!(
            "the `{}` time modifier on `{}` is not converted to ES|QL",
            u.name(),
            t.field
        ));
    }
    let f = field(&t.field);
    match &t.test {
        Test::Pattern { value, cased } => {
            no_placeholders(value, &t.field)?;
            if value.parts == [Part::AnyChars] {
                let _ = write!(out, "{f} IS NOT NULL");
                return Ok(());
            }
            let fold = !cased && has_letters(value);
            let lhs = if fold {
                format!("TO_LOWER({f})")
            } else {
                f.clone()
            };
            if value.has_wildcards() {
                let _ = write!(out, "{lhs} LIKE {}", string(&like_pattern(value, fold)));
            } else {
                let _ = write!(out, "{lhs} == {}", string(&text(value, fold)));
            }
        }
        Test::Regex { pattern, flags } => {
            let body = crate::mapping::query_string::translate_regex(pattern, *flags)
                .map_err(|e| format!("regex `{pattern}` on `{}`: {e}", t.field))?;
            let _ = write!(out, "{f} RLIKE {}", string(&body));
        }
        Test::Cidr(c) => {
            let _ = write!(out, "CIDR_MATCH({f}, {})", string(c));
        }
        Test::Number(n) => {
            if numeric_literal(t) {
                let _ = write!(out, "{f} == {n}");
            } else {
                let _ = write!(out, "{f} == {}", string(&n.to_string()));
            }
        }
        Test::Bool(b) => {
            if boolean_literal(t) {
                let _ = write!(out, "{f} == {b}");
            } else {
                let _ = write!(out, "TO_LOWER({f}) == {}", string(&b.to_string()));
            }
        }
        Test::Null => {
            let _ = write!(out, "{f} IS NULL");
        }
        Test::Exists => {
            let _ = write!(out, "{f} IS NOT NULL");
        }
        Test::Compare { op, value } => {
            let _ = write!(out, "{f} {} {value}", op.symbol());
        }
        Test::FieldRef(other) => {
            let _ = write!(out, "{f} == {}", field(other));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn case_folding_and_escapes() {
        let w = |e: &Expr| {
            let q = query(e, &["logs-*".to_string()], false).unwrap();
            q.split_once("| WHERE ").map(|x| x.1.to_string()).unwrap()
        };
        assert_eq!(w(&pat("a", "AbC", false)), r#"TO_LOWER(a) == "abc""#);
        assert_eq!(w(&pat("a", "AbC", true)), r#"a == "AbC""#);
        assert_eq!(w(&pat("a", "123", false)), r#"a == "123""#);
        assert_eq!(
            w(&pat("a", r"*\X.exe", false)),
            r#"TO_LOWER(a) LIKE "*\\\\x.exe""#
        );
        assert_eq!(w(&pat("a", "*", false)), "a IS NOT NULL");
        assert_eq!(w(&pat("in", "x", false)), r#"TO_LOWER(`in`) == "x""#);
        let e = Expr::or(vec![pat("a", "1", false), Expr::not(pat("b", "2", false))]);
        assert_eq!(w(&e), r#"(a == "1" OR NOT (b == "2"))"#);
        assert!(
            query(&e, &["logs-*".into(), "-x".into()], false)
                .unwrap()
                .starts_with("FROM logs-*, \"-x\" METADATA")
        );
    }

    #[test]
    fn keep_lists_metadata_and_the_fields_used_unless_off() {
        let e = Expr::and(vec![
            pat("process.name", "x", false),
            pat("in", "y", false),
            pat("process.name", "z", false),
        ]);
        let idx = ["logs-*".to_string()];
        let on = query(&e, &idx, true).unwrap();
        assert!(
            on.ends_with("\n| KEEP _id, _version, _index, `in`, process.name"),
            "{on}"
        );
        let off = query(&e, &idx, false).unwrap();
        assert!(!off.contains("KEEP"), "{off}");
        assert_eq!(
            on.strip_suffix("\n| KEEP _id, _version, _index, `in`, process.name"),
            Some(off.as_str())
        );
    }
}
