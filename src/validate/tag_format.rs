//! SV201: tags are `namespace.name` in lower case; anything else breaks tag-based tooling.

use super::{DocCx, Findings, Validator};
use regex::Regex;
use std::sync::OnceLock;

validator!(
    "SV201",
    "tag-format",
    Warning,
    PySigma,
    ["tag_format"],
    "A tag is not `namespace.name` in lower-case letters, digits, `-`, `_` and `.`."
);

impl Validator for V {
    fn info(&self) -> &'static super::Info {
        &INFO
    }
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        static RE: OnceLock<Option<Regex>> = OnceLock::new();
        let Some(re) = RE.get_or_init(|| Regex::new(r"^[a-z0-9\-_]+\.[a-z0-9\-_.]+$").ok()) else {
            return;
        };
        for t in &cx.meta().tags {
            if !re.is_match(&t.value) {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!("tag `{}` is not `namespace.name` in lower case", t.value),
                );
            }
        }
    }
}
