//! SV206: only three detection types exist; pySigma anchors the pattern at the start only, we match the whole name.

use super::{DocCx, Findings, Validator};
use regex::Regex;
use std::sync::OnceLock;

validator!(
    "SV206",
    "detection-tag-value",
    Warning,
    PySigma,
    ["detection_tag"],
    "A `detection.*` tag is not dfir, emerging-threats or threat-hunting."
);

impl Validator for V {
    fn info(&self) -> &'static super::Info {
        &INFO
    }
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        static RE: OnceLock<Option<Regex>> = OnceLock::new();
        let Some(re) =
            RE.get_or_init(|| Regex::new(r"^(?:dfir|emerging-threats|threat-hunting)$").ok())
        else {
            return;
        };
        for t in &cx.meta().tags {
            if let Some(name) = t.value.strip_prefix("detection.")
                && !re.is_match(name)
            {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!(
                        "tag `{}` does not match `detection.` + `{}`",
                        t.value,
                        re.as_str()
                    ),
                );
            }
        }
    }
}
