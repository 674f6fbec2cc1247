//! Small helpers shared by validators: walking detection items, reading raw YAML lines.

use crate::rule::modifier::{Modifier, RawValue};
use crate::rule::yaml::{Node, Yaml};
use crate::rule::{Detection, FieldMatch, Rule, Search};

/// Every field match of a detection with the search it belongs to.
pub fn items(det: &Detection) -> impl Iterator<Item = (&Search, &FieldMatch)> {
    det.searches.iter().flat_map(|s| {
        s.groups
            .iter()
            .flat_map(move |g| g.items.iter().map(move |i| (s, i)))
    })
}

/// Every field match of a rule.
pub fn rule_items(rule: &Rule) -> impl Iterator<Item = &FieldMatch> {
    items(&rule.detection).map(|(_, i)| i)
}

/// True when the chain contains a modifier.
pub fn has(item: &FieldMatch, m: Modifier) -> bool {
    item.chain.modifiers.contains(&m)
}

/// The string values of an item with their positions.
pub fn strings(item: &FieldMatch) -> impl Iterator<Item = (&str, crate::diag::Pos)> {
    item.values.iter().filter_map(|v| match &v.raw {
        RawValue::Str(s) => Some((s.as_str(), v.pos)),
        _ => None,
    })
}

/// A value as text, whatever its YAML type (numbers and booleans as written).
pub fn value_text(v: &RawValue) -> Option<String> {
    match v {
        RawValue::Str(s) => Some(s.clone()),
        RawValue::Number(n) => Some(n.to_string()),
        RawValue::Bool(b) => Some(b.to_string()),
        RawValue::Null => None,
    }
}

/// The logsource triple of a rule, for data lookups.
pub fn logsource_of(rule: &Rule) -> (Option<&str>, Option<&str>, Option<&str>) {
    let l = &rule.logsource;
    (
        l.product.as_ref().map(|t| t.value.as_str()),
        l.category.as_ref().map(|t| t.value.as_str()),
        l.service.as_ref().map(|t| t.value.as_str()),
    )
}

/// Field names used by a rule (`None` for keywords), de-duplicated in first-use order.
pub fn field_names(rule: &Rule) -> Vec<(&str, crate::diag::Pos)> {
    let mut seen = Vec::new();
    for i in rule_items(rule) {
        if let Some(f) = &i.field
            && !seen.iter().any(|(s, _)| s == f)
        {
            seen.push((f.as_str(), i.pos));
        }
    }
    seen
}

/// True when any item of the rule uses a field, with any of the given values (compared as text).
pub fn field_values<'a>(
    rule: &'a Rule,
    field: &'a str,
) -> impl Iterator<Item = (String, crate::diag::Pos)> + 'a {
    rule_items(rule)
        .filter(move |i| i.field.as_deref() == Some(field))
        .flat_map(|i| {
            i.values
                .iter()
                .filter_map(|v| value_text(&v.raw).map(|t| (t, v.pos)))
        })
}

/// A canonical text form of a YAML node with mapping keys sorted, so two detections written in a
/// different key order compare equal (as Python dictionaries do in SigmaHQ's CI).
pub fn canonical(node: &Node) -> String {
    match &node.value {
        Yaml::Null => "~".into(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Int(i) => i.to_string(),
        Yaml::Float(f) => f.to_string(),
        Yaml::Str(s) => format!("{s:?}"),
        Yaml::Seq(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        Yaml::Map(entries) => {
            let mut inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{:?}:{}", k.text, canonical(v)))
                .collect();
            inner.sort();
            format!("{{{}}}", inner.join(","))
        }
    }
}

/// How a raw text line takes part in YAML structure, for the line-based style checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Empty or whitespace only.
    Blank,
    /// Only a comment.
    Comment,
    /// Inside a block scalar (`|` / `>`): free text.
    BlockText,
    /// A continuation of a multi-line plain or quoted scalar.
    Continuation,
    /// Structural content (a key, a sequence item, a document marker).
    Content,
}

/// Classifies each line of a YAML text (by line index).
pub fn classify_lines(text: &str) -> Vec<(LineKind, usize)> {
    let mut out = Vec::new();
    let mut block_parent: Option<usize> = None;
    let mut scalar_parent: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let trimmed = line.trim();
        if trimmed.is_empty() {
            out.push((LineKind::Blank, indent));
            continue;
        }
        if let Some(p) = block_parent {
            if indent > p {
                out.push((LineKind::BlockText, indent));
                continue;
            }
            block_parent = None;
        }
        if let Some(p) = scalar_parent {
            if indent > p && !trimmed.starts_with('#') {
                out.push((LineKind::Continuation, indent));
                continue;
            }
            scalar_parent = None;
        }
        if trimmed.starts_with('#') {
            out.push((LineKind::Comment, indent));
            continue;
        }
        out.push((LineKind::Content, indent));
        let body = strip_comment(trimmed).trim_end();
        let value = value_part(body);
        if let Some(v) = value {
            let v = v.trim();
            if v.starts_with('|') || v.starts_with('>') {
                block_parent = Some(indent);
            } else if !v.is_empty() && !v.starts_with('[') && !v.starts_with('{') {
                scalar_parent = Some(indent);
            }
        }
    }
    out
}

/// The value text after `key:` or `- ` on a content line, if any.
fn value_part(body: &str) -> Option<&str> {
    let mut rest = body;
    while let Some(r) = rest.strip_prefix("- ") {
        rest = r.trim_start();
    }
    if rest == "-" {
        return None;
    }
    if let Some(i) = find_key_colon(rest) {
        return Some(&rest[i + 1..]);
    }
    if rest.len() != body.len() {
        return Some(rest);
    }
    None
}

/// Position of the `:` ending a mapping key (outside quotes, followed by a space or the line end).
fn find_key_colon(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if (b == b'\'' || b == b'"') && i == 0 => quote = Some(b),
            None if b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') => return Some(i),
            None => {}
        }
    }
    None
}

/// The part of a line before a comment (a `#` outside quotes, at the start or after whitespace).
pub fn strip_comment(line: &str) -> &str {
    match comment_start(line) {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Byte index of the comment's `#` on a line, if the line has a comment.
pub fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut prev_space = true;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if (b == b'\'' || b == b'"') && prev_space_or_indicator(bytes, i) => {
                quote = Some(b)
            }
            None if b == b'#' && prev_space => return Some(i),
            None => {}
        }
        prev_space = b == b' ' || b == b'\t';
    }
    None
}

fn prev_space_or_indicator(bytes: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 && bytes[j - 1] == b' ' {
        j -= 1;
    }
    j == 0 || matches!(bytes[j - 1], b':' | b'-' | b'[' | b',' | b'{')
}

/// Every `x of` in a detection's conditions: (quantifier, pattern, position of the condition).
pub fn of_terms(
    det: &Detection,
) -> Vec<(
    crate::rule::condition::Quantifier,
    Option<&str>,
    crate::diag::Pos,
)> {
    let mut out = Vec::new();
    for c in &det.conditions {
        c.tree.walk(&mut |node| {
            if let crate::rule::condition::Cond::Of {
                quantifier,
                pattern,
                offset,
            } = node
            {
                let pos = crate::diag::Pos::new(c.pos.line, c.pos.col + *offset as u32);
                out.push((*quantifier, pattern.as_deref(), pos));
            }
        });
    }
    out
}

/// Most other places a duplicate finding names before "and N more".
pub const MAX_OTHERS: usize = 10;

/// The other uses of a duplicated value for "also used by …": at most [`MAX_OTHERS`] named, then
/// "and N more", so reporting a value shared by k files costs O(k), not O(k²) time and output.
pub fn others<T>(uses: &[T], i: usize, show: impl Fn(&T) -> String) -> String {
    let named: Vec<String> = uses
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .take(MAX_OTHERS)
        .map(|(_, u)| show(u))
        .collect();
    let rest = uses.len().saturating_sub(1 + named.len());
    let mut text = named.join(", ");
    if rest > 0 {
        text.push_str(&format!(" and {rest} more"));
    }
    text
}
