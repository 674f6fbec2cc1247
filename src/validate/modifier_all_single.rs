//! SV403: `all` over a single value does nothing and suggests values went missing.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV403",
    "all-single-value",
    Error,
    SigmaHq,
    ["sigmahq_invalid_all_modifier"],
    "The `all` modifier is used with fewer than two values."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if i.field.is_some() && i.chain.all && i.values.len() < 2 {
                out.report(
                    &cx.src.path,
                    i.pos,
                    "`all` with a single value: remove `|all`",
                );
            }
        }
    }
}
