//! From a spanned YAML document to the typed model, collecting every problem with its position.
//!
//! [`parse_document`] dispatches on the document kind: detection rules ([`detection`]), correlations
//! ([`correlation`]) and filters ([`filter`]); [`meta`] reads what every kind shares.

mod correlation;
mod detection;
mod filter;
mod meta;

pub use correlation::parse_correlation;
pub use detection::parse_rule;
pub use filter::parse_filter;

use super::codes;
use super::model::*;
use super::yaml::{Key, Node, Yaml};
use crate::diag::{Diagnostic, Pos, Severity};
use meta::text_list;

/// Collects diagnostics for one file.
pub struct Ctx<'a> {
    /// File path for diagnostics.
    pub path: &'a str,
    /// Collected diagnostics.
    pub diags: Vec<Diagnostic>,
    errors: usize,
}

impl<'a> Ctx<'a> {
    /// Starts an empty collection for a file.
    pub fn new(path: &'a str) -> Self {
        Ctx {
            path,
            diags: Vec::new(),
            errors: 0,
        }
    }

    /// Records a finding with the code's default severity.
    pub fn report(&mut self, pos: Pos, code: &str, message: impl Into<String>) {
        let severity = codes::ALL
            .iter()
            .find(|c| c.code == code)
            .map_or(Severity::Error, |c| c.severity);
        if severity == Severity::Error {
            self.errors += 1;
        }
        self.diags
            .push(Diagnostic::new(self.path, pos, code, severity, message));
    }

    /// Number of errors recorded so far.
    pub fn errors(&self) -> usize {
        self.errors
    }
}

pub(super) fn require<'n>(ctx: &mut Ctx, root: &'n Node, key: &str) -> Option<(&'n Key, &'n Node)> {
    let found = root.get(key);
    if found.is_none() {
        ctx.report(
            root.pos,
            codes::MISSING_FIELD,
            format!("required field `{key}` is missing"),
        );
    }
    found
}

pub(super) fn references(ctx: &mut Ctx, key: &Key, node: &Node) -> Vec<Text> {
    match &node.value {
        Yaml::Str(s) => vec![Text::new(s.clone(), node.pos)],
        _ => text_list(ctx, key, node),
    }
}

/// Whether a YAML document looks like Sigma at all (so workflow files and configs can be skipped).
pub fn looks_like_sigma(root: &Node) -> bool {
    if root.as_map().is_none() {
        return true;
    }
    ["detection", "correlation", "filter", "logsource", "action"]
        .iter()
        .any(|k| root.get(k).is_some())
        || (root.get("title").is_some()
            && ["id", "status", "level", "author", "date", "tags"]
                .iter()
                .any(|k| root.get(k).is_some()))
}

/// Parses one (already merged) document into the model.
pub fn parse_document(ctx: &mut Ctx, root: &Node) -> Option<Document> {
    if root.as_map().is_none() {
        ctx.report(
            root.pos,
            codes::NOT_A_MAPPING,
            format!(
                "a Sigma document must be a mapping, found {}",
                root.type_name()
            ),
        );
        return None;
    }
    if root.get("correlation").is_some() {
        parse_correlation(ctx, root).map(Document::Correlation)
    } else if root.get("filter").is_some() {
        parse_filter(ctx, root).map(Document::Filter)
    } else {
        parse_rule(ctx, root).map(Document::Rule)
    }
}
