//! SV124: misspelt standard keys (`realted`, `reference`) silently drop their content.

use super::{DocCx, Findings, Check};

validator!(
    "SV124",
    "misspelt-key",
    Warning,
    PySigma,
    ["custom_attributes"],
    "A top-level key looks like a misspelling of a standard one."
);

const TYPOS: &[(&str, &str)] = &[
    ("realted", "related"),
    ("relatde", "related"),
    ("relted", "related"),
    ("rlated", "related"),
    ("reference", "references"),
];

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        for (k, _) in &cx.meta().custom {
            if let Some((_, good)) = TYPOS.iter().find(|(t, _)| *t == k.text) {
                out.report(
                    &cx.src.path,
                    k.pos,
                    format!("`{}` looks like a misspelling of `{good}`", k.text),
                );
            }
        }
    }
}
