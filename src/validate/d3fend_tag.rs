//! SV210: D3FEND tags must name a D3FEND tactic or technique id. pySigma checks against the full
//! ontology (downloaded at run time); we embed no ontology and check the shape: a tactic name or a
//! `d3-…` technique id.

use super::{DocCx, Findings, Check};
use regex::Regex;
use std::sync::LazyLock;

validator!(
    "SV210",
    "d3fend-tag",
    Warning,
    PySigma,
    ["d3_fendtag"],
    "A `d3fend.*` tag is neither a D3FEND tactic nor a `d3-…` technique id."
);

const TACTICS: &[&str] = &[
    "model", "harden", "detect", "isolate", "deceive", "evict", "restore",
];

/// A D3FEND technique id after `d3fend.`; forced by the unit test below.
static RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^d3-[a-z0-9]+$").expect("constant pattern, checked by the unit tests"));

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let re = &*RE;
        for t in &cx.meta().tags {
            if let Some(name) = t.value.strip_prefix("d3fend.")
                && !TACTICS.contains(&name)
                && !re.is_match(name)
            {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!(
                        "`{}` is not a D3FEND tactic or `d3-…` technique id",
                        t.value
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
