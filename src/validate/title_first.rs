//! SV707: SigmaHQ puts `title` first so every rule reads the same (SigmaHQ CI, single-document files).

use super::{DocCx, Findings, Check};

validator!(
    "SV707",
    "title-not-first",
    Warning,
    SigmaHqCi,
    [],
    "`title` is not the first key of the document."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if !cx.file.is_single_document() {
            return;
        }
        if let Some(Some((first, _))) = cx.raw.and_then(|r| r.as_map()).map(|m| m.first())
            && first.text != "title"
        {
            out.report(
                &cx.src.path,
                first.pos,
                format!("first key is `{}`; put `title` first", first.text),
            );
        }
    }
}
