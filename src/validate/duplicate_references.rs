//! SV107: repeated references are noise and usually a copy-paste slip.

use super::{DocCx, Findings, Check};

validator!(
    "SV107",
    "duplicate-reference",
    Warning,
    PySigma,
    ["duplicate_references"],
    "The same reference is listed twice."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let mut seen = std::collections::HashSet::new();
        for r in &cx.meta().references {
            if !seen.insert(r.value.as_str()) {
                out.report(
                    &cx.src.path,
                    r.pos,
                    format!("reference `{}` is listed twice", r.value),
                );
            }
        }
    }
}
