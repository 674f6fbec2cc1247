//! SV104: SigmaHQ references rules by file name in several tools; a name must be unique repository-wide.

use super::{Findings, RepoCx, Check};
use std::collections::BTreeMap;

validator!(
    "SV104",
    "duplicate-filename",
    Error,
    PySigma,
    ["duplicate_filename"],
    "Two rule files in different folders have the same file name."
);

impl Check for V {
    fn check_repo(&self, repo: &RepoCx<'_>, out: &mut Findings<'_>) {
        let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for f in repo.files.iter().filter(|f| !f.parsed.is_empty()) {
            by.entry(f.file_name()).or_default().push(f.path);
        }
        for (name, paths) in by.into_iter().filter(|(_, p)| p.len() > 1) {
            for (i, p) in paths.iter().enumerate() {
                let others = super::util::others(&paths, i, |o| o.to_string());
                out.report(
                    p,
                    crate::diag::Pos::new(1, 1),
                    format!("file name `{name}` is also used by {others}"),
                );
            }
        }
    }
}
