//! The IR builder: a parsed rule plus a config set gives one [`Query`] per condition.
//!
//! The rule is only read, never changed, and all per-rule context (conditional mappings, logsource
//! rewrites) lives in local values, so converting rules in any order or in parallel gives the same
//! result (sigmac leaked conditional-mapping state from one rule into the next).

use std::collections::HashMap;

use super::chain::{ConfigSet, RuleCtx};
use super::finding::FindingKind;
use super::ir::{CaseStrategy, Expr, Keyword, Query, RuleQueries};
use super::lower::{expand_placeholders, item_expr, matcher_kind};
use super::overrides;
use super::pipeline;
use super::typing;
use crate::rule::condition::{Cond, Quantifier};
use crate::rule::modifier::Matcher;
use crate::rule::value::SigmaString;
use crate::rule::{Detection, FieldMatch, Filter, Rule, Search};

/// Why a rule has no IR: a construct the IR cannot express faithfully. Targets report it as `skipped`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

struct Builder<'a> {
    detection: &'a Detection,
    set: &'a ConfigSet,
    ctx: RuleCtx,
    cache: HashMap<&'a str, Expr>,
}

impl<'a> Builder<'a> {
    fn field_match(&self, fm: &FieldMatch) -> Result<Expr, String> {
        let placeholders = self.set.placeholders();
        // Pipelines may resolve what the configs leave (value_placeholders, wildcard_placeholders).
        let keep = !self.set.pipelines().is_empty();
        let Some(field) = &fm.field else {
            let mut per_value = Vec::new();
            for v in &fm.values {
                let mut alts = Vec::new();
                for m in &v.alternatives {
                    match m {
                        Matcher::Pattern { value, cased } => {
                            for value in expand_placeholders(value, &placeholders, keep)? {
                                alts.push(Expr::Keyword(Keyword {
                                    case: CaseStrategy::default(),
                                    value,
                                    cased: *cased,
                                }));
                            }
                        }
                        // A bare number or boolean in a keyword list is searched as its text.
                        Matcher::Number(n) => alts.push(Expr::Keyword(Keyword {
                            case: CaseStrategy::default(),
                            value: SigmaString::literal(&n.to_string()),
                            cased: false,
                        })),
                        Matcher::Bool(b) => alts.push(Expr::Keyword(Keyword {
                            case: CaseStrategy::default(),
                            value: SigmaString::literal(&b.to_string()),
                            cased: false,
                        })),
                        other => {
                            return Err(format!(
                                "keyword search with {} cannot be expressed without a field",
                                matcher_kind(other)
                            ));
                        }
                    }
                }
                per_value.push(Expr::or(alts));
            }
            let e = if fm.chain.all {
                Expr::and(per_value)
            } else {
                Expr::or(per_value)
            };
            return Ok(if fm.chain.negated { Expr::not(e) } else { e });
        };
        let mapped = self.set.map_field(field, &self.ctx);
        let values: Vec<Vec<Matcher>> = fm.values.iter().map(|v| v.alternatives.clone()).collect();
        // Field references are mapped too; a reference to a one-to-many field has no single meaning.
        for v in &values {
            for m in v {
                if let Matcher::FieldRef(r) = m
                    && self.set.map_field(r, &self.ctx).len() != 1
                {
                    return Err(format!(
                        "fieldref `{r}` maps to several fields, so the comparison is ambiguous"
                    ));
                }
            }
        }
        let values = values
            .into_iter()
            .map(|alts| {
                alts.into_iter()
                    .map(|m| match m {
                        Matcher::FieldRef(r) => {
                            Matcher::FieldRef(self.set.map_field(&r, &self.ctx).remove(0))
                        }
                        m => m,
                    })
                    .collect()
            })
            .collect();
        item_expr(&mapped, &fm.chain, values, &placeholders, keep)
    }

    fn search(&mut self, s: &'a Search) -> Result<Expr, String> {
        if let Some(e) = self.cache.get(s.name.as_str()) {
            return Ok(e.clone());
        }
        let mut groups = Vec::with_capacity(s.groups.len());
        for g in &s.groups {
            let items = g
                .items
                .iter()
                .map(|fm| self.field_match(fm))
                .collect::<Result<Vec<_>, _>>()?;
            if items.is_empty() {
                return Err(format!("search `{}` has an empty group", s.name));
            }
            groups.push(Expr::and(items));
        }
        if groups.is_empty() {
            return Err(format!("search `{}` is empty", s.name));
        }
        let e = Expr::or(groups);
        self.cache.insert(&s.name, e.clone());
        Ok(e)
    }

    fn cond(&mut self, c: &'a Cond) -> Result<Expr, String> {
        Ok(match c {
            Cond::Ident { name, .. } => {
                let s = self
                    .detection
                    .search(name)
                    .ok_or_else(|| format!("condition names unknown search `{name}`"))?;
                self.search(s)?
            }
            Cond::Not(inner) => Expr::not(self.cond(inner)?),
            Cond::And(v) => Expr::and(v.iter().map(|c| self.cond(c)).collect::<Result<_, _>>()?),
            Cond::Or(v) => Expr::or(v.iter().map(|c| self.cond(c)).collect::<Result<_, _>>()?),
            Cond::Of {
                quantifier,
                pattern,
                ..
            } => {
                let selected = self.detection.select(pattern.as_deref());
                if selected.is_empty() {
                    return Err(format!(
                        "`of {}` selects no search",
                        pattern.as_deref().unwrap_or("them")
                    ));
                }
                let items = selected
                    .into_iter()
                    .map(|s| self.search(s))
                    .collect::<Result<Vec<_>, _>>()?;
                match quantifier {
                    Quantifier::Any => Expr::or(items),
                    Quantifier::All => Expr::and(items),
                }
            }
        })
    }
}

/// Whether a filter's logsource fits the rule: every field the filter names must be equal.
fn filter_applies(filter: &Filter, rule: &Rule) -> bool {
    let same = |f: &Option<crate::rule::Text>, r: &Option<crate::rule::Text>| match f {
        None => true,
        Some(f) => r.as_ref().is_some_and(|r| r.value == f.value),
    };
    same(&filter.logsource.category, &rule.logsource.category)
        && same(&filter.logsource.product, &rule.logsource.product)
        && same(&filter.logsource.service, &rule.logsource.service)
}

impl ConfigSet {
    /// Builds the IR of one rule: one query per condition, with mapped fields, logsource conditions,
    /// indices and overrides. Errors mean the rule cannot be expressed faithfully (skip it).
    pub fn build(&self, rule: &Rule) -> Result<RuleQueries, BuildError> {
        build(rule, self, &[])
    }

    /// Like [`ConfigSet::build`], with the Sigma filter documents that reference the rule AND-ed into
    /// every query (a filter whose logsource does not fit the rule is left out with a warning).
    pub fn build_filtered(
        &self,
        rule: &Rule,
        filters: &[&Filter],
    ) -> Result<RuleQueries, BuildError> {
        build(rule, self, filters)
    }
}

/// Builds the queries of a rule under a config set (see [`ConfigSet::build`]); `filters` are the
/// Sigma filter documents that reference the rule: each one's condition is AND-ed into every query,
/// mapped with the rule's logsource, before overrides apply.
fn build(rule: &Rule, set: &ConfigSet, filters: &[&Filter]) -> Result<RuleQueries, BuildError> {
    let ctx = set.rule_ctx(rule);
    let (ls_cond, indices) = set.logsource(&ctx);
    let overrides = set.overrides_for(&ctx);
    let mut warnings = Vec::new();
    let mut findings = Vec::new();
    let mut filter_exprs = Vec::new();
    for f in filters {
        let title = f
            .meta
            .title
            .as_ref()
            .map_or("(untitled)", |t| t.value.as_str());
        if !filter_applies(f, rule) {
            warnings.push(format!(
                "filter `{title}` names this rule but its logsource differs; not applied"
            ));
            continue;
        }
        let mut fb = Builder {
            detection: &f.detection,
            set,
            ctx: set.rule_ctx(rule),
            cache: HashMap::new(),
        };
        let conds = f
            .detection
            .conditions
            .iter()
            .map(|c| fb.cond(&c.tree))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| BuildError(format!("filter `{title}`: {e}")))?;
        filter_exprs.push(Expr::or(conds));
    }
    let mut b = Builder {
        detection: &rule.detection,
        set,
        ctx,
        cache: HashMap::new(),
    };
    let mut queries = Vec::new();
    if rule.detection.conditions.is_empty() {
        return Err(BuildError("the rule has no condition".into()));
    }
    for c in &rule.detection.conditions {
        let mut body = b.cond(&c.tree).map_err(BuildError)?;
        if !filter_exprs.is_empty() {
            let mut parts = vec![body];
            parts.extend(filter_exprs.iter().cloned());
            body = Expr::and(parts);
        }
        let expr = match &ls_cond {
            Some(l) => Expr::and(vec![l.clone(), body]),
            None => body,
        };
        let mut indices = indices.clone();
        let expr = if set.pipelines().is_empty() {
            expr
        } else {
            let out =
                pipeline::transform::apply(set.pipelines(), rule, expr).map_err(BuildError)?;
            warnings.extend(out.warnings);
            indices.extend(out.indices);
            indices.sort();
            indices.dedup();
            out.expr
        };
        let (expr, fired) = overrides::apply_all(expr, &overrides, &mut warnings);
        let expr = expr.with_case(&|field| set.case_strategy(&b.ctx, field.unwrap_or("*")));
        let (expr, never_matches) = match set.catalog() {
            Some(catalog) => {
                let typed = typing::apply(catalog, expr, &indices, set.nearest_cache())
                    .map_err(BuildError)?;
                findings.extend(typed.findings);
                (typed.expr, typed.never_matches)
            }
            None => (expr, false),
        };
        queries.push(Query {
            expr,
            indices,
            overrides: fired,
            never_matches,
        });
    }
    warnings.sort();
    warnings.dedup();
    findings.sort();
    findings.dedup();
    if set.strict_fields()
        && let Some(f) = findings.iter().find(|f| f.kind == FindingKind::NotInIndex)
    {
        return Err(BuildError(format!("{} (strict field check)", f.message())));
    }
    Ok(RuleQueries {
        queries,
        warnings,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::config::builtin_configs;
    use crate::mapping::query_string;
    use crate::rule::Document;

    /// Every example rule's query and indices under `names`, in file order.
    fn outputs(names: &[&str], rules: &[(String, Rule)]) -> Vec<String> {
        let set = ConfigSet::load(names).expect("shipped configs load");
        rules
            .iter()
            .map(|(path, r)| match set.build(r) {
                Ok(q) => {
                    let (expr, idx) = q.combined().expect("a query");
                    let text = query_string::render(&expr, None)
                        .unwrap_or_else(|e| format!("skipped: {e}"));
                    format!("{path}: {text} {idx:?}")
                }
                Err(e) => format!("{path}: error {e}"),
            })
            .collect()
    }

    fn example_rules() -> Vec<(String, Rule)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules");
        let mut files = Vec::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).expect("examples/rules is readable") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "yml") {
                    files.push(p);
                }
            }
        }
        files.sort();
        let mut rules = Vec::new();
        for f in files {
            let text = std::fs::read(&f).expect("rule readable");
            let shown = f.display().to_string();
            for d in crate::rule::file::parse_bytes(&shown, &text).docs {
                if let Some(Document::Rule(r)) = d.doc {
                    rules.push((shown.clone(), r));
                }
            }
        }
        assert!(rules.len() > 20, "the example repository has rules");
        rules
    }

    /// A config that does not map a rule never changes it, wherever it stands: for every pair of
    /// shipped configs, both orders give the same query for every example rule, and adding a config
    /// changes only the rules it maps. `ecs-endpoint` and `ecs-windows` are alternatives for the
    /// same Windows rules (Elastic Defend vs the Windows integration), never chained: both map the
    /// rule, so their order matters by design.
    #[test]
    fn shipped_config_order_never_changes_a_rule() {
        let rules = example_rules();
        let names: Vec<&str> = builtin_configs().iter().map(|(n, _)| *n).collect();
        let alternatives = [("ecs-endpoint", "ecs-windows")];
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                if alternatives.contains(&(*a, *b)) {
                    continue;
                }
                let ab = outputs(&[a, b], &rules);
                let ba = outputs(&[b, a], &rules);
                for (x, y) in ab.iter().zip(&ba) {
                    assert_eq!(x, y, "-c {a} -c {b} differs from -c {b} -c {a}");
                }
            }
        }
    }
}
