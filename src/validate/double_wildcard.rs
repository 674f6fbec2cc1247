//! SV407: `**` is the same as `*` and usually a concatenation slip.

use super::{DocCx, Findings, Check, util};
use crate::rule::modifier::Modifier;
use crate::rule::value::{Part, SigmaString};

validator!(
    "SV407",
    "double-wildcard",
    Info,
    PySigma,
    ["double_wildcard"],
    "A value contains consecutive `*` wildcards."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if util::has(i, Modifier::Re) {
                continue;
            }
            for (s, pos) in util::strings(i) {
                let parsed = SigmaString::parse(s, util::has(i, Modifier::Expand));
                if parsed
                    .parts
                    .windows(2)
                    .any(|w| w[0] == Part::AnyChars && w[1] == Part::AnyChars)
                {
                    out.report(&cx.src.path, pos, "`**`: one `*` is enough");
                }
            }
        }
    }
}
