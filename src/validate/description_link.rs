//! SV117: links belong in `references`, where tools collect and archive them.

use super::{DocCx, Findings, Check};

validator!(
    "SV117",
    "link-in-description",
    Warning,
    SigmaHq,
    ["sigmahq_link_in_description"],
    "The description holds a link (or `internal research`) while `references` is empty."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let m = cx.meta();
        if let Some(d) = &m.description
            && m.references.is_empty()
        {
            let lower = d.value.to_lowercase();
            if let Some(w) = ["http://", "https://", "internal research"]
                .iter()
                .find(|w| lower.contains(*w))
            {
                out.report(
                    &cx.src.path,
                    d.pos,
                    format!("description contains `{w}`; move links to `references`"),
                );
            }
        }
    }
}
