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
pub fn render(summary: &Summary, diags: &[Diagnostic]) -> String {
    let mut s = serde_json::to_string_pretty(&Report {
        summary,
        diagnostics: diags,
    })
    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
