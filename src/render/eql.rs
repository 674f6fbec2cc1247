//! `eql`: one Elasticsearch EQL query (`any where …`) per rule; see [`super::lang::eql`] for the
//! language rules (case-insensitive operators, what is skipped and why).

use super::lang::eql;
use super::{RuleInput, Target};
use crate::attack::AttackData;
use crate::mapping::correlation::CorrelationInput;

/// The `eql` target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Eql;

impl Target for Eql {
    fn name(&self) -> &'static str {
        "eql"
    }

    fn about(&self) -> &'static str {
        "Elasticsearch EQL (`any where …`), case-insensitive operators, one query per rule"
    }

    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        let (expr, _) = input.queries.combined()?;
        eql::query(&expr)
    }

    fn render_correlation_rules(
        &self,
        c: &CorrelationInput<'_>,
        _attack: &AttackData,
    ) -> Result<String, String> {
        eql::correlation_query(c)
    }

    fn extension(&self) -> &'static str {
        "eql"
    }
}
