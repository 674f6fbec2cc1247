//! SV119: SigmaHQ requires `status` on every rule so reviewers and consumers can rely on it.

use super::{DocCx, Findings, Check};

validator!(
    "SV119",
    "status-missing",
    Warning,
    SigmaHq,
    ["sigmahq_status_existence"],
    "The document has no `status`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        // Filter documents have no level or status in the specification.
        if matches!(cx.doc, crate::rule::Document::Filter(_)) {
            return;
        }
        if cx.meta().status.is_none() {
            out.report(&cx.src.path, cx.start(), "no `status` field");
        }
    }
}
