//! SV105: very short names say nothing, very long ones break tooling (SigmaHQ: 10–90 characters).

use super::{
    FileCx, Findings, Check,
    registry::{Param, ParamKind},
};

validator!("SV105", "filename-length", Error, PySigma, ["filename_length"],
"The rule file name (without `.yml`) is shorter or longer than allowed.",
params: [
    Param { name: "min_size", kind: ParamKind::Int, default: "10", doc: "shortest allowed name" },
    Param { name: "max_size", kind: ParamKind::Int, default: "90", doc: "longest allowed name" },
]);

impl Check for V {
    fn check_file(&self, f: &FileCx<'_>, out: &mut Findings<'_>) {
        if f.parsed.is_empty() {
            return;
        }
        let name = f.file_name();
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        let n = stem.chars().count() as i64;
        let (min, max) = (out.int("min_size"), out.int("max_size"));
        if n < min || n > max {
            out.report(
                f.path,
                crate::diag::Pos::new(1, 1),
                format!("file name `{stem}` has {n} characters; use {min} to {max}"),
            );
        }
    }
}
