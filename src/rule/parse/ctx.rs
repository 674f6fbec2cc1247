//! The per-file parse context: where diagnostics for one file are collected, and the one check every
//! document kind shares (a required key).

use crate::diag::{Diagnostic, Pos, Severity};
use crate::rule::codes;
use crate::rule::yaml::{Key, Node};

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
