//! SV301: `all of them` silently changes meaning when someone adds a filter; name the selections.

use super::{DocCx, Findings, Check, util};
use crate::rule::condition::Quantifier;

validator!(
    "SV301",
    "all-of-them",
    Warning,
    PySigma,
    ["all_of_them_condition"],
    "The condition uses `all of them`; use `all of selection*`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for (q, p, pos) in util::of_terms(&r.detection) {
            if q == Quantifier::All && p.is_none() {
                out.report(
                    &cx.src.path,
                    pos,
                    "`all of them`: name the selections (`all of selection_*`)",
                );
            }
        }
    }
}
