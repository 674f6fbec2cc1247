//! SV704: SigmaHQ forbids a leading `---` (yamllint `document-start: {present: false}`); separators
//! between documents of a multi-document rule stay allowed.

use super::{FileCx, Findings, Check};

validator!(
    "SV704",
    "document-start-marker",
    Warning,
    SigmaHqCi,
    [],
    "The file starts with a `---` document marker."
);

impl Check for V {
    fn check_file(&self, f: &FileCx<'_>, out: &mut Findings<'_>) {
        let Some(text) = &f.text else { return };
        let first = text.lines().enumerate().find(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with('%')
        });
        if let Some((n, l)) = first
            && (l == "---" || l.starts_with("--- "))
        {
            out.report(
                f.path,
                crate::diag::Pos::new(n as u32 + 1, 1),
                "remove the leading `---`",
            );
        }
    }
}
