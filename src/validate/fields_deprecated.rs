//! SV122: SigmaHQ dropped `fields`; backends ignore it and it goes stale.

use super::{DocCx, Findings, Check};

validator!(
    "SV122",
    "fields-deprecated",
    Warning,
    SigmaHq,
    ["sigmahq_fields_existence"],
    "The document uses the deprecated `fields` list."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if let Some(f) = cx.meta().fields.first() {
            let pos = cx
                .raw
                .and_then(|r| r.get("fields"))
                .map_or(f.pos, |(k, _)| k.pos);
            out.report(&cx.src.path, pos, "`fields` is deprecated; remove it");
        }
    }
}
