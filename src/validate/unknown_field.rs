//! SV123: top-level keys outside the specification are invisible to every tool; most are typos.

use super::{DocCx, Findings, Check};

validator!(
    "SV123",
    "unknown-top-level-key",
    Warning,
    SigmaHq,
    ["sigmahq_unknown_field"],
    "A top-level key is not part of the Sigma specification."
);

const ALLOWED: &[&str] = &["regression_tests_path", "simulation"];

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        for (k, _) in &cx.meta().custom {
            if !ALLOWED.contains(&k.text.as_str()) {
                out.report(
                    &cx.src.path,
                    k.pos,
                    format!("unknown top-level key `{}`", k.text),
                );
            }
        }
    }
}
