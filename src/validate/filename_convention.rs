//! SV511: SigmaHQ file names are lower-case snake case ending in `.yml`, which keeps paths portable
//! and greppable. (pySigma's regex is anchored at the start only; we match the whole name.)

use super::{FileCx, Findings, Check};

validator!(
    "SV511",
    "filename-convention",
    Warning,
    SigmaHq,
    ["sigmahq_filename_convention"],
    "The file name is not `[a-z0-9_]{10,90}.yml` with at least one `_`."
);

impl Check for V {
    fn check_file(&self, f: &FileCx<'_>, out: &mut Findings<'_>) {
        if f.parsed.is_empty() {
            return;
        }
        let name = f.file_name();
        let ok = name.strip_suffix(".yml").is_some_and(|stem| {
            (10..=90).contains(&stem.len())
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && stem.contains('_')
        });
        if !ok {
            out.report(
                f.path,
                crate::diag::Pos::new(1, 1),
                format!(
                    "file name `{name}` is not lower-case snake case `.yml` of 10-90 characters"
                ),
            );
        }
    }
}
