//! The contract between the driver and the targets: what a target receives ([`RuleInput`]), what it
//! must answer ([`Target`]) and what the driver records per rule and target ([`Outcome`]).

use serde::Serialize;

use crate::attack::AttackData;
use crate::mapping::correlation::CorrelationInput;
use crate::mapping::{ConfigSet, RuleQueries};
use crate::rule::{Rule, SourceDoc};

/// Everything a target may use to render one rule.
pub struct RuleInput<'a> {
    /// Where the rule comes from (path, document index).
    pub doc: &'a SourceDoc,
    /// The parsed rule (metadata for wrapper formats; detection is already in `queries`).
    pub rule: &'a Rule,
    /// The IR, one query per condition.
    pub queries: &'a RuleQueries,
    /// The config set (date field, …).
    pub set: &'a ConfigSet,
    /// ATT&CK data for `threat[]` (the embedded tables or the user's `--attack-data`).
    pub attack: &'a AttackData,
}

/// One output format.
pub trait Target: Send + Sync {
    /// CLI name, e.g. `es-qs`.
    fn name(&self) -> &'static str;
    /// One-line description for `sigmaforge list targets`.
    fn about(&self) -> &'static str;
    /// Renders one rule; `Err` = skipped with this reason.
    fn render(&self, input: &RuleInput<'_>) -> Result<String, String>;
    /// Renders a correlation whose referenced rules and fields are already resolved (see
    /// [`convert::convert_correlation`]); targets without correlation support keep the refusal.
    fn render_correlation_rules(
        &self,
        input: &CorrelationInput<'_>,
        _attack: &AttackData,
    ) -> Result<String, String> {
        Err(format!(
            "{} correlations are not supported by the {} target",
            input.kind().name(),
            self.name()
        ))
    }
    /// File extension of one artifact in `-o DIR` (per-rule files are named `<rule>.<ext>`).
    fn extension(&self) -> &'static str {
        "txt"
    }
    /// A file combining every converted artifact (e.g. the ndjson an import API takes), as
    /// `(file name, content)`; `None` when the format has no such bundle.
    fn bundle(&self, _outputs: &[&str]) -> Option<(&'static str, String)> {
        None
    }
}

/// What happened to one rule document for one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Output produced.
    Converted,
    /// Valid document the target (or the IR) cannot express; see `reason`.
    Skipped,
    /// The document itself is broken (rejected by the parser).
    Failed,
}

/// One line of `convert --format jsonl`; also the unit of the text summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Rule file path.
    pub path: String,
    /// Rule id, when it has one.
    pub id: Option<String>,
    /// Rule title, when it has one.
    pub title: Option<String>,
    /// Target name.
    pub target: String,
    /// Result.
    pub status: Status,
    /// The artifact (converted only).
    pub output: Option<String>,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
    /// 0-based index of the document in its file (multi-document files).
    #[serde(skip)]
    pub index: usize,
    /// Overrides that fired, for reports.
    #[serde(skip)]
    pub overrides: Vec<String>,
    /// Non-fatal notes (e.g. a legacy override that could not be honoured).
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// The field catalog says the rule can never match in its indices (`SF203`), for the report.
    #[serde(skip)]
    pub never_matches: bool,
}
