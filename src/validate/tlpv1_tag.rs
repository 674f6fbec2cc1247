//! SV208: TLP tags drive sharing decisions; an unknown level is a sharing accident waiting to happen.

use super::{DocCx, Findings, Check};

validator!(
    "SV208",
    "tlp-v1-tag",
    Warning,
    PySigma,
    ["tlpv1_tag"],
    "A `tlp.*` tag is not a TLP v1 level."
);

const ALLOWED: &[&str] = &["amber", "green", "red", "white"];

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        for t in &cx.meta().tags {
            if let Some(name) = t.value.strip_prefix("tlp.")
                && !ALLOWED.contains(&name)
            {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!(
                        "`{}`: allowed TLP levels are {}",
                        t.value,
                        ALLOWED.join(", ")
                    ),
                );
            }
        }
    }
}
