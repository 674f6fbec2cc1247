//! SV125: links to a branch rot as the branch moves; a commit permalink stays valid. The default follows
//! pySigma (file links ending in a short extension); `strict: 1` catches every `blob/<branch>` link.

use super::{
    DocCx, Findings, Check,
    registry::{Param, ParamKind},
};
use regex::Regex;
use std::sync::LazyLock;

validator!("SV125", "github-branch-link", Warning, SigmaHq, ["sigmahq_github_link"],
    "A reference links to a file on a GitHub branch instead of a commit permalink.",
    params: [Param { name: "strict", kind: ParamKind::Int, default: "0",
        doc: "1: flag every `/blob/<branch>/` link; 0: only links ending in a 1-3 character extension, like pySigma" }]);

/// A link to a file with a 1-3 character extension (pySigma's test).
static FILE_LINK: LazyLock<Regex> = LazyLock::new(|| pattern(r"^https://github\.com/.*\.\w{1,3}$"));
/// A commit hash path segment: the link is a permalink.
static SHA: LazyLock<Regex> = LazyLock::new(|| pattern(r"/[0-9a-z]{40}/"));
/// Any `blob/` link (strict mode).
static BLOB: LazyLock<Regex> = LazyLock::new(|| pattern(r"^https://github\.com/[^/]+/[^/]+/blob/"));

/// Compiles a constant pattern; the unit test below forces every one.
fn pattern(p: &str) -> Regex {
    Regex::new(p).expect("constant pattern, checked by the unit tests")
}

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let strict = out.int("strict") != 0;
        for r in &cx.meta().references {
            let candidate = if strict {
                BLOB.is_match(&r.value)
            } else {
                FILE_LINK.is_match(&r.value)
            };
            if candidate && !SHA.is_match(&r.value) {
                out.report(
                    &cx.src.path,
                    r.pos,
                    format!("`{}` points at a branch; use a commit permalink", r.value),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    #[test]
    fn patterns_compile() {
        for re in [&super::FILE_LINK, &super::SHA, &super::BLOB] {
            LazyLock::force(re);
        }
    }
}
