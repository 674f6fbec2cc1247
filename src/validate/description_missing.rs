//! SV115: SigmaHQ requires `description` on every rule so reviewers and consumers can rely on it.

use super::{DocCx, Findings, Check};

validator!(
    "SV115",
    "description-missing",
    Warning,
    SigmaHq,
    ["sigmahq_description_existence"],
    "The document has no `description`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if cx.meta().description.is_none() {
            out.report(&cx.src.path, cx.start(), "no `description` field");
        }
    }
}
