//! SV110: SigmaHQ requires `author` on every rule so reviewers and consumers can rely on it.

use super::{DocCx, Findings, Check};

validator!(
    "SV110",
    "author-missing",
    Warning,
    SigmaHq,
    ["sigmahq_author_existence"],
    "The document has no `author`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if cx.meta().author.is_none() {
            out.report(&cx.src.path, cx.start(), "no `author` field");
        }
    }
}
