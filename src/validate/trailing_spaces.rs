//! SV702: trailing whitespace makes noisy diffs (yamllint `trailing-spaces`).

use super::{FileCx, Findings, Check};

validator!(
    "SV702",
    "trailing-spaces",
    Warning,
    SigmaHqCi,
    [],
    "A line ends with spaces or tabs."
);

impl Check for V {
    fn check_file(&self, f: &FileCx<'_>, out: &mut Findings<'_>) {
        let Some(text) = &f.text else { return };
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_end_matches([' ', '\t']);
            if trimmed.len() != line.len() {
                out.report(
                    f.path,
                    crate::diag::Pos::new(n as u32 + 1, trimmed.chars().count() as u32 + 1),
                    "trailing whitespace",
                );
            }
        }
    }
}
