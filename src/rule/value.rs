//! Sigma string values parsed once into literal and wildcard parts.
//!
//! Every target needs to know which characters are wildcards and which are literal; parsing the escape
//! rules here, once, means no later stage ever re-interprets a backslash.

use std::fmt;

/// One piece of a Sigma string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// Literal text, matched as is (case-insensitively unless `cased`).
    Lit(String),
    /// `*`: any number of characters.
    AnyChars,
    /// `?`: exactly one character.
    OneChar,
    /// `%name%` placeholder, only produced with the `expand` modifier.
    Placeholder(String),
}

/// A Sigma string: literal runs, wildcards and placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SigmaString {
    /// Parts in order; adjacent literals are always merged.
    pub parts: Vec<Part>,
}

impl SigmaString {
    /// Parses Sigma's escaping rules: `*`/`?` are wildcards, `\*`, `\?` and `\\` are literal, a lone `\`
    /// before anything else is a literal backslash; with `expand`, `%name%` is a placeholder. A
    /// backslash before `%` is not an escape in Sigma (pySigma reads `HKLM\SOFTWARE\%vendor%\x` as a
    /// path holding the placeholder `vendor`), so it stays a literal backslash.
    pub fn parse(text: &str, expand: bool) -> Self {
        let mut s = SigmaString::default();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        chars.next();
                        s.push_char(n);
                    }
                    _ => s.push_char('\\'),
                },
                '*' => s.parts.push(Part::AnyChars),
                '?' => s.parts.push(Part::OneChar),
                '%' if expand => {
                    let rest: String = chars.clone().take_while(|&c| c != '%').collect();
                    let closed = chars.clone().nth(rest.chars().count()) == Some('%');
                    if closed
                        && !rest.is_empty()
                        && rest
                            .chars()
                            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
                    {
                        for _ in 0..=rest.chars().count() {
                            chars.next();
                        }
                        s.parts.push(Part::Placeholder(rest));
                    } else {
                        s.push_char('%');
                    }
                }
                c => s.push_char(c),
            }
        }
        s
    }

    /// A string with no wildcards at all, for values produced by encodings or configs.
    pub fn literal(text: &str) -> Self {
        let mut s = SigmaString::default();
        if !text.is_empty() {
            s.parts.push(Part::Lit(text.to_string()));
        }
        s
    }

    fn push_char(&mut self, c: char) {
        if let Some(Part::Lit(l)) = self.parts.last_mut() {
            l.push(c);
        } else {
            self.parts.push(Part::Lit(c.to_string()));
        }
    }

    /// True when the string contains `*` or `?` wildcards.
    pub fn has_wildcards(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::AnyChars | Part::OneChar))
    }

    /// True when the string contains unresolved placeholders.
    pub fn has_placeholders(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Placeholder(_)))
    }

    /// The text when the string is a single literal (or empty).
    pub fn as_plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Lit(l)] => Some(l),
            _ => None,
        }
    }

    /// True for the empty string `''`.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Adds a leading `*` unless one is there (for `contains`/`endswith`).
    pub fn with_leading_wildcard(mut self) -> Self {
        if self.parts.first() != Some(&Part::AnyChars) {
            self.parts.insert(0, Part::AnyChars);
        }
        self
    }

    /// Adds a trailing `*` unless one is there (for `contains`/`startswith`).
    pub fn with_trailing_wildcard(mut self) -> Self {
        if self.parts.last() != Some(&Part::AnyChars) {
            self.parts.push(Part::AnyChars);
        }
        self
    }

    /// Rewrites literal runs, keeping wildcards (used by `windash`).
    pub fn map_literals(&self, mut f: impl FnMut(&str) -> String) -> Self {
        let mut out = SigmaString::default();
        for p in &self.parts {
            match p {
                Part::Lit(l) => {
                    for c in f(l).chars() {
                        out.push_char(c);
                    }
                }
                other => out.parts.push(other.clone()),
            }
        }
        out
    }
}

impl fmt::Display for SigmaString {
    /// Renders back in Sigma syntax (with escapes), for messages and round-trip tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parts {
            match p {
                Part::Lit(l) => {
                    for c in l.chars() {
                        if matches!(c, '*' | '?' | '\\') {
                            write!(f, "\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                }
                Part::AnyChars => write!(f, "*")?,
                Part::OneChar => write!(f, "?")?,
                Part::Placeholder(p) => write!(f, "%{p}%")?,
            }
        }
        Ok(())
    }
}

/// A number from a rule, kept as written (integer or float).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

impl Number {
    /// As a float, for comparisons.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes() {
        assert_eq!(
            SigmaString::parse(r"a\*b", false).parts,
            vec![Part::Lit("a*b".into())]
        );
        assert_eq!(
            SigmaString::parse(r"C:\Windows\*", false).parts,
            vec![Part::Lit(r"C:\Windows*".into())]
        );
        assert_eq!(
            SigmaString::parse(r"C:\\*", false).parts,
            vec![Part::Lit(r"C:\".into()), Part::AnyChars]
        );
        assert_eq!(
            SigmaString::parse(r"a\\\*", false).parts,
            vec![Part::Lit(r"a\*".into())]
        );
        assert_eq!(
            SigmaString::parse(r"\\\\host", false).parts,
            vec![Part::Lit(r"\\host".into())]
        );
        assert_eq!(
            SigmaString::parse("a?c*", false).parts,
            vec![
                Part::Lit("a".into()),
                Part::OneChar,
                Part::Lit("c".into()),
                Part::AnyChars
            ]
        );
        assert_eq!(
            SigmaString::parse(r"trailing\", false).parts,
            vec![Part::Lit(r"trailing\".into())]
        );
    }

    #[test]
    fn placeholders_only_with_expand() {
        assert_eq!(
            SigmaString::parse("%Servers%", false).parts,
            vec![Part::Lit("%Servers%".into())]
        );
        assert_eq!(
            SigmaString::parse("x%Servers%y", true).parts,
            vec![
                Part::Lit("x".into()),
                Part::Placeholder("Servers".into()),
                Part::Lit("y".into())
            ]
        );
        // a backslash before `%` is a literal backslash, not an escape
        assert_eq!(
            SigmaString::parse(r"100\%", true).parts,
            vec![Part::Lit(r"100\%".into())]
        );
        assert_eq!(
            SigmaString::parse(r"HKLM\SOFTWARE\%vendor%\x", true).parts,
            vec![
                Part::Lit(r"HKLM\SOFTWARE\".into()),
                Part::Placeholder("vendor".into()),
                Part::Lit(r"\x".into())
            ]
        );
        assert_eq!(
            SigmaString::parse("50% off", true).parts,
            vec![Part::Lit("50% off".into())]
        );
    }

    proptest! {
        /// Rendering back to Sigma syntax and parsing again gives the same parts.
        #[test]
        fn display_round_trips(s in r"[a-z\\*?%. ]{0,24}") {
            let parsed = SigmaString::parse(&s, false);
            let again = SigmaString::parse(&parsed.to_string(), false);
            prop_assert_eq!(parsed, again);
        }

        /// Literal text never contains characters that were wildcards in the input.
        #[test]
        fn wildcard_count_is_preserved(s in r"[ab*?]{0,16}") {
            let parsed = SigmaString::parse(&s, false);
            let wild = parsed.parts.iter().filter(|p| matches!(p, Part::AnyChars | Part::OneChar)).count();
            prop_assert_eq!(wild, s.chars().filter(|c| matches!(c, '*' | '?')).count());
        }
    }
}
