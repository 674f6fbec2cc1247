//! `esql`: one ES|QL query (`FROM … | WHERE … | KEEP …`) per rule; see [`super::lang::esql`] for
//! the language rules.

use std::collections::BTreeMap;

use super::lang::esql;
use super::meta::{esql_indices, parse_keep};
use super::{RuleInput, Target};
use crate::attack::AttackData;
use crate::mapping::correlation::CorrelationInput;

/// The `esql` target and its option.
#[derive(Debug, Clone, Copy)]
pub struct Esql {
    /// End rule queries with `| KEEP _id, _version, _index, <fields used>` (`-O keep=false` turns
    /// it off, e.g. to see every column of the matching events in Discover).
    pub keep: bool,
}

impl Default for Esql {
    fn default() -> Self {
        Esql::DEFAULT
    }
}

impl Esql {
    /// The registry default: queries end with `KEEP`, as Elastic's detection-rules repository
    /// requires of its ES|QL rules.
    pub const DEFAULT: Esql = Esql { keep: true };

    /// Applies `-O key=value` options: `keep=true|false`. Unknown keys are errors so typos do not
    /// pass silently.
    pub fn with_options(mut self, opts: &BTreeMap<String, String>) -> Result<Esql, String> {
        for (k, v) in opts {
            match k.as_str() {
                "keep" => self.keep = parse_keep(v, "esql")?,
                _ => return Err(format!("esql: unknown option `{k}` (keep)")),
            }
        }
        Ok(self)
    }
}

impl Target for Esql {
    fn name(&self) -> &'static str {
        "esql"
    }

    fn about(&self) -> &'static str {
        "Elasticsearch ES|QL (FROM … | WHERE … | KEEP …), case-insensitive via TO_LOWER, one query per rule"
    }

    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        let (expr, indices) = input.queries.combined()?;
        esql::query(&expr, &esql_indices(&indices), self.keep)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_option() {
        let opts = |v: &str| BTreeMap::from([("keep".to_string(), v.to_string())]);
        assert!(Esql::default().keep);
        assert!(!Esql::DEFAULT.with_options(&opts("false")).unwrap().keep);
        assert!(Esql::DEFAULT.with_options(&opts("true")).unwrap().keep);
        assert!(Esql::DEFAULT.with_options(&opts("no")).is_err());
        let bad = BTreeMap::from([("kep".to_string(), "false".to_string())]);
        assert!(
            Esql::DEFAULT
                .with_options(&bad)
                .unwrap_err()
                .contains("unknown option")
        );
    }
}
