//! SV401: `field|all` with plain values asks one field to equal several different strings at once,
//! which never matches. (`re`, `cidr` and `startswith`/`endswith` can overlap and are left alone.)

use super::{DocCx, Findings, Check, util};
use crate::rule::modifier::Modifier;

validator!(
    "SV401",
    "all-without-contains",
    Error,
    PySigma,
    ["invalid_modifier_combinations"],
    "A field's `all` modifier without `contains` (exact values can never all match)."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if i.field.is_some()
                && i.chain.all
                && i.values.len() > 1
                && ![
                    Modifier::Contains,
                    Modifier::StartsWith,
                    Modifier::EndsWith,
                    Modifier::Re,
                    Modifier::Cidr,
                    Modifier::FieldRef,
                ]
                .iter()
                .any(|m| util::has(i, *m))
            {
                out.report(
                    &cx.src.path,
                    i.pos,
                    "`all` without `contains`: a field cannot equal several values at once",
                );
            }
        }
    }
}
