//! SV128: a house-style rule of SigmaHQ: false-positive entries are sentences.

use super::{DocCx, Findings, Check};

validator!(
    "SV128",
    "falsepositive-capital",
    Warning,
    SigmaHq,
    ["sigmahq_falsepositives_capital"],
    "A false-positive entry does not start with a capital letter."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        for fp in &cx.meta().falsepositives {
            if fp.value.chars().next().is_some_and(char::is_lowercase) {
                out.report(
                    &cx.src.path,
                    fp.pos,
                    format!(
                        "false positive `{}` should start with a capital letter",
                        fp.value
                    ),
                );
            }
        }
    }
}
