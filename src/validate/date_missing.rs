//! SV111: SigmaHQ requires `date` on every rule so reviewers and consumers can rely on it.

use super::{DocCx, Findings, Check};

validator!(
    "SV111",
    "date-missing",
    Warning,
    SigmaHq,
    ["sigmahq_date_existence"],
    "The document has no `date`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if cx.meta().date.is_none() {
            out.report(&cx.src.path, cx.start(), "no `date` field");
        }
    }
}
