//! SV204: CVE tags must be machine-readable ids.

use super::{DocCx, Findings, Check};
use regex::Regex;
use std::sync::LazyLock;

validator!(
    "SV204",
    "cve-tag-format",
    Warning,
    PySigma,
    ["cvetag"],
    "A `cve.*` tag is not `cve.YYYY-NNNN`."
);

/// The shape of a CVE id after `cve.`; forced by the unit test below.
static RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d+-\d+$").expect("constant pattern, checked by the unit tests"));

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let re = &*RE;
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

#[cfg(test)]
mod tests {
    #[test]
    fn pattern_compiles() {
        std::sync::LazyLock::force(&super::RE);
    }
}
