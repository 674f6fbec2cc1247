//! Coverage change between two rule sets (a pull request's base and head).
//!
//! Reviewers want to know what a change does to detection coverage, not just which files changed:
//! techniques gained or lost, tactic percentages, retagged or renamed rules, and validation findings
//! introduced or fixed, in a comment short enough for GitHub (65,536 characters at most).

use super::coverage::{Coverage, CoverageError, RuleFilter, compute};
use super::data::{AttackData, Domain, Matrix};
use super::layer::{
    Layer, LayerOptions, LegendItem, MetadataItem, ScoreMode, TechniqueEntry, base_layer,
    cell_rules,
};
use super::stats::{display_name, md_cell, stats_from_coverage};
use super::tags::CoverageRule;
use crate::rule::{Level, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Identifies a validation finding across two commits: `(rule path or id, code, message)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FindingKey {
    /// Rule id when known, else its path (so moving a file does not "fix" its findings).
    pub rule: String,
    /// Diagnostic code.
    pub code: String,
    /// Diagnostic message.
    pub message: String,
}

/// Options for [`diff`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffOptions {
    /// Matrix to compare on.
    pub domain: Domain,
    /// Which rules count (applied to both sides).
    pub filter: RuleFilter,
    /// Score function for score changes.
    pub score: ScoreMode,
    /// Rows per Markdown table before "… and N more".
    pub max_rows: usize,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            domain: Domain::Enterprise,
            filter: RuleFilter::default(),
            score: ScoreMode::Count,
            max_rows: 20,
        }
    }
}

/// A technique whose coverage changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TechniqueChange {
    /// Technique or sub-technique ID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Rules covering it in the base.
    pub base_rules: usize,
    /// Rules covering it in the head.
    pub head_rules: usize,
    /// Score in the base (score function of the options).
    pub base_score: u32,
    /// Score in the head.
    pub head_score: u32,
}

/// Per-tactic coverage before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TacticChange {
    /// Tactic shortname.
    pub shortname: String,
    /// Display name.
    pub name: String,
    /// Parent techniques in the column.
    pub total: usize,
    /// Covered in the base.
    pub base_covered: usize,
    /// Covered in the head.
    pub head_covered: usize,
    /// Base percent.
    pub base_percent: f64,
    /// Head percent.
    pub head_percent: f64,
}

/// A rule present on one side only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    /// id, else path.
    pub key: String,
    /// File path.
    pub path: String,
    /// Title.
    pub title: String,
}

/// A rule present on both sides with coverage-relevant differences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    /// id, else path.
    pub key: String,
    /// Path in the head.
    pub path: String,
    /// Path in the base when the file was moved or renamed.
    pub renamed_from: Option<String>,
    /// Title in the head.
    pub title: String,
    /// Tags only in the head.
    pub tags_added: Vec<String>,
    /// Tags only in the base.
    pub tags_removed: Vec<String>,
    /// Other changed fields as `field: old → new` (title, level, status).
    pub fields: Vec<String>,
}

/// Everything that changed between two rule sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageDiff {
    /// ATT&CK release of the data.
    pub attack_version: String,
    /// Matrix.
    pub domain: Domain,
    /// Rules counted in the base (after filters).
    pub base_rules: usize,
    /// Rules counted in the head.
    pub head_rules: usize,
    /// Active parent techniques.
    pub techniques_total: usize,
    /// Parents covered in the base (directly or via a sub-technique).
    pub base_techniques_covered: usize,
    /// Parents covered in the head.
    pub head_techniques_covered: usize,
    /// Active sub-techniques.
    pub subtechniques_total: usize,
    /// Sub-techniques covered in the base.
    pub base_subtechniques_covered: usize,
    /// Sub-techniques covered in the head.
    pub head_subtechniques_covered: usize,
    /// Techniques and sub-techniques covered only in the head.
    pub gained: Vec<TechniqueChange>,
    /// Techniques and sub-techniques covered only in the base.
    pub lost: Vec<TechniqueChange>,
    /// Covered on both sides with a different score.
    pub changed: Vec<TechniqueChange>,
    /// Tactics whose coverage changed, in matrix order.
    pub tactics: Vec<TacticChange>,
    /// Rules only in the head.
    pub rules_added: Vec<RuleRef>,
    /// Rules only in the base.
    pub rules_removed: Vec<RuleRef>,
    /// Rules on both sides that were renamed, retagged or re-levelled.
    pub rules_modified: Vec<RuleChange>,
    /// Findings in the head but not the base.
    pub findings_introduced: Vec<FindingKey>,
    /// Findings in the base but not the head.
    pub findings_fixed: Vec<FindingKey>,
    #[serde(skip)]
    cells: Vec<CellChange>,
}

#[derive(Debug, Clone, PartialEq)]
struct CellChange {
    technique: String,
    tactic: String,
    base: Option<(usize, u32)>,
    head: Option<(usize, u32)>,
}

fn technique_scores(cov: &Coverage<'_>, mode: ScoreMode) -> BTreeMap<String, (usize, u32)> {
    cov.techniques
        .iter()
        .map(|(id, idx)| {
            let v: Vec<usize> = idx.iter().copied().collect();
            let rules = cell_rules(cov, &v);
            (id.clone(), (rules.len(), mode.score(&rules)))
        })
        .collect()
}

fn cell_scores(cov: &Coverage<'_>, mode: ScoreMode) -> BTreeMap<(String, String), (usize, u32)> {
    cov.cells
        .iter()
        .map(|(k, idx)| {
            let rules = cell_rules(cov, idx);
            (k.clone(), (rules.len(), mode.score(&rules)))
        })
        .collect()
}

/// Assigns each rule a unique key: its id, else its path; repeated keys get `@path` appended.
fn keyed<'a>(rules: &[&'a CoverageRule]) -> BTreeMap<String, &'a CoverageRule> {
    let mut out = BTreeMap::new();
    for r in rules {
        let k = r.key().to_string();
        if out.contains_key(&k) {
            out.insert(format!("{k}@{}", r.path), *r);
        } else {
            out.insert(k, *r);
        }
    }
    out
}

fn tag_set(r: &CoverageRule) -> BTreeSet<String> {
    r.tags.iter().map(|t| t.text.trim().to_string()).collect()
}

fn rule_change(key: &str, base: &CoverageRule, head: &CoverageRule) -> Option<RuleChange> {
    let bt = tag_set(base);
    let ht = tag_set(head);
    let mut fields = Vec::new();
    for (name, b, h) in [
        (
            "title",
            Some(base.title.as_str()),
            Some(head.title.as_str()),
        ),
        (
            "level",
            base.level.map(Level::name),
            head.level.map(Level::name),
        ),
        (
            "status",
            base.status.map(Status::name),
            head.status.map(Status::name),
        ),
    ] {
        if b != h {
            fields.push(format!(
                "{name}: {} → {}",
                b.unwrap_or("(none)"),
                h.unwrap_or("(none)")
            ));
        }
    }
    let change = RuleChange {
        key: key.to_string(),
        path: head.path.clone(),
        renamed_from: (base.path != head.path).then(|| base.path.clone()),
        title: head.title.clone(),
        tags_added: ht.difference(&bt).cloned().collect(),
        tags_removed: bt.difference(&ht).cloned().collect(),
        fields,
    };
    let unchanged = change.renamed_from.is_none()
        && change.tags_added.is_empty()
        && change.tags_removed.is_empty()
        && change.fields.is_empty();
    (!unchanged).then_some(change)
}

fn rule_ref(key: &str, r: &CoverageRule) -> RuleRef {
    RuleRef {
        key: key.to_string(),
        path: r.path.clone(),
        title: r.title.clone(),
    }
}

/// Compares the coverage of `base` and `head` rules and the two sets of validation findings.
///
/// Rules are matched by id, else by path; a rule whose id stayed but whose path changed is reported
/// as renamed, and a rule that gained or lost its id is matched by path.
pub fn diff(
    base: &[CoverageRule],
    head: &[CoverageRule],
    base_findings: &[FindingKey],
    head_findings: &[FindingKey],
    options: &DiffOptions,
    data: &AttackData,
) -> Result<CoverageDiff, CoverageError> {
    let bc = compute(base, &options.filter, options.domain, data)?;
    let hc = compute(head, &options.filter, options.domain, data)?;
    let m = hc.matrix;
    let bs = stats_from_coverage(&bc, 0);
    let hs = stats_from_coverage(&hc, 0);

    let bt = technique_scores(&bc, options.score);
    let ht = technique_scores(&hc, options.score);
    let ids: BTreeSet<&String> = bt.keys().chain(ht.keys()).collect();
    let (mut gained, mut lost, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for id in ids {
        let b = bt.get(id).copied();
        let h = ht.get(id).copied();
        let ch = TechniqueChange {
            id: id.clone(),
            name: display_name(m, id),
            base_rules: b.map_or(0, |x| x.0),
            head_rules: h.map_or(0, |x| x.0),
            base_score: b.map_or(0, |x| x.1),
            head_score: h.map_or(0, |x| x.1),
        };
        match (b, h) {
            (None, Some(_)) => gained.push(ch),
            (Some(_), None) => lost.push(ch),
            (Some(x), Some(y)) if x != y => changed.push(ch),
            _ => {}
        }
    }

    let tactics = bs
        .tactics
        .iter()
        .zip(&hs.tactics)
        .filter(|(b, h)| b.techniques_covered != h.techniques_covered)
        .map(|(b, h)| TacticChange {
            shortname: h.shortname.clone(),
            name: h.name.clone(),
            total: h.techniques_total,
            base_covered: b.techniques_covered,
            head_covered: h.techniques_covered,
            base_percent: b.percent,
            head_percent: h.percent,
        })
        .collect();

    // rules: by key, then unmatched ones by path
    let bk = keyed(&bc.rules);
    let hk = keyed(&hc.rules);
    let mut added: BTreeMap<&str, &CoverageRule> = BTreeMap::new();
    let mut removed: BTreeMap<&str, &CoverageRule> = BTreeMap::new();
    let mut modified = Vec::new();
    for (k, h) in &hk {
        match bk.get(k) {
            Some(b) => modified.extend(rule_change(k, b, h)),
            None => {
                added.insert(k.as_str(), h);
            }
        }
    }
    for (k, b) in &bk {
        if !hk.contains_key(k) {
            removed.insert(k.as_str(), b);
        }
    }
    let by_path: BTreeMap<&str, (&str, &CoverageRule)> = removed
        .iter()
        .map(|(k, r)| (r.path.as_str(), (*k, *r)))
        .collect();
    let mut matched_removed = BTreeSet::new();
    added.retain(|k, h| match by_path.get(h.path.as_str()) {
        Some((bk, b)) if !matched_removed.contains(bk) => {
            matched_removed.insert(*bk);
            modified.extend(rule_change(k, b, h));
            false
        }
        _ => true,
    });
    removed.retain(|k, _| !matched_removed.contains(k));
    modified.sort_by(|a, b| (&a.path, &a.key).cmp(&(&b.path, &b.key)));
    let mut rules_added: Vec<RuleRef> = added.iter().map(|(k, r)| rule_ref(k, r)).collect();
    rules_added.sort_by(|a, b| (&a.path, &a.key).cmp(&(&b.path, &b.key)));
    let mut rules_removed: Vec<RuleRef> = removed.iter().map(|(k, r)| rule_ref(k, r)).collect();
    rules_removed.sort_by(|a, b| (&a.path, &a.key).cmp(&(&b.path, &b.key)));

    let bf: BTreeSet<&FindingKey> = base_findings.iter().collect();
    let hf: BTreeSet<&FindingKey> = head_findings.iter().collect();

    let bcell = cell_scores(&bc, options.score);
    let hcell = cell_scores(&hc, options.score);
    let keys: BTreeSet<&(String, String)> = bcell.keys().chain(hcell.keys()).collect();
    let mut cells: Vec<CellChange> = keys
        .into_iter()
        .map(|k| CellChange {
            technique: k.0.clone(),
            tactic: k.1.clone(),
            base: bcell.get(k).copied(),
            head: hcell.get(k).copied(),
        })
        .collect();
    cells.sort_by(|a, b| {
        (&a.technique, m.tactic_rank(&a.tactic)).cmp(&(&b.technique, m.tactic_rank(&b.tactic)))
    });

    Ok(CoverageDiff {
        attack_version: m.version.clone(),
        domain: m.domain,
        base_rules: bc.rules.len(),
        head_rules: hc.rules.len(),
        techniques_total: hs.techniques_total,
        base_techniques_covered: bs.techniques_covered,
        head_techniques_covered: hs.techniques_covered,
        subtechniques_total: hs.subtechniques_total,
        base_subtechniques_covered: bs.subtechniques_covered,
        head_subtechniques_covered: hs.subtechniques_covered,
        gained,
        lost,
        changed,
        tactics,
        rules_added,
        rules_removed,
        rules_modified: modified,
        findings_introduced: hf.difference(&bf).map(|f| (*f).clone()).collect(),
        findings_fixed: bf.difference(&hf).map(|f| (*f).clone()).collect(),
        cells,
    })
}

/// Colours of the diff layer.
pub const GAINED_COLOR: &str = "#2ca25f";
/// Lost coverage.
pub const LOST_COLOR: &str = "#de2d26";
/// Score changed.
pub const CHANGED_COLOR: &str = "#fdae61";
/// Unchanged coverage, drawn for context.
pub const UNCHANGED_COLOR: &str = "#d9d9d9";

/// GitHub rejects comments over 65,536 characters; stay well below with room for other sections.
pub const COMMENT_LIMIT: usize = 60_000;

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else if n < 0 {
        format!("−{}", -n)
    } else {
        "±0".to_string()
    }
}

fn capped<T>(
    out: &mut String,
    title: &str,
    header: &str,
    items: &[T],
    max: usize,
    row: impl Fn(&T) -> String,
) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("\n#### {title} ({})\n\n{header}\n", items.len()));
    for it in items.iter().take(max) {
        out.push_str(&row(it));
        out.push('\n');
    }
    if items.len() > max {
        out.push_str(&format!("\n… and {} more\n", items.len() - max));
    }
}

impl CoverageDiff {
    /// Whether nothing coverage-related changed (no techniques, rules or findings).
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty()
            && self.lost.is_empty()
            && self.changed.is_empty()
            && self.rules_added.is_empty()
            && self.rules_removed.is_empty()
            && self.rules_modified.is_empty()
            && self.findings_introduced.is_empty()
            && self.findings_fixed.is_empty()
    }

    /// Markdown PR comment body: headline numbers first, then capped tables; always shorter than
    /// [`COMMENT_LIMIT`] (tables shrink until it fits).
    pub fn to_markdown(&self, max_rows: usize) -> String {
        let mut rows = max_rows.max(1);
        loop {
            let s = self.render_markdown(rows);
            if s.chars().count() < COMMENT_LIMIT {
                return s;
            }
            if rows == 1 {
                // one row per table cannot exceed the limit unless a single cell is huge
                let cut: String = s.chars().take(COMMENT_LIMIT - 40).collect();
                return format!("{cut}\n\n… (truncated)\n");
            }
            rows /= 2;
        }
    }

    fn render_markdown(&self, max: usize) -> String {
        let mut s = format!(
            "### ATT&CK coverage change ({} {})\n\n",
            self.domain, self.attack_version
        );
        let tech_word = |n: usize| if n == 1 { "technique" } else { "techniques" };
        s.push_str(&format!(
            "**+{} {}, −{} {}, {} score {}** · rules: +{} added, −{} removed, {} modified · findings: {} introduced, {} fixed\n\n",
            self.gained.len(),
            tech_word(self.gained.len()),
            self.lost.len(),
            tech_word(self.lost.len()),
            self.changed.len(),
            if self.changed.len() == 1 { "change" } else { "changes" },
            self.rules_added.len(),
            self.rules_removed.len(),
            self.rules_modified.len(),
            self.findings_introduced.len(),
            self.findings_fixed.len()
        ));
        s.push_str(&format!(
            "Techniques covered: {}/{} ({:.1}%) → {}/{} ({:.1}%) ({}); sub-techniques {} → {} ({}); rules {} → {}\n",
            self.base_techniques_covered,
            self.techniques_total,
            pct(self.base_techniques_covered, self.techniques_total),
            self.head_techniques_covered,
            self.techniques_total,
            pct(self.head_techniques_covered, self.techniques_total),
            signed(self.head_techniques_covered as i64 - self.base_techniques_covered as i64),
            self.base_subtechniques_covered,
            self.head_subtechniques_covered,
            signed(self.head_subtechniques_covered as i64 - self.base_subtechniques_covered as i64),
            self.base_rules,
            self.head_rules
        ));
        if self.is_empty() {
            s.push_str("\nNo change in ATT&CK coverage, rules or findings.\n");
        }
        if !self.tactics.is_empty() {
            let items: Vec<String> = self
                .tactics
                .iter()
                .map(|t| {
                    format!(
                        "{} {}→{}/{} ({:.0}%→{:.0}%)",
                        t.name,
                        t.base_covered,
                        t.head_covered,
                        t.total,
                        t.base_percent,
                        t.head_percent
                    )
                })
                .collect();
            s.push_str(&format!("\nTactics: {}\n", items.join(", ")));
        }
        let tech_row = |t: &TechniqueChange| {
            format!(
                "| {} | {} | {} | {} | {} |",
                t.id,
                md_cell(&t.name),
                t.base_rules,
                t.head_rules,
                signed(i64::from(t.head_score) - i64::from(t.base_score))
            )
        };
        let header =
            "| technique | name | base rules | head rules | score Δ |\n|---|---|---:|---:|---:|";
        capped(
            &mut s,
            "Techniques gained",
            header,
            &self.gained,
            max,
            tech_row,
        );
        capped(&mut s, "Techniques lost", header, &self.lost, max, tech_row);
        capped(
            &mut s,
            "Score changes",
            header,
            &self.changed,
            max,
            tech_row,
        );
        capped(
            &mut s,
            "Rules added",
            "| rule | path |\n|---|---|",
            &self.rules_added,
            max,
            |r| format!("| {} | `{}` |", md_cell(&r.title), md_cell(&r.path)),
        );
        capped(
            &mut s,
            "Rules removed",
            "| rule | path |\n|---|---|",
            &self.rules_removed,
            max,
            |r| format!("| {} | `{}` |", md_cell(&r.title), md_cell(&r.path)),
        );
        capped(
            &mut s,
            "Rules modified",
            "| rule | path | change |\n|---|---|---|",
            &self.rules_modified,
            max,
            |r| {
                let mut what = Vec::new();
                if let Some(old) = &r.renamed_from {
                    what.push(format!("renamed from `{}`", md_cell(old)));
                }
                if !r.tags_added.is_empty() {
                    what.push(format!("tags +{}", r.tags_added.join(" +")));
                }
                if !r.tags_removed.is_empty() {
                    what.push(format!("tags −{}", r.tags_removed.join(" −")));
                }
                what.extend(r.fields.iter().cloned());
                format!(
                    "| {} | `{}` | {} |",
                    md_cell(&r.title),
                    md_cell(&r.path),
                    md_cell(&what.join("; "))
                )
            },
        );
        let finding_row = |f: &FindingKey| {
            format!(
                "| `{}` | `{}` | {} |",
                md_cell(&f.rule),
                md_cell(&f.code),
                md_cell(&f.message)
            )
        };
        let fh = "| rule | code | message |\n|---|---|---|";
        capped(
            &mut s,
            "Findings introduced",
            fh,
            &self.findings_introduced,
            max,
            finding_row,
        );
        capped(
            &mut s,
            "Findings fixed",
            fh,
            &self.findings_fixed,
            max,
            finding_row,
        );
        s
    }

    /// Navigator layer of the change: gained cells green, lost red, score changes amber, unchanged
    /// coverage grey, with a legend; the score is the head score (absent for lost cells).
    pub fn layer(&self, options: &LayerOptions, data: &AttackData) -> Result<Layer, CoverageError> {
        let m: &Matrix = data.matrix(self.domain)?;
        let entries = self
            .cells
            .iter()
            .map(|c| {
                let (color, what) = match (c.base, c.head) {
                    (None, Some(_)) => (GAINED_COLOR, "gained"),
                    (Some(_), None) => (LOST_COLOR, "lost"),
                    (Some(b), Some(h)) if b != h => (CHANGED_COLOR, "changed"),
                    _ => (UNCHANGED_COLOR, "unchanged"),
                };
                let n = |x: Option<(usize, u32)>| x.map_or(0, |v| v.0);
                TechniqueEntry {
                    technique_id: c.technique.clone(),
                    tactic: c.tactic.clone(),
                    score: c.head.map(|h| h.1),
                    color: Some(color.to_string()),
                    comment: format!("{what}: {} → {} rules", n(c.base), n(c.head)),
                    metadata: Vec::new(),
                    links: Vec::new(),
                    show_subtechniques: false,
                }
            })
            .collect::<Vec<_>>();
        let mut entries = entries;
        let parents: BTreeSet<(String, String)> = entries
            .iter()
            .filter_map(|e| {
                e.technique_id
                    .split_once('.')
                    .map(|(p, _)| (p.to_string(), e.tactic.clone()))
            })
            .collect();
        for e in &mut entries {
            if parents.contains(&(e.technique_id.clone(), e.tactic.clone())) {
                e.show_subtechniques = true;
            }
        }
        for (p, x) in &parents {
            if !entries
                .iter()
                .any(|e| &e.technique_id == p && &e.tactic == x)
            {
                entries.push(TechniqueEntry {
                    technique_id: p.clone(),
                    tactic: x.clone(),
                    score: None,
                    color: None,
                    comment: "sub-techniques changed".to_string(),
                    metadata: Vec::new(),
                    links: Vec::new(),
                    show_subtechniques: true,
                });
            }
        }
        entries.sort_by(|a, b| {
            (&a.technique_id, m.tactic_rank(&a.tactic))
                .cmp(&(&b.technique_id, m.tactic_rank(&b.tactic)))
        });
        let max = self
            .cells
            .iter()
            .filter_map(|c| c.head.map(|h| h.1))
            .max()
            .unwrap_or(1)
            .max(1);
        let legend = [
            ("coverage gained", GAINED_COLOR),
            ("coverage lost", LOST_COLOR),
            ("score changed", CHANGED_COLOR),
            ("unchanged", UNCHANGED_COLOR),
        ]
        .iter()
        .map(|(l, c)| LegendItem {
            label: l.to_string(),
            color: c.to_string(),
        })
        .collect();
        let description = options.description.clone().unwrap_or_else(|| {
            format!(
                "coverage change: +{} / −{} techniques, {} score changes; ATT&CK {} data",
                self.gained.len(),
                self.lost.len(),
                self.changed.len(),
                self.attack_version
            )
        });
        let metadata = vec![
            MetadataItem::Row {
                name: "generator".into(),
                value: format!("sigmaforge {}", env!("CARGO_PKG_VERSION")),
            },
            MetadataItem::Row {
                name: "ATT&CK data".into(),
                value: format!("{} {}", m.domain, m.version),
            },
            MetadataItem::Row {
                name: "rules".into(),
                value: format!("{} → {}", self.base_rules, self.head_rules),
            },
        ];
        let mut layer = base_layer(&options.name, description, m, &options.navigator_version);
        layer.techniques = entries;
        layer.gradient.max_value = max;
        layer.legend_items = legend;
        layer.metadata = metadata;
        Ok(layer)
    }
}
