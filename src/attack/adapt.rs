//! Builds [`CoverageRule`]s from a scan, the one place where coverage meets the rule model.
//!
//! Coverage only needs a rule's path, title, id, level, status, tags and logsource product. Keeping that conversion in
//! one function lets the CLI, the tests and the benchmark share it, and the rest of `attack` stays
//! independent of the parser.

use super::tags::{CoverageRule, TagRef};
use crate::rule::{Document, Rule, SourceDoc};
use crate::scan::Scan;

/// Converts one parsed detection rule (validators use this to check a single rule's tags).
///
/// When `relative_to` is given and the path starts with it, that prefix (and the following `/`) is
/// removed, so paths are repository-relative for links and folder filters.
pub fn coverage_rule(src: &SourceDoc, rule: &Rule, relative_to: Option<&str>) -> CoverageRule {
    let m = &rule.meta;
    let path = match relative_to.map(|p| p.trim_end_matches('/')) {
        Some(p) if !p.is_empty() => src
            .path
            .strip_prefix(p)
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(&src.path)
            .to_string(),
        _ => src.path.clone(),
    };
    CoverageRule {
        path,
        title: m
            .title
            .as_ref()
            .map(|t| t.value.clone())
            .or_else(|| src.title.clone())
            .unwrap_or_default(),
        id: m.id.as_ref().map(|t| t.value.clone()),
        level: m.level.as_ref().map(|t| t.value),
        status: m.status.as_ref().map(|t| t.value),
        tags: m
            .tags
            .iter()
            .map(|t| TagRef::new(t.value.clone(), t.pos.line, t.pos.col))
            .collect(),
        product: rule.logsource.product.as_ref().map(|p| p.value.clone()),
    }
}

/// Converts every parsed detection rule of `scan` into a [`CoverageRule`] (see [`coverage_rule`]).
///
/// Correlations and filters are skipped: their coverage comes from the rules they reference.
/// Rejected documents are skipped too (their parse errors are in the scan's diagnostics).
pub fn coverage_rules(scan: &Scan, relative_to: Option<&str>) -> Vec<CoverageRule> {
    scan.parsed()
        .filter_map(|(src, doc)| match doc {
            Document::Rule(rule) => Some(coverage_rule(src, rule, relative_to)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_keep_tag_positions_and_relative_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("rules");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(
            sub.join("r.yml"),
            "title: Test rule\nid: 5a1c0e2b-0000-4000-8000-000000000001\nstatus: test\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel\nlevel: high\ntags:\n  - attack.execution\n  - attack.t1059.001\n",
        )
        .expect("write");
        let scan = crate::scan::scan(std::slice::from_ref(&sub)).expect("scan");
        let root = crate::discover::display_path(dir.path());
        let rules = coverage_rules(&scan, Some(&root));
        assert_eq!(rules.len(), 1, "{:?}", scan.diagnostics);
        let r = &rules[0];
        assert_eq!(r.path, "rules/r.yml");
        assert_eq!(r.title, "Test rule");
        assert_eq!(r.level, Some(crate::rule::Level::High));
        assert_eq!(r.tags[1], TagRef::new("attack.t1059.001", 14, 5));
        assert_eq!(r.product.as_deref(), Some("windows"));
    }
}
