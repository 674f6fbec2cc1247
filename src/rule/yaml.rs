//! A YAML tree where every node knows its line and column.
//!
//! Rules are read with `saphyr-parser`'s event stream rather than a serde deserialiser because every later
//! diagnostic must point at a key or value, and because building the tree ourselves lets us bound alias
//! expansion (billion-laughs files) and nesting depth before they cost memory or stack.

use crate::diag::Pos;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;
use thiserror::Error;

/// Limits that keep hostile input from exhausting memory or stack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings accepted.
    pub max_depth: usize,
    /// Most nodes a document may contain after alias expansion.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_nodes: 200_000,
        }
    }
}

/// A YAML value with position information on every node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Yaml,
    /// Where the node starts.
    pub pos: Pos,
    /// Whether a scalar was quoted or a block scalar, so `'yes'` and `yes` can be told apart by linters.
    pub quoted: bool,
}

/// A mapping key: Sigma only uses scalar keys, so keys are kept as text with their position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// Key text as written (after YAML unescaping).
    pub text: String,
    /// Where the key starts.
    pub pos: Pos,
}

/// YAML 1.2 core-schema values.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// Integers (decimal, `0x`, `0o`).
    Int(i64),
    /// Floats, including `.inf` and `.nan`.
    Float(f64),
    /// Any other scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Key, Node)>),
}

/// Why a YAML document could not be read.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum YamlError {
    /// The YAML syntax is broken.
    #[error("YAML syntax error: {message}")]
    Syntax {
        /// Parser message.
        message: String,
        /// Position of the error.
        pos: Pos,
    },
    /// The same key appears twice in one mapping; YAML forbids it and PyYAML silently keeps the last.
    #[error("duplicate key `{key}` (first defined at line {first_line})")]
    DuplicateKey {
        /// The key.
        key: String,
        /// Line of the first occurrence.
        first_line: u32,
        /// Position of the second occurrence.
        pos: Pos,
    },
    /// Mapping keys must be scalars in Sigma.
    #[error("mapping keys must be plain scalars")]
    ComplexKey {
        /// Position of the key.
        pos: Pos,
    },
    /// Too deeply nested.
    #[error("nesting deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Where the limit was crossed.
        pos: Pos,
    },
    /// Alias expansion would create too many nodes (an alias bomb).
    #[error("document expands to more than {limit} nodes (YAML alias bomb?)")]
    TooManyNodes {
        /// The limit.
        limit: usize,
        /// Where the limit was crossed.
        pos: Pos,
    },
    /// An alias names an anchor that was not defined before it.
    #[error("alias refers to an unknown anchor")]
    UnknownAnchor {
        /// Position of the alias.
        pos: Pos,
    },
}

impl YamlError {
    /// The position to report.
    pub fn pos(&self) -> Pos {
        match self {
            YamlError::Syntax { pos, .. }
            | YamlError::DuplicateKey { pos, .. }
            | YamlError::ComplexKey { pos }
            | YamlError::TooDeep { pos, .. }
            | YamlError::TooManyNodes { pos, .. }
            | YamlError::UnknownAnchor { pos } => *pos,
        }
    }
}

fn pos_of(span: &Span) -> Pos {
    Pos::new(span.start.line() as u32, span.start.col() as u32 + 1)
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
        pos: Pos,
        anchor: usize,
        /// Key index, built only for large mappings (small ones are scanned linearly).
        index: Option<HashMap<String, u32>>,
    },
}

/// One parsed document: its root node plus the line where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Root node (a `Null` node for an empty document).
    pub root: Node,
}

fn count_nodes(node: &Node) -> usize {
    // Iterative to stay safe on deep trees.
    let mut stack = vec![node];
    let mut n = 0;
    while let Some(node) = stack.pop() {
        n += 1;
        match &node.value {
            Yaml::Seq(items) => stack.extend(items.iter()),
            Yaml::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    n
}

/// Resolves a plain scalar by the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> Yaml {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Yaml::Null,
        "true" | "True" | "TRUE" => return Yaml::Bool(true),
        "false" | "False" | "FALSE" => return Yaml::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Yaml::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Yaml::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Yaml::Float(f64::NAN),
        _ => {}
    }
    let bytes = text.as_bytes();
    let digits_start = usize::from(bytes[0] == b'-' || bytes[0] == b'+');
    let body = &text[digits_start..];
    if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        // `00000429` is an identifier (a keyboard layout, an error code) in Sigma rules, not 429: keep
        // numbers with leading zeros as text, as PyYAML (YAML 1.1) does.
        if body.len() > 1 && body.starts_with('0') {
            return Yaml::Str(text.to_string());
        }
        if let Ok(i) = text.parse::<i64>() {
            return Yaml::Int(i);
        }
        return Yaml::Str(text.to_string());
    }
    if let Some(hex) = text.strip_prefix("0x")
        && !hex.is_empty()
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Yaml::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && !oct.is_empty()
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Yaml::Int(i);
    }
    let is_float_shape = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && body.bytes().any(|b| b.is_ascii_digit())
        && (body.contains('.') || body.contains('e') || body.contains('E'));
    if is_float_shape && let Ok(f) = text.parse::<f64>() {
        return Yaml::Float(f);
    }
    Yaml::Str(text.to_string())
}

/// The parser's error as ours; its recursion guard is a depth error.
fn scan_error(e: saphyr_parser::ScanError, limits: Limits) -> YamlError {
    let pos = Pos::new(e.marker().line() as u32, e.marker().col() as u32 + 1);
    if e.info().contains("recursion limit") {
        // The scanner has its own, earlier guard for deep flow collections.
        YamlError::TooDeep {
            limit: limits.max_depth,
            pos,
        }
    } else {
        YamlError::Syntax {
            message: e.info().to_string(),
            pos,
        }
    }
}

/// Checks a YAML stream against the limits without building a tree: nesting depth and node count
/// after alias expansion, in one linear pass that stops at the first excess. Loaders that deserialize
/// with serde (`.sigmaforge.yml`, mapping configs) call it first, so a hostile file costs them no more
/// than it costs the rule reader (serde's YAML backend takes quadratic time on deep nesting).
pub fn check_limits(src: &str, limits: Limits) -> Result<(), YamlError> {
    let mut parser = Parser::new_from_str(src);
    // Open collections: their anchor and the node count when they opened.
    let mut open: Vec<(usize, usize)> = Vec::new();
    // Expanded size of every anchored node seen in this document.
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    let mut nodes = 0usize;
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| scan_error(e, limits))?;
        let pos = pos_of(&span);
        let added = match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                sizes.clear();
                nodes = 0;
                0
            }
            Event::Alias(id) => *sizes.get(&id).ok_or(YamlError::UnknownAnchor { pos })?,
            Event::Scalar(_, _, anchor, _) => {
                if anchor != 0 {
                    sizes.insert(anchor, 1);
                }
                1
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if open.len() >= limits.max_depth {
                    return Err(YamlError::TooDeep {
                        limit: limits.max_depth,
                        pos,
                    });
                }
                open.push((anchor, nodes));
                1
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = open.pop()
                    && anchor != 0
                {
                    sizes.insert(anchor, nodes - start);
                }
                0
            }
            _ => 0,
        };
        nodes = nodes.saturating_add(added);
        if nodes > limits.max_nodes {
            return Err(YamlError::TooManyNodes {
                limit: limits.max_nodes,
                pos,
            });
        }
    }
    Ok(())
}

/// Parses every document of a YAML stream into spanned trees.
pub fn parse_documents(src: &str, limits: Limits) -> Result<Vec<Document>, YamlError> {
    let mut parser = Parser::new_from_str(src);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;

    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| scan_error(e, limits))?;
        let pos = pos_of(&span);
        let complete: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::Nothing => None,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                anchors.clear();
                nodes = 0;
                None
            }
            Event::DocumentEnd => {
                let node = root.take().unwrap_or(Node {
                    value: Yaml::Null,
                    pos,
                    quoted: false,
                });
                docs.push(Document { root: node });
                None
            }
            Event::Alias(id) => {
                let Some((node, count)) = anchors.get(&id) else {
                    return Err(YamlError::UnknownAnchor { pos });
                };
                nodes = nodes.saturating_add(*count);
                if nodes > limits.max_nodes {
                    return Err(YamlError::TooManyNodes {
                        limit: limits.max_nodes,
                        pos,
                    });
                }
                let mut node = node.clone();
                node.pos = pos;
                Some((node, 0))
            }
            Event::Scalar(text, style, anchor, _tag) => {
                nodes += 1;
                if nodes > limits.max_nodes {
                    return Err(YamlError::TooManyNodes {
                        limit: limits.max_nodes,
                        pos,
                    });
                }
                let (value, quoted) = match style {
                    ScalarStyle::Plain => (resolve_plain(&text), false),
                    _ => (Yaml::Str(text.into_owned()), true),
                };
                Some((Node { value, pos, quoted }, anchor))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(YamlError::TooDeep {
                        limit: limits.max_depth,
                        pos,
                    });
                }
                nodes += 1;
                if nodes > limits.max_nodes {
                    return Err(YamlError::TooManyNodes {
                        limit: limits.max_nodes,
                        pos,
                    });
                }
                if matches!(event, Event::SequenceStart(..)) {
                    stack.push(Frame::Seq {
                        items: Vec::new(),
                        pos,
                        anchor,
                    });
                } else {
                    stack.push(Frame::Map {
                        entries: Vec::new(),
                        key: None,
                        pos,
                        anchor,
                        index: None,
                    });
                }
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { items, pos, anchor }) => Some((
                    Node {
                        value: Yaml::Seq(items),
                        pos,
                        quoted: false,
                    },
                    anchor,
                )),
                Some(Frame::Map {
                    entries,
                    pos,
                    anchor,
                    ..
                }) => Some((
                    Node {
                        value: Yaml::Map(entries),
                        pos,
                        quoted: false,
                    },
                    anchor,
                )),
                None => None,
            },
        };
        let Some((node, anchor)) = complete else {
            continue;
        };
        if anchor != 0 {
            let count = count_nodes(&node);
            anchors.insert(anchor, (node.clone(), count));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                index,
                ..
            }) => match key.take() {
                None => {
                    let text = match node.value {
                        Yaml::Str(s) => s,
                        Yaml::Null if !node.quoted => String::new(),
                        Yaml::Bool(b) => b.to_string(),
                        Yaml::Int(i) => i.to_string(),
                        Yaml::Float(f) => f.to_string(),
                        _ => return Err(YamlError::ComplexKey { pos: node.pos }),
                    };
                    // Sigma mappings are small: a linear scan beats a hash map per mapping, and
                    // hostile files with huge mappings switch to an index so the check stays linear.
                    if index.is_none() && entries.len() >= 32 {
                        *index = Some(
                            entries
                                .iter()
                                .map(|(k, _)| (k.text.clone(), k.pos.line))
                                .collect(),
                        );
                    }
                    let first_line = match index {
                        Some(ix) => ix.get(&text).copied(),
                        None => entries
                            .iter()
                            .find(|(k, _)| k.text == text)
                            .map(|(k, _)| k.pos.line),
                    };
                    if let Some(first_line) = first_line {
                        return Err(YamlError::DuplicateKey {
                            key: text,
                            first_line,
                            pos: node.pos,
                        });
                    }
                    if let Some(ix) = index {
                        ix.insert(text.clone(), node.pos.line);
                    }
                    *key = Some(Key {
                        text,
                        pos: node.pos,
                    });
                }
                Some(k) => entries.push((k, node)),
            },
        }
    }
    Ok(docs)
}

impl Node {
    /// The string value of a scalar (numbers and booleans rendered as written by YAML 1.2), if any.
    pub fn as_scalar_string(&self) -> Option<String> {
        match &self.value {
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::Float(f) => Some(f.to_string()),
            Yaml::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The string value when the node is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Mapping entries when the node is a mapping.
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Yaml::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Looks up a key in a mapping node.
    pub fn get(&self, key: &str) -> Option<(&Key, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.text == key)
            .map(|(k, v)| (k, v))
    }

    /// A short word for the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Yaml::Null => "null",
            Yaml::Bool(_) => "boolean",
            Yaml::Int(_) => "integer",
            Yaml::Float(_) => "number",
            Yaml::Str(_) => "string",
            Yaml::Seq(_) => "list",
            Yaml::Map(_) => "mapping",
        }
    }

    /// Converts to JSON, used to keep custom attributes and to emit them in outputs.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Yaml::Null => J::Null,
            Yaml::Bool(b) => J::Bool(*b),
            Yaml::Int(i) => J::from(*i),
            Yaml::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Yaml::Str(s) => J::String(s.clone()),
            Yaml::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Yaml::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.text.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Node {
        parse_documents(src, Limits::default())
            .unwrap()
            .remove(0)
            .root
    }

    #[test]
    fn positions_are_one_based() {
        let root = one("title: x\ndetection:\n    sel:\n        a: 1\n");
        let (k, v) = root.get("detection").unwrap();
        assert_eq!(k.pos, Pos::new(2, 1));
        let (k2, _) = v.get("sel").unwrap();
        assert_eq!(k2.pos, Pos::new(3, 5));
    }

    #[test]
    fn core_schema_scalars() {
        let root =
            one("a: yes\nb: 0x3e7\nc: '1'\nd: ~\ne: 1.5\nf: True\ng: 99999999999999999999\n");
        assert_eq!(root.get("a").unwrap().1.value, Yaml::Str("yes".into()));
        assert_eq!(root.get("b").unwrap().1.value, Yaml::Int(999));
        assert_eq!(root.get("c").unwrap().1.value, Yaml::Str("1".into()));
        assert_eq!(root.get("d").unwrap().1.value, Yaml::Null);
        assert_eq!(root.get("e").unwrap().1.value, Yaml::Float(1.5));
        assert_eq!(root.get("f").unwrap().1.value, Yaml::Bool(true));
        assert_eq!(
            root.get("g").unwrap().1.value,
            Yaml::Str("99999999999999999999".into())
        );
    }

    #[test]
    fn duplicate_key_reports_both_lines() {
        let err = parse_documents("a: 1\nb: 2\na: 3\n", Limits::default()).unwrap_err();
        assert_eq!(
            err,
            YamlError::DuplicateKey {
                key: "a".into(),
                first_line: 1,
                pos: Pos::new(3, 1)
            }
        );
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='j' {
            src.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let err = parse_documents(&src, Limits::default()).unwrap_err();
        assert!(matches!(err, YamlError::TooManyNodes { .. }), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let src = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = parse_documents(&src, Limits::default()).unwrap_err();
        assert!(
            matches!(err, YamlError::TooDeep { limit: 64, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn check_limits_matches_the_tree_reader() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='j' {
            bomb.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let flow = "[".repeat(40_000) + &"]".repeat(40_000);
        let block = "- ".repeat(40_000) + "x\n";
        let map = "a: {".repeat(40_000) + &"}".repeat(40_000);
        for (name, src) in [
            ("bomb", &bomb),
            ("flow", &flow),
            ("block", &block),
            ("map", &map),
        ] {
            let tree = parse_documents(src, Limits::default()).unwrap_err();
            let check = check_limits(src, Limits::default()).unwrap_err();
            assert_eq!(
                std::mem::discriminant(&tree),
                std::mem::discriminant(&check),
                "{name}: {tree:?} vs {check:?}"
            );
        }
        // Exactly at the limits passes: 64 levels, and a document of exactly max_nodes nodes.
        let deep = "[".repeat(64) + &"]".repeat(64);
        check_limits(&deep, Limits::default()).unwrap();
        let aliased = "a: &a [1, 2]\nb: [*a, *a]\n";
        // root + a + [1, 2] (3 nodes) + b + [*a, *a] (1 + 2 × 3) = 13 nodes

        let limits = |max_nodes| Limits {
            max_depth: 64,
            max_nodes,
        };
        check_limits(aliased, limits(13)).unwrap();
        assert!(check_limits(aliased, limits(12)).is_err());
        assert!(parse_documents(aliased, limits(13)).is_ok());
        assert!(parse_documents(aliased, limits(12)).is_err());
    }

    #[test]
    fn large_mappings_still_detect_duplicates() {
        let mut src: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        src.push_str("k7: again\n");
        let err = parse_documents(&src, Limits::default()).unwrap_err();
        assert_eq!(
            err,
            YamlError::DuplicateKey {
                key: "k7".into(),
                first_line: 8,
                pos: Pos::new(101, 1)
            }
        );
    }

    #[test]
    fn multi_documents() {
        let docs = parse_documents("a: 1\n---\nb: 2\n", Limits::default()).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].root.pos.line, 3);
    }
}
