//! SV130: SigmaHQ titles use Title Case (minor words excepted), which keeps alert lists readable.

use super::{DocCx, Findings, Check};

validator!(
    "SV130",
    "title-case",
    Warning,
    SigmaHq,
    ["sigmahq_title_case"],
    "A title word is lower case but is not a minor word."
);

const MINOR: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "new", "of", "on", "or", "over",
    "the", "through", "to", "via", "with", "without",
];

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(t) = &cx.meta().title else { return };
        let bad: Vec<&str> = t
            .value
            .split(' ')
            .filter(|w| {
                w.chars().next().is_some_and(char::is_lowercase)
                    && w.chars().all(|c| c.is_lowercase() || !c.is_alphabetic())
                    && !MINOR.contains(w)
                    && !w.contains(['.', '/', '_', '-', '\\'])
            })
            .collect();
        for w in bad {
            out.report(
                &cx.src.path,
                t.pos,
                format!("capitalise the title word `{w}`"),
            );
        }
    }
}
