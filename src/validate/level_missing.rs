//! SV118: SigmaHQ requires `level` on every rule so reviewers and consumers can rely on it.

use super::{DocCx, Findings, Check};

validator!(
    "SV118",
    "level-missing",
    Warning,
    SigmaHq,
    ["sigmahq_level_existence"],
    "The document has no `level`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        // Filter documents have no level or status in the specification.
        if matches!(cx.doc, crate::rule::Document::Filter(_)) {
            return;
        }
        if cx.meta().level.is_none() {
            out.report(&cx.src.path, cx.start(), "no `level` field");
        }
    }
}
