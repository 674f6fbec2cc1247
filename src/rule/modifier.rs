//! Value modifiers: parsing a `field|mod|mod` key, rejecting illegal chains, and applying the chain to
//! each value so targets receive ready-made matchers.

use super::value::{Number, SigmaString};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt;

/// Every value modifier of Sigma 2.1 (plus pySigma's long aliases for the regex flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// `*x*`.
    Contains,
    /// `x*`.
    StartsWith,
    /// `*x`.
    EndsWith,
    /// Values AND-ed instead of OR-ed.
    All,
    /// Base64-encode the value.
    Base64,
    /// The three shifted base64 encodings of a value inside a longer text.
    Base64Offset,
    /// UTF-16 little endian (before base64).
    Utf16le,
    /// UTF-16 big endian (before base64).
    Utf16be,
    /// UTF-16 with a byte order mark (before base64).
    Utf16,
    /// Alias of `utf16le`.
    Wide,
    /// Windows command-line dash variants.
    Windash,
    /// Regular expression.
    Re,
    /// Regex flag: ignore case.
    ReIgnoreCase,
    /// Regex flag: multi-line `^`/`$`.
    ReMultiline,
    /// Regex flag: `.` matches newline.
    ReDotAll,
    /// IP network match.
    Cidr,
    /// Field presence.
    Exists,
    /// Placeholder expansion.
    Expand,
    /// Compare with another field.
    FieldRef,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less or equal.
    Lte,
    /// Not equal.
    Neq,
    /// Case-sensitive string match.
    Cased,
    /// Minute of a date field.
    Minute,
    /// Hour of a date field.
    Hour,
    /// Day of month of a date field.
    Day,
    /// ISO week of a date field.
    Week,
    /// Month of a date field.
    Month,
    /// Year of a date field.
    Year,
}

impl Modifier {
    /// Parses a modifier name as written in a rule.
    pub fn parse(name: &str) -> Option<Self> {
        use Modifier::*;
        Some(match name {
            "contains" => Contains,
            "startswith" => StartsWith,
            "endswith" => EndsWith,
            "all" => All,
            "base64" => Base64,
            "base64offset" => Base64Offset,
            "utf16le" => Utf16le,
            "utf16be" => Utf16be,
            "utf16" => Utf16,
            "wide" => Wide,
            "windash" => Windash,
            "re" => Re,
            "i" | "ignorecase" => ReIgnoreCase,
            "m" | "multiline" => ReMultiline,
            "s" | "dotall" => ReDotAll,
            "cidr" => Cidr,
            "exists" => Exists,
            "expand" => Expand,
            "fieldref" => FieldRef,
            "gt" => Gt,
            "gte" => Gte,
            "lt" => Lt,
            "lte" => Lte,
            "neq" => Neq,
            "cased" => Cased,
            "minute" => Minute,
            "hour" => Hour,
            "day" => Day,
            "week" => Week,
            "month" => Month,
            "year" => Year,
            _ => return None,
        })
    }

    /// Canonical name.
    pub fn name(self) -> &'static str {
        use Modifier::*;
        match self {
            Contains => "contains",
            StartsWith => "startswith",
            EndsWith => "endswith",
            All => "all",
            Base64 => "base64",
            Base64Offset => "base64offset",
            Utf16le => "utf16le",
            Utf16be => "utf16be",
            Utf16 => "utf16",
            Wide => "wide",
            Windash => "windash",
            Re => "re",
            ReIgnoreCase => "i",
            ReMultiline => "m",
            ReDotAll => "s",
            Cidr => "cidr",
            Exists => "exists",
            Expand => "expand",
            FieldRef => "fieldref",
            Gt => "gt",
            Gte => "gte",
            Lt => "lt",
            Lte => "lte",
            Neq => "neq",
            Cased => "cased",
            Minute => "minute",
            Hour => "hour",
            Day => "day",
            Week => "week",
            Month => "month",
            Year => "year",
        }
    }

    fn time_unit(self) -> Option<TimeUnit> {
        Some(match self {
            Modifier::Minute => TimeUnit::Minute,
            Modifier::Hour => TimeUnit::Hour,
            Modifier::Day => TimeUnit::Day,
            Modifier::Week => TimeUnit::Week,
            Modifier::Month => TimeUnit::Month,
            Modifier::Year => TimeUnit::Year,
            _ => return None,
        })
    }

    fn cmp_op(self) -> Option<CmpOp> {
        Some(match self {
            Modifier::Gt => CmpOp::Gt,
            Modifier::Gte => CmpOp::Gte,
            Modifier::Lt => CmpOp::Lt,
            Modifier::Lte => CmpOp::Lte,
            _ => return None,
        })
    }
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

impl CmpOp {
    /// The comparison symbol most query languages (EQL, ES|QL) write.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
        }
    }
}

/// Which part of a timestamp a time modifier extracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// 0–59.
    Minute,
    /// 0–23.
    Hour,
    /// 1–31.
    Day,
    /// 1–52.
    Week,
    /// 1–12.
    Month,
    /// The year.
    Year,
}

impl TimeUnit {
    /// The modifier name.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Minute => "minute",
            TimeUnit::Hour => "hour",
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Year => "year",
        }
    }
}

/// Regex flags from the `i`, `m`, `s` sub-modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReFlags {
    /// Ignore case.
    pub ignore_case: bool,
    /// `^`/`$` match at line breaks.
    pub multiline: bool,
    /// `.` matches newlines.
    pub dot_all: bool,
}

/// What a single rule value matches, after every modifier was applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// A string with wildcards; case-insensitive unless `cased` (encodings are always cased).
    Pattern {
        /// The pattern.
        value: SigmaString,
        /// Case-sensitive match required.
        cased: bool,
    },
    /// An unanchored regular expression search.
    Regex {
        /// Pattern as written.
        pattern: String,
        /// Flags.
        flags: ReFlags,
    },
    /// An IP network in CIDR notation (normalised).
    Cidr(String),
    /// An exact number.
    Number(Number),
    /// An exact boolean.
    Bool(bool),
    /// The field is missing or null.
    Null,
    /// The field exists (true) or not (false).
    Exists(bool),
    /// Numeric comparison.
    Compare {
        /// Operator.
        op: CmpOp,
        /// Bound.
        value: Number,
    },
    /// Equal to another field of the same event.
    FieldRef(String),
}

/// A rule value as written, before modifiers, for messages and error positions.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// A string.
    Str(String),
    /// A number.
    Number(Number),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
}

impl fmt::Display for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::Str(s) => write!(f, "'{s}'"),
            RawValue::Number(n) => write!(f, "{n}"),
            RawValue::Bool(b) => write!(f, "{b}"),
            RawValue::Null => write!(f, "null"),
        }
    }
}

/// Why a modifier chain or value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModifierError {
    /// The name is not a Sigma modifier.
    Unknown(String),
    /// The chain breaks a rule of the specification.
    IllegalChain(String),
    /// The value does not fit the modifiers.
    BadValue(String),
}

/// The checked modifier chain of one detection key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chain {
    /// Modifiers in written order.
    pub modifiers: Vec<Modifier>,
    /// `all`: values are AND-ed.
    pub all: bool,
    /// `neq`: the field must differ from the values.
    pub negated: bool,
    /// A time part extracted from a date field before comparing.
    pub time_part: Option<TimeUnit>,
}

/// Parses the modifier names of a key (`Image|endswith` → `["endswith"]`) and rejects illegal chains.
pub fn parse_chain(names: &[&str]) -> Result<Chain, ModifierError> {
    use Modifier::*;
    let mut modifiers = Vec::with_capacity(names.len());
    for name in names {
        let m = Modifier::parse(name).ok_or_else(|| ModifierError::Unknown((*name).to_string()))?;
        if modifiers.contains(&m) {
            return Err(ModifierError::IllegalChain(format!(
                "modifier `{m}` is given twice"
            )));
        }
        modifiers.push(m);
    }
    let has = |m: Modifier| modifiers.contains(&m);
    let count = |set: &[Modifier]| modifiers.iter().filter(|m| set.contains(m)).count();
    let illegal = |msg: String| Err(ModifierError::IllegalChain(msg));

    if count(&[Contains, StartsWith, EndsWith]) > 1 {
        return illegal("only one of `contains`, `startswith`, `endswith` may be used".into());
    }
    if count(&[Gt, Gte, Lt, Lte]) > 1 {
        return illegal(
            "only one of `gt`, `gte`, `lt`, `lte` per key; use two keys for a range".into(),
        );
    }
    if count(&[Minute, Hour, Day, Week, Month, Year]) > 1 {
        return illegal("only one time modifier may be used".into());
    }
    if count(&[Base64, Base64Offset]) > 1 {
        return illegal("`base64` and `base64offset` exclude each other".into());
    }
    if count(&[Utf16le, Utf16be, Utf16, Wide]) > 1 {
        return illegal("only one UTF-16 encoding modifier may be used".into());
    }
    let exclusive = [Re, Cidr, Exists, FieldRef];
    if count(&exclusive) > 1 {
        return illegal("`re`, `cidr`, `exists` and `fieldref` exclude each other".into());
    }
    let string_shaping = [
        Contains,
        StartsWith,
        EndsWith,
        Base64,
        Base64Offset,
        Utf16le,
        Utf16be,
        Utf16,
        Wide,
        Windash,
        Expand,
    ];
    let numeric = [Gt, Gte, Lt, Lte];
    for (m, allowed) in [
        (Re, &[All, ReIgnoreCase, ReMultiline, ReDotAll, Neq][..]),
        (Cidr, &[All, Neq][..]),
        (Exists, &[][..]),
        (FieldRef, &[All, Neq, Cased][..]),
    ] {
        if has(m)
            && let Some(other) = modifiers.iter().find(|o| **o != m && !allowed.contains(o))
        {
            return illegal(format!("`{other}` cannot be combined with `{m}`"));
        }
    }
    for flag in [ReIgnoreCase, ReMultiline, ReDotAll] {
        if has(flag) && !has(Re) {
            return illegal(format!("regex flag `{flag}` needs the `re` modifier"));
        }
    }
    if count(&numeric) == 1
        && let Some(other) = modifiers
            .iter()
            .find(|o| string_shaping.contains(o) || **o == Cased || **o == Neq)
    {
        return illegal(format!(
            "`{other}` cannot be combined with a numeric comparison"
        ));
    }
    let time = modifiers.iter().find_map(|m| m.time_unit());
    if time.is_some()
        && let Some(other) = modifiers
            .iter()
            .find(|o| string_shaping.contains(o) || **o == Cased)
    {
        return illegal(format!("`{other}` cannot be combined with a time modifier"));
    }
    // Order: UTF-16 encodings turn text into bytes, which only base64 can turn back into text.
    if let Some(i) = modifiers
        .iter()
        .position(|m| matches!(m, Utf16le | Utf16be | Utf16 | Wide))
        && !modifiers[i + 1..]
            .iter()
            .any(|m| matches!(m, Base64 | Base64Offset))
    {
        return illegal(format!(
            "`{}` must be followed by `base64` or `base64offset`",
            modifiers[i]
        ));
    }
    if let Some(i) = modifiers.iter().position(|m| *m == Base64Offset)
        && !modifiers[i + 1..].contains(&Contains)
    {
        return illegal("`base64offset` must be followed by `contains`".into());
    }
    if has(Cased) && has(Re) {
        return illegal("`cased` has no meaning with `re` (regexes are case-sensitive)".into());
    }
    Ok(Chain {
        all: has(All),
        negated: has(Neq),
        time_part: time,
        modifiers,
    })
}

const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Positions (char indices) of dashes that start a command-line flag: `-` or `/` not preceded by a word
/// character and followed by one.
fn flag_dashes(text: &str) -> Vec<usize> {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], '-' | '/')
                && (i == 0 || !word(chars[i - 1]))
                && chars.get(i + 1).is_some_and(|&c| word(c))
        })
        .collect()
}

fn windash_variants(s: &SigmaString) -> Vec<SigmaString> {
    // Count flag dashes over all literal parts, then emit every combination (capped at 3 dashes, beyond which
    // every dash takes the same variant to keep queries bounded).
    let total: usize = s
        .parts
        .iter()
        .map(|p| match p {
            super::value::Part::Lit(l) => flag_dashes(l).len(),
            _ => 0,
        })
        .sum();
    if total == 0 {
        return vec![s.clone()];
    }
    let combos: Vec<Vec<char>> = if total <= 3 {
        let mut combos = vec![vec![]];
        for _ in 0..total {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    DASHES.iter().map(move |d| {
                        let mut c = c.clone();
                        c.push(*d);
                        c
                    })
                })
                .collect();
        }
        combos
    } else {
        DASHES.iter().map(|d| vec![*d; total]).collect()
    };
    combos
        .into_iter()
        .map(|combo| {
            let mut k = 0;
            s.map_literals(|l| {
                let dashes = flag_dashes(l);
                l.chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if dashes.contains(&i) {
                            k += 1;
                            combo[k - 1]
                        } else {
                            c
                        }
                    })
                    .collect()
            })
        })
        .collect()
}

fn encode_utf16(text: &str, m: Modifier) -> Vec<u8> {
    let units = text.encode_utf16();
    match m {
        Modifier::Utf16be => units.flat_map(u16::to_be_bytes).collect(),
        Modifier::Utf16 => [0xFF, 0xFE]
            .into_iter()
            .chain(units.flat_map(u16::to_le_bytes))
            .collect(),
        _ => units.flat_map(u16::to_le_bytes).collect(),
    }
}

/// The three base64 encodings of `bytes` at every alignment inside a longer stream, trimmed of the
/// characters that depend on the unknown neighbours.
pub fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    (0..3)
        .map(|shift| {
            let mut buf = vec![b' '; shift];
            buf.extend_from_slice(bytes);
            let enc = STANDARD.encode(&buf);
            let trim_end = match (bytes.len() + shift) % 3 {
                0 => 0,
                1 => 3,
                _ => 2,
            };
            let end = enc.len().saturating_sub(trim_end);
            enc.get(START[shift]..end).unwrap_or("").to_string()
        })
        .collect()
}

/// Applies a checked chain to one value, giving the alternatives (OR-ed) it stands for.
pub fn apply(chain: &Chain, value: &RawValue) -> Result<Vec<Matcher>, ModifierError> {
    use Modifier::*;
    let bad = |msg: String| Err(ModifierError::BadValue(msg));
    let has = |m: Modifier| chain.modifiers.contains(&m);

    if has(Exists) {
        return match value {
            RawValue::Bool(b) => Ok(vec![Matcher::Exists(*b)]),
            // PyYAML (YAML 1.1, what pySigma reads rules with) loads these words as booleans.
            RawValue::Str(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Ok(vec![Matcher::Exists(true)]),
                "false" | "no" | "off" => Ok(vec![Matcher::Exists(false)]),
                _ => bad(format!(
                    "`exists` takes true or false (or yes/no), not '{s}'"
                )),
            },
            other => bad(format!(
                "`exists` takes true or false (or yes/no), not {other}"
            )),
        };
    }
    if let Some(op) = chain.modifiers.iter().find_map(|m| m.cmp_op()) {
        return match value {
            RawValue::Number(n) => Ok(vec![Matcher::Compare { op, value: *n }]),
            RawValue::Str(s) => match parse_number(s) {
                Some(n) => Ok(vec![Matcher::Compare { op, value: n }]),
                None => bad(format!("`{}` needs a number, not '{s}'", op_name(op))),
            },
            other => bad(format!("`{}` needs a number, not {other}", op_name(op))),
        };
    }
    if chain.time_part.is_some() {
        return match value {
            RawValue::Number(n) => Ok(vec![Matcher::Number(*n)]),
            other => bad(format!("a time modifier needs an integer, not {other}")),
        };
    }
    let text = match value {
        RawValue::Null => {
            if chain.modifiers.iter().any(|m| !matches!(m, All | Neq)) {
                return bad(format!("null cannot be used with `{}`", chain.modifiers[0]));
            }
            return Ok(vec![Matcher::Null]);
        }
        RawValue::Bool(b) if !chain.modifiers.iter().any(|m| !matches!(m, All | Neq)) => {
            return Ok(vec![Matcher::Bool(*b)]);
        }
        RawValue::Number(n) if !chain.modifiers.iter().any(|m| !matches!(m, All | Neq)) => {
            return Ok(vec![Matcher::Number(*n)]);
        }
        RawValue::Str(s) => s.clone(),
        RawValue::Bool(b) => b.to_string(),
        RawValue::Number(n) => n.to_string(),
    };
    if has(Re) {
        let flags = ReFlags {
            ignore_case: has(ReIgnoreCase),
            multiline: has(ReMultiline),
            dot_all: has(ReDotAll),
        };
        check_regex(&text)?;
        return Ok(vec![Matcher::Regex {
            pattern: text,
            flags,
        }]);
    }
    if has(Cidr) {
        return normalize_cidr(&text)
            .map(|n| vec![Matcher::Cidr(n)])
            .ok_or_else(|| ModifierError::BadValue(format!("'{text}' is not a CIDR network")));
    }
    if has(FieldRef) {
        if text.is_empty() || text.contains(['*', '?']) {
            return bad(format!("`fieldref` needs a field name, not '{text}'"));
        }
        return Ok(vec![Matcher::FieldRef(text)]);
    }

    // String pipeline, in written order.
    let mut current: Vec<SigmaString> = vec![SigmaString::parse(&text, has(Expand))];
    let mut bytes: Option<Vec<u8>> = None;
    let mut cased = has(Cased);
    for m in &chain.modifiers {
        match m {
            Contains => {
                current = current
                    .into_iter()
                    .map(|s| s.with_leading_wildcard().with_trailing_wildcard())
                    .collect()
            }
            StartsWith => {
                current = current
                    .into_iter()
                    .map(SigmaString::with_trailing_wildcard)
                    .collect()
            }
            EndsWith => {
                current = current
                    .into_iter()
                    .map(SigmaString::with_leading_wildcard)
                    .collect()
            }
            Windash => current = current.iter().flat_map(windash_variants).collect(),
            Utf16le | Utf16be | Utf16 | Wide | Base64 | Base64Offset => {
                let data = match bytes.take() {
                    Some(b) => b,
                    None => {
                        let mut plain = Vec::new();
                        for s in &current {
                            match s.as_plain() {
                                Some(p) if !s.has_placeholders() => plain.push(p.to_string()),
                                _ => {
                                    return bad(format!(
                                        "`{m}` cannot encode wildcards or placeholders in '{text}'"
                                    ));
                                }
                            }
                        }
                        if plain.len() != 1 {
                            return bad(format!("`{m}` cannot follow `windash`"));
                        }
                        plain.remove(0).into_bytes()
                    }
                };
                match m {
                    Base64 => {
                        current = vec![SigmaString::literal(&STANDARD.encode(&data))];
                        cased = true;
                    }
                    Base64Offset => {
                        current = base64_offsets(&data)
                            .iter()
                            .map(|s| SigmaString::literal(s))
                            .collect();
                        cased = true;
                    }
                    _ => {
                        let text = String::from_utf8(data).unwrap_or_default();
                        bytes = Some(encode_utf16(&text, *m));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(current
        .into_iter()
        .map(|value| Matcher::Pattern { value, cased })
        .collect())
}

fn op_name(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Gt => "gt",
        CmpOp::Gte => "gte",
        CmpOp::Lt => "lt",
        CmpOp::Lte => "lte",
    }
}

fn parse_number(s: &str) -> Option<Number> {
    s.parse::<i64>().map(Number::Int).ok().or_else(|| {
        s.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Number::Float)
    })
}

/// Validates a Sigma regex. Sigma allows a PCRE subset; patterns using look-arounds or back references
/// are outside it and are refused here so no target silently mis-translates them.
pub fn check_regex(pattern: &str) -> Result<(), ModifierError> {
    match regex_syntax::ParserBuilder::new().build().parse(pattern) {
        Ok(_) => Ok(()),
        Err(e) => {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("").trim();
            let lookaround = ["(?=", "(?!", "(?<=", "(?<!"]
                .iter()
                .any(|p| pattern.contains(p));
            if lookaround {
                Err(ModifierError::BadValue(
                    "regex uses a look-around, which Sigma's regex subset does not allow".into(),
                ))
            } else {
                Err(ModifierError::BadValue(format!("invalid regex: {last}")))
            }
        }
    }
}

/// Normalises an IPv4/IPv6 network (`10.0.0.0/8`, or a bare address as a host network).
pub fn normalize_cidr(text: &str) -> Option<String> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (text, None),
    };
    let ip: std::net::IpAddr = addr.trim().parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = len.unwrap_or(max);
    if len > max {
        return None;
    }
    Some(format!("{ip}/{len}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::value::Part;

    fn chain(names: &[&str]) -> Chain {
        parse_chain(names).unwrap()
    }

    fn pattern(names: &[&str], v: &str) -> Vec<String> {
        apply(&chain(names), &RawValue::Str(v.into()))
            .unwrap()
            .into_iter()
            .map(|m| match m {
                Matcher::Pattern { value, .. } => value.to_string(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn contains_and_friends() {
        assert_eq!(pattern(&["contains"], "x"), vec!["*x*"]);
        assert_eq!(pattern(&["startswith"], "x*"), vec!["x*"]);
        assert_eq!(pattern(&["endswith"], r"\cmd.exe"), vec![r"*\\cmd.exe"]);
    }

    #[test]
    fn illegal_chains() {
        for bad in [
            &["contains", "startswith"][..],
            &["re", "contains"],
            &["base64offset"],
            &["wide"],
            &["i"],
            &["exists", "all"],
            &["gt", "lt"],
            &["cidr", "contains"],
            &["contains", "contains"],
            &["re", "cased"],
            &["gt", "contains"],
        ] {
            assert!(
                matches!(parse_chain(bad), Err(ModifierError::IllegalChain(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_chain(&["endwith"]),
            Err(ModifierError::Unknown("endwith".into()))
        );
    }

    #[test]
    fn base64offset_matches_reference_values() {
        // Values from the Sigma specification's example for "/bin/bash".
        assert_eq!(
            base64_offsets(b"/bin/bash"),
            vec!["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]
        );
        let m = apply(
            &chain(&["base64offset", "contains"]),
            &RawValue::Str("/bin/bash".into()),
        )
        .unwrap();
        assert_eq!(m.len(), 3);
        assert!(
            matches!(&m[0], Matcher::Pattern { cased: true, value } if value.to_string() == "*L2Jpbi9iYXNo*")
        );
    }

    #[test]
    fn wide_base64() {
        assert_eq!(pattern(&["wide", "base64"], "ab"), vec!["YQBiAA=="]);
        assert_eq!(pattern(&["utf16be", "base64"], "ab"), vec!["AGEAYg=="]);
        assert_eq!(pattern(&["utf16", "base64"], "a"), vec!["//5hAA=="]);
    }

    #[test]
    fn windash_expands_flags_only() {
        let v = pattern(&["windash", "contains"], " -exec");
        assert_eq!(v.len(), 5);
        assert!(v.contains(&"* /exec*".to_string()));
        assert!(v.contains(&"* \u{2015}exec*".to_string()));
        assert_eq!(pattern(&["windash"], "a-b").len(), 1);
    }

    #[test]
    fn encoding_refuses_wildcards() {
        assert!(matches!(
            apply(&chain(&["contains", "base64"]), &RawValue::Str("x".into())),
            Err(ModifierError::BadValue(_))
        ));
    }

    #[test]
    fn regex_checked() {
        assert!(apply(&chain(&["re"]), &RawValue::Str("a(b".into())).is_err());
        assert!(apply(&chain(&["re"]), &RawValue::Str("(?!x)y".into())).is_err());
        assert!(apply(&chain(&["re", "i"]), &RawValue::Str(r"\d+\.exe$".into())).is_ok());
    }

    #[test]
    fn cidr_and_numbers() {
        assert_eq!(normalize_cidr("10.0.0.0/8").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(normalize_cidr("::1").as_deref(), Some("::1/128"));
        assert_eq!(normalize_cidr("10.0.0.0/33"), None);
        assert_eq!(
            apply(&chain(&["gte"]), &RawValue::Str("5".into())).unwrap(),
            vec![Matcher::Compare {
                op: CmpOp::Gte,
                value: Number::Int(5)
            }]
        );
        assert!(apply(&chain(&["exists"]), &RawValue::Str("x".into())).is_err());
        for (word, want) in [("yes", true), ("No", false), ("on", true), ("off", false)] {
            assert_eq!(
                apply(&chain(&["exists"]), &RawValue::Str(word.into())).unwrap(),
                vec![Matcher::Exists(want)],
                "{word}"
            );
        }
    }

    #[test]
    fn expand_placeholders() {
        let m = apply(&chain(&["expand"]), &RawValue::Str("%Servers%".into())).unwrap();
        assert!(
            matches!(&m[0], Matcher::Pattern { value, .. } if value.parts == vec![Part::Placeholder("Servers".into())])
        );
    }
}
