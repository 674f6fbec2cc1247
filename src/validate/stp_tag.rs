//! SV205: Summiting-the-Pyramid scores have a fixed shape.

use super::{DocCx, Findings, Validator};
use regex::Regex;
use std::sync::OnceLock;

validator!(
    "SV205",
    "stp-tag-format",
    Warning,
    PySigma,
    ["stptag"],
    "An `stp.*` tag is not a Summiting-the-Pyramid score (1-5, optional a/u/k)."
);

impl Validator for V {
    fn info(&self) -> &'static super::Info {
        &INFO
    }
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        static RE: OnceLock<Option<Regex>> = OnceLock::new();
        let Some(re) = RE.get_or_init(|| Regex::new(r"^[1-5][auk]?$").ok()) else {
            return;
        };
        for t in &cx.meta().tags {
            if let Some(name) = t.value.strip_prefix("stp.")
                && !re.is_match(name)
            {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!(
                        "tag `{}` does not match `stp.` + `{}`",
                        t.value,
                        re.as_str()
                    ),
                );
            }
        }
    }
}
