//! SV112: `modified` before `date` means one of them is wrong; tooling sorts and promotes rules by them.

use super::{DocCx, Findings, Check, date::Date};

validator!(
    "SV112",
    "modified-before-date",
    Warning,
    SigmaHq,
    ["sigmahq_modified_date_order"],
    "`modified` is older than `date`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let m = cx.meta();
        if let (Some(d), Some(md)) = (&m.date, &m.modified)
            && let (Some(dv), Some(mv)) = (Date::parse(&d.value), Date::parse(&md.value))
            && mv < dv
        {
            out.report(
                &cx.src.path,
                md.pos,
                format!("`modified` {mv} is older than `date` {dv}"),
            );
        }
    }
}
