//! SV121: rules marked `deprecated`/`unsupported` belong in the folder of that name, where CI and
//! release packaging expect them. (pySigma flags every such rule wherever it lives; we check the folder.)

use super::{Check, DocCx, Findings};
use crate::rule::Status;

validator!(
    "SV121",
    "status-folder-mismatch",
    Error,
    SigmaHq,
    ["sigmahq_status"],
    "A `deprecated` or `unsupported` rule is outside the folder of that name."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(s) = &cx.meta().status else { return };
        let folder = s.value.name();
        if matches!(s.value, Status::Deprecated | Status::Unsupported)
            && !cx.src.path.split('/').any(|part| part == folder)
        {
            out.report(
                &cx.src.path,
                s.pos,
                format!("status `{folder}` but the file is not under a `{folder}/` folder"),
            );
        }
    }
}
