//! SV205: Summiting-the-Pyramid scores have a fixed shape.

use super::{DocCx, Findings, Check};
use regex::Regex;
use std::sync::LazyLock;

validator!(
    "SV205",
    "stp-tag-format",
    Warning,
    PySigma,
    ["stptag"],
    "An `stp.*` tag is not a Summiting-the-Pyramid score (1-5, optional a/u/k)."
);

/// A Summiting-the-Pyramid score after `stp.`; forced by the unit test below.
static RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[1-5][auk]?$").expect("constant pattern, checked by the unit tests"));

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let re = &*RE;
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

#[cfg(test)]
mod tests {
    #[test]
    fn pattern_compiles() {
        std::sync::LazyLock::force(&super::RE);
    }
}
