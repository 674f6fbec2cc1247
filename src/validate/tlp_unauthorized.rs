//! SV214: SigmaHQ is a public repository; only TLP levels that allow public sharing may appear.

use super::{DocCx, Findings, Check};

validator!(
    "SV214",
    "tlp-not-public",
    Error,
    SigmaHq,
    ["sigmahq_tags_tlp"],
    "A TLP tag other than `tlp.clear` / `tlp.white` in a public rule set."
);

const ALLOWED: &[&str] = &["clear", "white"];

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        for t in &cx.meta().tags {
            if let Some(level) = t.value.strip_prefix("tlp.")
                && !ALLOWED.contains(&level)
            {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!("`{}` does not allow public sharing", t.value),
                );
            }
        }
    }
}
