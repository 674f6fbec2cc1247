//! SV212: a rule has one `detection` value; two contradict each other.

use super::{DocCx, Findings, Check};

validator!(
    "SV212",
    "detection-tags-multiple",
    Error,
    SigmaHq,
    ["sigmahq_tags_unique_detection"],
    "More than one `detection.*` tag."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let tags: Vec<_> = cx
            .meta()
            .tags
            .iter()
            .filter(|t| t.value.starts_with("detection."))
            .collect();
        if let [_, second, ..] = tags.as_slice() {
            let names: Vec<&str> = tags.iter().map(|t| t.value.as_str()).collect();
            out.report(
                &cx.src.path,
                second.pos,
                format!("several `detection.*` tags: {}", names.join(", ")),
            );
        }
    }
}
