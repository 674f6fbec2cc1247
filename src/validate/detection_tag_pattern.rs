//! SV206: only three detection types exist; pySigma anchors the pattern at the start only, we match the whole name.

use super::{DocCx, Findings, Check};
use regex::Regex;
use std::sync::LazyLock;

validator!(
    "SV206",
    "detection-tag-value",
    Warning,
    PySigma,
    ["detection_tag"],
    "A `detection.*` tag is not dfir, emerging-threats or threat-hunting."
);

/// The detection types after `detection.`; forced by the unit test below.
static RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:dfir|emerging-threats|threat-hunting)$").expect("constant pattern, checked by the unit tests"));

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let re = &*RE;
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

#[cfg(test)]
mod tests {
    #[test]
    fn pattern_compiles() {
        std::sync::LazyLock::force(&super::RE);
    }
}
