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
        let tags = &cx.meta().tags;
        for (i, t) in tags.iter().enumerate() {
            if tags[..i].iter().any(|p| p.value == t.value) {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!("tag `{}` is listed twice", t.value),
                );
            }
        }
    }
}
