//! Text helpers shared by several renderers: the boolean skeleton of EQL and ES|QL, correlation
//! timespans and condition wording, ECS numeric fields and unresolved placeholders. One place, so no
//! renderer imports another.

use std::collections::BTreeSet;

use crate::mapping::ir::{Expr, FieldKind, FieldTest, Test};
use crate::rule::Correlation;
use crate::rule::value::SigmaString;

/// A timespan in the largest whole unit: `90s`, `5m`, `2h`, `1d` (Kibana date math and interval
/// syntax, EQL `maxspan`).
pub fn span(seconds: u64) -> String {
    let s = seconds.max(1);
    if s.is_multiple_of(86_400) {
        format!("{}d", s / 86_400)
    } else if s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Every field a query reads, sorted: tested fields and the other side of a field reference.
/// ES|QL's `KEEP` and the es-rule metadata (`required_fields`, `investigation_fields`) list these,
/// so both name exactly the fields the query depends on.
pub fn field_names(expr: &Expr) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    expr.walk(&mut |e| {
        if let Expr::Test(t) = e {
            out.insert(t.field.as_str());
            if let Test::FieldRef(other) = &t.test {
                out.insert(other.as_str());
            }
        }
    });
    out
}

/// The reason every target gives for a condition it cannot express.
pub fn condition_text(c: &Correlation) -> String {
    match &c.condition {
        None => "no condition".into(),
        Some(cond) => cond
            .ops
            .iter()
            .map(|(op, n)| format!("{} {n}", op.symbol()))
            .collect::<Vec<_>>()
            .join(" and "),
    }
}

/// Whether a number compared with `t`'s field is written as a number (else as a string): the field
/// catalog's type when it knows the field in the query's indices ([`FieldKind`]), else the
/// documented name heuristic [`numeric_field`] (docs/targets.md, "Field types").
pub fn numeric_literal(t: &FieldTest) -> bool {
    match t.kind {
        FieldKind::Number => true,
        FieldKind::String | FieldKind::Ip => false,
        FieldKind::Unknown => numeric_field(&t.field),
    }
}

/// Whether a Sigma boolean compared with `t`'s field is written as a boolean: not when the field
/// catalog says the field is a string in every index of the query (Windows event data keeps
/// `HasFullTrust` as a keyword), where EQL and ES|QL reject a boolean operand; there it is compared
/// as the text `true`/`false`, case-insensitively as Sigma does.
pub fn boolean_literal(t: &FieldTest) -> bool {
    t.kind != FieldKind::String
}

/// ECS fields with numeric types (by last segment): numbers stay numbers there, strings elsewhere.
/// Only the fallback of [`numeric_literal`] for fields the field catalog does not know.
pub fn numeric_field(f: &str) -> bool {
    let last = f.rsplit('.').next().unwrap_or(f);
    matches!(
        last,
        "port"
            | "pid"
            | "ppid"
            | "bytes"
            | "packets"
            | "size"
            | "entropy"
            | "exit_code"
            | "uptime"
            | "duration"
            | "severity"
            | "risk_score"
            | "sequence"
            | "count"
            | "length"
            | "status_code"
            | "ttl"
            | "iana_number"
    )
}

/// Placeholders left unresolved by the config cannot be searched for.
pub fn no_placeholders(v: &SigmaString, field: &str) -> Result<(), String> {
    if v.has_placeholders() {
        Err(format!(
            "placeholder in a value of `{field}` was not resolved by the config"
        ))
    } else {
        Ok(())
    }
}

/// Spelling of the boolean operators of a query language, for [`render_bool`].
pub struct BoolOps {
    /// Conjunction, with surrounding spaces (` and `).
    pub and: &'static str,
    /// Disjunction, with surrounding spaces.
    pub or: &'static str,
    /// Negation prefix, with a trailing space.
    pub not: &'static str,
}

/// Renders the `And` / `Or` / `Not` skeleton of the IR with explicit parentheses everywhere, so the
/// query languages' differing precedences can never regroup a condition; tests and keywords are
/// rendered by `leaf` (the part each language really differs in).
pub fn render_bool(
    e: &Expr,
    out: &mut String,
    ops: &BoolOps,
    leaf: &dyn Fn(&Expr, &mut String) -> Result<(), String>,
) -> Result<(), String> {
    match e {
        Expr::And(v) | Expr::Or(v) if v.len() == 1 => render_bool(&v[0], out, ops, leaf),
        Expr::And(v) | Expr::Or(v) => {
            let op = if matches!(e, Expr::And(_)) {
                ops.and
            } else {
                ops.or
            };
            out.push('(');
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    out.push_str(op);
                }
                render_bool(x, out, ops, leaf)?;
            }
            out.push(')');
            Ok(())
        }
        Expr::Not(x) => {
            out.push_str(ops.not);
            // Always bracket the operand so the negation binds to all of it.
            if matches!(**x, Expr::And(_) | Expr::Or(_)) {
                render_bool(x, out, ops, leaf)
            } else {
                out.push('(');
                render_bool(x, out, ops, leaf)?;
                out.push(')');
                Ok(())
            }
        }
        Expr::Test(_) | Expr::Keyword(_) => leaf(e, out),
    }
}

/// A field name as EQL and ES|QL write it: bare when every dotted segment is an identifier that is
/// not one of the language's `keywords`, else back-quoted with inner back-quotes doubled.
pub fn quoted_field(name: &str, keywords: &[&str]) -> String {
    let plain = !name.is_empty()
        && name.split('.').all(|seg| {
            let mut cs = seg.chars();
            cs.next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '@')
                && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !keywords.contains(&seg.to_ascii_lowercase().as_str())
        });
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// A double-quoted string literal as EQL and ES|QL write it: `"`, `\`, newline, carriage return and
/// tab escaped. Other control characters stay raw: both grammars allow them, and the `eql` reference
/// parser mis-reads `\u{..}` escapes when a string holds several.
pub fn double_quoted(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_use_the_largest_unit() {
        assert_eq!(span(90), "90s");
        assert_eq!(span(300), "5m");
        assert_eq!(span(7200), "2h");
        assert_eq!(span(86_400), "1d");
        assert_eq!(span(0), "1s");
    }
}
