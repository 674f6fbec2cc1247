//! SV131: titles are names, not sentences.

use super::{DocCx, Findings, Check};

validator!(
    "SV131",
    "title-ends-with-dot",
    Warning,
    SigmaHq,
    ["sigmahq_title_end"],
    "The title ends with a dot."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if let Some(t) = &cx.meta().title
            && t.value.ends_with('.')
        {
            out.report(&cx.src.path, t.pos, "title ends with `.`");
        }
    }
}
