//! SV106: a `related` entry documents lineage; an id that exists nowhere is a typo or a lost rule.

use super::{
    Findings, RepoCx, Check,
    registry::{Param, ParamKind},
};
use std::collections::HashSet;

validator!("SV106", "related-unknown", Warning, Sigmaforge, [],
"A `related` id matches no scanned rule.",
params: [
    Param { name: "also_scan", kind: ParamKind::List, default: "deprecated,unsupported",
        doc: "extra folders (relative to the working directory) whose ids count as known" },
    Param { name: "ignore_types", kind: ParamKind::List, default: "obsolete,merged,renamed",
        doc: "relation types whose target may have been deleted on purpose" },
]);

impl Check for V {
    fn check_repo(&self, repo: &RepoCx<'_>, out: &mut Findings<'_>) {
        let mut known: HashSet<String> =
            repo.scan.docs.iter().filter_map(|d| d.id.clone()).collect();
        known.extend(
            super::duplicate_id::extra_ids(repo, &out.list("also_scan"))
                .into_iter()
                .map(|(id, _, _)| id),
        );
        let ignore = out.list("ignore_types");
        for d in repo.docs() {
            for r in &d.meta().related {
                if !known.contains(&r.id.value) && !ignore.contains(&r.kind.value) {
                    out.report(
                        &d.src.path,
                        r.id.pos,
                        format!(
                            "related id `{}` ({}) matches no scanned rule",
                            r.id.value, r.kind.value
                        ),
                    );
                }
            }
        }
    }
}
