//! SV203: CAR analytic ids have a fixed shape; anything else links nowhere.

use super::{DocCx, Findings, Check};
use regex::Regex;
use std::sync::LazyLock;

validator!(
    "SV203",
    "car-tag-format",
    Warning,
    PySigma,
    ["cartag"],
    "A `car.*` tag is not a CAR analytic id (`car.YYYY-MM-NNN`)."
);

/// The shape of a CAR analytic id after `car.`; forced by the unit test below.
static RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{3}$").expect("constant pattern, checked by the unit tests"));

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let re = &*RE;
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

#[cfg(test)]
mod tests {
    #[test]
    fn pattern_compiles() {
        std::sync::LazyLock::force(&super::RE);
    }
}
