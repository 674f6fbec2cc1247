//! Conversion targets: each renders the mapping IR (never rule text) into one artifact format.
//!
//! One module per target (`es_qs`, `es_rule`, `kibana`, `watcher`, `elastalert`, `eql`, `esql`); the
//! query languages they embed live in [`lang`], helpers two targets share in [`text`] and [`meta`], so
//! no target imports another. Targets are registered in [`targets`]; the CLI looks them up by name
//! (`-t es-qs`) and [`convert`] runs them over a scan. A target reports an `Err(reason)` for a rule it cannot
//! express faithfully; the rule is then `skipped` with that reason, never converted to something
//! that means something else.

pub mod convert;
pub mod elastalert;
pub mod eql;
pub mod es_qs;
pub mod es_rule;
pub mod esql;
pub mod kibana;
pub mod lang;
pub mod meta;
pub mod output;
pub mod text;
pub mod watcher;

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

/// Every built-in target, in `list targets` order.
pub fn targets() -> Vec<&'static dyn Target> {
    static ES_QS: es_qs::EsQs = es_qs::EsQs { case: None };
    static ES_RULE: es_rule::EsRule = es_rule::EsRule::DEFAULT;
    static KIBANA: kibana::Kibana = kibana::Kibana;
    static WATCHER: watcher::Watcher = watcher::Watcher::DEFAULT;
    static ELASTALERT: elastalert::ElastAlert = elastalert::ElastAlert::DEFAULT;
    static EQL: eql::Eql = eql::Eql;
    static ESQL: esql::Esql = esql::Esql;
    vec![
        &ES_QS,
        &ES_RULE,
        &KIBANA,
        &WATCHER,
        &ELASTALERT,
        &EQL,
        &ESQL,
    ]
}

/// A target configured with `-O key=value` options (see `docs/targets.md`); targets without options
/// accept none, so a typo is an error rather than silently ignored.
pub fn configured(
    name: &str,
    opts: &std::collections::BTreeMap<String, String>,
) -> Result<Box<dyn Target>, String> {
    Ok(match name {
        "es-rule" => Box::new(es_rule::EsRule::DEFAULT.with_options(opts)?),
        "xpack-watcher" => Box::new(watcher::Watcher::DEFAULT.with_options(opts)?),
        "elastalert" => Box::new(elastalert::ElastAlert::DEFAULT.with_options(opts)?),
        _ => {
            let t = target(name).ok_or_else(|| format!("unknown target `{name}`"))?;
            if let Some(k) = opts.keys().next() {
                return Err(format!(
                    "{name}: unknown option `{k}` (this target has none)"
                ));
            }
            Box::new(Fixed(t))
        }
    })
}

/// A registry target behind a box, so [`configured`] returns one type for every target.
struct Fixed(&'static dyn Target);

impl Target for Fixed {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn about(&self) -> &'static str {
        self.0.about()
    }
    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        self.0.render(input)
    }
    fn render_correlation_rules(
        &self,
        input: &CorrelationInput<'_>,
        attack: &AttackData,
    ) -> Result<String, String> {
        self.0.render_correlation_rules(input, attack)
    }
    fn extension(&self) -> &'static str {
        self.0.extension()
    }
    fn bundle(&self, outputs: &[&str]) -> Option<(&'static str, String)> {
        self.0.bundle(outputs)
    }
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
    /// The field catalog says the rule can never match in its indices (`SF203`), for the report.
    #[serde(skip)]
    pub never_matches: bool,
}
