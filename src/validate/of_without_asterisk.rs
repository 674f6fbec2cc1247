//! SV303: `1 of selection` without a wildcard is a roundabout `selection`; usually a forgotten `*`.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV303",
    "of-without-wildcard",
    Warning,
    SigmaHq,
    ["sigmahq_missing_asterisk_condition"],
    "`1 of x` / `all of x` names a single identifier without `*`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for (_, p, pos) in util::of_terms(&r.detection) {
            if let Some(p) = p
                && !p.contains('*')
            {
                out.report(
                    &cx.src.path,
                    pos,
                    format!("`of {p}` without `*`: write `{p}` or `{p}*`"),
                );
            }
        }
    }
}
