//! SV126: ATT&CK belongs in tags (machine-readable, feeds coverage), not as a reference URL.

use super::{DocCx, Findings, Check};

validator!(
    "SV126",
    "mitre-link",
    Warning,
    SigmaHq,
    ["sigmahq_mitre_link"],
    "A reference links to attack.mitre.org instead of using an `attack.*` tag."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        for r in &cx.meta().references {
            if r.value.contains("://attack.mitre.org/") {
                out.report(
                    &cx.src.path,
                    r.pos,
                    format!("`{}`: use an `attack.*` tag instead", r.value),
                );
            }
        }
    }
}
