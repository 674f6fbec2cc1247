//! SV103: titles are what analysts see in alerts; two rules with one title cannot be told apart.

use super::{Findings, RepoCx, Check};
use std::collections::BTreeMap;

validator!(
    "SV103",
    "duplicate-title",
    Error,
    PySigma,
    ["duplicate_title"],
    "Two documents share the same `title`."
);

impl Check for V {
    fn check_repo(&self, repo: &RepoCx<'_>, out: &mut Findings<'_>) {
        let mut by: BTreeMap<&str, Vec<(&str, crate::diag::Pos)>> = BTreeMap::new();
        for f in &repo.files {
            for (src, doc) in &f.parsed {
                if let Some(t) = &doc.meta().title {
                    by.entry(t.value.as_str())
                        .or_default()
                        .push((src.path.as_str(), t.pos));
                }
            }
        }
        for (title, uses) in by.into_iter().filter(|(_, u)| u.len() > 1) {
            for (i, (path, pos)) in uses.iter().enumerate() {
                let others = super::util::others(&uses, i, |(p, q)| format!("{p}:{}", q.line));
                out.report(path, *pos, format!("title `{title}` is also used by {others}"));
            }
        }
    }
}
