//! SV708: SigmaHQ avoids the registered trademark strings `ATT&CK` / `MITRE ATT&CK` in rule text.

use super::{FileCx, Findings, Check};

validator!(
    "SV708",
    "trademark",
    Warning,
    SigmaHqCi,
    [],
    "The file contains the trademark string `ATT&CK`."
);

impl Check for V {
    fn check_file(&self, f: &FileCx<'_>, out: &mut Findings<'_>) {
        let Some(text) = &f.text else { return };
        for (n, line) in text.lines().enumerate() {
            if let Some(i) = line.find("ATT&CK") {
                out.report(
                    f.path,
                    crate::diag::Pos::new(n as u32 + 1, line[..i].chars().count() as u32 + 1),
                    "avoid the trademark `ATT&CK`; write `attack` tags or `MITRE ATTACK`",
                );
            }
        }
    }
}
