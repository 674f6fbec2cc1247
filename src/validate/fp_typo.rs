//! SV129: common misspellings in false-positive entries.

use super::{DocCx, Findings, Check};

validator!(
    "SV129",
    "falsepositive-typo",
    Warning,
    SigmaHq,
    ["sigmahq_falsepositives_typo_word"],
    "A false-positive entry contains a common typo."
);

const TYPOS: &[(&str, &str)] = &[
    ("unkown", "unknown"),
    ("ligitimate", "legitimate"),
    ("legitim ", "legitimate "),
    ("legitimeate", "legitimate"),
];

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        for fp in &cx.meta().falsepositives {
            let lower = fp.value.to_lowercase();
            if let Some((t, good)) = TYPOS.iter().find(|(t, _)| lower.contains(t)) {
                out.report(
                    &cx.src.path,
                    fp.pos,
                    format!(
                        "`{}` contains `{}`; did you mean `{}`?",
                        fp.value,
                        t.trim(),
                        good.trim()
                    ),
                );
            }
        }
    }
}
