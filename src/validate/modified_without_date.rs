//! SV113: a rule with `modified` but no `date` lost its creation date; new rules carry only `date`.

use super::{DocCx, Findings, Check};

validator!(
    "SV113",
    "modified-without-date",
    Error,
    SigmaHq,
    ["sigmahq_modified_without_date"],
    "`modified` is set but `date` is missing."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let m = cx.meta();
        if let (None, Some(md)) = (&m.date, &m.modified) {
            out.report(
                &cx.src.path,
                md.pos,
                "`modified` without `date`: rename it to `date`",
            );
        }
    }
}
