//! SV705: comments start with `# ` (yamllint `comments: {require-starting-space: true}`).

use super::{
    FileCx, Findings, Check,
    util::{self, LineKind},
};

validator!(
    "SV705",
    "comment-spacing",
    Warning,
    SigmaHqCi,
    [],
    "A comment does not have a space after `#`."
);

impl Check for V {
    fn check_file(&self, f: &FileCx<'_>, out: &mut Findings<'_>) {
        let Some(text) = &f.text else { return };
        let kinds = util::classify_lines(text);
        for (n, (line, (kind, _))) in text.lines().zip(kinds).enumerate() {
            if !matches!(kind, LineKind::Comment | LineKind::Content) {
                continue;
            }
            if n == 0 && line.starts_with("#!") {
                continue;
            }
            let Some(i) = util::comment_start(line) else {
                continue;
            };
            let rest = line[i..].trim_start_matches('#');
            if !rest.is_empty() && !rest.starts_with(' ') {
                out.report(
                    f.path,
                    crate::diag::Pos::new(n as u32 + 1, line[..i].chars().count() as u32 + 1),
                    "put a space after `#`",
                );
            }
        }
    }
}
