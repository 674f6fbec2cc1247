//! Conversion targets: each renders the mapping IR (never rule text) into one artifact format.
//!
//! Targets are registered in [`targets`]; the CLI looks them up by name (`-t es-qs`) and
//! [`crate::convert`] runs them over a scan. A target reports an `Err(reason)` for a rule it cannot
//! express faithfully; the rule is then `skipped` with that reason, never converted to something
//! that means something else.

pub mod lucene;

use serde::Serialize;

use crate::mapping::{ConfigSet, RuleQueries};
use crate::rule::{Correlation, Rule, SourceDoc};

/// Everything a target may use to render one rule.
pub struct RuleInput<'a> {
    /// Where the rule comes from (path, document index).
    pub doc: &'a SourceDoc,
    /// The parsed rule (metadata for wrapper formats; detection is already in `queries`).
    pub rule: &'a Rule,
    /// The IR, one query per condition.
    pub queries: &'a RuleQueries,
    /// The config set (case strategy, date field, …).
    pub set: &'a ConfigSet,
}

/// One output format.
pub trait Target: Send + Sync {
    /// CLI name, e.g. `es-qs`.
    fn name(&self) -> &'static str;
    /// One-line description for `sigmaforge list targets`.
    fn about(&self) -> &'static str;
    /// Renders one rule; `Err` = skipped with this reason.
    fn render(&self, input: &RuleInput<'_>) -> Result<String, String>;
    /// Renders a correlation rule; targets without correlation support keep the default refusal.
    fn render_correlation(
        &self,
        _doc: &SourceDoc,
        _correlation: &Correlation,
        _set: &ConfigSet,
    ) -> Result<String, String> {
        Err(format!(
            "correlation rules are not supported by the {} target",
            self.name()
        ))
    }
}

/// Every built-in target, in `list targets` order.
pub fn targets() -> Vec<&'static dyn Target> {
    static ES_QS: lucene::EsQs = lucene::EsQs { case: None };
    vec![&ES_QS]
}

/// Looks a target up by CLI name.
pub fn target(name: &str) -> Option<&'static dyn Target> {
    targets().into_iter().find(|t| t.name() == name)
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
}
