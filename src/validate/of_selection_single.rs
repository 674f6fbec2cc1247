//! SV304: `1 of sel_*` matching a single search hides that there is nothing to choose from.

use super::{DocCx, Findings, Validator, util};

validator!(
    "SV304",
    "of-pattern-single-match",
    Info,
    SigmaHq,
    ["sigmahq_ofselection_condition"],
    "An `x of pattern*` matches exactly one search."
);

impl Validator for V {
    fn info(&self) -> &'static super::Info {
        &INFO
    }
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for (_, p, pos) in util::of_terms(&r.detection) {
            if let Some(p) = p
                && p.contains('*')
                && r.detection.select(Some(p)).len() == 1
            {
                out.report(
                    &cx.src.path,
                    pos,
                    format!("`of {p}` matches a single search; name it directly"),
                );
            }
        }
    }
}
