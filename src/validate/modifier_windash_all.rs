//! SV402: `windash` expands each value into variants that are OR-ed; with `all` they would all be
//! required at once, which never matches.

use super::{DocCx, Findings, Check, util};
use crate::rule::modifier::Modifier;

validator!(
    "SV402",
    "windash-with-all",
    Error,
    PySigma,
    ["invalid_modifier_combinations"],
    "`windash` combined with `all`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if i.chain.all && util::has(i, Modifier::Windash) {
                out.report(
                    &cx.src.path,
                    i.pos,
                    "`windash` cannot be combined with `all`",
                );
            }
        }
    }
}
