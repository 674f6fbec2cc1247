//! SV201: tags are `namespace.name` in lower case; anything else breaks tag-based tooling.

use super::{DocCx, Findings, Check};
use regex::Regex;
use std::sync::LazyLock;

validator!(
    "SV201",
    "tag-format",
    Warning,
    PySigma,
    ["tag_format"],
    "A tag is not `namespace.name` in lower-case letters, digits, `-`, `_` and `.`."
);

/// `namespace.name` in lower case; forced by the unit test below.
static RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9\-_]+\.[a-z0-9\-_.]+$").expect("constant pattern, checked by the unit tests"));

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let re = &*RE;
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

#[cfg(test)]
mod tests {
    #[test]
    fn pattern_compiles() {
        std::sync::LazyLock::force(&super::RE);
    }
}
