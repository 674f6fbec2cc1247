//! Diagnostics shared by every stage, so one report format can serve the parser, the validators and the
//! converters alike.

use serde::Serialize;
use std::fmt;

/// A position in a source file (1-based line and column), so every finding can point at what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column number (in characters).
    pub col: u32,
}

impl Pos {
    /// Builds a position; used by the YAML layer which counts lines from 1 and columns from 0.
    pub fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

/// How bad a finding is; ordered so `--fail-level` can compare.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, never fails a run by default.
    Info,
    /// Should be fixed.
    Warning,
    /// The rule is wrong or cannot be used.
    Error,
}

impl Severity {
    /// Lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses the user-facing names (`info`, `warning`, `error`, plus `note`/`warn` aliases).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" | "notice" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// The lowest severity that fails a run, or `never`: parsed by one function for `.sigmaforge.yml`,
/// `check --fail-level` and `run --fail-level` so the three accept exactly the same words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailLevel {
    /// Findings at this severity or above fail.
    At(Severity),
    /// Nothing fails the run; findings are reported only.
    Never,
}

impl FailLevel {
    /// The accepted words, for error messages.
    pub const EXPECTED: &'static str = "error, warning, info or never";

    /// Parses a severity name (with the aliases of [`Severity::parse`]) or `never` (also `none`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "never" | "none" => Some(FailLevel::Never),
            other => Severity::parse(other).map(FailLevel::At),
        }
    }

    /// The threshold, `None` for `never`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailLevel::At(s) => Some(s),
            FailLevel::Never => None,
        }
    }

    /// Whether a finding of this severity fails the run.
    pub fn fails(self, severity: Severity) -> bool {
        self.threshold().is_some_and(|t| severity >= t)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding tied to a file position; the unit every report format renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// File path as given or discovered (forward slashes, relative when the input was relative).
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// Stable code such as `SF010`, so users can configure and search for it.
    pub code: String,
    /// Severity after configuration.
    pub severity: Severity,
    /// Human readable explanation, saying what to do where possible.
    pub message: String,
}

impl Diagnostic {
    /// Creates a diagnostic at a position.
    pub fn new(
        path: &str,
        pos: Pos,
        code: &str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            path: path.to_string(),
            line: pos.line.max(1),
            col: pos.col.max(1),
            code: code.to_string(),
            severity,
            message: message.into(),
        }
    }

    /// Sort key giving a stable, reader-friendly order (file, line, column, code).
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (&self.path, self.line, self.col, &self.code, &self.message)
    }
}

/// Sorts and de-duplicates diagnostics so output is byte-identical whatever the thread count.
pub fn normalize(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup();
}
