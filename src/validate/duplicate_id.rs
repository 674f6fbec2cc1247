//! SV102: ids must be unique across the repository, including folders that are not checked otherwise
//! (SigmaHQ's `duplicate-id-check` greps `deprecated/` and `unsupported/` too).

use super::{
    Findings, RepoCx, Check,
    registry::{Param, ParamKind},
};
use std::collections::BTreeMap;

validator!("SV102", "duplicate-id", Error, PySigma, ["identifier_uniqueness"],
    "Two documents share the same `id`.",
    params: [Param { name: "also_scan", kind: ParamKind::List, default: "deprecated,unsupported",
        doc: "extra folders (relative to the working directory) whose `id:` lines count too" }]);

/// Reads `id:` lines of YAML files under the folders, as SigmaHQ's grep-based check does.
pub(crate) fn extra_ids(repo: &RepoCx<'_>, folders: &[String]) -> Vec<(String, String, u32)> {
    let mut out = Vec::new();
    let scanned: std::collections::HashSet<&str> =
        repo.files.iter().map(|x| x.path).collect();
    for f in folders {
        let dir = repo.base_dir.join(f);
        let Ok(paths) = crate::discover::discover(&[dir]) else {
            continue;
        };
        for p in paths {
            let shown = crate::discover::display_path(&p);
            if scanned.contains(&*shown) {
                continue;
            }
            let Ok(text) = crate::fsread::read_text(&p, crate::scan::RULE_FILE) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                if let Some(id) = line.strip_prefix("id: ") {
                    out.push((
                        id.trim().trim_matches(['\'', '"']).to_string(),
                        shown.clone(),
                        i as u32 + 1,
                    ));
                }
            }
        }
    }
    out
}

impl Check for V {
    fn check_repo(&self, repo: &RepoCx<'_>, out: &mut Findings<'_>) {
        let mut by_id: BTreeMap<String, Vec<(String, crate::diag::Pos, bool)>> = BTreeMap::new();
        for d in repo.docs() {
            if let Some(id) = &d.meta().id {
                by_id
                    .entry(id.value.clone())
                    .or_default()
                    .push((d.src.path.clone(), id.pos, true));
            }
        }
        for (id, path, line) in extra_ids(repo, &out.list("also_scan")) {
            by_id
                .entry(id)
                .or_default()
                .push((path, crate::diag::Pos::new(line, 1), false));
        }
        for (id, uses) in by_id {
            if uses.len() < 2 {
                continue;
            }
            for (i, (path, pos, scanned)) in uses.iter().enumerate() {
                if !scanned {
                    continue;
                }
                let others =
                    super::util::others(&uses, i, |(p, q, _)| format!("{p}:{}", q.line));
                out.report(path, *pos, format!("id `{id}` is also used by {others}"));
            }
        }
    }
}
