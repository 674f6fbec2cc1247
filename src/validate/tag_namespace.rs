//! SV202: only the specification's namespaces are understood by tools.

use super::{DocCx, Findings, Check};

validator!(
    "SV202",
    "tag-namespace",
    Warning,
    PySigma,
    ["namespace_tag"],
    "A tag uses a namespace other than attack, car, cve, d3fend, detection, stp, tlp."
);

const NAMESPACES: &[&str] = &["attack", "car", "cve", "d3fend", "detection", "stp", "tlp"];

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        for t in &cx.meta().tags {
            let ns = t.value.split('.').next().unwrap_or("");
            if !NAMESPACES.contains(&ns) {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!("tag `{}` uses unknown namespace `{ns}`", t.value),
                );
            }
        }
    }
}
