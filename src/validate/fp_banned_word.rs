//! SV127: "none" or "pentest" as a false positive says nothing a responder can act on.

use super::{DocCx, Findings, Check};

validator!(
    "SV127",
    "falsepositive-banned-word",
    Warning,
    SigmaHq,
    ["sigmahq_falsepositives_banned_word"],
    "A false-positive entry uses a banned word (none, pentest, penetration)."
);

const BANNED: &[&str] = &["none", "pentest", "penetration"];

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        for fp in &cx.meta().falsepositives {
            let lower = fp.value.to_lowercase();
            if let Some(w) = lower
                .split(|c: char| !c.is_alphanumeric())
                .find(|w| BANNED.contains(w))
            {
                out.report(
                    &cx.src.path,
                    fp.pos,
                    format!("false positive `{}` uses the banned word `{w}`", fp.value),
                );
            }
        }
    }
}
