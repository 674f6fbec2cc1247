//! SV108: repeated tags inflate coverage counts.

use super::{DocCx, Findings, Check};

validator!(
    "SV108",
    "duplicate-tag",
    Warning,
    PySigma,
    ["duplicate_tag"],
    "The same tag is listed twice."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let mut seen = std::collections::HashSet::new();
        for t in &cx.meta().tags {
            if !seen.insert(t.value.as_str()) {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!("tag `{}` is listed twice", t.value),
                );
            }
        }
    }
}
