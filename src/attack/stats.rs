//! Coverage statistics: per tactic, per platform, most and least covered techniques.
//!
//! A layer needs a browser; CI summaries, PR comments and dashboards need numbers. These are
//! computed from the same cells as the layer so the two never disagree.

use super::coverage::{Coverage, CoverageError, RuleFilter, compute};
use super::data::{AttackData, Domain, Matrix};
use super::tags::CoverageRule;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Options for [`coverage_stats`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatsOptions {
    /// Matrix to count against.
    pub domain: Domain,
    /// Which rules count.
    pub filter: RuleFilter,
    /// Length of the most/least covered and gap lists.
    pub top: usize,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions {
            domain: Domain::Enterprise,
            filter: RuleFilter::default(),
            top: 10,
        }
    }
}

/// Coverage of one tactic column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TacticStats {
    /// `TA####`.
    pub id: String,
    /// Shortname.
    pub shortname: String,
    /// Display name.
    pub name: String,
    /// Parent techniques in the column.
    pub techniques_total: usize,
    /// Parent techniques covered in this column, directly or through a sub-technique.
    pub techniques_covered: usize,
    /// Sub-techniques in the column.
    pub subtechniques_total: usize,
    /// Sub-techniques covered in this column.
    pub subtechniques_covered: usize,
    /// Distinct rules with a cell in this column.
    pub rules: usize,
    /// `techniques_covered / techniques_total` in percent (0 when the column is empty).
    pub percent: f64,
}

/// Coverage of the techniques that apply to one platform, by the rules whose logsource `product`
/// is that platform (see [`product_platforms`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformStats {
    /// Platform name as ATT&CK spells it.
    pub platform: String,
    /// Parent techniques listing the platform.
    pub techniques_total: usize,
    /// Of those, covered directly or through a sub-technique by a rule of the platform.
    pub techniques_covered: usize,
    /// Distinct rules of the platform covering a technique or sub-technique of the platform.
    pub rules: usize,
    /// Percent covered.
    pub percent: f64,
}

/// A technique with its rule count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TechniqueCount {
    /// ID.
    pub id: String,
    /// Name (sub-techniques as `Parent: Sub`).
    pub name: String,
    /// Rules covering it.
    pub rules: usize,
}

/// All statistics of one rule set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageStats {
    /// ATT&CK release of the data.
    pub attack_version: String,
    /// Matrix.
    pub domain: Domain,
    /// Rules given.
    pub rules_total: usize,
    /// Rules after filters.
    pub rules_kept: usize,
    /// Kept rules with at least one technique of this matrix.
    pub rules_with_techniques: usize,
    /// Active parent techniques.
    pub techniques_total: usize,
    /// Parents covered directly or through a sub-technique.
    pub techniques_covered: usize,
    /// Active sub-techniques.
    pub subtechniques_total: usize,
    /// Sub-techniques covered.
    pub subtechniques_covered: usize,
    /// Per tactic, in matrix order.
    pub tactics: Vec<TacticStats>,
    /// Per platform, by name.
    pub platforms: Vec<PlatformStats>,
    /// Techniques and sub-techniques with the most rules.
    pub most_covered: Vec<TechniqueCount>,
    /// Covered techniques and sub-techniques with the fewest rules, none of them in `most_covered`.
    pub least_covered: Vec<TechniqueCount>,
    /// Parent techniques with no rule at all (neither directly nor through a sub-technique).
    pub uncovered: Vec<TechniqueCount>,
    /// Number of `attack.*` findings per code.
    pub findings: BTreeMap<String, usize>,
}

fn percent(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        (1000.0 * n as f64 / d as f64).round() / 10.0
    }
}

/// ATT&CK platforms a Sigma logsource `product` watches (empty for products that are no platform,
/// such as `zeek` or `opencanary`, and for unknown ones). Matching ignores case.
pub fn product_platforms(product: &str) -> &'static [&'static str] {
    match product.to_ascii_lowercase().as_str() {
        "windows" | "rpc_firewall" => &["Windows"],
        "linux" => &["Linux"],
        "macos" => &["macOS"],
        "aws" | "gcp" => &["IaaS"],
        "azure" => &["IaaS", "Identity Provider"],
        "m365" | "google_workspace" => &["Office Suite"],
        "okta" | "onelogin" => &["Identity Provider"],
        "github" | "bitbucket" => &["SaaS"],
        "kubernetes" | "docker" => &["Containers"],
        "esxi" => &["ESXi"],
        "cisco" | "juniper" | "huawei" | "fortigate" | "fortios" | "paloalto" => {
            &["Network Devices"]
        }
        "android" => &["Android"],
        "ios" => &["iOS"],
        _ => &[],
    }
}

/// Full display name of a technique (`Command and Scripting Interpreter: PowerShell`).
pub fn display_name(matrix: &Matrix, id: &str) -> String {
    let Some(t) = matrix.technique(id) else {
        return id.to_string();
    };
    match id.split_once('.') {
        Some((p, _)) => match matrix.technique(p) {
            Some(parent) => format!("{}: {}", parent.name, t.name),
            None => t.name.clone(),
        },
        None => t.name.clone(),
    }
}

/// Computes the statistics of `rules`.
pub fn coverage_stats(
    rules: &[CoverageRule],
    options: &StatsOptions,
    data: &AttackData,
) -> Result<CoverageStats, CoverageError> {
    let cov = compute(rules, &options.filter, options.domain, data)?;
    Ok(stats_from_coverage(&cov, options.top))
}

/// Statistics of an already computed coverage (shared with the diff).
pub fn stats_from_coverage(cov: &Coverage<'_>, top: usize) -> CoverageStats {
    let m = cov.matrix;
    let active: Vec<_> = m.active_techniques().collect();
    // parent covered anywhere = itself or one of its subs has rules
    let covered_parents: BTreeSet<&str> = cov
        .techniques
        .keys()
        .map(|t| t.split('.').next().unwrap_or(t))
        .collect();
    let tactics = m
        .active_tactics()
        .map(|tac| {
            let in_col: Vec<_> = active
                .iter()
                .filter(|t| t.tactics.contains(&tac.shortname))
                .collect();
            let col_cells: Vec<(&str, &Vec<usize>)> = cov
                .cells
                .iter()
                .filter(|((_, x), _)| *x == tac.shortname)
                .map(|((t, _), r)| (t.as_str(), r))
                .collect();
            let covered_here: BTreeSet<&str> = col_cells
                .iter()
                .map(|(t, _)| t.split('.').next().unwrap_or(t))
                .collect();
            let techniques_total = in_col.iter().filter(|t| !t.is_sub()).count();
            let techniques_covered = in_col
                .iter()
                .filter(|t| !t.is_sub() && covered_here.contains(t.id.as_str()))
                .count();
            let subs_covered: BTreeSet<&str> = col_cells
                .iter()
                .map(|(t, _)| *t)
                .filter(|t| t.contains('.'))
                .collect();
            let rules: BTreeSet<usize> = col_cells
                .iter()
                .flat_map(|(_, r)| r.iter().copied())
                .collect();
            TacticStats {
                id: tac.id.clone(),
                shortname: tac.shortname.clone(),
                name: tac.name.clone(),
                techniques_total,
                techniques_covered,
                subtechniques_total: in_col.iter().filter(|t| t.is_sub()).count(),
                subtechniques_covered: subs_covered.len(),
                rules: rules.len(),
                percent: percent(techniques_covered, techniques_total),
            }
        })
        .collect();

    // techniques say where an attack can happen; a rule's logsource product says where it detects
    // it: a platform is covered by the rules that watch it
    let rule_platforms: Vec<&[&str]> = cov
        .rules
        .iter()
        .map(|r| r.product.as_deref().map_or(&[][..], product_platforms))
        .collect();
    let mut platforms: BTreeMap<&str, (usize, usize, BTreeSet<usize>)> = BTreeMap::new();
    for t in &active {
        let prefix = format!("{}.", t.id);
        for p in &t.platforms {
            let e = platforms.entry(p.as_str()).or_default();
            let watching: Vec<usize> = cov
                .techniques
                .iter()
                .filter(|(id, _)| *id == &t.id || id.starts_with(&prefix))
                .flat_map(|(_, r)| r.iter().copied())
                .filter(|&r| rule_platforms[r].contains(&p.as_str()))
                .collect();
            if !t.is_sub() {
                e.0 += 1;
                if !watching.is_empty() {
                    e.1 += 1;
                }
            }
            e.2.extend(watching);
        }
    }
    let platforms = platforms
        .into_iter()
        .map(|(p, (total, covered, rules))| PlatformStats {
            platform: p.to_string(),
            techniques_total: total,
            techniques_covered: covered,
            rules: rules.len(),
            percent: percent(covered, total),
        })
        .collect();

    let mut counts: Vec<TechniqueCount> = cov
        .techniques
        .iter()
        .map(|(id, r)| TechniqueCount {
            id: id.clone(),
            name: display_name(m, id),
            rules: r.len(),
        })
        .collect();
    counts.sort_by(|a, b| b.rules.cmp(&a.rules).then_with(|| a.id.cmp(&b.id)));
    // the two lists never share a technique: when few are covered, "most" takes them all
    let most_covered: Vec<TechniqueCount> = counts.iter().take(top).cloned().collect();
    let mut rest = counts.split_off(most_covered.len());
    rest.sort_by(|a, b| a.rules.cmp(&b.rules).then_with(|| a.id.cmp(&b.id)));
    rest.truncate(top);
    let least_covered = rest;
    let uncovered = active
        .iter()
        .filter(|t| !t.is_sub() && !covered_parents.contains(t.id.as_str()))
        .map(|t| TechniqueCount {
            id: t.id.clone(),
            name: t.name.clone(),
            rules: 0,
        })
        .collect();

    let mut findings: BTreeMap<String, usize> = BTreeMap::new();
    for f in cov.analyses.iter().flat_map(|a| &a.findings) {
        *findings.entry(f.kind.code().to_string()).or_default() += 1;
    }
    let parents_total = active.iter().filter(|t| !t.is_sub()).count();
    CoverageStats {
        attack_version: m.version.clone(),
        domain: m.domain,
        rules_total: cov.rules_total,
        rules_kept: cov.rules.len(),
        rules_with_techniques: cov.rules_with_techniques(),
        techniques_total: parents_total,
        techniques_covered: active
            .iter()
            .filter(|t| !t.is_sub() && covered_parents.contains(t.id.as_str()))
            .count(),
        subtechniques_total: active.len() - parents_total,
        subtechniques_covered: cov.techniques.keys().filter(|t| t.contains('.')).count(),
        tactics,
        platforms,
        most_covered,
        least_covered,
        uncovered,
        findings,
    }
}

/// Escapes text for a Markdown table cell.
pub(crate) fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

impl CoverageStats {
    /// Markdown for a job summary or PR comment: headline, per-tactic table, platforms, extremes.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "### ATT&CK coverage ({} {}, {} of {} rule(s) with techniques)\n\n",
            self.domain, self.attack_version, self.rules_with_techniques, self.rules_total
        ));
        s.push_str(&format!(
            "**{}/{} techniques ({:.1}%)**, {}/{} sub-techniques ({:.1}%)\n\n",
            self.techniques_covered,
            self.techniques_total,
            percent(self.techniques_covered, self.techniques_total),
            self.subtechniques_covered,
            self.subtechniques_total,
            percent(self.subtechniques_covered, self.subtechniques_total)
        ));
        s.push_str(
            "| tactic | techniques | % | sub-techniques | rules |\n|---|---:|---:|---:|---:|\n",
        );
        for t in &self.tactics {
            s.push_str(&format!(
                "| {} ({}) | {}/{} | {:.0}% | {}/{} | {} |\n",
                t.name,
                t.id,
                t.techniques_covered,
                t.techniques_total,
                t.percent,
                t.subtechniques_covered,
                t.subtechniques_total,
                t.rules
            ));
        }
        s.push_str("\n| platform | techniques | % | rules |\n|---|---:|---:|---:|\n");
        for p in &self.platforms {
            s.push_str(&format!(
                "| {} | {}/{} | {:.0}% | {} |\n",
                md_cell(&p.platform),
                p.techniques_covered,
                p.techniques_total,
                p.percent,
                p.rules
            ));
        }
        for (title, list) in [
            ("Most covered", &self.most_covered),
            ("Least covered", &self.least_covered),
        ] {
            if list.is_empty() {
                continue;
            }
            s.push_str(&format!("\n**{title}:** "));
            let items: Vec<String> = list
                .iter()
                .map(|t| format!("{} {} ({})", t.id, md_cell(&t.name), t.rules))
                .collect();
            s.push_str(&items.join(", "));
            s.push('\n');
        }
        if !self.uncovered.is_empty() {
            let shown: Vec<String> = self
                .uncovered
                .iter()
                .take(self.most_covered.len().max(10))
                .map(|t| format!("{} {}", t.id, md_cell(&t.name)))
                .collect();
            s.push_str(&format!(
                "\n**Not covered ({}):** {}{}\n",
                self.uncovered.len(),
                shown.join(", "),
                if self.uncovered.len() > shown.len() {
                    format!(", … and {} more", self.uncovered.len() - shown.len())
                } else {
                    String::new()
                }
            ));
        }
        if !self.findings.is_empty() {
            let items: Vec<String> = self
                .findings
                .iter()
                .map(|(c, n)| format!("`{c}` {n}"))
                .collect();
            s.push_str(&format!("\n**Tag findings:** {}\n", items.join(", ")));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::tags::TagRef;

    #[test]
    fn counts_parents_through_subtechniques() {
        let data = AttackData::embedded();
        let rules = vec![CoverageRule {
            path: "a.yml".into(),
            title: "a".into(),
            id: None,
            level: Some(crate::rule::Level::High),
            status: None,
            tags: vec![
                TagRef::new("attack.execution", 1, 1),
                TagRef::new("attack.t1059.001", 2, 1),
            ],
            product: Some("windows".into()),
        }];
        let s = coverage_stats(&rules, &StatsOptions::default(), &data).expect("stats");
        assert_eq!(s.techniques_total, 222);
        assert_eq!(s.subtechniques_total, 475);
        assert_eq!(s.techniques_covered, 1);
        assert_eq!(s.subtechniques_covered, 1);
        let exec = s
            .tactics
            .iter()
            .find(|t| t.shortname == "execution")
            .expect("execution");
        assert_eq!(
            (
                exec.techniques_covered,
                exec.subtechniques_covered,
                exec.rules
            ),
            (1, 1, 1)
        );
        let win = s
            .platforms
            .iter()
            .find(|p| p.platform == "Windows")
            .expect("windows");
        assert_eq!((win.techniques_covered, win.rules), (1, 1));
        assert_eq!(
            s.most_covered[0].name,
            "Command and Scripting Interpreter: PowerShell"
        );
        assert_eq!(s.uncovered.len(), 221);
        let md = s.to_markdown();
        assert!(md.contains("**1/222 techniques (0.5%)**"), "{md}");
        assert!(md.contains("| Execution (TA0002) | 1/"));
        assert!(md.contains("enterprise-attack 19.1"));
    }
}
