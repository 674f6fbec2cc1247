//! Which rules cover which (technique, tactic) cells of one matrix.
//!
//! The layer, the statistics, the diff and the SVG must agree on what counts as covered, so they all
//! start from this one computation instead of each re-reading tags.

use super::data::{AttackData, AttackDataError, Domain, Matrix};
use super::tags::{CoverageRule, RuleAttack, TagFinding, analyze_rules};
use crate::rule::{Level, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Errors of the coverage functions: bad data or an option that cannot be honoured.
#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    /// The ATT&CK data could not be loaded.
    #[error(transparent)]
    Data(#[from] AttackDataError),
    /// An option names something the data does not have (e.g. an unknown platform).
    #[error("{0}")]
    Option(String),
}

/// A level named in an option (`--min-level`, `layer.min-level`), case and spaces ignored.
fn option_level(s: &str) -> Option<Level> {
    Level::parse(&s.trim().to_ascii_lowercase())
}

/// A status named in an option (`--min-status`), case and spaces ignored.
fn option_status(s: &str) -> Option<Status> {
    Status::parse(&s.trim().to_ascii_lowercase())
}

/// The names of a closed set, for "expected one of" messages.
fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter().map(|x| name(*x)).collect::<Vec<_>>().join(", ")
}

/// Which rules count; the same filter applies to layers, statistics and diffs so numbers agree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleFilter {
    /// Keep only rules whose status is one of these (empty: every status).
    pub statuses: Vec<String>,
    /// Keep only rules at this level or above (rules without a level are dropped).
    pub min_level: Option<String>,
    /// Keep only rules at this status or more mature (rules without a status are dropped).
    pub min_status: Option<String>,
    /// Keep only rules under one of these folders (repository-relative; empty: everywhere).
    pub include_folders: Vec<String>,
    /// Drop rules under any of these folders.
    pub exclude_folders: Vec<String>,
}

fn under(path: &str, folder: &str) -> bool {
    let folder = folder.trim_matches('/');
    let path = path.trim_start_matches("./");
    folder.is_empty()
        || path == folder
        || path
            .strip_prefix(folder)
            .is_some_and(|rest| rest.starts_with('/'))
}

impl RuleFilter {
    /// Checks the options once, so a typo in `--min-level` is an error rather than an empty layer.
    pub fn validate(&self) -> Result<(), CoverageError> {
        if let Some(l) = &self.min_level
            && option_level(l).is_none()
        {
            return Err(CoverageError::Option(format!(
                "unknown level {l:?} (expected one of {})",
                names(&Level::ALL, Level::name)
            )));
        }
        if let Some(st) = &self.min_status
            && option_status(st).is_none()
        {
            return Err(CoverageError::Option(format!(
                "unknown status {st:?} (expected one of {})",
                names(&Status::ALL, Status::name)
            )));
        }
        Ok(())
    }

    /// Whether a rule passes the filter.
    pub fn keeps(&self, rule: &CoverageRule) -> bool {
        if !self.statuses.is_empty() {
            let status = rule.status.map_or("", Status::name);
            if !self.statuses.iter().any(|s| s.eq_ignore_ascii_case(status)) {
                return false;
            }
        }
        if let Some(min) = &self.min_status {
            match (option_status(min), rule.status) {
                (Some(m), Some(r)) if r >= m => {}
                _ => return false,
            }
        }
        if let Some(min) = &self.min_level {
            match (option_level(min), rule.level) {
                (Some(m), Some(r)) if r >= m => {}
                _ => return false,
            }
        }
        if !self.include_folders.is_empty()
            && !self.include_folders.iter().any(|f| under(&rule.path, f))
        {
            return false;
        }
        !self.exclude_folders.iter().any(|f| under(&rule.path, f))
    }

    /// Human-readable description for layer metadata and report headers (empty when no filter).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.statuses.is_empty() {
            parts.push(format!("status in {}", self.statuses.join("|")));
        }
        if let Some(l) = &self.min_level {
            parts.push(format!("level >= {l}"));
        }
        if let Some(st) = &self.min_status {
            parts.push(format!("status >= {st}"));
        }
        if !self.include_folders.is_empty() {
            parts.push(format!("under {}", self.include_folders.join("|")));
        }
        if !self.exclude_folders.is_empty() {
            parts.push(format!("not under {}", self.exclude_folders.join("|")));
        }
        parts.join("; ")
    }
}

/// A finding together with the rule it belongs to, for reports spanning many rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleTagFinding {
    /// Rule file path.
    pub path: String,
    /// Rule id when present.
    pub rule_id: Option<String>,
    /// The finding.
    #[serde(flatten)]
    pub finding: TagFinding,
}

/// Coverage of one matrix by a set of rules.
#[derive(Debug)]
pub struct Coverage<'a> {
    /// The matrix the cells refer to.
    pub matrix: &'a Matrix,
    /// Rules given, before filtering.
    pub rules_total: usize,
    /// Rules that passed the filter, sorted by path then title (indexes below point here).
    pub rules: Vec<&'a CoverageRule>,
    /// Tag analysis of each kept rule (same order as `rules`).
    pub analyses: Vec<RuleAttack>,
    /// (technique ID, tactic shortname) → indexes of the rules covering that cell.
    pub cells: BTreeMap<(String, String), Vec<usize>>,
    /// Technique ID → rules covering it in any tactic.
    pub techniques: BTreeMap<String, BTreeSet<usize>>,
    /// Technique hits that belong to another matrix than this one (reported, not drawn).
    pub other_domain_hits: usize,
}

impl<'a> Coverage<'a> {
    /// Kept rules that contribute at least one technique to this matrix.
    pub fn rules_with_techniques(&self) -> usize {
        self.analyses
            .iter()
            .filter(|a| a.techniques.iter().any(|h| h.domain == self.matrix.domain))
            .count()
    }

    /// Every finding of the kept rules, in rule order.
    pub fn findings(&self) -> Vec<RuleTagFinding> {
        self.rules
            .iter()
            .zip(&self.analyses)
            .flat_map(|(r, a)| {
                a.findings.iter().map(|f| RuleTagFinding {
                    path: r.path.clone(),
                    rule_id: r.id.clone(),
                    finding: f.clone(),
                })
            })
            .collect()
    }

    /// Number of tags that add nothing to coverage (unknown, deprecated, malformed).
    pub fn unmapped_tags(&self) -> usize {
        self.analyses
            .iter()
            .flat_map(|a| &a.findings)
            .filter(|f| f.kind.drops_coverage())
            .count()
    }

    /// Number of revoked tags whose coverage was moved to the replacement technique.
    pub fn remapped_tags(&self) -> usize {
        self.analyses
            .iter()
            .flat_map(|a| &a.techniques)
            .filter(|h| h.via_revoked.is_some())
            .count()
    }

    /// Cells sorted by technique ID, then tactic in matrix order (the layer's entry order).
    pub fn sorted_cells(&self) -> Vec<(&str, &str, &[usize])> {
        let mut v: Vec<(&str, &str, &[usize])> = self
            .cells
            .iter()
            .map(|((t, x), r)| (t.as_str(), x.as_str(), r.as_slice()))
            .collect();
        v.sort_by_key(|(t, x, _)| (*t, self.matrix.tactic_rank(x)));
        v
    }
}

/// The tactics a rule's technique is drawn under.
///
/// The technique's tactics from ATT&CK, narrowed to the ones the rule names when it names any of
/// them; when the rule names none of them (or no tactic at all) every tactic of the technique is used,
/// so a technique is never dropped for lack of a tactic tag.
pub fn tactics_for<'m>(
    matrix: &'m Matrix,
    technique: &str,
    named: &BTreeSet<String>,
) -> Vec<&'m str> {
    let Some(t) = matrix.technique(technique) else {
        return Vec::new();
    };
    let all: Vec<&str> = t.tactics.iter().map(String::as_str).collect();
    let chosen: Vec<&str> = all.iter().copied().filter(|x| named.contains(*x)).collect();
    if chosen.is_empty() { all } else { chosen }
}

/// Computes the coverage of `domain` by the rules that pass `filter`.
pub fn compute<'a>(
    rules: &'a [CoverageRule],
    filter: &RuleFilter,
    domain: Domain,
    data: &'a AttackData,
) -> Result<Coverage<'a>, CoverageError> {
    filter.validate()?;
    let matrix = data.matrix(domain)?;
    let mut kept: Vec<&CoverageRule> = rules.iter().filter(|r| filter.keeps(r)).collect();
    kept.sort_by(|a, b| (&a.path, &a.title, &a.id).cmp(&(&b.path, &b.title, &b.id)));
    let analyses = analyze_rules(kept.iter().copied(), data)?;
    let mut cells: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    let mut techniques: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut other = 0;
    for (i, a) in analyses.iter().enumerate() {
        for hit in &a.techniques {
            if hit.domain != domain {
                other += 1;
                continue;
            }
            for tactic in tactics_for(matrix, &hit.id, &a.tactics) {
                let v = cells
                    .entry((hit.id.clone(), tactic.to_string()))
                    .or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
            techniques.entry(hit.id.clone()).or_default().insert(i);
        }
    }
    Ok(Coverage {
        matrix,
        rules_total: rules.len(),
        rules: kept,
        analyses,
        cells,
        techniques,
        other_domain_hits: other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str, level: Option<&str>, status: Option<&str>) -> CoverageRule {
        CoverageRule {
            path: path.into(),
            title: "t".into(),
            id: None,
            level: level.map(|l| Level::parse(l).expect("level")),
            status: status.map(|s| Status::parse(s).expect("status")),
            tags: Vec::new(),
            product: None,
        }
    }

    #[test]
    fn filters_compose() {
        let f = RuleFilter {
            min_status: Some("test".into()),
            min_level: Some("medium".into()),
            include_folders: vec!["rules/".into()],
            exclude_folders: vec!["rules/windows/old".into()],
            ..RuleFilter::default()
        };
        assert!(f.validate().is_ok());
        assert!(f.keeps(&rule("rules/windows/a.yml", Some("high"), Some("stable"))));
        assert!(!f.keeps(&rule(
            "rules/windows/a.yml",
            Some("high"),
            Some("experimental")
        )));
        assert!(!f.keeps(&rule("rules/windows/a.yml", Some("low"), Some("test"))));
        assert!(!f.keeps(&rule("rules/windows/a.yml", None, Some("test"))));
        assert!(!f.keeps(&rule("rules/windows/old/a.yml", Some("high"), Some("test"))));
        assert!(!f.keeps(&rule("rules-dfir/a.yml", Some("high"), Some("test"))));
        assert!(!f.keeps(&rule("rulesx/a.yml", Some("high"), Some("test"))));
        assert_eq!(
            f.describe(),
            "level >= medium; status >= test; under rules/; not under rules/windows/old"
        );
        let bad = RuleFilter {
            min_status: Some("golden".into()),
            ..RuleFilter::default()
        };
        assert!(bad.validate().is_err());
        let statuses = RuleFilter {
            statuses: vec!["Stable".into()],
            ..RuleFilter::default()
        };
        assert!(statuses.keeps(&rule("a.yml", None, Some("stable"))));
        assert!(!statuses.keeps(&rule("a.yml", None, Some("test"))));
    }
}
