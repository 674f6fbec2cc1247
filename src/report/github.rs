//! GitHub Actions workflow commands (`::error file=…,line=…,col=…,title=…::message`), which GitHub
//! turns into annotations on the pull request diff. GitHub keeps only 10 annotations of each level
//! per step, so we emit the first 10 of each (in report order) and one notice that counts the rest.

use super::Summary;
use crate::diag::{Diagnostic, Severity};
use crate::validate::registry::CodeDoc;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Annotations GitHub keeps per level and step.
pub const PER_LEVEL: usize = 10;

/// Escapes a message (`@actions/core` rules: `%`, CR, LF).
fn esc_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (additionally `:` and `,`).
fn esc_prop(s: &str) -> String {
    esc_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Renders workflow commands plus a one-line summary.
pub fn render(diags: &[Diagnostic], summary: &Summary, catalogue: &[CodeDoc]) -> String {
    let names: BTreeMap<&str, &str> = catalogue
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let mut out = String::new();
    let total = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let omitted_total: usize = [Severity::Error, Severity::Warning, Severity::Info]
        .iter()
        .map(|s| total(*s).saturating_sub(PER_LEVEL))
        .sum();
    let mut omitted = 0;
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        // Keep one notice slot for the summary when anything is left out.
        let cap =
            if sev == Severity::Info && (omitted_total > 0 || total(Severity::Info) > PER_LEVEL) {
                PER_LEVEL - 1
            } else {
                PER_LEVEL
            };
        let of_level: Vec<&Diagnostic> = diags.iter().filter(|d| d.severity == sev).collect();
        for d in of_level.iter().take(cap) {
            let title = match names.get(d.code.as_str()) {
                Some(n) => format!("{} {}", d.code, n),
                None => d.code.clone(),
            };
            let _ = writeln!(
                out,
                "::{} file={},line={},col={},title={}::{}",
                command(sev),
                esc_prop(&d.path),
                d.line,
                d.col,
                esc_prop(&title),
                esc_data(&d.message)
            );
        }
        omitted += of_level.len().saturating_sub(cap);
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "::notice title=sigmaforge::{omitted} more finding(s) not annotated (GitHub shows {PER_LEVEL} per level and step); see the job log, the JSON or the SARIF report"
        );
    }
    let _ = writeln!(
        out,
        "sigmaforge: {} file(s), {} document(s): {} error(s), {} warning(s), {} info",
        summary.files, summary.documents, summary.errors, summary.warnings, summary.infos
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_each_level_and_summarises_the_rest() {
        let mk =
            |sev, i: u32| Diagnostic::new("r.yml", crate::diag::Pos::new(i, 1), "SV101", sev, "m");
        let mut diags: Vec<Diagnostic> = (1..=15).map(|i| mk(Severity::Error, i)).collect();
        diags.extend((1..=12).map(|i| mk(Severity::Info, i)));
        let out = render(&diags, &Summary::default(), &[]);
        assert_eq!(out.lines().filter(|l| l.starts_with("::error")).count(), 10);
        let notices: Vec<&str> = out.lines().filter(|l| l.starts_with("::notice")).collect();
        assert_eq!(notices.len(), 10);
        assert!(notices[9].contains("8 more finding(s)"), "{out}");
    }

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(esc_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(esc_prop("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
