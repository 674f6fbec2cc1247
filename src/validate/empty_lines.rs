//! SV706: long runs of blank lines (SigmaHQ's yamllint `empty-lines`: at most 2, also at the start and
//! end of a file).

use super::{FileCx, Findings, Check};

validator!(
    "SV706",
    "empty-lines",
    Warning,
    SigmaHqCi,
    [],
    "More than 2 consecutive blank lines."
);

impl Check for V {
    fn check_file(&self, f: &FileCx<'_>, out: &mut Findings<'_>) {
        let Some(text) = &f.text else { return };
        let lines: Vec<&str> = text.lines().collect();
        let mut run = 0;
        for (n, l) in lines.iter().enumerate() {
            if l.trim().is_empty() {
                run += 1;
                if run == 3 {
                    out.report(
                        f.path,
                        crate::diag::Pos::new(n as u32 + 1, 1),
                        "more than 2 consecutive blank lines",
                    );
                }
            } else {
                run = 0;
            }
        }
    }
}
