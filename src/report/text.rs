//! Human-readable findings: `path:line:col: severity[CODE]: message`, a code frame, and a summary.

use super::Summary;
use crate::diag::{Diagnostic, Severity};
use std::collections::HashMap;
use std::fmt::Write;

/// Options for the text renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// ANSI colours (on a terminal).
    pub color: bool,
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Renders diagnostics grouped by file with code frames; `sources` gives file contents for the frames.
pub fn render(
    diags: &[Diagnostic],
    summary: &Summary,
    sources: &HashMap<String, String>,
    opts: TextOptions,
) -> String {
    let mut out = String::new();
    for d in diags {
        let (sev_color, sev) = match d.severity {
            Severity::Error => ("1;31", "error"),
            Severity::Warning => ("1;33", "warning"),
            Severity::Info => ("1;36", "info"),
        };
        let _ = writeln!(
            out,
            "{}:{}:{}: {}: {}",
            d.path,
            d.line,
            d.col,
            paint(opts.color, sev_color, &format!("{sev}[{}]", d.code)),
            d.message
        );
        if let Some(line) = sources
            .get(&d.path)
            .and_then(|src| src.lines().nth(d.line as usize - 1))
        {
            let gutter = d.line.to_string();
            let pad = " ".repeat(gutter.len());
            let caret_pad: String = line
                .chars()
                .take(d.col.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{gutter} | {line}");
            let _ = writeln!(
                out,
                "{pad} | {caret_pad}{}",
                paint(opts.color, sev_color, "^")
            );
        }
    }
    let _ = writeln!(
        out,
        "{} file(s), {} document(s), {} parsed: {} error(s), {} warning(s), {} info",
        summary.files,
        summary.documents,
        summary.rules,
        summary.errors,
        summary.warnings,
        summary.infos
    );
    out
}
