//! One rule file: byte checks, YAML documents, multi-document actions, then the model.

use super::codes;
use super::model::SourceDoc;
use super::parse::{self, Ctx};
use super::yaml::{self, Key, Limits, Node, Yaml, YamlError};
use crate::diag::{Diagnostic, Pos};
use std::borrow::Cow;

/// Largest rule file accepted; real Sigma rules are a few kilobytes.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// Everything learned from one file.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    /// Documents (parsed or rejected), in file order.
    pub docs: Vec<SourceDoc>,
    /// Diagnostics of this file.
    pub diags: Vec<Diagnostic>,
    /// Number of YAML documents skipped as not Sigma.
    pub skipped: usize,
    /// The file text (when it is UTF-8), kept so validators never read the file again.
    pub text: Option<String>,
    /// The non-empty YAML documents as written (before `action:` merging), for style checks.
    pub roots: Vec<Node>,
}

fn pos_of_byte(bytes: &[u8], offset: usize) -> Pos {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u32
        + 1;
    Pos::new(line, col)
}

/// Deep-merges `over` into `base` (mappings merge key by key, everything else is replaced).
fn merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (Yaml::Map(b), Yaml::Map(o)) => {
            let mut out: Vec<(Key, Node)> = b.clone();
            for (k, v) in o {
                if let Some(slot) = out.iter_mut().find(|(bk, _)| bk.text == k.text) {
                    slot.1 = merge(&slot.1, v);
                    slot.0.pos = k.pos;
                } else {
                    out.push((k.clone(), v.clone()));
                }
            }
            Node {
                value: Yaml::Map(out),
                pos: over.pos,
                quoted: false,
            }
        }
        _ => over.clone(),
    }
}

fn without_action(node: &Node) -> Node {
    match &node.value {
        Yaml::Map(m) => Node {
            value: Yaml::Map(
                m.iter()
                    .filter(|(k, _)| k.text != "action")
                    .cloned()
                    .collect(),
            ),
            pos: node.pos,
            quoted: node.quoted,
        },
        _ => node.clone(),
    }
}

/// Parses the bytes of a file.
pub fn parse_bytes(path: &str, bytes: &[u8]) -> ParsedFile {
    let mut ctx = Ctx::new(path);
    let mut out = ParsedFile::default();
    let start = Pos::new(1, 1);
    if bytes.len() > MAX_FILE_BYTES {
        ctx.report(
            start,
            codes::TOO_LARGE,
            format!(
                "file is {} bytes, over the {} byte limit for a rule file",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        );
        out.diags = ctx.diags;
        return out;
    }
    if let Some(i) = bytes.iter().take(8192).position(|&b| b == 0) {
        ctx.report(
            pos_of_byte(bytes, i),
            codes::BINARY,
            "file contains NUL bytes; it is not a YAML text file",
        );
        out.diags = ctx.diags;
        return out;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            ctx.report(
                pos_of_byte(bytes, e.valid_up_to()),
                codes::NOT_UTF8,
                format!(
                    "invalid UTF-8 at byte {}; save the file as UTF-8",
                    e.valid_up_to()
                ),
            );
            out.diags = ctx.diags;
            return out;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    out.text = Some(text.to_string());
    let docs = match yaml::parse_documents(text, Limits::default()) {
        Ok(d) => d,
        Err(e) => {
            let code = match e {
                YamlError::Syntax { .. }
                | YamlError::ComplexKey { .. }
                | YamlError::UnknownAnchor { .. } => codes::YAML_SYNTAX,
                YamlError::DuplicateKey { .. } => codes::YAML_DUPLICATE_KEY,
                YamlError::TooDeep { .. } | YamlError::TooManyNodes { .. } => codes::YAML_LIMIT,
            };
            ctx.report(e.pos(), code, e.to_string());
            out.diags = ctx.diags;
            return out;
        }
    };
    let docs: Vec<Node> = docs
        .into_iter()
        .map(|d| d.root)
        .filter(|r| r.value != Yaml::Null)
        .collect();
    if docs.is_empty() {
        ctx.report(start, codes::EMPTY, "file holds no YAML document");
        out.diags = ctx.diags;
        return out;
    }

    let mut global: Option<Node> = None;
    let mut previous: Option<Node> = None;
    let mut index = 0;
    let mut docs_left = docs.len();
    for root in &docs {
        docs_left -= 1;
        let action = root
            .get("action")
            .map(|(k, v)| (k.pos, v.as_str().unwrap_or("").to_string()));
        let merged = match action {
            Some((_, a)) if a == "global" => {
                let tmpl = without_action(root);
                global = Some(match &global {
                    Some(g) => merge(g, &tmpl),
                    None => tmpl,
                });
                continue;
            }
            Some((_, a)) if a == "reset" => {
                global = None;
                continue;
            }
            Some((pos, a)) if a == "repeat" => match &previous {
                Some(prev) => Cow::Owned(merge(prev, &without_action(root))),
                None => {
                    ctx.report(
                        pos,
                        codes::MULTI_DOC_ACTION,
                        "`action: repeat` has no previous document to repeat",
                    );
                    continue;
                }
            },
            Some((pos, a)) => {
                ctx.report(
                    pos,
                    codes::MULTI_DOC_ACTION,
                    format!("unknown `action: {a}`; use global, reset or repeat"),
                );
                continue;
            }
            None => match &global {
                Some(g) => Cow::Owned(merge(g, root)),
                None => Cow::Borrowed(root),
            },
        };
        if !parse::looks_like_sigma(&merged) {
            ctx.report(
                merged.pos,
                codes::NOT_SIGMA,
                "YAML document without detection, logsource, correlation or filter: not Sigma, skipped",
            );
            out.skipped += 1;
            continue;
        }
        let title = merged.get("title").and_then(|(_, v)| v.as_scalar_string());
        let id = merged.get("id").and_then(|(_, v)| v.as_scalar_string());
        let doc = parse::parse_document(&mut ctx, &merged);
        let pos = merged.pos;
        if docs_left > 0 {
            // Only a later `action: repeat` can need it.
            previous = Some(merged.into_owned());
        }
        out.docs.push(SourceDoc {
            path: path.to_string(),
            index,
            pos,
            title,
            id,
            doc,
        });
        index += 1;
    }
    out.diags = ctx.diags;
    out.roots = docs;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_action_merges() {
        let src = "action: global\ntitle: T\nlogsource:\n    product: windows\ndetection:\n    condition: sel\n---\ndetection:\n    sel:\n        EventID: 1\n---\ndetection:\n    sel:\n        EventID: 2\n";
        let f = parse_bytes("x.yml", src.as_bytes());
        assert!(f.diags.is_empty(), "{:?}", f.diags);
        assert_eq!(f.docs.len(), 2);
        assert!(f.docs.iter().all(|d| d.doc.is_some()));
    }

    #[test]
    fn repeat_without_previous_is_an_error() {
        let f = parse_bytes("x.yml", b"action: repeat\ntitle: x\n");
        assert_eq!(f.diags[0].code, codes::MULTI_DOC_ACTION);
    }

    #[test]
    fn non_utf8_position() {
        let f = parse_bytes("x.yml", b"title: ok\nid: \xff\n");
        assert_eq!(f.diags[0].code, codes::NOT_UTF8);
        assert_eq!((f.diags[0].line, f.diags[0].col), (2, 5));
    }
}
