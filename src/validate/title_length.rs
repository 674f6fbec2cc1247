//! SV132: long titles are cut in alert views and SIEM rule lists.

use super::{
    DocCx, Findings, Check,
    registry::{Param, ParamKind},
};

validator!("SV132", "title-too-long", Warning, SigmaHq, ["sigmahq_title_length"],
    "The title is longer than allowed.",
    params: [Param { name: "max_length", kind: ParamKind::Int, default: "120", doc: "longest allowed title" }]);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if let Some(t) = &cx.meta().title {
            let n = t.value.chars().count() as i64;
            let max = out.int("max_length");
            if n > max {
                out.report(
                    &cx.src.path,
                    t.pos,
                    format!("title has {n} characters; keep it to {max}"),
                );
            }
        }
    }
}
