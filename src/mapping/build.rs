//! The IR builder: a parsed rule plus a config set gives one [`Query`] per condition.
//!
//! The rule is only read, never changed, and all per-rule context (conditional mappings, logsource
//! rewrites) lives in local values, so converting rules in any order or in parallel gives the same
//! result (sigmac leaked conditional-mapping state from one rule into the next).

use std::collections::{BTreeMap, HashMap};

use super::chain::{ConfigSet, RuleCtx};
use super::ir::{Expr, FieldTest, Keyword, Query, RuleQueries, Test};
use super::overrides;
use crate::rule::condition::{Cond, Quantifier};
use crate::rule::modifier::{Chain, Matcher, RawValue};
use crate::rule::value::{Part, SigmaString};
use crate::rule::{Detection, FieldMatch, Filter, Rule, Search};

/// Why a rule has no IR: a construct the IR cannot express faithfully. Targets report it as `skipped`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

/// Expands `%name%` placeholders with the config's values (cartesian product for several).
fn expand_placeholders(
    s: &SigmaString,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<SigmaString>, String> {
    let mut out: Vec<Vec<Part>> = vec![Vec::new()];
    for part in &s.parts {
        match part {
            Part::Placeholder(name) => {
                let values = placeholders.get(name).ok_or_else(|| {
                    format!("placeholder %{name}% has no value in the config set (add it under `placeholders`)")
                })?;
                let mut next = Vec::new();
                for prefix in &out {
                    for v in values {
                        let mut p = prefix.clone();
                        p.extend(SigmaString::parse(v, false).parts);
                        next.push(p);
                    }
                }
                out = next;
            }
            other => out.iter_mut().for_each(|p| p.push(other.clone())),
        }
    }
    Ok(out
        .into_iter()
        .map(|parts| {
            let mut merged: Vec<Part> = Vec::with_capacity(parts.len());
            for p in parts {
                match (merged.last_mut(), p) {
                    (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
                    (_, p) => merged.push(p),
                }
            }
            SigmaString { parts: merged }
        })
        .collect())
}

fn matcher_tests(
    m: Matcher,
    fieldref: impl Fn(&str) -> Result<String, String>,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<(Test, bool)>, String> {
    // (test, negate)
    Ok(match m {
        Matcher::Pattern { value, cased } if value.has_placeholders() => {
            expand_placeholders(&value, placeholders)?
                .into_iter()
                .map(|value| (Test::Pattern { value, cased }, false))
                .collect()
        }
        Matcher::Pattern { value, cased } => vec![(Test::Pattern { value, cased }, false)],
        Matcher::Regex { pattern, flags } => vec![(Test::Regex { pattern, flags }, false)],
        Matcher::Cidr(c) => vec![(Test::Cidr(c), false)],
        Matcher::Number(n) => vec![(Test::Number(n), false)],
        Matcher::Bool(b) => vec![(Test::Bool(b), false)],
        Matcher::Null => vec![(Test::Null, false)],
        Matcher::Exists(b) => vec![(Test::Exists, !b)],
        Matcher::Compare { op, value } => vec![(Test::Compare { op, value }, false)],
        Matcher::FieldRef(f) => vec![(Test::FieldRef(fieldref(&f)?), false)],
    })
}

/// Builds the expression of one detection item on already-mapped field names: values OR-ed (AND-ed
/// with `all`), the alternatives of one value OR-ed, several mapped fields OR-ed per value, and `neq`
/// negating the whole item ("the field differs from every value").
pub(crate) fn item_expr(
    fields: &[String],
    chain: &Chain,
    values: Vec<Vec<Matcher>>,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Expr, String> {
    let mut per_value = Vec::with_capacity(values.len());
    for alternatives in values {
        let mut alts = Vec::new();
        for m in alternatives {
            for field in fields {
                let tests = matcher_tests(m.clone(), |f| Ok(f.to_string()), placeholders)?;
                for (test, negate) in tests {
                    let t = Expr::Test(FieldTest {
                        field: field.clone(),
                        time_part: chain.time_part,
                        test,
                    });
                    alts.push(if negate { Expr::not(t) } else { t });
                }
            }
        }
        if alts.is_empty() {
            return Err("a value produced nothing to match".into());
        }
        per_value.push(Expr::or(alts));
    }
    if per_value.is_empty() {
        return Err("empty value list".into());
    }
    let e = if chain.all {
        Expr::and(per_value)
    } else {
        Expr::or(per_value)
    };
    Ok(if chain.negated { Expr::not(e) } else { e })
}

struct Builder<'a> {
    detection: &'a Detection,
    set: &'a ConfigSet,
    ctx: RuleCtx,
    cache: HashMap<&'a str, Expr>,
}

impl<'a> Builder<'a> {
    fn field_match(&self, fm: &FieldMatch) -> Result<Expr, String> {
        let placeholders = self.set.placeholders();
        let Some(field) = &fm.field else {
            let mut per_value = Vec::new();
            for v in &fm.values {
                let mut alts = Vec::new();
                for m in &v.alternatives {
                    match m {
                        Matcher::Pattern { value, cased } => {
                            for value in expand_placeholders(value, &placeholders)? {
                                alts.push(Expr::Keyword(Keyword {
                                    value,
                                    cased: *cased,
                                }));
                            }
                        }
                        // A bare number or boolean in a keyword list is searched as its text.
                        Matcher::Number(n) => alts.push(Expr::Keyword(Keyword {
                            value: SigmaString::literal(&n.to_string()),
                            cased: false,
                        })),
                        Matcher::Bool(b) => alts.push(Expr::Keyword(Keyword {
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
        item_expr(&mapped, &fm.chain, values, &placeholders)
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

fn matcher_kind(m: &Matcher) -> &'static str {
    match m {
        Matcher::Pattern { .. } => "a string",
        Matcher::Regex { .. } => "a regex",
        Matcher::Cidr(_) => "cidr",
        Matcher::Number(_) => "a number",
        Matcher::Bool(_) => "a boolean",
        Matcher::Null => "null",
        Matcher::Exists(_) => "exists",
        Matcher::Compare { .. } => "a comparison",
        Matcher::FieldRef(_) => "fieldref",
    }
}

/// The `(field, value)` pairs of a rule's detection, for sigmac's `field=value` conditional mappings.
pub(crate) fn detection_pairs(rule: &Rule) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for s in &rule.detection.searches {
        for g in &s.groups {
            for fm in &g.items {
                let Some(f) = &fm.field else { continue };
                for v in &fm.values {
                    match &v.raw {
                        RawValue::Str(s) => pairs.push((f.clone(), s.clone())),
                        RawValue::Number(n) => pairs.push((f.clone(), n.to_string())),
                        RawValue::Bool(b) => pairs.push((f.clone(), b.to_string())),
                        RawValue::Null => {}
                    }
                }
            }
        }
    }
    pairs
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

/// Builds the queries of a rule under a config set (see [`ConfigSet::build`]); `filters` are the
/// Sigma filter documents that reference the rule: each one's condition is AND-ed into every query,
/// mapped with the rule's logsource, before overrides apply.
pub(crate) fn build(
    rule: &Rule,
    set: &ConfigSet,
    filters: &[&Filter],
) -> Result<RuleQueries, BuildError> {
    let ctx = set.rule_ctx(rule);
    let (ls_cond, indices) = set.logsource(&ctx);
    let overrides = set.overrides_for(&ctx);
    let mut warnings = Vec::new();
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
        let (expr, fired) = overrides::apply_all(expr, &overrides, &mut warnings);
        queries.push(Query {
            expr,
            indices: indices.clone(),
            overrides: fired,
        });
    }
    warnings.sort();
    warnings.dedup();
    Ok(RuleQueries { queries, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand_as_a_product() {
        let mut p = BTreeMap::new();
        p.insert("a".to_string(), vec!["x".to_string(), "y*".to_string()]);
        let s = SigmaString::parse("pre%a%post", true);
        let out = expand_placeholders(&s, &p).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], SigmaString::literal("prexpost"));
        assert_eq!(out[1].to_string(), "prey*post");
        assert!(expand_placeholders(&SigmaString::parse("%b%", true), &p).is_err());
    }
}
