//! SV133: every rule detects something; "Detects …" wastes the most visible words.

use super::{DocCx, Findings, Check};

validator!(
    "SV133",
    "title-starts-with-detect",
    Warning,
    SigmaHq,
    ["sigmahq_title_start"],
    "The title starts with `Detect` or `Detects`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if let Some(t) = &cx.meta().title {
            let first = t.value.split(' ').next().unwrap_or("");
            if first == "Detect" || first == "Detects" {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!("title starts with `{first}`; name what is detected"),
                );
            }
        }
    }
}
