//! SV204: CVE tags must be machine-readable ids.

use super::{DocCx, Findings, Validator};
use regex::Regex;
use std::sync::OnceLock;

validator!(
    "SV204",
    "cve-tag-format",
    Warning,
    PySigma,
    ["cvetag"],
    "A `cve.*` tag is not `cve.YYYY-NNNN`."
);

impl Validator for V {
    fn info(&self) -> &'static super::Info {
        &INFO
    }
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        static RE: OnceLock<Option<Regex>> = OnceLock::new();
        let Some(re) = RE.get_or_init(|| Regex::new(r"^\d+-\d+$").ok()) else {
            return;
        };
        for t in &cx.meta().tags {
            if let Some(name) = t.value.strip_prefix("cve.")
                && !re.is_match(name)
            {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!(
                        "tag `{}` does not match `cve.` + `{}`",
                        t.value,
                        re.as_str()
                    ),
                );
            }
        }
    }
}
