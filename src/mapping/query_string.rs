//! Elasticsearch `query_string` (Lucene classic syntax) text of IR expressions.
//!
//! It lives in the mapping layer, not among the renderers, because sigmac-format overrides identify
//! sub-expressions by this text ([`canonical`]); the Lucene-based targets (`es-qs`, es-rule with
//! `language: lucene`, Kibana, Watcher, ElastAlert) render their queries through [`render`].
//!
//! Guarantees, checked against the real Lucene parser by the oracle tests:
//! * every reserved character and whitespace in values and field names is escaped, so no value can
//!   turn into syntax (`/`, `!`, `:` …); values starting with `<`/`>` are quoted, because
//!   Elasticsearch reads an escaped leading `>` as a range anyway;
//! * every `AND`/`OR` group and every `NOT` is parenthesised (the classic parser's operator
//!   precedence is not boolean precedence);
//! * Sigma's case-insensitive matching follows the [`CaseStrategy`] the builder chose per field;
//! * Sigma regexes (unanchored search, PCRE-style) are translated to Lucene's anchored dialect, or the
//!   rule is skipped with the reason; nothing is passed through unchecked.

use std::fmt::Write;

use regex_syntax::ast::{
    self, AssertionKind, Ast, ClassAsciiKind, ClassPerlKind, ClassSet, ClassSetItem, Flag,
    FlagsItemKind, GroupKind, RepetitionKind, RepetitionRange,
};

use super::ir::{CaseStrategy, Expr, FieldTest, Keyword, Test};
use crate::rule::modifier::{CmpOp, ReFlags};
use crate::rule::value::{Part, SigmaString};

/// Renders one IR expression as a Lucene query string. This is the function other Lucene-based
/// targets (rule JSON, saved searches, watches, ElastAlert) should embed.
pub fn render(expr: &Expr, case: Option<CaseStrategy>) -> Result<String, String> {
    let r = Renderer {
        case,
        canonical: false,
    };
    let mut out = String::new();
    r.expr(expr, &mut out)?;
    Ok(out)
}

/// The canonical text of a sub-expression: exact-case, never failing. Used only to apply sigmac's
/// legacy text overrides per sub-expression.
pub fn canonical(expr: &Expr) -> String {
    let r = Renderer {
        case: Some(CaseStrategy::Exact),
        canonical: true,
    };
    let mut out = String::new();
    // Canonical mode never returns an error.
    let _ = r.expr(expr, &mut out);
    out
}

struct Renderer {
    case: Option<CaseStrategy>,
    canonical: bool,
}

const RESERVED: &[char] = &[
    '+', '-', '=', '&', '|', '!', '(', ')', '{', '}', '[', ']', '^', '"', '~', '*', '?', ':', '\\',
    '/', '<', '>',
];

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        if c.is_whitespace() || RESERVED.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Escapes a field name (the classic parser un-escapes field names, so this is lossless).
pub fn escape_field(f: &str) -> String {
    let mut s = String::with_capacity(f.len());
    escape_into(&mut s, f);
    s
}

fn has_case(s: &SigmaString) -> bool {
    s.parts.iter().any(|p| match p {
        Part::Lit(l) => l.chars().any(folds),
        _ => false,
    })
}

fn folds(c: char) -> bool {
    let mut l = c.to_lowercase();
    let mut u = c.to_uppercase();
    let (l, u) = (l.next(), u.next());
    l != u && c.to_lowercase().count() == 1 && c.to_uppercase().count() == 1
}

/// A literal char inside a Lucene regex, folded to `[xX]` when `icase`.
fn regex_char(out: &mut String, c: char, icase: bool) {
    if icase && folds(c) {
        let l = c.to_lowercase().next().unwrap_or(c);
        let u = c.to_uppercase().next().unwrap_or(c);
        out.push('[');
        out.push(l);
        out.push(u);
        out.push(']');
    } else if c.is_alphanumeric() {
        out.push(c);
    } else {
        out.push('\\');
        out.push(c);
    }
}

impl Renderer {
    /// The forced strategy, else the one the builder chose for this test or keyword.
    fn strategy(&self, chosen: CaseStrategy) -> CaseStrategy {
        self.case.unwrap_or(chosen)
    }

    fn expr(&self, e: &Expr, out: &mut String) -> Result<(), String> {
        match e {
            Expr::And(v) | Expr::Or(v) if v.len() == 1 => self.expr(&v[0], out),
            Expr::Or(v) if same_field_values(v).is_some() => {
                let field = same_field_values(v).unwrap_or_default();
                out.push_str(&escape_field(field));
                out.push_str(":(");
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" OR ");
                    }
                    if let Expr::Test(t) = x {
                        self.bare_value(t, out);
                    }
                }
                out.push(')');
                Ok(())
            }
            Expr::And(v) | Expr::Or(v) => {
                let op = if matches!(e, Expr::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                out.push('(');
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push_str(op);
                    }
                    self.expr(x, out)?;
                }
                out.push(')');
                Ok(())
            }
            Expr::Not(x) => {
                out.push_str("(NOT ");
                self.expr(x, out)?;
                out.push(')');
                Ok(())
            }
            Expr::Test(t) => self.test(t, out),
            Expr::Keyword(k) => self.keyword(k, out),
        }
    }

    fn value(&self, v: &SigmaString, cased: bool, chosen: CaseStrategy, out: &mut String) {
        if v.is_empty() {
            out.push_str("\"\"");
            return;
        }
        let strategy = if cased || !has_case(v) {
            CaseStrategy::Exact
        } else {
            self.strategy(chosen)
        };
        match strategy {
            CaseStrategy::Regex => {
                out.push('/');
                for p in &v.parts {
                    match p {
                        Part::Lit(l) => l.chars().for_each(|c| regex_char(out, c, true)),
                        Part::AnyChars => out.push_str(".*"),
                        Part::OneChar => out.push('.'),
                        Part::Placeholder(n) => {
                            out.push('%');
                            l_escape_regex(out, n);
                            out.push('%');
                        }
                    }
                }
                close_regex(out);
            }
            CaseStrategy::Exact | CaseStrategy::Lowercase => {
                let lower = strategy == CaseStrategy::Lowercase;
                let text = |l: &str| {
                    if lower {
                        l.to_lowercase()
                    } else {
                        l.to_string()
                    }
                };
                if let Some(plain) = v.as_plain()
                    && (plain.starts_with('<') || plain.starts_with('>'))
                {
                    out.push('"');
                    for c in text(plain).chars() {
                        if c == '"' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                    return;
                }
                for p in &v.parts {
                    match p {
                        Part::Lit(l) => escape_into(out, &text(l)),
                        Part::AnyChars => out.push('*'),
                        Part::OneChar => out.push('?'),
                        Part::Placeholder(n) => {
                            out.push('%');
                            escape_into(out, n);
                            out.push('%');
                        }
                    }
                }
            }
        }
    }

    /// The value part of a plain equality test (see [`same_field_values`]).
    fn bare_value(&self, t: &FieldTest, out: &mut String) {
        match &t.test {
            Test::Pattern { value, .. } if value.parts == [Part::AnyChars] => out.push('*'),
            Test::Pattern { value, cased } => self.value(value, *cased, t.case, out),
            Test::Number(n) => escape_into(out, &n.to_string()),
            Test::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            _ => {}
        }
    }

    fn keyword(&self, k: &Keyword, out: &mut String) -> Result<(), String> {
        let v = k
            .value
            .clone()
            .with_leading_wildcard()
            .with_trailing_wildcard();
        self.value(&v, k.cased, k.case, out);
        Ok(())
    }

    fn test(&self, t: &FieldTest, out: &mut String) -> Result<(), String> {
        let f = escape_field(&t.field);
        if let Some(unit) = t.time_part {
            if !self.canonical {
                return Err(format!(
                    "the `{}` time modifier on `{}` cannot be expressed in Lucene query_string",
                    unit.name(),
                    t.field
                ));
            }
            let _ = write!(out, "{}({f})", unit.name());
            out.push(':');
        }
        match &t.test {
            Test::Pattern { value, cased } => {
                if t.time_part.is_none() {
                    out.push_str(&f);
                    out.push(':');
                }
                if value.parts == [Part::AnyChars] {
                    out.push('*');
                } else {
                    self.value(value, *cased, t.case, out);
                }
            }
            Test::Regex { pattern, flags } => {
                let body = match translate_regex(pattern, *flags) {
                    Ok(b) => b,
                    Err(e) if !self.canonical => {
                        return Err(format!("regex `{pattern}` on `{}`: {e}", t.field));
                    }
                    Err(_) => {
                        let mut s = String::new();
                        l_escape_regex(&mut s, pattern);
                        s
                    }
                };
                let _ = write!(out, "{f}:/{body}");
                close_regex(out);
            }
            Test::Cidr(c) => {
                out.push_str(&f);
                out.push(':');
                escape_into(out, c);
            }
            Test::Number(n) => {
                out.push_str(&f);
                out.push(':');
                escape_into(out, &n.to_string());
            }
            Test::Bool(b) => {
                let _ = write!(out, "{f}:{b}");
            }
            Test::Null => {
                let _ = write!(out, "(NOT _exists_:{f})");
            }
            Test::Exists => {
                let _ = write!(out, "_exists_:{f}");
            }
            Test::Compare { op, value } => {
                let mut n = String::new();
                escape_into(&mut n, &value.to_string());
                let _ = match op {
                    CmpOp::Gt => write!(out, "{f}:{{{n} TO *]"),
                    CmpOp::Gte => write!(out, "{f}:[{n} TO *]"),
                    CmpOp::Lt => write!(out, "{f}:[* TO {n}}}"),
                    CmpOp::Lte => write!(out, "{f}:[* TO {n}]"),
                };
            }
            Test::FieldRef(other) => {
                if !self.canonical {
                    return Err(format!(
                        "fieldref (`{}` equals `{other}`) cannot be expressed in Lucene query_string",
                        t.field
                    ));
                }
                let _ = write!(out, "{f}:fieldref\\({}\\)", escape_field(other));
            }
        }
        Ok(())
    }
}

/// Ends a `/regex/` term. The classic parser's lexer reads `\/` as an escaped slash, so a body ending
/// in an escaped backslash would swallow the closing slash (and the next regex's opening one): that
/// last backslash is written as the class `[\\]` instead.
fn close_regex(out: &mut String) {
    let trailing = out.chars().rev().take_while(|&c| c == '\\').count();
    if trailing > 0 && trailing % 2 == 0 {
        out.truncate(out.len() - 2);
        out.push_str("[\\\\]");
    }
    out.push('/');
}

/// When every operand is a plain equality on one field, that field: such an `OR` renders as the
/// shorter `field:(a OR b)`, which Lucene parses to the same query.
fn same_field_values(v: &[Expr]) -> Option<&str> {
    let mut field = None;
    for e in v {
        let Expr::Test(t) = e else { return None };
        if t.time_part.is_some()
            || !matches!(
                t.test,
                Test::Pattern { .. } | Test::Number(_) | Test::Bool(_)
            )
        {
            return None;
        }
        match field {
            None => field = Some(t.field.as_str()),
            Some(f) if f == t.field => {}
            Some(_) => return None,
        }
    }
    if v.len() > 1 { field } else { None }
}

fn l_escape_regex(out: &mut String, s: &str) {
    for c in s.chars() {
        regex_char(out, c, false);
    }
}

/// Translation state: flags in force.
#[derive(Clone, Copy)]
struct Tr {
    icase: bool,
}

fn is_start(a: &Ast) -> bool {
    matches!(a, Ast::Assertion(x) if matches!(x.kind, AssertionKind::StartLine | AssertionKind::StartText))
}

fn is_end(a: &Ast) -> bool {
    matches!(a, Ast::Assertion(x) if matches!(x.kind, AssertionKind::EndLine | AssertionKind::EndText))
}

/// Translates a Sigma (PCRE-style, unanchored, search semantics) regex to Lucene's RegExp dialect
/// (anchored, whole-value match): unanchored sides get `.*`, `^`/`$` at the edges are dropped, the
/// `i` flag folds letters into `[aA]` classes, `\d`/`\s`/`\w` become explicit classes (Lucene 8 has
/// none), every literal non-alphanumeric character is escaped (Lucene's optional operators `#@&<>~`
/// included). Look-arounds, word boundaries, Unicode classes, inner anchors and the `m` flag with
/// anchors have no Lucene equivalent and are refused.
pub fn translate_regex(pattern: &str, flags: ReFlags) -> Result<String, String> {
    let ast = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("cannot parse: {}", e.kind()))?;
    let mut st = Tr {
        icase: flags.ignore_case,
    };
    // A pattern that is one plain group, `(^a|b$)`, anchors each alternative like a bare `^a|b$`.
    let mut top = &ast;
    while let Ast::Group(g) = top {
        if matches!(&g.kind, GroupKind::NonCapturing(f) if !f.items.is_empty()) {
            break;
        }
        top = &g.ast;
    }
    let branches: Vec<&Ast> = match top {
        Ast::Alternation(a) => a.asts.iter().collect(),
        other => vec![other],
    };
    let mut outs = Vec::with_capacity(branches.len());
    for b in branches {
        let mut items: Vec<&Ast> = match b {
            Ast::Concat(c) => c.asts.iter().collect(),
            o => vec![o],
        };
        let mut body = String::new();
        // Leading global flags such as `(?i)`.
        while let Some(Ast::Flags(_)) = items.first() {
            node(items[0], &mut st, &mut body)?;
            items.remove(0);
        }
        let start = items.first().is_some_and(|a| is_start(a));
        let end = items.len() > usize::from(start) && items.last().is_some_and(|a| is_end(a));
        if (start || end) && flags.multiline {
            return Err(
                "anchors with the `m` flag (line-wise matching) have no Lucene equivalent".into(),
            );
        }
        let lo = usize::from(start);
        let hi = items.len() - usize::from(end);
        if !start {
            body.push_str(".*");
        }
        for a in &items[lo..hi] {
            node(a, &mut st, &mut body)?;
        }
        if !end {
            body.push_str(".*");
        }
        if body.is_empty() {
            // Lucene's RegExp has no empty alternative; `""` is its empty string.
            body.push_str("\"\"");
        }
        outs.push(body);
    }
    Ok(if outs.len() == 1 {
        outs.remove(0)
    } else {
        format!("({})", outs.join("|"))
    })
}

fn perl_class(kind: &ClassPerlKind) -> &'static str {
    match kind {
        ClassPerlKind::Digit => "0-9",
        ClassPerlKind::Space => " \t\n\r\u{b}\u{c}",
        ClassPerlKind::Word => "0-9A-Za-z_",
    }
}

fn ascii_class(kind: &ClassAsciiKind) -> Option<&'static str> {
    Some(match kind {
        ClassAsciiKind::Alnum => "0-9A-Za-z",
        ClassAsciiKind::Alpha => "A-Za-z",
        ClassAsciiKind::Digit => "0-9",
        ClassAsciiKind::Lower => "a-z",
        ClassAsciiKind::Upper => "A-Z",
        ClassAsciiKind::Space => " \t\n\r\u{b}\u{c}",
        ClassAsciiKind::Blank => " \t",
        ClassAsciiKind::Word => "0-9A-Za-z_",
        ClassAsciiKind::Xdigit => "0-9A-Fa-f",
        _ => return None,
    })
}

fn class_item(item: &ClassSetItem, st: &Tr, out: &mut String) -> Result<(), String> {
    match item {
        ClassSetItem::Empty(_) => {}
        ClassSetItem::Literal(l) => {
            class_char(out, l.c);
            if st.icase && folds(l.c) {
                for c in l.c.to_lowercase().chain(l.c.to_uppercase()) {
                    if c != l.c {
                        class_char(out, c);
                    }
                }
            }
        }
        ClassSetItem::Range(r) => {
            class_char(out, r.start.c);
            out.push('-');
            class_char(out, r.end.c);
            if st.icase && r.start.c.is_ascii_alphabetic() && r.end.c.is_ascii_alphabetic() {
                let (a, b) = (r.start.c, r.end.c);
                let (a2, b2) = if a.is_ascii_lowercase() && b.is_ascii_lowercase() {
                    (a.to_ascii_uppercase(), b.to_ascii_uppercase())
                } else if a.is_ascii_uppercase() && b.is_ascii_uppercase() {
                    (a.to_ascii_lowercase(), b.to_ascii_lowercase())
                } else {
                    return Err("a case-insensitive range mixing cases".into());
                };
                class_char(out, a2);
                out.push('-');
                class_char(out, b2);
            }
        }
        ClassSetItem::Ascii(a) if !a.negated => {
            out.push_str(ascii_class(&a.kind).ok_or("an unsupported POSIX class")?);
        }
        ClassSetItem::Perl(p) if !p.negated => out.push_str(perl_class(&p.kind)),
        ClassSetItem::Union(u) => {
            for i in &u.items {
                class_item(i, st, out)?;
            }
        }
        ClassSetItem::Ascii(_) | ClassSetItem::Perl(_) => {
            return Err("a negated class inside a bracket class".into());
        }
        ClassSetItem::Unicode(_) => return Err("Unicode classes (\\p{..})".into()),
        ClassSetItem::Bracketed(_) => return Err("nested bracket classes".into()),
    }
    Ok(())
}

fn class_char(out: &mut String, c: char) {
    if c.is_alphanumeric() || c.is_whitespace() {
        out.push(c);
    } else {
        out.push('\\');
        out.push(c);
    }
}

fn atomic(a: &Ast) -> bool {
    matches!(
        a,
        Ast::Literal(_) | Ast::Dot(_) | Ast::ClassBracketed(_) | Ast::ClassPerl(_) | Ast::Group(_)
    )
}

fn node(a: &Ast, st: &mut Tr, out: &mut String) -> Result<(), String> {
    match a {
        Ast::Empty(_) => {}
        Ast::Flags(f) => {
            let mut neg = false;
            for item in &f.flags.items {
                match &item.kind {
                    FlagsItemKind::Negation => neg = true,
                    FlagsItemKind::Flag(Flag::CaseInsensitive) => st.icase = !neg,
                    FlagsItemKind::Flag(
                        Flag::SwapGreed | Flag::Unicode | Flag::DotMatchesNewLine,
                    ) => {}
                    FlagsItemKind::Flag(other) => {
                        return Err(format!(
                            "the inline flag {other:?} has no Lucene equivalent"
                        ));
                    }
                }
            }
        }
        Ast::Literal(l) => regex_char(out, l.c, st.icase),
        Ast::Dot(_) => out.push('.'),
        Ast::Assertion(x) => {
            return Err(match x.kind {
                AssertionKind::StartLine
                | AssertionKind::StartText
                | AssertionKind::EndLine
                | AssertionKind::EndText => {
                    "an anchor that is not at the start or end of the pattern".to_string()
                }
                _ => "word-boundary assertions (\\b, \\B …) have no Lucene equivalent".to_string(),
            });
        }
        Ast::ClassUnicode(_) => {
            return Err("Unicode classes (\\p{..}) have no Lucene equivalent".into());
        }
        Ast::ClassPerl(p) => {
            out.push('[');
            if p.negated {
                out.push('^');
            }
            out.push_str(perl_class(&p.kind));
            out.push(']');
        }
        Ast::ClassBracketed(c) => {
            let ClassSet::Item(item) = &c.kind else {
                return Err("class set operations (&&, --, ~~) have no Lucene equivalent".into());
            };
            out.push('[');
            if c.negated {
                out.push('^');
            }
            class_item(item, st, out)?;
            out.push(']');
        }
        Ast::Repetition(r) => {
            let wrap = !atomic(&r.ast);
            if wrap {
                out.push('(');
            }
            node(&r.ast, st, out)?;
            if wrap {
                out.push(')');
            }
            match &r.op.kind {
                RepetitionKind::ZeroOrOne => out.push('?'),
                RepetitionKind::ZeroOrMore => out.push('*'),
                RepetitionKind::OneOrMore => out.push('+'),
                RepetitionKind::Range(RepetitionRange::Exactly(n)) => {
                    let _ = write!(out, "{{{n}}}");
                }
                RepetitionKind::Range(RepetitionRange::AtLeast(n)) => {
                    let _ = write!(out, "{{{n},}}");
                }
                RepetitionKind::Range(RepetitionRange::Bounded(a, b)) => {
                    let _ = write!(out, "{{{a},{b}}}");
                }
            }
        }
        Ast::Group(g) => {
            let saved = *st;
            if let GroupKind::NonCapturing(flags) = &g.kind {
                node(
                    &Ast::Flags(Box::new(ast::SetFlags {
                        span: g.span,
                        flags: flags.clone(),
                    })),
                    st,
                    out,
                )?;
            }
            out.push('(');
            node(&g.ast, st, out)?;
            out.push(')');
            *st = saved;
        }
        Ast::Alternation(alt) => {
            for (i, x) in alt.asts.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                let saved = *st;
                let mut branch = String::new();
                node(x, st, &mut branch)?;
                out.push_str(if branch.is_empty() { "\"\"" } else { &branch });
                *st = saved;
            }
        }
        Ast::Concat(c) => {
            for x in &c.asts {
                node(x, st, out)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::ir::FieldKind;

    fn re(p: &str) -> Result<String, String> {
        translate_regex(p, ReFlags::default())
    }

    #[test]
    fn regex_anchoring_and_classes() {
        assert_eq!(re("abc").unwrap(), ".*abc.*");
        assert_eq!(re("^abc$").unwrap(), "abc");
        assert_eq!(re("^a.c").unwrap(), "a.c.*");
        assert_eq!(re("a|^b$").unwrap(), "(.*a.*|b)");
        assert_eq!(re("(^0oa.*|x@y)").unwrap(), "(0oa.*.*|.*x\\@y.*)");
        assert_eq!(re("(?:^a$)").unwrap(), "a");
        assert_eq!(re(r"\d+\.exe$").unwrap(), ".*[0-9]+\\.exe");
        assert_eq!(re("(?i)ab").unwrap(), ".*[aA][bB].*");
        assert_eq!(re("[a-c]x").unwrap(), ".*[a-c]x.*");
        assert_eq!(
            translate_regex(
                "[a-c]",
                ReFlags {
                    ignore_case: true,
                    ..Default::default()
                }
            )
            .unwrap(),
            ".*[a-cA-C].*"
        );
        assert_eq!(re("(?:ab)+?").unwrap(), ".*(ab)+.*");
        assert_eq!(re("a{2,3}").unwrap(), ".*a{2,3}.*");
        assert_eq!(re("(?:x|)y").unwrap(), ".*(x|\"\")y.*");
        assert_eq!(re("^$").unwrap(), "\"\"");
        assert_eq!(
            re("a#b@c&d<e>f~g\"h/").unwrap(),
            ".*a\\#b\\@c\\&d\\<e\\>f\\~g\\\"h\\/.*"
        );
        assert!(re(r"\bx").is_err());
        assert!(re("a^b").is_err());
        assert!(re(r"\pL").is_err());
        assert!(
            translate_regex(
                "^a",
                ReFlags {
                    multiline: true,
                    ..Default::default()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn escaping_and_case() {
        let t = |v: &str, case| {
            let e = Expr::Test(FieldTest {
                kind: FieldKind::default(),
                case: CaseStrategy::default(),
                field: "a b".into(),
                time_part: None,
                test: Test::Pattern {
                    value: SigmaString::parse(v, false),
                    cased: false,
                },
            });
            render(&e, Some(case)).unwrap()
        };
        assert_eq!(t("C:/x y!*", CaseStrategy::Exact), "a\\ b:C\\:\\/x\\ y\\!*");
        assert_eq!(t(">foo", CaseStrategy::Exact), "a\\ b:\">foo\"");
        assert_eq!(t("Ab*", CaseStrategy::Lowercase), "a\\ b:ab*");
        assert_eq!(t("Ab?.", CaseStrategy::Regex), "a\\ b:/[aA][bB].\\./");
        assert_eq!(t("123", CaseStrategy::Regex), "a\\ b:123");
        assert_eq!(t("", CaseStrategy::Regex), "a\\ b:\"\"");
        assert_eq!(t("*", CaseStrategy::Regex), "a\\ b:*");
        assert_eq!(
            t("*\\dir\\", CaseStrategy::Regex),
            "a\\ b:/.*\\\\[dD][iI][rR][\\\\]/"
        );
    }
}
