//! `check --format github`: findings as GitHub workflow-command annotations.
//!
//! The escaping and GitHub's per-step caps live in [`crate::github::commands`]; this module only
//! decides what each annotation says (code plus validator name as the title) and adds a summary line.

use super::Summary;
use crate::diag::Diagnostic;
use crate::github::commands::{Annotation, render_annotations};
use crate::validate::registry::CodeDoc;
use std::collections::BTreeMap;

/// Renders workflow commands plus a one-line summary.
pub fn render(diags: &[Diagnostic], summary: &Summary, catalogue: &[CodeDoc]) -> String {
    let names: BTreeMap<&str, &str> = catalogue
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let annotations: Vec<Annotation> = diags
        .iter()
        .map(|d| {
            let mut a = Annotation::from(d);
            if let Some(name) = names.get(d.code.as_str()) {
                a.title = Some(format!("{} {}", d.code, name));
            }
            a
        })
        .collect();
    let mut out = render_annotations(&annotations, "the job log, the JSON or the SARIF report");
    out.push_str(&format!(
        "sigmaforge: {} file(s), {}: {} error(s), {} warning(s), {} info\n",
        summary.files,
        summary.documents_text(),
        summary.errors,
        summary.warnings,
        summary.infos
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

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
        assert!(notices[9].contains("8 more findings"), "{out}");
    }
}
