//! Sigma correlation rules, mapped: the referenced rules' IR and the correlation's fields resolved
//! once, so each target only decides whether (and how) its language can express the correlation.
//!
//! The caller finds the referenced documents (by id or name) and the filters that apply to them and
//! passes them in as [`Reference`]s, so mapping never sees the scan. [`resolve`] builds their IR under
//! the same config set, maps `group-by` fields (and aliases) and the aggregated field through the
//! config, and returns a [`CorrelationInput`] for the renderers. Anything that cannot be resolved
//! faithfully — a missing or non-rule reference (chained correlations), a field that maps to several
//! names, aliases that disagree after mapping — is an `Err` with the skip reason.

use super::chain::ConfigSet;
use super::ir::Expr;
use crate::rule::{CorrOp, Correlation, CorrelationType, Document, Filter, Rule, SourceDoc};

/// One rule reference of a correlation, looked up by the caller.
pub struct Reference<'a> {
    /// The reference as written (an id or a name).
    pub name: &'a str,
    /// The document it names, when the caller found one.
    pub found: Option<(&'a SourceDoc, &'a Document)>,
    /// The Sigma filter documents that apply to the referenced rule.
    pub filters: Vec<&'a Filter>,
}

/// One referenced rule, resolved and mapped.
pub struct Resolved<'a> {
    /// Where it comes from.
    pub doc: &'a SourceDoc,
    /// The parsed rule.
    pub rule: &'a Rule,
    /// Its query (a condition list ORed), mapped.
    pub expr: Expr,
    /// Its indices (empty: the target's default).
    pub indices: Vec<String>,
}

/// Everything a target needs to render one correlation.
pub struct CorrelationInput<'a> {
    /// The correlation document.
    pub doc: &'a SourceDoc,
    /// The correlation.
    pub correlation: &'a Correlation,
    /// The config set in use.
    pub set: &'a ConfigSet,
    /// Referenced rules in the order the correlation lists them.
    pub rules: Vec<Resolved<'a>>,
    /// Mapped `group-by` fields.
    pub group_by: Vec<String>,
    /// Mapped aggregated field (`value_*` types).
    pub field: Option<String>,
}

impl CorrelationInput<'_> {
    /// The referenced rules' queries ORed (what `event_count`/`value_*` count over).
    pub fn any_rule(&self) -> Expr {
        Expr::or(self.rules.iter().map(|r| r.expr.clone()).collect())
    }

    /// Union of the referenced rules' indices, sorted.
    pub fn indices(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .rules
            .iter()
            .flat_map(|r| r.indices.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The single comparison of the condition, if it has exactly one.
    pub fn single_op(&self) -> Option<(CorrOp, f64)> {
        match self
            .correlation
            .condition
            .as_ref()
            .map(|c| c.ops.as_slice())
        {
            Some([one]) => Some(*one),
            _ => None,
        }
    }

    /// The smallest integer count that satisfies a `gt`/`gte` condition (the threshold a
    /// "fire at or above" engine needs); `None` for other conditions.
    pub fn at_least(&self) -> Option<u64> {
        let (op, n) = self.single_op()?;
        if n < 0.0 || n.fract() != 0.0 || n > 1e12 {
            return None;
        }
        let n = n as u64;
        match op {
            CorrOp::Gte => Some(n.max(1)),
            CorrOp::Gt => Some(n + 1),
            _ => None,
        }
    }

    /// The correlation type.
    pub fn kind(&self) -> CorrelationType {
        self.correlation.kind.value
    }

    /// The timespan in seconds.
    pub fn seconds(&self) -> u64 {
        self.correlation.timespan.value.seconds
    }
}

fn map_one(set: &ConfigSet, rule: &Rule, field: &str) -> Result<String, String> {
    let mut mapped = set.map_field(field, &set.rule_ctx(rule));
    if !set.pipelines().is_empty() {
        let mut through = Vec::new();
        for f in &mapped {
            for g in super::pipeline::transform::map_field(set.pipelines(), rule, f)? {
                if !through.contains(&g) {
                    through.push(g);
                }
            }
        }
        mapped = through;
    }
    match mapped.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!("field `{field}` maps to no field")),
        many => Err(format!(
            "field `{field}` maps to several fields ({}); a correlation needs one",
            many.join(", ")
        )),
    }
}

/// Maps a correlation field name (or alias) for every referenced rule; all must agree.
fn map_corr_field(
    c: &Correlation,
    set: &ConfigSet,
    rules: &[Resolved<'_>],
    name: &str,
) -> Result<String, String> {
    let alias = c.aliases.iter().find(|a| a.name.value == name);
    let mut result: Option<String> = None;
    for r in rules {
        let field = match alias {
            None => name.to_string(),
            Some(a) => a
                .fields
                .iter()
                .find(|(reference, _)| {
                    r.doc.id.as_deref() == Some(reference.value.as_str())
                        || r.rule.meta.name.as_ref().map(|n| n.value.as_str())
                            == Some(reference.value.as_str())
                })
                .map(|(_, f)| f.value.clone())
                .ok_or_else(|| format!("alias `{name}` names no field for a referenced rule"))?,
        };
        let mapped = map_one(set, r.rule, &field)?;
        match &result {
            Some(prev) if *prev != mapped => {
                return Err(format!(
                    "`{name}` maps to different fields in the referenced rules (`{prev}`, `{mapped}`)"
                ));
            }
            _ => result = Some(mapped),
        }
    }
    result.ok_or_else(|| "the correlation references no rule".into())
}

/// Resolves a correlation's references and fields; `Err` is the skip reason.
pub fn resolve<'a>(
    doc: &'a SourceDoc,
    correlation: &'a Correlation,
    set: &'a ConfigSet,
    references: &[Reference<'a>],
) -> Result<CorrelationInput<'a>, String> {
    let mut rules = Vec::with_capacity(references.len());
    for reference in references {
        let r = reference.name;
        let (rdoc, d) = reference
            .found
            .ok_or_else(|| format!("referenced rule `{r}` is not among the converted files"))?;
        let Document::Rule(rule) = d else {
            return Err(format!(
                "referenced `{r}` is a {}; chained correlations are not converted",
                d.kind_name()
            ));
        };
        let queries = set
            .build_filtered(rule, &reference.filters)
            .map_err(|e| format!("referenced rule `{r}`: {}", e.0))?;
        let (expr, indices) = queries.combined()?;
        let expr = expr.into_owned();
        rules.push(Resolved {
            doc: rdoc,
            rule,
            expr,
            indices,
        });
    }
    if rules.is_empty() {
        return Err("the correlation references no rule".into());
    }
    let group_by = correlation
        .group_by
        .iter()
        .map(|g| map_corr_field(correlation, set, &rules, &g.value))
        .collect::<Result<Vec<_>, _>>()?;
    let field = match correlation.condition.as_ref().and_then(|c| c.field.first()) {
        Some(f) => Some(map_corr_field(correlation, set, &rules, &f.value)?),
        None => None,
    };
    Ok(CorrelationInput {
        doc,
        correlation,
        set,
        rules,
        group_by,
        field,
    })
}
