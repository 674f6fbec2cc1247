//! SV406: a control character in a value is almost always `\t`, `\n`, … produced by a double-quoted
//! YAML string where a literal backslash was meant.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV406",
    "control-character",
    Error,
    PySigma,
    ["control_character"],
    "A value contains a control character (likely a missing backslash escape)."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            for (s, pos) in util::strings(i) {
                if let Some(c) = s.chars().find(|c| c.is_control()) {
                    out.report(&cx.src.path, pos, format!("value contains control character U+{:04X}; escape the backslash or use single quotes", c as u32));
                }
            }
        }
    }
}
