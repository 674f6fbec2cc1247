//! SV601: without `group-by`, a correlation counts events across all hosts and users together.

use super::{DocCx, Findings, Check};

validator!(
    "SV601",
    "correlation-group-by-missing",
    Error,
    SigmaHq,
    ["sigmahq_correlation_group_by_existence"],
    "A correlation rule has no `group-by`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if let crate::rule::Document::Correlation(c) = cx.doc
            && c.group_by.is_empty()
        {
            out.report(&cx.src.path, c.pos, "correlation without `group-by`");
        }
    }
}
