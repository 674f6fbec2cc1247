//! SV302: `of them` over a single search is just that search, written obscurely.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV302",
    "them-single-search",
    Info,
    PySigma,
    ["them_condition_with_single_detection"],
    "The condition uses `them` but the rule has only one search."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        if r.detection.searches.len() != 1 {
            return;
        }
        for (_, p, pos) in util::of_terms(&r.detection) {
            if p.is_none() {
                out.report(
                    &cx.src.path,
                    pos,
                    "`of them` with a single search: name the search instead",
                );
            }
        }
    }
}
