//! SV305: SigmaHQ's variant of SV302 (`x of them` with one search); kept separate so both pySigma
//! names can be configured independently.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV305",
    "of-them-single-search",
    Info,
    SigmaHq,
    ["sigmahq_ofthem_condition"],
    "`x of them` is used while the detection has only one search."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        if r.detection.select(None).len() != 1 {
            return;
        }
        for (_, p, pos) in util::of_terms(&r.detection) {
            if p.is_none() {
                out.report(
                    &cx.src.path,
                    pos,
                    "`of them` with one search: name the search",
                );
            }
        }
    }
}
