//! Compiled value tests: one [`Leaf`] per alternative of a rule value, built once per rule (regexes
//! compiled, literals lowercased) and tested against the values a field selects in an event.

use super::event::{self, text};
use super::time;
use crate::rule::modifier::{CmpOp, Matcher, ReFlags, TimeUnit};
use crate::rule::value::{Number, Part, SigmaString};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// How a string is compared, chosen at compile time from the pattern's shape.
#[derive(Debug, Clone)]
enum Shape {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    /// Anything else with wildcards: an anchored regex.
    Glob(regex::Regex),
}

/// A string pattern with its case rule; non-glob needles are stored lowercased unless `cased`.
#[derive(Debug, Clone)]
pub struct TextPattern {
    shape: Shape,
    cased: bool,
}

/// A compiled test of one value alternative.
#[derive(Debug, Clone)]
pub enum Leaf {
    /// Wildcard string match.
    Text(TextPattern),
    /// Unanchored regex search.
    Regex(regex::Regex),
    /// IP network membership.
    Cidr(Net),
    /// Number equality.
    Number(Number),
    /// Boolean equality.
    Bool(bool),
    /// Field missing or null.
    Null,
    /// Field present (true) or absent (false).
    Exists(bool),
    /// Numeric comparison.
    Compare(CmpOp, f64),
    /// Equal to a value of another field.
    FieldRef {
        /// The other field.
        field: String,
        /// Case-sensitive comparison.
        cased: bool,
    },
}

/// An IPv4 or IPv6 network as integer address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    v6: bool,
    addr: u128,
    prefix: u8,
}

impl Net {
    /// Parses `address/prefix` (IPv4 or IPv6); `None` when it is not a network.
    pub fn parse(text: &str) -> Option<Net> {
        let (a, p) = text.split_once('/')?;
        let ip: IpAddr = a.parse().ok()?;
        let prefix: u8 = p.parse().ok()?;
        let (v6, addr) = to_bits(ip);
        Some(Net {
            v6,
            addr: addr & mask(v6, prefix),
            prefix,
        })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let (v6, bits) = to_bits(ip);
        v6 == self.v6 && bits & mask(v6, self.prefix) == self.addr
    }
}

fn to_bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u32::from(a) as u128),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn mask(v6: bool, prefix: u8) -> u128 {
    let (width, all) = if v6 {
        (128, u128::MAX)
    } else {
        (32, u32::MAX as u128)
    };
    if prefix == 0 {
        0
    } else {
        all & (all << (width - prefix as u32))
    }
}

impl TextPattern {
    /// Compiles a Sigma string without placeholders.
    pub fn compile(s: &SigmaString, cased: bool) -> Result<TextPattern, String> {
        let norm = |l: &str| {
            if cased {
                l.to_string()
            } else {
                l.to_lowercase()
            }
        };
        let shape = match s.parts.as_slice() {
            [] => Shape::Exact(String::new()),
            [Part::Lit(l)] => Shape::Exact(norm(l)),
            [Part::AnyChars] => Shape::Prefix(String::new()),
            [Part::Lit(l), Part::AnyChars] => Shape::Prefix(norm(l)),
            [Part::AnyChars, Part::Lit(l)] => Shape::Suffix(norm(l)),
            [Part::AnyChars, Part::Lit(l), Part::AnyChars] => Shape::Contains(norm(l)),
            parts => {
                let mut re = String::from(if cased { "(?s)^" } else { "(?si)^" });
                for p in parts {
                    match p {
                        Part::Lit(l) => re.push_str(&regex::escape(l)),
                        Part::AnyChars => re.push_str(".*"),
                        Part::OneChar => re.push('.'),
                        Part::Placeholder(name) => {
                            return Err(format!("placeholder %{name}% has no value"));
                        }
                    }
                }
                re.push('$');
                Shape::Glob(regex::Regex::new(&re).map_err(|e| e.to_string())?)
            }
        };
        Ok(TextPattern { shape, cased })
    }

    /// True when the text matches; `lower` is the text lowercased (used unless `cased`).
    pub fn is_match(&self, hay: &str, lower: &str) -> bool {
        match &self.shape {
            Shape::Glob(re) => re.is_match(hay),
            _ if self.cased => self.plain(hay),
            _ => self.plain(lower),
        }
    }

    fn plain(&self, hay: &str) -> bool {
        match &self.shape {
            Shape::Exact(n) => hay == n,
            Shape::Prefix(n) => hay.starts_with(n.as_str()),
            Shape::Suffix(n) => hay.ends_with(n.as_str()),
            Shape::Contains(n) => hay.contains(n.as_str()),
            Shape::Glob(re) => re.is_match(hay),
        }
    }
}

/// Replaces `%name%` placeholders by each of their values (a product when a string holds several);
/// a placeholder without values makes the rule not evaluable.
pub fn expand(
    s: &SigmaString,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<SigmaString>, String> {
    let mut out = vec![SigmaString::default()];
    for part in &s.parts {
        match part {
            Part::Placeholder(name) => {
                let values = placeholders.get(name).ok_or_else(|| {
                    format!(
                        "placeholder %{name}% has no value (pass one with the evaluation options)"
                    )
                })?;
                out = out
                    .iter()
                    .flat_map(|prefix| {
                        values.iter().map(move |v| {
                            let mut p = prefix.clone();
                            p.parts.extend(SigmaString::parse(v, false).parts);
                            p
                        })
                    })
                    .collect();
            }
            other => out.iter_mut().for_each(|p| p.parts.push(other.clone())),
        }
    }
    // Re-parse through Display so adjacent literals merge and shapes are recognised.
    Ok(out
        .into_iter()
        .map(|s| SigmaString::parse(&s.to_string(), false))
        .collect())
}

/// Compiles one matcher of the model into leaves (several when placeholders expand); `cased` is the
/// chain's `cased` modifier, which field references honour.
pub fn compile(
    m: &Matcher,
    cased: bool,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Leaf>, String> {
    Ok(match m {
        Matcher::Pattern { value, cased } => expand(value, placeholders)?
            .iter()
            .map(|v| TextPattern::compile(v, *cased).map(Leaf::Text))
            .collect::<Result<_, _>>()?,
        Matcher::Regex { pattern, flags } => vec![Leaf::Regex(compile_regex(pattern, *flags)?)],
        Matcher::Cidr(c) => vec![Leaf::Cidr(
            Net::parse(c).ok_or_else(|| format!("'{c}' is not a CIDR network"))?,
        )],
        Matcher::Number(n) => vec![Leaf::Number(*n)],
        Matcher::Bool(b) => vec![Leaf::Bool(*b)],
        Matcher::Null => vec![Leaf::Null],
        Matcher::Exists(b) => vec![Leaf::Exists(*b)],
        Matcher::Compare { op, value } => vec![Leaf::Compare(*op, value.as_f64())],
        Matcher::FieldRef(f) => vec![Leaf::FieldRef {
            field: f.clone(),
            cased,
        }],
    })
}

/// Builds a Sigma regex: an unanchored search, case-sensitive unless `i`.
pub fn compile_regex(pattern: &str, flags: ReFlags) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(flags.ignore_case)
        .multi_line(flags.multiline)
        .dot_matches_new_line(flags.dot_all)
        .build()
        .map_err(|e| format!("regex '{pattern}' does not compile: {e}"))
}

fn number_eq(n: Number, v: &Value) -> bool {
    match v {
        Value::Number(x) => match (n, x.as_i64()) {
            (Number::Int(i), Some(j)) => i == j,
            _ => x.as_f64().is_some_and(|f| f == n.as_f64()),
        },
        // The number's own text form: `4688` matches "4688", as a string backend would.
        Value::String(s) => *s == n.to_string(),
        _ => false,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// The number a time modifier extracts from an event value (a timestamp string).
fn time_part(v: &Value, unit: TimeUnit) -> Option<Value> {
    let s = v.as_str()?;
    Some(Value::from(time::parse(s)?.part(unit)))
}

/// The values one field (or, for keywords, the whole event) offers, prepared once per detection item
/// and event so the item's leaves share them: flattened scalars and their text forms.
#[derive(Debug)]
pub struct Probe<'a> {
    /// The field exists (even if null or an empty array).
    present: bool,
    /// The field is missing or one of its values is null.
    null: bool,
    /// Scalars (time parts when a time modifier applies).
    scalars: Vec<Cow<'a, Value>>,
    /// Text form of each scalar.
    texts: Vec<Option<Cow<'a, str>>>,
    /// The texts lowercased, computed on first use by a case-insensitive pattern.
    lower: std::cell::OnceCell<Vec<Option<String>>>,
}

impl<'a> Probe<'a> {
    fn new(present: bool, null: bool, scalars: Vec<Cow<'a, Value>>) -> Self {
        let texts = scalars
            .iter()
            .map(|v| match v {
                Cow::Borrowed(b) => text(b),
                Cow::Owned(o) => text(o).map(|t| Cow::Owned(t.into_owned())),
            })
            .collect();
        Probe {
            present,
            null,
            scalars,
            texts,
            lower: std::cell::OnceCell::new(),
        }
    }

    /// The values of a field (any array element counts), or the time parts of its timestamps.
    pub fn field(event: &'a Value, path: &str, unit: Option<TimeUnit>) -> Self {
        let found = event::lookup(event, path);
        let scalars = event::scalars(&found);
        let null = found.is_empty() || scalars.iter().any(|v| v.is_null());
        let scalars = match unit {
            Some(u) => scalars
                .iter()
                .filter_map(|v| time_part(v, u))
                .map(Cow::Owned)
                .collect(),
            None => scalars.into_iter().map(Cow::Borrowed).collect(),
        };
        Probe::new(!found.is_empty(), null, scalars)
    }

    /// Every string, number and boolean of the event, for keyword searches.
    pub fn keywords(event: &'a Value) -> Self {
        let scalars = event::all_scalars(event)
            .into_iter()
            .map(Cow::Borrowed)
            .collect();
        Probe::new(true, false, scalars)
    }
}

impl Leaf {
    /// Tests the leaf against a probe of `event`: true when any of its values matches.
    pub fn test(&self, p: &Probe, event: &Value) -> bool {
        match self {
            Leaf::Exists(want) => p.present == *want,
            Leaf::Null => p.null,
            Leaf::Text(pat) => {
                let lower = p.lower.get_or_init(|| {
                    p.texts
                        .iter()
                        .map(|t| t.as_deref().map(str::to_lowercase))
                        .collect()
                });
                p.texts
                    .iter()
                    .zip(lower)
                    .any(|(t, l)| matches!((t, l), (Some(t), Some(l)) if pat.is_match(t, l)))
            }
            Leaf::Regex(re) => p.texts.iter().flatten().any(|t| re.is_match(t)),
            _ => p.scalars.iter().any(|v| self.test_scalar(v, event)),
        }
    }

    /// Tests one scalar against the leaves that compare values rather than texts or presence.
    fn test_scalar(&self, v: &Value, event: &Value) -> bool {
        match self {
            Leaf::Cidr(net) => v
                .as_str()
                .and_then(|s| s.trim().parse::<IpAddr>().ok())
                .is_some_and(|ip| net.contains(ip)),
            Leaf::Number(n) => number_eq(*n, v),
            Leaf::Bool(b) => match v {
                Value::Bool(x) => x == b,
                Value::String(s) => s.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
                _ => false,
            },
            Leaf::Compare(op, bound) => as_f64(v).is_some_and(|x| match op {
                CmpOp::Gt => x > *bound,
                CmpOp::Gte => x >= *bound,
                CmpOp::Lt => x < *bound,
                CmpOp::Lte => x <= *bound,
            }),
            Leaf::FieldRef { field, cased } => {
                let Some(mine) = text(v) else { return false };
                event::scalars(&event::lookup(event, field))
                    .iter()
                    .filter_map(|o| text(o))
                    .any(|o| {
                        if *cased {
                            o == mine
                        } else {
                            o.to_lowercase() == mine.to_lowercase()
                        }
                    })
            }
            // Answered from the probe as a whole by `test`.
            Leaf::Text(_) | Leaf::Regex(_) | Leaf::Null | Leaf::Exists(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::modifier::{RawValue, apply, parse_chain};
    use serde_json::json;

    /// Compiles `field|mods: value` and tests it against `event["f"]`.
    fn hit(mods: &[&str], value: RawValue, event: Value) -> bool {
        let chain = parse_chain(mods).unwrap();
        let alts = apply(&chain, &value).unwrap();
        let probe = Probe::field(&event, "f", chain.time_part);
        alts.iter().any(|m| {
            compile(
                m,
                chain
                    .modifiers
                    .contains(&crate::rule::modifier::Modifier::Cased),
                &BTreeMap::new(),
            )
            .unwrap()
            .iter()
            .any(|l| l.test(&probe, &event))
        })
    }

    fn s(v: &str) -> RawValue {
        RawValue::Str(v.into())
    }

    #[test]
    fn plain_strings_are_case_insensitive_and_exact() {
        assert!(hit(&[], s("CMD.exe"), json!({"f": "cmd.EXE"})));
        assert!(!hit(&[], s("cmd.exe"), json!({"f": "xcmd.exe"})));
        assert!(hit(&[], s(""), json!({"f": ""})));
        assert!(!hit(&[], s(""), json!({"f": "x"})));
        assert!(
            hit(&[], s("ÄRGER"), json!({"f": "ärger"})),
            "Unicode case folding"
        );
        assert!(!hit(&[], s("x"), json!({})), "missing field");
        assert!(!hit(&[], s("x"), json!({"f": null})));
    }

    #[test]
    fn wildcards_and_escapes() {
        assert!(hit(
            &[],
            s("C:\\Win*\\cmd.exe"),
            json!({"f": "c:\\windows\\system32\\CMD.exe"})
        ));
        assert!(hit(&[], s("a?c"), json!({"f": "abc"})));
        assert!(!hit(&[], s("a?c"), json!({"f": "abbc"})));
        assert!(
            hit(&[], s("a\\*c"), json!({"f": "A*C"})),
            "escaped star is literal"
        );
        assert!(!hit(&[], s("a\\*c"), json!({"f": "abc"})));
        assert!(hit(&[], s("a\\?"), json!({"f": "a?"})));
        assert!(hit(&[], s("*"), json!({"f": ""})));
        assert!(
            hit(&[], s("a*b*c"), json!({"f": "a\nxb\nc"})),
            "`*` spans newlines"
        );
        assert!(
            hit(&[], s("x.y+z"), json!({"f": "X.Y+Z"})),
            "regex metacharacters stay literal"
        );
        assert!(!hit(&[], s("x.y"), json!({"f": "xzy"})));
    }

    #[test]
    fn contains_startswith_endswith() {
        assert!(hit(
            &["contains"],
            s("WhoAmI"),
            json!({"f": "c:\\whoami.exe /all"})
        ));
        assert!(!hit(&["contains"], s("whoami"), json!({"f": "who ami"})));
        assert!(hit(&["startswith"], s("C:\\"), json!({"f": "c:\\x"})));
        assert!(!hit(&["startswith"], s("C:\\"), json!({"f": "d:\\c:\\"})));
        assert!(hit(
            &["endswith"],
            s("\\cmd.exe"),
            json!({"f": "C:\\W\\CMD.EXE"})
        ));
        assert!(!hit(&["endswith"], s("\\cmd.exe"), json!({"f": "cmd.exe"})));
        assert!(
            hit(&["contains"], s("é"), json!({"f": "CAFÉ au lait"})),
            "non-ASCII haystack"
        );
    }

    #[test]
    fn cased() {
        assert!(hit(&["cased"], s("Abc"), json!({"f": "Abc"})));
        assert!(!hit(&["cased"], s("Abc"), json!({"f": "abc"})));
        assert!(!hit(&["contains", "cased"], s("B"), json!({"f": "abc"})));
        assert!(hit(&["contains", "cased"], s("b?"), json!({"f": "abc"})));
        assert!(!hit(&["contains", "cased"], s("B?"), json!({"f": "abc"})));
    }

    #[test]
    fn arrays_any_element() {
        assert!(hit(&[], s("b"), json!({"f": ["a", "B"]})));
        assert!(hit(
            &[],
            RawValue::Number(Number::Int(3)),
            json!({"f": [1, [2, 3]]})
        ));
        assert!(!hit(&[], s("c"), json!({"f": ["a", "b"]})));
    }

    #[test]
    fn numbers_and_numeric_strings() {
        let n = RawValue::Number(Number::Int(4688));
        assert!(hit(&[], n.clone(), json!({"f": 4688})));
        assert!(
            hit(&[], n.clone(), json!({"f": "4688"})),
            "number matches its string form"
        );
        assert!(hit(&[], n.clone(), json!({"f": 4688.0})));
        assert!(!hit(&[], n.clone(), json!({"f": "04688"})));
        assert!(!hit(&[], n, json!({"f": 4689})));
        assert!(
            hit(&[], s("4688"), json!({"f": 4688})),
            "a string value matches a number's text"
        );
        assert!(hit(&[], s("46*"), json!({"f": 4688})));
        assert!(hit(
            &[],
            RawValue::Number(Number::Float(1.5)),
            json!({"f": 1.5})
        ));
    }

    #[test]
    fn booleans_and_null() {
        assert!(hit(&[], RawValue::Bool(true), json!({"f": true})));
        assert!(hit(&[], RawValue::Bool(false), json!({"f": "False"})));
        assert!(!hit(&[], RawValue::Bool(true), json!({"f": false})));
        assert!(hit(&[], RawValue::Null, json!({"f": null})));
        assert!(
            hit(&[], RawValue::Null, json!({"g": 1})),
            "missing counts as null"
        );
        assert!(!hit(&[], RawValue::Null, json!({"f": ""})));
    }

    #[test]
    fn exists() {
        let t = RawValue::Bool(true);
        let f = RawValue::Bool(false);
        assert!(
            hit(&["exists"], t.clone(), json!({"f": null})),
            "presence only"
        );
        assert!(hit(&["exists"], t.clone(), json!({"f": ""})));
        assert!(!hit(&["exists"], t, json!({"g": 1})));
        assert!(hit(&["exists"], f.clone(), json!({"g": 1})));
        assert!(!hit(&["exists"], f, json!({"f": 0})));
    }

    #[test]
    fn regex_search_and_flags() {
        assert!(hit(&["re"], s("b+c"), json!({"f": "abbcd"})), "unanchored");
        assert!(!hit(&["re"], s("^b"), json!({"f": "ab"})));
        assert!(
            !hit(&["re"], s("ABC"), json!({"f": "abc"})),
            "case-sensitive by default"
        );
        assert!(hit(&["re", "i"], s("ABC"), json!({"f": "xabcx"})));
        assert!(!hit(&["re"], s("^b$"), json!({"f": "a\nb\nc"})));
        assert!(hit(&["re", "m"], s("^b$"), json!({"f": "a\nb\nc"})));
        assert!(!hit(&["re"], s("a.b"), json!({"f": "a\nb"})));
        assert!(hit(&["re", "s"], s("a.b"), json!({"f": "a\nb"})));
        assert!(
            hit(&["re"], s("^46"), json!({"f": 4688})),
            "numbers searched as text"
        );
    }

    #[test]
    fn cidr_v4_and_v6() {
        assert!(hit(&["cidr"], s("10.0.0.0/8"), json!({"f": "10.200.3.4"})));
        assert!(!hit(&["cidr"], s("10.0.0.0/8"), json!({"f": "11.0.0.1"})));
        assert!(
            hit(&["cidr"], s("192.168.1.7"), json!({"f": "192.168.1.7"})),
            "host network"
        );
        assert!(!hit(
            &["cidr"],
            s("192.168.1.7"),
            json!({"f": "192.168.1.8"})
        ));
        assert!(hit(&["cidr"], s("0.0.0.0/0"), json!({"f": "8.8.8.8"})));
        assert!(hit(&["cidr"], s("fe80::/10"), json!({"f": "FE80::1"})));
        assert!(!hit(&["cidr"], s("fe80::/10"), json!({"f": "fec0::1"})));
        assert!(
            !hit(&["cidr"], s("10.0.0.0/8"), json!({"f": "::ffff:10.0.0.1"})),
            "families differ"
        );
        assert!(!hit(&["cidr"], s("10.0.0.0/8"), json!({"f": "not an ip"})));
    }

    #[test]
    fn base64_and_offsets() {
        // "ping" base64 = cGluZw==
        assert!(hit(&["base64"], s("ping"), json!({"f": "cGluZw=="})));
        assert!(
            !hit(&["base64"], s("ping"), json!({"f": "CGLUZW=="})),
            "encodings are cased"
        );
        let enc = |text: &str| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(text)
        };
        for prefix in ["", "a", "ab", "abc"] {
            let stream = enc(&format!("{prefix}/bin/bash -c x"));
            assert!(
                hit(
                    &["base64offset", "contains"],
                    s("/bin/bash"),
                    json!({"f": stream})
                ),
                "offset {prefix:?}"
            );
        }
        assert!(!hit(
            &["base64offset", "contains"],
            s("/bin/bash"),
            json!({"f": enc("/bin/sh")})
        ));
    }

    #[test]
    fn utf16_encodings() {
        use base64::Engine;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let le: Vec<u8> = "ab".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "ab".encode_utf16().flat_map(u16::to_be_bytes).collect();
        for m in ["utf16le", "wide"] {
            assert!(hit(&[m, "base64"], s("ab"), json!({"f": b64(&le)})), "{m}");
        }
        assert!(hit(&["utf16be", "base64"], s("ab"), json!({"f": b64(&be)})));
        let bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(le.clone()).collect();
        assert!(hit(&["utf16", "base64"], s("ab"), json!({"f": b64(&bom)})));
        assert!(!hit(
            &["utf16be", "base64"],
            s("ab"),
            json!({"f": b64(&le)})
        ));
        let long: Vec<u8> = "xyz powershell"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(hit(
            &["wide", "base64offset", "contains"],
            s("powershell"),
            json!({"f": b64(&long)})
        ));
    }

    #[test]
    fn windash() {
        for cmd in [
            "net user -add",
            "net user /add",
            "net user –add",
            "net user —add",
            "net user ―add",
        ] {
            assert!(
                hit(&["windash", "contains"], s(" -add"), json!({"f": cmd})),
                "{cmd}"
            );
        }
        assert!(!hit(
            &["windash", "contains"],
            s(" -add"),
            json!({"f": "net user +add"})
        ));
    }

    #[test]
    fn numeric_comparisons() {
        let n = |i| RawValue::Number(Number::Int(i));
        assert!(hit(&["gt"], n(5), json!({"f": 6})));
        assert!(!hit(&["gt"], n(5), json!({"f": 5})));
        assert!(hit(&["gte"], n(5), json!({"f": 5})));
        assert!(
            hit(&["lt"], n(5), json!({"f": "4"})),
            "numeric strings compare as numbers"
        );
        assert!(hit(&["lte"], n(5), json!({"f": 5.0})));
        assert!(!hit(&["lt"], n(5), json!({"f": "four"})));
        assert!(!hit(&["lt"], n(5), json!({})));
        assert!(hit(&["gte"], s("1.5"), json!({"f": 2})));
    }

    #[test]
    fn time_parts() {
        let n = |i| RawValue::Number(Number::Int(i));
        let ev = json!({"f": "2026-03-04T05:06:07.123Z"});
        assert!(hit(&["hour"], n(5), ev.clone()));
        assert!(!hit(&["hour"], n(6), ev.clone()));
        assert!(hit(&["minute"], n(6), ev.clone()));
        assert!(hit(&["day"], n(4), ev.clone()));
        assert!(hit(&["month"], n(3), ev.clone()));
        assert!(hit(&["year"], n(2026), ev.clone()));
        assert!(hit(&["week"], n(10), ev.clone()));
        assert!(!hit(&["hour"], n(5), json!({"f": "not a date"})));
        assert!(
            !hit(&["hour"], n(5), json!({"f": 5})),
            "numbers are not dates"
        );
    }

    #[test]
    fn fieldref() {
        let ev = json!({"f": "Admin", "g": "admin", "h": "x", "arr": ["y", "ADMIN"]});
        assert!(
            hit(&["fieldref"], s("g"), ev.clone()),
            "case-insensitive by default"
        );
        assert!(!hit(&["fieldref"], s("h"), ev.clone()));
        assert!(hit(&["fieldref"], s("arr"), ev.clone()));
        assert!(!hit(&["fieldref"], s("missing"), ev.clone()));
        assert!(!hit(&["fieldref", "cased"], s("g"), ev.clone()));
        assert!(hit(&["fieldref", "cased"], s("f"), ev));
    }

    #[test]
    fn placeholders_expand_or_refuse() {
        let chain = parse_chain(&["expand"]).unwrap();
        let m = &apply(&chain, &s("%Servers%\\\\*")).unwrap()[0];
        let mut p = BTreeMap::new();
        assert!(compile(m, false, &p).unwrap_err().contains("%Servers%"));
        p.insert(
            "Servers".to_string(),
            vec!["SRV1".to_string(), "db?".to_string()],
        );
        let leaves = compile(m, false, &p).unwrap();
        assert_eq!(leaves.len(), 2);
        let t = |v: &str| {
            let ev = json!({ "f": v });
            let probe = Probe::field(&ev, "f", None);
            leaves.iter().any(|l| l.test(&probe, &ev))
        };
        assert!(t("srv1\\share"));
        assert!(
            t("DB1\\x"),
            "wildcards inside placeholder values keep their meaning"
        );
        assert!(!t("srv2\\x"));
    }

    #[test]
    fn masks() {
        assert_eq!(mask(false, 32), u32::MAX as u128);
        assert_eq!(mask(false, 8), 0xFF00_0000);
        assert_eq!(mask(true, 128), u128::MAX);
        assert_eq!(mask(true, 0), 0);
    }
}
