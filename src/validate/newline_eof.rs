//! SV703: a missing final newline makes the next line of a concatenation or diff merge into this one.

use super::{FileCx, Findings, Check};

validator!(
    "SV703",
    "newline-at-end-of-file",
    Warning,
    SigmaHqCi,
    [],
    "The file does not end with a newline (yamllint `new-line-at-end-of-file`)."
);

impl Check for V {
    fn check_file(&self, f: &FileCx<'_>, out: &mut Findings<'_>) {
        let Some(text) = &f.text else { return };
        if !text.is_empty() && !text.ends_with('\n') {
            let line = text.lines().count() as u32;
            let col = text.lines().last().map_or(0, |l| l.chars().count()) as u32 + 1;
            out.report(
                f.path,
                crate::diag::Pos::new(line, col),
                "no newline at end of file",
            );
        }
    }
}
