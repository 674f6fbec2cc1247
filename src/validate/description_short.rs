//! SV116: a description of a few characters does not tell a responder what fired.

use super::{
    DocCx, Findings, Check,
    registry::{Param, ParamKind},
};

validator!("SV116", "description-short", Warning, SigmaHq, ["sigmahq_description_length"],
    "The description is too short to be useful.",
    params: [Param { name: "min_length", kind: ParamKind::Int, default: "16", doc: "shortest allowed description" }]);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if let Some(d) = &cx.meta().description {
            let min = out.int("min_length");
            let n = d.value.chars().count() as i64;
            if n < min {
                out.report(
                    &cx.src.path,
                    d.pos,
                    format!("description has {n} characters; write at least {min}"),
                );
            }
        }
    }
}
