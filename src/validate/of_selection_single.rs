//! SV304: `1 of sel*` in a rule with a single search: there is nothing to choose from.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV304",
    "of-pattern-single-search",
    Info,
    SigmaHq,
    ["sigmahq_ofselection_condition"],
    "`x of pattern` is used while the detection has only one search."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        if r.detection.searches.len() != 1 {
            return;
        }
        for (_, p, pos) in util::of_terms(&r.detection) {
            if let Some(p) = p {
                out.report(
                    &cx.src.path,
                    pos,
                    format!("`of {p}` with a single search; name the search directly"),
                );
            }
        }
    }
}
