//! ATT&CK Navigator layers (format 4.5).
//!
//! Typed so that every field name is checked by the compiler and the schema test, and so the
//! defects of S2AN and sigma-cli (stale format, no tactics, wrong gradient, dropped tags, no rule
//! names or links) cannot come back unnoticed. See docs/coverage.md for the list.

use super::coverage::{Coverage, CoverageError, RuleFilter, RuleTagFinding, compute};
use super::data::{AttackData, Domain, Matrix};
use super::tags::CoverageRule;
use crate::rule::{Level, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Navigator layer format written.
pub const LAYER_FORMAT: &str = "4.5";
/// Navigator version written by default (the current 5.x line reads format 4.5 without warnings).
pub const NAVIGATOR_VERSION: &str = "5.1.0";

/// How a cell's score is computed from the rules covering it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScoreMode {
    /// Number of rules (default).
    #[default]
    Count,
    /// Sum of level weights: informational 1, low 2, medium 4, high 8, critical 12, none 1
    /// (SigmaHQ's and sigma-cli's weights).
    Level,
    /// Sum of status weights: stable 3, test 2, anything else 1, so mature rules count more.
    Status,
}

impl ScoreMode {
    /// Parses the CLI spelling (`count`, `level`, `status`).
    pub fn parse(s: &str) -> Option<ScoreMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "count" => Some(ScoreMode::Count),
            "level" => Some(ScoreMode::Level),
            "status" => Some(ScoreMode::Status),
            _ => None,
        }
    }

    fn weight(self, rule: &CoverageRule) -> u32 {
        match self {
            ScoreMode::Count => 1,
            ScoreMode::Level => match rule.level {
                Some(Level::Low) => 2,
                Some(Level::Medium) => 4,
                Some(Level::High) => 8,
                Some(Level::Critical) => 12,
                Some(Level::Informational) | None => 1,
            },
            ScoreMode::Status => match rule.status {
                Some(Status::Stable) => 3,
                Some(Status::Test) => 2,
                _ => 1,
            },
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ScoreMode::Count => "number of rules",
            ScoreMode::Level => {
                "sum of level weights (informational 1, low 2, medium 4, high 8, critical 12)"
            }
            ScoreMode::Status => "sum of status weights (stable 3, test 2, other 1)",
        }
    }

    /// Score of a set of rules.
    pub fn score(self, rules: &[&CoverageRule]) -> u32 {
        rules.iter().map(|r| self.weight(r)).sum()
    }
}

/// Where rule files live on GitHub, for links at the exact commit; passed in, never read from the
/// environment here, so the library stays testable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GithubContext {
    /// `GITHUB_SERVER_URL`, e.g. `https://github.com`.
    pub server_url: String,
    /// `GITHUB_REPOSITORY`, `owner/name`.
    pub repository: String,
    /// `GITHUB_SHA`, the commit the rules were read at.
    pub sha: String,
}

impl GithubContext {
    /// URL of a repository file at the commit.
    pub fn file_url(&self, path: &str) -> String {
        let encoded: String = path
            .trim_start_matches("./")
            .split('/')
            .map(encode_segment)
            .collect::<Vec<_>>()
            .join("/");
        format!("{}/blob/{}/{}", self.repo_url(), self.sha, encoded)
    }

    /// URL of the repository.
    pub fn repo_url(&self) -> String {
        format!(
            "{}/{}",
            self.server_url.trim_end_matches('/'),
            self.repository.trim_matches('/')
        )
    }
}

fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Everything a user can choose about a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerOptions {
    /// Layer name (Navigator tab title).
    pub name: String,
    /// Description; a default naming rule count, score and ATT&CK version is written when `None`.
    pub description: Option<String>,
    /// Matrix to draw on.
    pub domain: Domain,
    /// Score function.
    pub score: ScoreMode,
    /// Which rules count.
    pub filter: RuleFilter,
    /// Links to rule files when running in GitHub Actions.
    pub github: Option<GithubContext>,
    /// At most this many rules listed per cell (metadata and links); the rest are counted.
    pub max_rules_per_cell: usize,
    /// Caps the gradient (default: the real maximum score).
    pub gradient_max: Option<u32>,
    /// Navigator platform filter (must be platform names of the matrix; empty: all).
    pub platforms: Vec<String>,
    /// `versions.navigator` value.
    pub navigator_version: String,
    /// Extra layer metadata rows (e.g. tool version, run URL), appended after the built-in ones.
    pub extra_metadata: Vec<(String, String)>,
}

impl Default for LayerOptions {
    fn default() -> Self {
        LayerOptions {
            name: "Sigma rule coverage".to_string(),
            description: None,
            domain: Domain::Enterprise,
            score: ScoreMode::Count,
            filter: RuleFilter::default(),
            github: None,
            max_rules_per_cell: 20,
            gradient_max: None,
            platforms: Vec::new(),
            navigator_version: NAVIGATOR_VERSION.to_string(),
            extra_metadata: Vec::new(),
        }
    }
}

/// `versions` block of a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Versions {
    /// ATT&CK major version the layer was built for.
    pub attack: String,
    /// Navigator version.
    pub navigator: String,
    /// Layer format ("4.5").
    pub layer: String,
}

/// `layout` block.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    /// side, flat or mini.
    pub layout: String,
    /// How parent scores aggregate sub-technique scores when shown.
    pub aggregate_function: String,
    /// Show technique IDs in cells.
    #[serde(rename = "showID")]
    pub show_id: bool,
    /// Show technique names in cells.
    pub show_name: bool,
    /// Show aggregate scores.
    pub show_aggregate_scores: bool,
    /// Count unscored techniques in averages.
    pub count_unscored: bool,
    /// Expand sub-techniques of annotated parents.
    pub expanded_subtechniques: String,
}

/// A metadata row or a divider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MetadataItem {
    /// A name/value row.
    Row {
        /// Row label.
        name: String,
        /// Row value.
        value: String,
    },
    /// A divider line.
    Divider {
        /// Always true.
        divider: bool,
    },
}

impl MetadataItem {
    fn row(name: impl Into<String>, value: impl Into<String>) -> MetadataItem {
        MetadataItem::Row {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A link (label + absolute URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Link text.
    pub label: String,
    /// Absolute URL.
    pub url: String,
}

/// One annotated cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TechniqueEntry {
    /// `T####[.###]`.
    #[serde(rename = "techniqueID")]
    pub technique_id: String,
    /// Tactic shortname of the cell.
    pub tactic: String,
    /// Score; absent for parents shown only to reveal covered sub-techniques.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    /// Explicit colour (diff layers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Tooltip comment.
    pub comment: String,
    /// Rule rows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<MetadataItem>,
    /// Rule links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Expand the parent to show covered sub-techniques.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub show_subtechniques: bool,
}

/// Colour gradient for scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gradient {
    /// Colours from low to high.
    pub colors: Vec<String>,
    /// Score of the first colour.
    pub min_value: u32,
    /// Score of the last colour.
    pub max_value: u32,
}

/// Legend row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegendItem {
    /// Text.
    pub label: String,
    /// Colour.
    pub color: String,
}

/// Navigator platform filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filters {
    /// Platforms shown.
    pub platforms: Vec<String>,
}

/// A Navigator layer, format 4.5.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    /// Layer name.
    pub name: String,
    /// Versions block.
    pub versions: Versions,
    /// Navigator domain.
    pub domain: String,
    /// Description.
    pub description: String,
    /// Platform filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Filters>,
    /// 3 = score descending.
    pub sorting: u8,
    /// Layout.
    pub layout: Layout,
    /// Show disabled cells.
    pub hide_disabled: bool,
    /// Annotated cells.
    pub techniques: Vec<TechniqueEntry>,
    /// Score gradient.
    pub gradient: Gradient,
    /// Legend.
    pub legend_items: Vec<LegendItem>,
    /// Layer metadata.
    pub metadata: Vec<MetadataItem>,
    /// Layer links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Tactic row background.
    pub show_tactic_row_background: bool,
    /// Select a technique in every tactic at once.
    pub select_techniques_across_tactics: bool,
    /// Select sub-techniques with parents.
    pub select_subtechniques_with_parent: bool,
    /// Select only visible techniques.
    pub select_visible_techniques: bool,
}

impl Layer {
    /// Pretty JSON with a trailing newline (deterministic: struct order, sorted entries).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(s)
    }
}

/// A layer together with what the caller must report about it.
#[derive(Debug, Clone)]
pub struct LayerOutput {
    /// The layer.
    pub layer: Layer,
    /// All `attack.*` findings of the rules in the layer, so bad tags are reported, never dropped.
    pub findings: Vec<RuleTagFinding>,
    /// Tags that added nothing to coverage (unknown, deprecated, malformed).
    pub unmapped_tags: usize,
    /// ATT&CK version of the data used.
    pub attack_version: String,
}

/// Light and dark ends of the coverage gradient.
pub const GRADIENT: [&str; 2] = ["#cfe5fc", "#0b4f9c"];

fn pluralize(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn rule_value(r: &CoverageRule) -> String {
    let mut v = format!(
        "{} / {}",
        r.level.map_or("no level", Level::name),
        r.status.map_or("no status", Status::name)
    );
    if let Some(id) = &r.id {
        v.push_str(" / ");
        v.push_str(id);
    }
    v
}

pub(crate) fn cell_rules<'r>(cov: &Coverage<'r>, idx: &[usize]) -> Vec<&'r CoverageRule> {
    idx.iter()
        .filter_map(|&i| cov.rules.get(i).copied())
        .collect()
}

fn cell_comment(cov: &Coverage<'_>, technique: &str, idx: &[usize], mode: ScoreMode) -> String {
    let rules = cell_rules(cov, idx);
    let mut levels: BTreeMap<Option<Level>, usize> = BTreeMap::new();
    for r in &rules {
        *levels.entry(r.level).or_default() += 1;
    }
    let by_level: Vec<String> = levels
        .iter()
        .rev()
        .map(|(level, n)| format!("{n} {}", level.map_or("no level", Level::name)))
        .collect();
    let mut c = format!(
        "{} ({})",
        pluralize(rules.len(), "rule", "rules"),
        by_level.join(", ")
    );
    if mode != ScoreMode::Count {
        c.push_str(&format!("; score {}", mode.score(&rules)));
    }
    let via: BTreeSet<&str> = idx
        .iter()
        .filter_map(|&i| cov.analyses.get(i))
        .flat_map(|a| &a.techniques)
        .filter(|h| h.id == technique)
        .filter_map(|h| h.via_revoked.as_deref())
        .collect();
    if !via.is_empty() {
        let n = idx
            .iter()
            .filter_map(|&i| cov.analyses.get(i))
            .filter(|a| {
                a.techniques
                    .iter()
                    .any(|h| h.id == technique && h.via_revoked.is_some())
            })
            .count();
        c.push_str(&format!(
            "; {} tagged with revoked {}",
            pluralize(n, "rule", "rules"),
            via.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    c
}

fn cell_rows(
    rules: &[&CoverageRule],
    max: usize,
    github: Option<&GithubContext>,
) -> (Vec<MetadataItem>, Vec<Link>) {
    let mut meta: Vec<MetadataItem> = rules
        .iter()
        .take(max)
        .map(|r| MetadataItem::row(r.title.clone(), rule_value(r)))
        .collect();
    let links: Vec<Link> = match github {
        Some(g) => rules
            .iter()
            .take(max)
            .map(|r| Link {
                label: r.title.clone(),
                url: g.file_url(&r.path),
            })
            .collect(),
        None => Vec::new(),
    };
    if rules.len() > max {
        meta.push(MetadataItem::Divider { divider: true });
        meta.push(MetadataItem::row(
            "more rules",
            format!("… and {} more", rules.len() - max),
        ));
    }
    (meta, links)
}

fn check_platforms(matrix: &Matrix, platforms: &[String]) -> Result<Vec<String>, CoverageError> {
    let known: BTreeSet<&str> = matrix
        .active_techniques()
        .flat_map(|t| t.platforms.iter().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    for p in platforms {
        match known.iter().find(|k| k.eq_ignore_ascii_case(p.trim())) {
            Some(k) => {
                if !out.iter().any(|x: &String| x == k) {
                    out.push(k.to_string());
                }
            }
            None => {
                return Err(CoverageError::Option(format!(
                    "unknown platform {p:?} for {} {} (known: {})",
                    matrix.domain,
                    matrix.version,
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                )));
            }
        }
    }
    Ok(out)
}

pub(crate) fn base_layer(
    name: &str,
    description: String,
    matrix: &Matrix,
    navigator_version: &str,
) -> Layer {
    Layer {
        name: name.to_string(),
        versions: Versions {
            attack: matrix.major_version().to_string(),
            navigator: navigator_version.to_string(),
            layer: LAYER_FORMAT.to_string(),
        },
        domain: matrix.domain.as_str().to_string(),
        description,
        filters: None,
        sorting: 3,
        layout: Layout {
            layout: "side".to_string(),
            aggregate_function: "max".to_string(),
            show_id: true,
            show_name: true,
            show_aggregate_scores: false,
            count_unscored: false,
            expanded_subtechniques: "annotated".to_string(),
        },
        hide_disabled: false,
        techniques: Vec::new(),
        gradient: Gradient {
            colors: GRADIENT.iter().map(|c| c.to_string()).collect(),
            min_value: 0,
            max_value: 1,
        },
        legend_items: Vec::new(),
        metadata: Vec::new(),
        links: Vec::new(),
        show_tactic_row_background: false,
        select_techniques_across_tactics: true,
        select_subtechniques_with_parent: false,
        select_visible_techniques: false,
    }
}

/// Builds the coverage layer of `rules`.
///
/// One entry per covered (technique, tactic) cell with tactics chosen by
/// [`super::coverage::tactics_for`]; parents of covered sub-techniques get `showSubtechniques`
/// (with an unscored entry when the parent itself is not covered); the gradient runs to the real
/// maximum score (or `gradient_max`). Tags that could not be mapped are returned in
/// [`LayerOutput::findings`] and counted in the layer metadata.
pub fn build_layer(
    rules: &[CoverageRule],
    options: &LayerOptions,
    data: &AttackData,
) -> Result<LayerOutput, CoverageError> {
    let cov = compute(rules, &options.filter, options.domain, data)?;
    let platforms = check_platforms(cov.matrix, &options.platforms)?;
    Ok(layer_from_coverage(&cov, options, platforms))
}

fn layer_from_coverage(
    cov: &Coverage<'_>,
    options: &LayerOptions,
    platforms: Vec<String>,
) -> LayerOutput {
    let matrix = cov.matrix;
    let max_rules = options.max_rules_per_cell.max(1);
    // parents that have a covered sub-technique, per tactic
    let mut parents_with_subs: BTreeSet<(String, String)> = BTreeSet::new();
    for (t, x) in cov.cells.keys() {
        if let Some((p, _)) = t.split_once('.') {
            parents_with_subs.insert((p.to_string(), x.clone()));
        }
    }
    let mut entries: Vec<TechniqueEntry> = Vec::new();
    let mut max_score = 0u32;
    for (t, x, idx) in cov.sorted_cells() {
        let rules = cell_rules(cov, idx);
        let score = options.score.score(&rules);
        max_score = max_score.max(score);
        let (metadata, links) = cell_rows(&rules, max_rules, options.github.as_ref());
        entries.push(TechniqueEntry {
            technique_id: t.to_string(),
            tactic: x.to_string(),
            score: Some(score),
            color: None,
            comment: cell_comment(cov, t, idx, options.score),
            metadata,
            links,
            show_subtechniques: parents_with_subs.contains(&(t.to_string(), x.to_string())),
        });
    }
    for (p, x) in &parents_with_subs {
        if cov.cells.contains_key(&(p.clone(), x.clone())) {
            continue;
        }
        let subs = cov
            .cells
            .keys()
            .filter(|(t, tx)| tx == x && t.split_once('.').is_some_and(|(pp, _)| pp == p))
            .count();
        entries.push(TechniqueEntry {
            technique_id: p.clone(),
            tactic: x.clone(),
            score: None,
            color: None,
            comment: format!(
                "no rule tags {p} itself; {} covered",
                pluralize(subs, "sub-technique", "sub-techniques")
            ),
            metadata: Vec::new(),
            links: Vec::new(),
            show_subtechniques: true,
        });
    }
    entries.sort_by(|a, b| {
        (&a.technique_id, matrix.tactic_rank(&a.tactic))
            .cmp(&(&b.technique_id, matrix.tactic_rank(&b.tactic)))
    });

    let top = options
        .gradient_max
        .map_or(max_score, |cap| cap.min(max_score.max(1)))
        .max(1);
    let min = u32::from(top > 1);
    let gradient = Gradient {
        colors: GRADIENT.iter().map(|c| c.to_string()).collect(),
        min_value: min,
        max_value: top,
    };
    let unit = match options.score {
        ScoreMode::Count => ("rule", "rules"),
        _ => ("point", "points"),
    };
    let or_more = if options.gradient_max.is_some_and(|c| c < max_score) {
        " or more"
    } else {
        ""
    };
    let legend = if top > 1 {
        vec![
            LegendItem {
                label: pluralize(1, unit.0, unit.1),
                color: GRADIENT[0].to_string(),
            },
            LegendItem {
                label: format!("{}{or_more}", pluralize(top as usize, unit.0, unit.1)),
                color: GRADIENT[1].to_string(),
            },
        ]
    } else {
        vec![LegendItem {
            label: pluralize(1, unit.0, unit.1),
            color: GRADIENT[1].to_string(),
        }]
    };

    let covered = cov
        .cells
        .keys()
        .map(|(t, _)| t)
        .collect::<BTreeSet<_>>()
        .len();
    let unmapped = cov.unmapped_tags();
    let remapped = cov.remapped_tags();
    let description = options.description.clone().unwrap_or_else(|| {
        format!(
            "{} of {} have ATT&CK techniques; {} techniques and sub-techniques covered; score = {}; ATT&CK {} data",
            cov.rules_with_techniques(),
            pluralize(cov.rules_total, "rule", "rules"),
            covered,
            options.score.describe(),
            matrix.version
        )
    });
    let mut metadata = vec![
        MetadataItem::row(
            "generator",
            format!("sigmaforge {}", env!("CARGO_PKG_VERSION")),
        ),
        MetadataItem::row(
            "ATT&CK data",
            format!("{} {}", matrix.domain, matrix.version),
        ),
        MetadataItem::row("rules scanned", cov.rules_total.to_string()),
        MetadataItem::row("rules after filters", cov.rules.len().to_string()),
        MetadataItem::row(
            "rules with techniques",
            cov.rules_with_techniques().to_string(),
        ),
        MetadataItem::row("score", options.score.describe()),
        MetadataItem::row("tags not mapped", unmapped.to_string()),
        MetadataItem::row(
            "revoked tags counted under replacement",
            remapped.to_string(),
        ),
    ];
    if cov.other_domain_hits > 0 {
        metadata.push(MetadataItem::row(
            "techniques of other ATT&CK domains",
            cov.other_domain_hits.to_string(),
        ));
    }
    let filter = options.filter.describe();
    if !filter.is_empty() {
        metadata.push(MetadataItem::row("filter", filter));
    }
    let mut links = Vec::new();
    if let Some(g) = &options.github {
        metadata.push(MetadataItem::row("repository", g.repository.clone()));
        metadata.push(MetadataItem::row("commit", g.sha.clone()));
        links.push(Link {
            label: g.repository.clone(),
            url: format!("{}/tree/{}", g.repo_url(), g.sha),
        });
    }
    for (k, v) in &options.extra_metadata {
        metadata.push(MetadataItem::row(k.clone(), v.clone()));
    }
    let mut layer = base_layer(
        &options.name,
        description,
        matrix,
        &options.navigator_version,
    );
    layer.techniques = entries;
    layer.gradient = gradient;
    layer.legend_items = legend;
    layer.metadata = metadata;
    layer.links = links;
    if !platforms.is_empty() {
        layer.filters = Some(Filters { platforms });
    }
    LayerOutput {
        layer,
        findings: cov.findings(),
        unmapped_tags: unmapped,
        attack_version: matrix.version.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::tags::TagRef;

    fn rule(path: &str, level: &str, tags: &[&str]) -> CoverageRule {
        CoverageRule {
            path: path.into(),
            title: format!("title of {path}"),
            id: Some(format!("id-{path}")),
            level: Some(Level::parse(level).expect("level")),
            status: Some(Status::Test),
            tags: tags.iter().map(|t| TagRef::new(*t, 1, 1)).collect(),
            product: None,
        }
    }

    #[test]
    fn cells_follow_rule_tactics_and_fall_back() {
        let data = AttackData::embedded();
        let rules = vec![
            // T1078 has four tactics; the rule names one of them
            rule("a.yml", "high", &["attack.persistence", "attack.t1078"]),
            // no tactic tags: all four
            rule("b.yml", "low", &["attack.t1078", "attack.t1078"]),
        ];
        let out = build_layer(&rules, &LayerOptions::default(), &data).expect("layer");
        let cells: Vec<(String, String, Option<u32>)> = out
            .layer
            .techniques
            .iter()
            .map(|e| (e.technique_id.clone(), e.tactic.clone(), e.score))
            .collect();
        assert_eq!(
            cells,
            vec![
                ("T1078".into(), "initial-access".into(), Some(1)),
                ("T1078".into(), "persistence".into(), Some(2)),
                ("T1078".into(), "privilege-escalation".into(), Some(1)),
                ("T1078".into(), "stealth".into(), Some(1)),
            ]
        );
        assert_eq!(out.layer.gradient.max_value, 2);
        assert_eq!(out.layer.versions.attack, "19");
        assert_eq!(out.layer.versions.layer, "4.5");
    }

    #[test]
    fn subtechniques_open_their_parent() {
        let data = AttackData::embedded();
        let rules = vec![rule(
            "a.yml",
            "high",
            &["attack.execution", "attack.t1059.001"],
        )];
        let out = build_layer(&rules, &LayerOptions::default(), &data).expect("layer");
        let parent = out
            .layer
            .techniques
            .iter()
            .find(|e| e.technique_id == "T1059")
            .expect("parent entry");
        assert!(parent.show_subtechniques);
        assert_eq!(parent.score, None);
        assert_eq!(out.layer.gradient.min_value, 0);
        assert_eq!(out.layer.gradient.max_value, 1);
    }

    #[test]
    fn links_metadata_caps_and_weights() {
        let data = AttackData::embedded();
        let rules: Vec<CoverageRule> = (0..5)
            .map(|i| {
                rule(
                    &format!("rules/r {i}.yml"),
                    "critical",
                    &["attack.t1003.001"],
                )
            })
            .collect();
        let opts = LayerOptions {
            github: Some(GithubContext {
                server_url: "https://github.com/".into(),
                repository: "o/r".into(),
                sha: "abc".into(),
            }),
            max_rules_per_cell: 3,
            score: ScoreMode::Level,
            ..LayerOptions::default()
        };
        let out = build_layer(&rules, &opts, &data).expect("layer");
        let e = out
            .layer
            .techniques
            .iter()
            .find(|e| e.technique_id == "T1003.001")
            .expect("sub-technique entry");
        assert_eq!(e.score, Some(60));
        assert_eq!(e.links.len(), 3);
        assert_eq!(
            e.links[0].url,
            "https://github.com/o/r/blob/abc/rules/r%200.yml"
        );
        assert_eq!(e.metadata.len(), 5);
        assert!(e.comment.starts_with("5 rules (5 critical); score 60"));
    }

    #[test]
    fn revoked_and_bad_tags_are_reported() {
        let data = AttackData::embedded();
        let rules = vec![rule(
            "a.yml",
            "high",
            &["attack.t1562.001", "attack.t9999", "attack.t1043"],
        )];
        let out = build_layer(&rules, &LayerOptions::default(), &data).expect("layer");
        assert_eq!(out.unmapped_tags, 2);
        let e = &out.layer.techniques[0];
        assert_eq!(e.technique_id, "T1685");
        assert!(e.comment.contains("revoked T1562.001"), "{}", e.comment);
        assert!(
            out.findings
                .iter()
                .any(|f| f.finding.kind.code() == "attack-unknown-technique")
        );
    }

    #[test]
    fn filters_and_platform_checks() {
        let data = AttackData::embedded();
        let mut rules = vec![
            rule("rules/windows/a.yml", "high", &["attack.t1059.001"]),
            rule("rules/linux/b.yml", "low", &["attack.t1059.004"]),
        ];
        rules[1].status = Some(Status::Experimental);
        let mut opts = LayerOptions::default();
        opts.filter.include_folders = vec!["rules/windows/".into()];
        let out = build_layer(&rules, &opts, &data).expect("layer");
        assert!(
            out.layer
                .techniques
                .iter()
                .all(|e| e.technique_id != "T1059.004")
        );
        opts.filter = RuleFilter {
            min_level: Some("medium".into()),
            ..RuleFilter::default()
        };
        assert_eq!(
            build_layer(&rules, &opts, &data)
                .expect("layer")
                .layer
                .techniques
                .len(),
            2
        );
        opts.filter.min_level = Some("severe".into());
        assert!(build_layer(&rules, &opts, &data).is_err());
        opts.filter = RuleFilter::default();
        opts.platforms = vec!["windows".into()];
        let out = build_layer(&rules, &opts, &data).expect("layer");
        assert_eq!(
            out.layer.filters.expect("filters").platforms,
            vec!["Windows"]
        );
        opts.platforms = vec!["Amiga".into()];
        assert!(build_layer(&rules, &opts, &data).is_err());
    }

    #[test]
    fn output_is_deterministic() {
        let data = AttackData::embedded();
        let a = vec![
            rule("x.yml", "high", &["attack.t1003", "attack.t1059"]),
            rule("y.yml", "low", &["attack.t1059", "attack.g0016"]),
        ];
        let mut b = a.clone();
        b.reverse();
        let la = build_layer(&a, &LayerOptions::default(), &data)
            .expect("a")
            .layer
            .to_json()
            .unwrap();
        let lb = build_layer(&b, &LayerOptions::default(), &data)
            .expect("b")
            .layer
            .to_json()
            .unwrap();
        assert_eq!(la, lb);
    }
}
