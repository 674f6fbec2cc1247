//! The typed Sigma model. Built once by the parser and never mutated afterwards: mapping and targets
//! derive their own data from it.

use super::condition::Cond;
use super::modifier::{Chain, Matcher, RawValue};
use super::yaml::{Key, Node};
use crate::diag::Pos;

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Its position.
    pub pos: Pos,
}

impl<T> Spanned<T> {
    /// Wraps a value with a position.
    pub fn new(value: T, pos: Pos) -> Self {
        Spanned { value, pos }
    }
}

/// Spanned text.
pub type Text = Spanned<String>;

/// Sigma `level`, ordered from least to most severe, so filters and scores compare levels directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `informational`
    Informational,
    /// `low`
    Low,
    /// `medium`
    Medium,
    /// `high`
    High,
    /// `critical`
    Critical,
}

impl Level {
    /// Every level, least severe first.
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    /// Parses the YAML name (exact, as the specification writes it).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == s)
    }

    /// The YAML name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// Sigma `status`, ordered from least to most mature (sigma-cli's order), so `--min-status` compares
/// statuses directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// `unsupported`
    Unsupported,
    /// `deprecated`
    Deprecated,
    /// `experimental`
    Experimental,
    /// `test`
    Test,
    /// `stable`
    Stable,
}

impl Status {
    /// Every status, least mature first.
    pub const ALL: [Status; 5] = [
        Status::Unsupported,
        Status::Deprecated,
        Status::Experimental,
        Status::Test,
        Status::Stable,
    ];

    /// Parses the YAML name (exact, as the specification writes it).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == s)
    }

    /// The YAML name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Unsupported => "unsupported",
            Status::Deprecated => "deprecated",
            Status::Experimental => "experimental",
            Status::Test => "test",
            Status::Stable => "stable",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A `related` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// Related rule id.
    pub id: Text,
    /// Relation type (derived, obsolete, merged, renamed, similar).
    pub kind: Text,
}

/// Metadata shared by rules, correlations and filters (fields a kind does not use stay empty).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    /// Title (required).
    pub title: Option<Text>,
    /// UUID.
    pub id: Option<Text>,
    /// Unique name usable in correlation references.
    pub name: Option<Text>,
    /// Related rules.
    pub related: Vec<Related>,
    /// Taxonomy (default `sigma`).
    pub taxonomy: Option<Text>,
    /// Status (an unknown value is a parse error, so the document is rejected).
    pub status: Option<Spanned<Status>>,
    /// Description.
    pub description: Option<Text>,
    /// SPDX licence.
    pub license: Option<Text>,
    /// Author(s).
    pub author: Option<Text>,
    /// References.
    pub references: Vec<Text>,
    /// Creation date `YYYY-MM-DD`.
    pub date: Option<Text>,
    /// Modification date.
    pub modified: Option<Text>,
    /// Interesting fields (deprecated by SigmaHQ, still part of the spec).
    pub fields: Vec<Text>,
    /// False positives.
    pub falsepositives: Vec<Text>,
    /// Level (an unknown value is a parse error, so the document is rejected).
    pub level: Option<Spanned<Level>>,
    /// Tags.
    pub tags: Vec<Text>,
    /// Scope.
    pub scope: Vec<Text>,
    /// Keys the specification does not define, kept in order (e.g. `regression_tests_path`).
    pub custom: Vec<(Key, Node)>,
}

/// The logsource block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogSource {
    /// Category (e.g. `process_creation`).
    pub category: Option<Text>,
    /// Product (e.g. `windows`).
    pub product: Option<Text>,
    /// Service (e.g. `cloudtrail`).
    pub service: Option<Text>,
    /// Free text for humans.
    pub definition: Option<Text>,
    /// Other keys.
    pub custom: Vec<(Key, Node)>,
    /// Position of the `logsource` key.
    pub pos: Pos,
}

/// One value of a detection key, with the alternatives its modifiers produce (OR-ed).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueMatch {
    /// The value as written.
    pub raw: RawValue,
    /// Where it was written.
    pub pos: Pos,
    /// What it matches (several for `windash`/`base64offset`).
    pub alternatives: Vec<Matcher>,
}

/// One `field|modifiers: values` entry, or a keyword list when `field` is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMatch {
    /// Field name; `None` for keyword (full-text) searches.
    pub field: Option<String>,
    /// Position of the key (or of the list for keywords).
    pub pos: Pos,
    /// The checked modifier chain.
    pub chain: Chain,
    /// Values; OR-ed unless `chain.all`.
    pub values: Vec<ValueMatch>,
}

/// A group of field matches that must all hold (one YAML mapping).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Entries, AND-ed.
    pub items: Vec<FieldMatch>,
    /// Where the mapping starts.
    pub pos: Pos,
}

/// A named search identifier: OR of groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// Identifier.
    pub name: String,
    /// Position of the key.
    pub pos: Pos,
    /// Groups, OR-ed (a plain mapping gives exactly one).
    pub groups: Vec<Group>,
}

/// One condition with its source text and position.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The condition as written.
    pub text: String,
    /// Where it is.
    pub pos: Pos,
    /// Parsed tree (identifiers and `of` patterns checked against the searches).
    pub tree: Cond,
}

/// The detection block.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Searches in source order.
    pub searches: Vec<Search>,
    /// Conditions (a list means several queries, OR-ed).
    pub conditions: Vec<Condition>,
    /// Where `detection:` is.
    pub pos: Pos,
    /// Extra non-search keys such as `timeframe` (Sigma v1), kept for validators.
    pub timeframe: Option<Text>,
}

impl Detection {
    /// Looks a search up by name.
    pub fn search(&self, name: &str) -> Option<&Search> {
        self.searches.iter().find(|s| s.name == name)
    }

    /// Names an `of` pattern selects (`None` = `them`); `_`-prefixed identifiers are excluded.
    pub fn select(&self, pattern: Option<&str>) -> Vec<&Search> {
        select(&self.searches, pattern)
    }
}

/// The searches an `of` pattern selects (`None` = `them`); `_`-prefixed identifiers are excluded from
/// `them` and from patterns that do not themselves start with `_`.
pub fn select<'a>(searches: &'a [Search], pattern: Option<&str>) -> Vec<&'a Search> {
    {
        searches
            .iter()
            .filter(|s| match pattern {
                None => !s.name.starts_with('_'),
                Some(p) => {
                    super::condition::pattern_matches(p, &s.name)
                        && (!s.name.starts_with('_') || p.starts_with('_'))
                }
            })
            .collect()
    }
}

/// A detection rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Metadata.
    pub meta: Meta,
    /// Log source.
    pub logsource: LogSource,
    /// Detection.
    pub detection: Detection,
}

/// Correlation types of Sigma 2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorrelationType {
    /// Number of events.
    EventCount,
    /// Number of distinct values.
    ValueCount,
    /// All rules match within the timespan.
    Temporal,
    /// All rules match in order within the timespan.
    TemporalOrdered,
    /// Sum of a field.
    ValueSum,
    /// Average of a field.
    ValueAvg,
    /// Percentile of a field.
    ValuePercentile,
}

impl CorrelationType {
    /// Parses the YAML name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "event_count" => Self::EventCount,
            "value_count" => Self::ValueCount,
            "temporal" => Self::Temporal,
            "temporal_ordered" => Self::TemporalOrdered,
            "value_sum" => Self::ValueSum,
            "value_avg" => Self::ValueAvg,
            "value_percentile" => Self::ValuePercentile,
            _ => return None,
        })
    }

    /// The YAML name.
    pub fn name(self) -> &'static str {
        match self {
            Self::EventCount => "event_count",
            Self::ValueCount => "value_count",
            Self::Temporal => "temporal",
            Self::TemporalOrdered => "temporal_ordered",
            Self::ValueSum => "value_sum",
            Self::ValueAvg => "value_avg",
            Self::ValuePercentile => "value_percentile",
        }
    }

    /// True for the types that aggregate a field value.
    pub fn needs_field(self) -> bool {
        matches!(
            self,
            Self::ValueCount | Self::ValueSum | Self::ValueAvg | Self::ValuePercentile
        )
    }
}

/// Comparison operators of a correlation condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorrOp {
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `==`
    Eq,
    /// `!=`
    Neq,
}

impl CorrOp {
    /// Parses the YAML key.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "gt" => Self::Gt,
            "gte" => Self::Gte,
            "lt" => Self::Lt,
            "lte" => Self::Lte,
            "eq" => Self::Eq,
            "neq" => Self::Neq,
            _ => return None,
        })
    }

    /// The comparison symbol, as most query languages write it.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Gt => ">",
            Self::Gte => ">=",
            Self::Lt => "<",
            Self::Lte => "<=",
            Self::Eq => "==",
            Self::Neq => "!=",
        }
    }
}

/// A correlation condition: one or two comparisons (a range), plus the field for `value_*` types.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CorrCondition {
    /// Comparisons, AND-ed.
    pub ops: Vec<(CorrOp, f64)>,
    /// Aggregated field(s).
    pub field: Vec<Text>,
    /// Percentile for `value_percentile`.
    pub percentile: Option<f64>,
    /// Where the condition is.
    pub pos: Pos,
}

/// A field alias across correlated rules.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrAlias {
    /// Alias name used in `group-by`.
    pub name: Text,
    /// Rule reference → field name in that rule.
    pub fields: Vec<(Text, Text)>,
}

/// A timespan such as `5m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timespan {
    /// Length in seconds.
    pub seconds: u64,
}

/// A correlation rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// Metadata.
    pub meta: Meta,
    /// Type.
    pub kind: Spanned<CorrelationType>,
    /// Referenced rules (ids or names).
    pub rules: Vec<Text>,
    /// Group-by fields.
    pub group_by: Vec<Text>,
    /// Timespan.
    pub timespan: Spanned<Timespan>,
    /// Condition (absent for temporal types means "all rules matched").
    pub condition: Option<CorrCondition>,
    /// Field aliases.
    pub aliases: Vec<CorrAlias>,
    /// Emit the base rules as queries too.
    pub generate: bool,
    /// Position of the `correlation` key.
    pub pos: Pos,
}

/// A filter (meta filter) document.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// Metadata.
    pub meta: Meta,
    /// Log source it applies to.
    pub logsource: LogSource,
    /// Referenced rules (ids or names).
    pub rules: Vec<Text>,
    /// Selection and condition, parsed like a rule's detection.
    pub detection: Detection,
}

/// What a parsed document is.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A detection rule.
    Rule(Rule),
    /// A correlation rule.
    Correlation(Correlation),
    /// A filter.
    Filter(Filter),
}

impl Document {
    /// Metadata of any kind.
    pub fn meta(&self) -> &Meta {
        match self {
            Document::Rule(r) => &r.meta,
            Document::Correlation(c) => &c.meta,
            Document::Filter(f) => &f.meta,
        }
    }

    /// `rule`, `correlation` or `filter`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Document::Rule(_) => "rule",
            Document::Correlation(_) => "correlation",
            Document::Filter(_) => "filter",
        }
    }
}

/// One YAML document of a scanned file: parsed, or rejected with diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDoc {
    /// File path (forward slashes).
    pub path: String,
    /// 0-based index of the document in its file.
    pub index: usize,
    /// Where the document starts.
    pub pos: Pos,
    /// Title when one could be read, even from a rejected document.
    pub title: Option<String>,
    /// Id when one could be read.
    pub id: Option<String>,
    /// The model, or `None` when the document was rejected (its errors are in the scan's diagnostics).
    pub doc: Option<Document>,
}
