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

/// Widest code-frame line shown, in characters: a minified or binary-ish line must not flood a log.
pub const MAX_FRAME_CHARS: usize = 200;

/// A source line as shown in a frame: at most [`MAX_FRAME_CHARS`] characters (then `…`), and control
/// characters other than tab replaced by `�` so a file cannot send terminal escapes to the log.
fn frame_line(line: &str) -> String {
    let mut out: String = line
        .chars()
        .take(MAX_FRAME_CHARS)
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if line.chars().nth(MAX_FRAME_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Renders diagnostics grouped by file with code frames; `sources` gives the UTF-8 text of files for
/// the frames (a file without text gets no frame, so bytes that are not text are never printed).
pub fn render(
    diags: &[Diagnostic],
    summary: &Summary,
    sources: &HashMap<&str, &str>,
    opts: TextOptions,
) -> String {
    let mut out = String::new();
    // The lines of the file of the previous diagnostic: diagnostics come sorted by file, so each
    // file is split once rather than scanned again for every finding in it.
    let mut lines: Option<(&str, Vec<&str>)> = None;
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
        if lines.as_ref().is_none_or(|(p, _)| *p != d.path) {
            lines = sources
                .get(d.path.as_str())
                .map(|src| (d.path.as_str(), src.lines().collect()));
        }
        if let Some(line) = lines
            .as_ref()
            .filter(|(p, _)| *p == d.path)
            .and_then(|(_, l)| l.get((d.line as usize).checked_sub(1)?).copied())
        {
            let line = frame_line(line);
            let gutter = d.line.to_string();
            let pad = " ".repeat(gutter.len());
            let caret_pad: String = line
                .chars()
                .take((d.col.saturating_sub(1) as usize).min(MAX_FRAME_CHARS))
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
        "{} file(s), {}: {} error(s), {} warning(s), {} info",
        summary.files,
        summary.documents_text(),
        summary.errors,
        summary.warnings,
        summary.infos
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: u32, col: u32) -> Vec<Diagnostic> {
        vec![Diagnostic::new(
            "r.yml",
            crate::diag::Pos::new(line, col),
            "SV999",
            Severity::Error,
            "bad".to_string(),
        )]
    }

    #[test]
    fn frames_are_capped_and_escaped() {
        let long = format!("title: {}\x1b[31mred", "x".repeat(500));
        let sources = HashMap::from([("r.yml", long.as_str())]);
        let out = render(
            &one(1, 300),
            &Summary::default(),
            &sources,
            TextOptions::default(),
        );
        let frame = out.lines().nth(2).unwrap();
        assert_eq!(
            frame.chars().count(),
            "1 | ".len() + MAX_FRAME_CHARS + 1,
            "{frame}"
        );
        assert!(frame.ends_with('…') && !out.contains('\x1b'), "{out}");
        let caret = out.lines().nth(3).unwrap();
        assert!(caret.len() <= "  | ".len() + MAX_FRAME_CHARS + 1, "{caret}");
        let short = HashMap::from([("r.yml", "a: \u{7}b")]);
        let out = render(
            &one(1, 1),
            &Summary::default(),
            &short,
            TextOptions::default(),
        );
        assert!(out.contains("1 | a: \u{FFFD}b"), "{out}");
    }

    #[test]
    fn files_without_text_get_no_frame() {
        let out = render(
            &one(1, 1),
            &Summary::default(),
            &HashMap::new(),
            TextOptions::default(),
        );
        assert_eq!(out.lines().count(), 2, "{out}");
    }
}
