//! SV114: `modified` equal to `date` carries no information.

use super::{DocCx, Findings, Check};

validator!(
    "SV114",
    "modified-redundant",
    Warning,
    SigmaHq,
    ["sigmahq_redundant_modified"],
    "`modified` equals `date`; remove it."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let m = cx.meta();
        if let (Some(d), Some(md)) = (&m.date, &m.modified)
            && d.value == md.value
        {
            out.report(
                &cx.src.path,
                md.pos,
                "`modified` equals `date`; remove `modified`",
            );
        }
    }
}
