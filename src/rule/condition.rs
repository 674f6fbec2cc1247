//! The condition grammar: a tokenizer and a precedence-climbing parser.
//!
//! Precedence, weakest to strongest: `or` < `and` < `not` < `x of` < parentheses. Identifiers such as
//! `notepad`, `not_x` or `and_more` are whole tokens, never split at a keyword prefix.

use std::fmt;

/// `1 of` / `any of` versus `all of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// At least one (`1 of`, `any of`).
    Any,
    /// Every one (`all of`).
    All,
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// A search identifier.
    Ident {
        /// Identifier name.
        name: String,
        /// Character offset in the condition string.
        offset: usize,
    },
    /// Negation.
    Not(Box<Cond>),
    /// Conjunction (two or more operands).
    And(Vec<Cond>),
    /// Disjunction (two or more operands).
    Or(Vec<Cond>),
    /// `1 of pattern` / `all of them`.
    Of {
        /// Quantifier.
        quantifier: Quantifier,
        /// `None` for `them`, else the pattern (may contain `*`).
        pattern: Option<String>,
        /// Character offset of the quantifier.
        offset: usize,
    },
}

impl fmt::Display for Cond {
    /// Renders with full parentheses, so printing and parsing again is an identity.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Ident { name, .. } => f.write_str(name),
            Cond::Not(c) => write!(f, "not {c}"),
            Cond::And(v) | Cond::Or(v) => {
                let op = if matches!(self, Cond::And(_)) {
                    " and "
                } else {
                    " or "
                };
                write!(f, "(")?;
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(op)?;
                    }
                    write!(f, "{c}")?;
                }
                write!(f, ")")
            }
            Cond::Of {
                quantifier,
                pattern,
                ..
            } => {
                let q = match quantifier {
                    Quantifier::Any => "1",
                    Quantifier::All => "all",
                };
                write!(f, "{q} of {}", pattern.as_deref().unwrap_or("them"))
            }
        }
    }
}

/// A condition syntax error with the character offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondError {
    /// Explanation, including what to write instead where we know it.
    pub message: String,
    /// Character offset within the condition string.
    pub offset: usize,
    /// True when the text uses Sigma v1 pipe aggregations (reported under its own code).
    pub is_aggregation: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Number(String),
    LParen,
    RParen,
    Pipe,
    Other(char),
}

fn tokenize(text: &str) -> Vec<(Tok, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '|' => Tok::Pipe,
            c if c.is_alphanumeric() || matches!(c, '_' | '*' | '-' | '.') => {
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '*' | '-' | '.'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push((
                    if word.chars().all(|c| c.is_ascii_digit()) {
                        Tok::Number(word)
                    } else {
                        Tok::Word(word)
                    },
                    start,
                ));
                continue;
            }
            other => Tok::Other(other),
        };
        out.push((tok, start));
        i += 1;
    }
    out
}

const MAX_DEPTH: usize = 64;

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(t, _)| t)
    }
    fn offset(&self) -> usize {
        self.toks.get(self.i).map_or(self.end, |(_, o)| *o)
    }
    fn err<T>(&self, message: impl Into<String>) -> Result<T, CondError> {
        Err(CondError {
            message: message.into(),
            offset: self.offset(),
            is_aggregation: false,
        })
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w == kw)
    }

    fn or(&mut self) -> Result<Cond, CondError> {
        let mut items = vec![self.and()?];
        while self.is_kw("or") {
            self.i += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::Or(items)
        })
    }

    fn and(&mut self) -> Result<Cond, CondError> {
        let mut items = vec![self.not()?];
        while self.is_kw("and") {
            self.i += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::And(items)
        })
    }

    fn not(&mut self) -> Result<Cond, CondError> {
        if self.is_kw("not") {
            self.i += 1;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn enter(&mut self) -> Result<(), CondError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(format!("condition nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<Cond, CondError> {
        let offset = self.offset();
        match self.peek().cloned() {
            None => self.err("condition ends where an identifier or `(` was expected"),
            Some(Tok::LParen) => {
                self.i += 1;
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return self.err("missing `)`");
                }
                self.i += 1;
                Ok(inner)
            }
            Some(Tok::RParen) => self.err("unexpected `)`"),
            Some(Tok::Pipe) => Err(CondError {
                message:
                    "Sigma v1 pipe aggregations (`| count() by … > N`) are not part of Sigma 2; \
                          write a correlation rule (type event_count / value_count) instead"
                        .into(),
                offset,
                is_aggregation: true,
            }),
            Some(Tok::Other(c)) => self.err(format!("unexpected character `{c}`")),
            Some(Tok::Number(n)) => {
                self.i += 1;
                if !self.is_kw("of") {
                    return self.err(format!("expected `of` after `{n}`"));
                }
                if n != "1" {
                    return Err(CondError {
                        message: format!(
                            "`{n} of` is not Sigma: only `1 of` (or `any of`) and `all of` exist"
                        ),
                        offset,
                        is_aggregation: false,
                    });
                }
                self.of_target(Quantifier::Any, offset)
            }
            Some(Tok::Word(w)) => {
                self.i += 1;
                match w.as_str() {
                    "all" | "any" if self.is_kw("of") => {
                        let q = if w == "all" {
                            Quantifier::All
                        } else {
                            Quantifier::Any
                        };
                        self.of_target(q, offset)
                    }
                    "and" | "or" => Err(CondError {
                        message: format!("`{w}` needs an operand before it"),
                        offset,
                        is_aggregation: false,
                    }),
                    "of" => Err(CondError {
                        message: "`of` needs `1`, `any` or `all` before it".into(),
                        offset,
                        is_aggregation: false,
                    }),
                    "near" => Err(CondError {
                        message:
                            "`near` is a Sigma v1 aggregation; write a temporal correlation rule"
                                .into(),
                        offset,
                        is_aggregation: true,
                    }),
                    "them" => Err(CondError {
                        message: "`them` must follow `1 of` or `all of`".into(),
                        offset,
                        is_aggregation: false,
                    }),
                    _ => {
                        if w.contains('*') {
                            return Err(CondError {
                                message: format!(
                                    "wildcard `{w}` is only allowed after `1 of` / `all of`"
                                ),
                                offset,
                                is_aggregation: false,
                            });
                        }
                        Ok(Cond::Ident { name: w, offset })
                    }
                }
            }
        }
    }

    fn of_target(&mut self, quantifier: Quantifier, offset: usize) -> Result<Cond, CondError> {
        self.i += 1; // `of`
        match self.peek().cloned() {
            Some(Tok::Word(w)) if !matches!(w.as_str(), "and" | "or" | "not" | "of") => {
                self.i += 1;
                Ok(Cond::Of {
                    quantifier,
                    pattern: (w != "them").then_some(w),
                    offset,
                })
            }
            _ => self.err("`of` must be followed by `them` or an identifier pattern"),
        }
    }
}

/// True when the text uses v1 aggregation functions such as `count(` outside a pipe.
fn uses_aggregation_function(text: &str) -> bool {
    ["count(", "min(", "max(", "avg(", "sum("].iter().any(|f| {
        text.match_indices(f)
            .any(|(i, _)| i == 0 || !text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
}

/// Parses one condition string.
pub fn parse(text: &str) -> Result<Cond, CondError> {
    parse_inner(text).map_err(|mut e| {
        if !e.is_aggregation && uses_aggregation_function(text) {
            e.is_aggregation = true;
            e.message = format!(
                "{}; aggregation functions like `count()` are Sigma v1 syntax: write a correlation rule instead",
                e.message
            );
        }
        e
    })
}

fn parse_inner(text: &str) -> Result<Cond, CondError> {
    let toks = tokenize(text);
    let mut p = Parser {
        toks,
        i: 0,
        end: text.chars().count(),
        depth: 0,
    };
    if p.toks.is_empty() {
        return p.err("the condition is empty");
    }
    let cond = p.or()?;
    match p.peek() {
        None => Ok(cond),
        Some(Tok::Pipe) => Err(CondError {
            message: "Sigma v1 pipe aggregations (`| count() by … > N`) are not part of Sigma 2; \
                      write a correlation rule (type event_count / value_count) instead"
                .into(),
            offset: p.offset(),
            is_aggregation: true,
        }),
        Some(Tok::RParen) => p.err("unbalanced `)`"),
        Some(Tok::Word(w)) if w == "near" => Err(CondError {
            message: "`near` is a Sigma v1 aggregation; write a temporal correlation rule".into(),
            offset: p.offset(),
            is_aggregation: true,
        }),
        Some(_) => p.err("expected `and`, `or` or the end of the condition"),
    }
}

/// Matches an `of` pattern (where `*` matches any run of characters) against an identifier.
pub fn pattern_matches(pattern: &str, ident: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == ident;
    }
    let mut rest = ident;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.len() >= part.len() && rest.ends_with(part);
        } else if let Some(idx) = rest.find(part) {
            rest = &rest[idx + part.len()..];
        } else {
            return false;
        }
    }
    true
}

impl Cond {
    /// Visits every node, so callers can check identifiers and `of` patterns without recursion limits of
    /// their own.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Cond)) {
        f(self);
        match self {
            Cond::Not(c) => c.walk(f),
            Cond::And(v) | Cond::Or(v) => v.iter().for_each(|c| c.walk(f)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> String {
        parse(s).unwrap().to_string()
    }

    #[test]
    fn precedence() {
        assert_eq!(p("a or b and not c"), "(a or (b and not c))");
        assert_eq!(p("not a and b"), "(not a and b)");
        assert_eq!(p("(a or b) and c"), "((a or b) and c)");
        assert_eq!(
            p("1 of sel* and not all of filter_*"),
            "(1 of sel* and not all of filter_*)"
        );
        assert_eq!(p("any of them"), "1 of them");
    }

    #[test]
    fn keyword_prefixed_identifiers_stay_whole() {
        assert_eq!(
            p("notepad and not_x or and_more"),
            "((notepad and not_x) or and_more)"
        );
        assert_eq!(p("of_interest"), "of_interest");
        assert_eq!(p("selection-1 and sel.x"), "(selection-1 and sel.x)");
    }

    #[test]
    fn errors() {
        for (src, at) in [
            ("(a and b", 8),
            ("a and b)", 7),
            ("a and", 5),
            ("and a", 0),
            ("2 of sel*", 0),
            ("1 of", 4),
            ("a b", 2),
            ("sel*", 0),
            ("", 0),
        ] {
            let e = parse(src).unwrap_err();
            assert_eq!(e.offset, at, "{src}: {}", e.message);
            assert!(!e.is_aggregation);
        }
        let e = parse("selection | count() by host > 5").unwrap_err();
        assert!(e.is_aggregation);
        assert_eq!(e.offset, 10);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = "(".repeat(10_000) + "a" + &")".repeat(10_000);
        assert!(parse(&src).unwrap_err().message.contains("nested"));
        let src = "not ".repeat(10_000) + "a";
        assert!(parse(&src).is_err());
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("sel*", "selection"));
        assert!(pattern_matches("*_main_*", "filter_main_x"));
        assert!(!pattern_matches("sel*", "xsel"));
        assert!(pattern_matches("a*b", "ab"));
        assert!(pattern_matches("a*ba", "aba"));
        assert!(!pattern_matches("aba*aba", "ababa"));
    }

    fn ident() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "sel",
            "notepad",
            "not_x",
            "and_more",
            "of_interest",
            "filter_1",
        ])
        .prop_map(String::from)
    }

    fn cond() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            ident(),
            ident().prop_map(|i| format!("1 of {i}*")),
            Just("all of them".to_string()),
        ];
        leaf.prop_recursive(5, 32, 3, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
                inner.clone().prop_map(|a| format!("not {a}")),
                inner.prop_map(|a| format!("({a})")),
            ]
        })
    }

    proptest! {
        /// Printing a parsed condition and parsing it again gives the same tree.
        #[test]
        fn print_parse_round_trip(src in cond()) {
            let first = parse(&src).unwrap();
            let printed = first.to_string();
            let second = parse(&printed).unwrap();
            prop_assert_eq!(printed, second.to_string());
        }

        /// Arbitrary input never panics; it parses or gives an error inside the text.
        #[test]
        fn never_panics(src in r"[a-z01*()| ]{0,40}") {
            match parse(&src) {
                Ok(_) => {}
                Err(e) => prop_assert!(e.offset <= src.chars().count()),
            }
        }
    }
}
