//! SV203: CAR analytic ids have a fixed shape; anything else links nowhere.

use super::{DocCx, Findings, Validator};
use regex::Regex;
use std::sync::OnceLock;

validator!(
    "SV203",
    "car-tag-format",
    Warning,
    PySigma,
    ["cartag"],
    "A `car.*` tag is not a CAR analytic id (`car.YYYY-MM-NNN`)."
);

impl Validator for V {
    fn info(&self) -> &'static super::Info {
        &INFO
    }
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        static RE: OnceLock<Option<Regex>> = OnceLock::new();
        let Some(re) = RE.get_or_init(|| Regex::new(r"^\d{4}-\d{2}-\d{3}$").ok()) else {
            return;
        };
        for t in &cx.meta().tags {
            if let Some(name) = t.value.strip_prefix("car.")
                && !re.is_match(name)
            {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!(
                        "tag `{}` does not match `car.` + `{}`",
                        t.value,
                        re.as_str()
                    ),
                );
            }
        }
    }
}
