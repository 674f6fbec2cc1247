//! `esql`: one ES|QL query (`FROM … | WHERE …`) per rule; see [`super::lang::esql`] for the
//! language rules.

use super::lang::esql;
use super::meta::esql_indices;
use super::{RuleInput, Target};
use crate::attack::AttackData;
use crate::mapping::correlation::CorrelationInput;

/// The `esql` target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Esql;

impl Target for Esql {
    fn name(&self) -> &'static str {
        "esql"
    }

    fn about(&self) -> &'static str {
        "Elasticsearch ES|QL (FROM … | WHERE …), case-insensitive via TO_LOWER, one query per rule"
    }

    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        let (expr, indices) = input.queries.combined()?;
        esql::query(&expr, &esql_indices(&indices))
    }

    fn render_correlation_rules(
        &self,
        c: &CorrelationInput<'_>,
        _attack: &AttackData,
    ) -> Result<String, String> {
        esql::correlation_query(c)
    }

    fn extension(&self) -> &'static str {
        "esql"
    }
}
