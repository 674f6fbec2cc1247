//! Rendering findings: text with code frames for people; JSON, SARIF, JUnit and GitHub workflow
//! commands for machines.

pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod tests;
pub mod text;

use crate::diag::{Diagnostic, Severity};
use crate::rule::Document;
use crate::scan::Scan;
use serde::Serialize;

/// Counts shown at the end of every report and in the JSON `summary`.
///
/// The words are fixed everywhere: a *document* is one YAML document of a rule file that is Sigma
/// (a detection rule, a correlation or a filter, parsed or rejected); a *rule* is a detection rule.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Files read.
    pub files: usize,
    /// YAML documents that are Sigma (parsed or rejected).
    pub documents: usize,
    /// Detection rules parsed.
    pub rules: usize,
    /// Correlations parsed.
    pub correlations: usize,
    /// Filters parsed.
    pub filters: usize,
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
    /// Informational findings.
    pub infos: usize,
}

impl Summary {
    /// Counts the documents of `scan` by kind and `diags` by severity.
    pub fn new(scan: &Scan, diags: &[Diagnostic]) -> Self {
        let count = |s| diags.iter().filter(|d| d.severity == s).count();
        let kind = |f: fn(&Document) -> bool| scan.parsed().filter(|(_, d)| f(d)).count();
        Summary {
            files: scan.files.len(),
            documents: scan.docs.len(),
            rules: kind(|d| matches!(d, Document::Rule(_))),
            correlations: kind(|d| matches!(d, Document::Correlation(_))),
            filters: kind(|d| matches!(d, Document::Filter(_))),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }

    /// Documents that did not parse.
    pub fn rejected(&self) -> usize {
        self.documents - self.rules - self.correlations - self.filters
    }

    /// `3 document(s) (1 rule(s), 1 correlation(s), 1 filter(s))`, with `, N rejected` when some
    /// did not parse: the one wording of the document counts in text, Markdown and the PR comment.
    pub fn documents_text(&self) -> String {
        let rejected = match self.rejected() {
            0 => String::new(),
            n => format!(", {n} rejected"),
        };
        format!(
            "{} document(s) ({} rule(s), {} correlation(s), {} filter(s){rejected})",
            self.documents, self.rules, self.correlations, self.filters
        )
    }
}
