//! `es-qs`: one Elasticsearch `query_string` (Lucene syntax) per rule, as plain text.

use super::{RuleInput, Target};
use crate::mapping::ir::CaseStrategy;
use crate::mapping::query_string;

/// The `es-qs` target. `case` forces one strategy for every field (tests, differential runs);
/// `None` uses the strategy the builder chose for each field.
#[derive(Debug, Clone, Copy, Default)]
pub struct EsQs {
    /// Forced case strategy.
    pub case: Option<CaseStrategy>,
}

impl Target for EsQs {
    fn name(&self) -> &'static str {
        "es-qs"
    }

    fn about(&self) -> &'static str {
        "Elasticsearch query_string (Lucene syntax), one query per rule condition"
    }

    /// A rule with a condition list (several queries) becomes one query OR-ing them: a search
    /// matches when any condition does, which is what Sigma's list means, and one rule stays one
    /// query.
    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        let (expr, _) = input.queries.combined()?;
        query_string::render(&expr, self.case)
    }
}
