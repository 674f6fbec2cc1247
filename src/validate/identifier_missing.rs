//! SV101: every rule needs a UUID so it can be referenced, deduplicated and tracked across renames.

use super::{DocCx, Findings, Check};

validator!(
    "SV101",
    "identifier-missing",
    Warning,
    PySigma,
    ["identifier_existence"],
    "The document has no `id` (UUID)."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if cx.meta().id.is_none() {
            out.report(
                &cx.src.path,
                cx.start(),
                "no `id`: add a UUID (e.g. from `uuidgen`)",
            );
        }
    }
}
