//! ATT&CK coverage: embedded ATT&CK data, `attack.*` tag checks, Navigator layers, statistics,
//! coverage diffs and an SVG heat map.
//!
//! Everything here works on [`CoverageRule`], a small view of a Sigma rule, so coverage does not
//! depend on how rules are parsed, and on an [`AttackData`] value passed in by the caller, so the
//! ATT&CK release in use is explicit and replaceable (`--attack-data`).

pub mod adapt;
pub mod compare;
pub mod coverage;
pub mod data;
pub mod diff;
pub mod layer;
pub mod stats;
mod stix;
pub mod svg;
mod table;
pub mod tags;

pub use adapt::{coverage_rule, coverage_rules};
pub use coverage::{Coverage, CoverageError, RuleFilter, RuleTagFinding};
pub use data::{AttackData, AttackDataError, Domain, Matrix};
pub use diff::{CoverageDiff, DiffOptions, FindingKey, diff};
pub use layer::{GithubContext, Layer, LayerOptions, LayerOutput, ScoreMode, build_layer};
pub use stats::{CoverageStats, StatsOptions, coverage_stats};
pub use svg::{SvgOptions, render_svg};
pub use tags::{CoverageRule, TagFinding, TagFindingKind, TagRef, analyze_rule, parse_attack_tag};
