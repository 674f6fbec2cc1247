//! SV210: D3FEND tags must name a D3FEND tactic or technique id. pySigma checks against the full
//! ontology (downloaded at run time); we embed no ontology and check the shape: a tactic name or a
//! `d3-…` technique id.

use super::{DocCx, Findings, Validator};
use regex::Regex;
use std::sync::OnceLock;

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

impl Validator for V {
    fn info(&self) -> &'static super::Info {
        &INFO
    }
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        static RE: OnceLock<Option<Regex>> = OnceLock::new();
        let Some(re) = RE.get_or_init(|| Regex::new(r"^d3-[a-z0-9]+$").ok()) else {
            return;
        };
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
