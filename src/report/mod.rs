//! Rendering findings: text with code frames for people; JSON, SARIF, JUnit and GitHub workflow
//! commands for machines.

pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod tests;
pub mod text;

use crate::diag::{Diagnostic, Severity};
use serde::Serialize;

/// Counts shown at the end of every report and in the JSON `summary`.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Files read.
    pub files: usize,
    /// YAML documents that are Sigma (parsed or rejected).
    pub documents: usize,
    /// Documents parsed successfully.
    pub rules: usize,
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
    /// Informational findings.
    pub infos: usize,
}

impl Summary {
    /// Counts findings by severity.
    pub fn new(files: usize, documents: usize, rules: usize, diags: &[Diagnostic]) -> Self {
        let count = |s| diags.iter().filter(|d| d.severity == s).count();
        Summary {
            files,
            documents,
            rules,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}
