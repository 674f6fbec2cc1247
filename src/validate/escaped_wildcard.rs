//! SV408: `\*` is a literal asterisk; in a path it is usually a wildcard written by mistake.

use super::{DocCx, Findings, Check, util};
use crate::rule::modifier::Modifier;
use crate::rule::value::{Part, SigmaString};

validator!(
    "SV408",
    "escaped-wildcard",
    Info,
    PySigma,
    ["escaped_wildcard"],
    "A value contains an escaped (literal) `*` or `?`; make sure that is intended."
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
                    .iter()
                    .any(|p| matches!(p, Part::Lit(l) if l.contains(['*', '?'])))
                {
                    out.report(
                        &cx.src.path,
                        pos,
                        "escaped wildcard: the `*`/`?` is matched literally",
                    );
                }
            }
        }
    }
}
