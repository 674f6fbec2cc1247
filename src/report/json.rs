//! The JSON report: one document with a summary and every diagnostic (a stable shape for scripts).

use super::Summary;
use crate::diag::Diagnostic;
use serde::Serialize;

#[derive(Serialize)]
struct Report<'a> {
    summary: &'a Summary,
    diagnostics: &'a [Diagnostic],
}

/// Renders `{"summary": {...}, "diagnostics": [...]}`.
pub fn render(summary: &Summary, diags: &[Diagnostic]) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(&Report {
        summary,
        diagnostics: diags,
    })?;
    s.push('\n');
    Ok(s)
}
