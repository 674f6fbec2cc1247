//! SV306: two rules with identical logic fire twice on every event (SigmaHQ CI, test_rules.py).

use super::{Findings, RepoCx, Check, util};
use std::collections::BTreeMap;

validator!(
    "SV306",
    "duplicate-detection",
    Error,
    SigmaHqCi,
    [],
    "Two single-document rules have the same logsource and detection logic."
);

impl Check for V {
    fn check_repo(&self, repo: &RepoCx<'_>, out: &mut Findings<'_>) {
        let mut by: BTreeMap<String, Vec<(&str, crate::diag::Pos)>> = BTreeMap::new();
        for f in repo.files.iter().filter(|f| f.is_single_document()) {
            for d in f.docs() {
                let (Some(r), Some(raw)) = (d.rule(), d.raw_detection()) else {
                    continue;
                };
                let (p, c, s) = util::logsource_of(r);
                let key = format!("{p:?}|{c:?}|{s:?}|{}", util::canonical(raw));
                by.entry(key).or_default().push((f.path, r.detection.pos));
            }
        }
        for uses in by.values().filter(|u| u.len() > 1) {
            for (i, (path, pos)) in uses.iter().enumerate() {
                let others = util::others(uses, i, |(p, _)| p.to_string());
                out.report(
                    path,
                    *pos,
                    format!("same logsource and detection as {others}"),
                );
            }
        }
    }
}
