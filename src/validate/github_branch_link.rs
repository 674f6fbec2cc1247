//! SV125: links to a branch rot as the branch moves; a commit permalink stays valid. The default follows
//! pySigma (file links ending in a short extension); `strict: 1` catches every `blob/<branch>` link.

use super::{
    DocCx, Findings, Validator,
    registry::{Param, ParamKind},
};
use regex::Regex;
use std::sync::OnceLock;

validator!("SV125", "github-branch-link", Warning, SigmaHq, ["sigmahq_github_link"],
    "A reference links to a file on a GitHub branch instead of a commit permalink.",
    params: [Param { name: "strict", kind: ParamKind::Int, default: "0",
        doc: "1: flag every `/blob/<branch>/` link; 0: only links ending in a 1-3 character extension, like pySigma" }]);

impl Validator for V {
    fn info(&self) -> &'static super::Info {
        &INFO
    }
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        static RE: OnceLock<Option<(Regex, Regex, Regex)>> = OnceLock::new();
        let Some((file_link, sha, blob)) = RE
            .get_or_init(|| {
                Some((
                    Regex::new(r"^https://github\.com/.*\.\w{1,3}$").ok()?,
                    Regex::new(r"/[0-9a-z]{40}/").ok()?,
                    Regex::new(r"^https://github\.com/[^/]+/[^/]+/blob/").ok()?,
                ))
            })
            .as_ref()
        else {
            return;
        };
        let strict = out.int("strict") != 0;
        for r in &cx.meta().references {
            let candidate = if strict {
                blob.is_match(&r.value)
            } else {
                file_link.is_match(&r.value)
            };
            if candidate && !sha.is_match(&r.value) {
                out.report(
                    &cx.src.path,
                    r.pos,
                    format!("`{}` points at a branch; use a commit permalink", r.value),
                );
            }
        }
    }
}
