//! Field types from the field catalog applied to a built query, and the findings they give.
//!
//! A Sigma query on Elastic silently misses when a field does not exist in the searched index,
//! when its mapping makes the match case-sensitive, or when a number is compared as a string. The
//! builder runs [`apply`] on every query whose indices the catalog knows (see
//! `docs/targets.md`, "Field types"):
//! * each [`FieldTest`] gets the [`FieldKind`] all member indices agree on;
//! * a string that looks like a number on a numeric field becomes [`Test::Number`]; any other
//!   string (or a wildcard) on a numeric field can never match, and the rule is refused with that
//!   reason; a CIDR test on a field that is a string everywhere is refused too (an ip query on a
//!   keyword field is an error in Elasticsearch);
//! * case: a field that is a lowercase-normalized keyword everywhere gets
//!   [`CaseStrategy::Lowercase`]; a config's `lowercase` choice on a field that is *not*
//!   case-insensitive everywhere falls back to [`CaseStrategy::Regex`] (always correct);
//! * a field absent from some member ([`FindingKind::NotInIndex`], with the nearest existing
//!   names) or analyzed as `text` in some member ([`FindingKind::TextField`]) is a finding;
//! * [`Typed::never_matches`]: in every member index the missing fields alone make the query
//!   false.
//!
//! When the members disagree (a field `long` in one data stream and `keyword` in another) the
//! kind stays [`FieldKind::Unknown`] and the renderers' documented fallbacks apply: one query runs
//! on all members, so no single literal form can be right everywhere.

use std::collections::HashMap;
use std::sync::Mutex;

use super::catalog::{FieldCatalog, FieldView, Resolved};
use super::finding::{FieldFinding, FindingKind};
use super::ir::{CaseStrategy, Expr, FieldKind, FieldTest, Test};
use crate::rule::value::{Number, Part, SigmaString};

/// "Did you mean" answers by (index patterns, field): ranking every name of a dozen data streams
/// is the costly part of a finding, and the same field is missing from the same indices in
/// hundreds of rules. Owned by the `ConfigSet` (shared by its clones and threads), never global.
pub(crate) type NearestCache = Mutex<HashMap<(Vec<String>, String), Vec<String>>>;

/// A query after typing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Typed {
    /// The expression with kinds, numbers and case strategies set.
    pub(crate) expr: Expr,
    /// Findings, sorted.
    pub(crate) findings: Vec<FieldFinding>,
    /// Missing fields make the query false in every member index.
    pub(crate) never_matches: bool,
}

/// Types `expr` for the `indices` it searches; `Err` is the reason the rule cannot be converted
/// faithfully. Without indices, or with indices the catalog does not know, the expression is
/// returned unchanged.
pub(crate) fn apply(
    catalog: &FieldCatalog,
    expr: Expr,
    indices: &[String],
    cache: &NearestCache,
) -> Result<Typed, String> {
    let resolved = catalog.resolve_all(indices);
    if indices.is_empty() || resolved.is_empty() {
        return Ok(Typed {
            expr,
            findings: Vec::new(),
            never_matches: false,
        });
    }
    let mut t = Typer {
        resolved: &resolved,
        views: HashMap::new(),
    };
    let expr = t.expr(expr)?;
    let members: Vec<String> = resolved.indices().map(|i| i.name()).collect();
    let mut findings = Vec::new();
    let mut names: Vec<&String> = t.views.keys().collect();
    names.sort();
    for name in names {
        let v = &t.views[name];
        let missing: Vec<String> = v.missing_in().iter().map(|i| i.name()).collect();
        if !missing.is_empty() {
            findings.push(FieldFinding {
                kind: FindingKind::NotInIndex,
                field: name.clone(),
                indices: missing,
                of: members.len(),
                nearest: nearest(&resolved, indices, name, cache),
            });
        }
    }
    for (name, uses_text) in text_uses(&expr, &t.views) {
        findings.push(FieldFinding {
            kind: FindingKind::TextField,
            field: name,
            indices: uses_text,
            of: members.len(),
            nearest: Vec::new(),
        });
    }
    findings.sort();
    findings.dedup();
    let never_matches = members
        .iter()
        .all(|m| eval(&expr, &|f| t.views.get(f).is_some_and(|v| absent(v, m))) == Some(false));
    Ok(Typed {
        expr,
        findings,
        never_matches,
    })
}

fn nearest(
    resolved: &Resolved<'_>,
    indices: &[String],
    name: &str,
    cache: &NearestCache,
) -> Vec<String> {
    let key = (indices.to_vec(), name.to_string());
    // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return hit.clone();
    }
    let found = resolved.nearest(name, 3);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, found.clone());
    found
}

fn absent(v: &FieldView<'_>, member: &str) -> bool {
    v.per_index()
        .iter()
        .any(|(ix, info)| info.is_none() && ix.name() == member)
}

/// Fields used by string-matching tests (pattern, regex) that are text in some member, with those
/// members.
fn text_uses(expr: &Expr, views: &HashMap<String, FieldView<'_>>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    expr.walk(&mut |e| {
        if let Expr::Test(t) = e
            && matches!(t.test, Test::Pattern { .. } | Test::Regex { .. })
            && let Some(v) = views.get(&t.field)
        {
            let text: Vec<String> = v
                .per_index()
                .iter()
                .filter(|(_, f)| f.as_ref().is_some_and(|f| f.ty.is_text()))
                .map(|(ix, _)| ix.name())
                .collect();
            if !text.is_empty() && !out.iter().any(|(n, _)| *n == t.field) {
                out.push((t.field.clone(), text));
            }
        }
    });
    out
}

/// Three-valued evaluation with only "field absent" known: `Some(false)` when the expression is
/// false whatever the values of the present fields.
fn eval(e: &Expr, is_absent: &impl Fn(&str) -> bool) -> Option<bool> {
    match e {
        Expr::And(v) => {
            let r: Vec<Option<bool>> = v.iter().map(|x| eval(x, is_absent)).collect();
            if r.contains(&Some(false)) {
                Some(false)
            } else if r.iter().all(|x| *x == Some(true)) {
                Some(true)
            } else {
                None
            }
        }
        Expr::Or(v) => {
            let r: Vec<Option<bool>> = v.iter().map(|x| eval(x, is_absent)).collect();
            if r.contains(&Some(true)) {
                Some(true)
            } else if r.iter().all(|x| *x == Some(false)) {
                Some(false)
            } else {
                None
            }
        }
        Expr::Not(x) => eval(x, is_absent).map(|b| !b),
        Expr::Keyword(_) => None,
        Expr::Test(t) if is_absent(&t.field) => match &t.test {
            Test::Null => Some(true),
            // A field reference compares two fields; absent on the left is enough.
            _ => Some(false),
        },
        Expr::Test(_) => None,
    }
}

struct Typer<'r, 'c> {
    resolved: &'r Resolved<'c>,
    views: HashMap<String, FieldView<'c>>,
}

impl Typer<'_, '_> {
    fn view(&mut self, field: &str) -> &FieldView<'_> {
        if !self.views.contains_key(field) {
            let v = self.resolved.field(field);
            self.views.insert(field.to_string(), v);
        }
        &self.views[field]
    }

    fn expr(&mut self, e: Expr) -> Result<Expr, String> {
        Ok(match e {
            Expr::And(v) => Expr::And(
                v.into_iter()
                    .map(|x| self.expr(x))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(v) => Expr::Or(
                v.into_iter()
                    .map(|x| self.expr(x))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(x) => Expr::Not(Box::new(self.expr(*x)?)),
            Expr::Keyword(k) => Expr::Keyword(k),
            Expr::Test(t) => Expr::Test(self.test(t)?),
        })
    }

    fn test(&mut self, mut t: FieldTest) -> Result<FieldTest, String> {
        let v = self.view(&t.field);
        if !v.exists() {
            return Ok(t);
        }
        let types = v.types();
        let type_names = types
            .iter()
            .map(|ty| ty.as_str().to_string())
            .collect::<Vec<_>>()
            .join("/");
        t.kind = if v.is_numeric() {
            FieldKind::Number
        } else if v.is_ip() {
            FieldKind::Ip
        } else if types.iter().all(|ty| ty.is_exact_string() || ty.is_text()) {
            FieldKind::String
        } else {
            FieldKind::Unknown
        };
        let case_insensitive = v.is_case_insensitive();
        let normalized = v.per_index().iter().all(|(_, f)| {
            f.as_ref()
                .is_none_or(|f| f.normalizer.as_deref() == Some("lowercase"))
        });
        match (&t.test, t.kind) {
            (Test::Pattern { value, .. }, FieldKind::Number) if value.parts != [Part::AnyChars] => {
                match number(value) {
                    Some(n) => t.test = Test::Number(n),
                    None => {
                        return Err(format!(
                            "`{value}` on `{}`: the field is numeric ({type_names}) in the rule's \
                             indices, so a string or wildcard value can never match",
                            t.field
                        ));
                    }
                }
            }
            (Test::Cidr(c), FieldKind::String) => {
                return Err(format!(
                    "cidr `{c}` on `{}`: the field is {type_names}, not ip, in the rule's indices \
                     (Elasticsearch rejects an ip query on it)",
                    t.field
                ));
            }
            (Test::Pattern { cased: false, .. }, _) => {
                if normalized {
                    t.case = CaseStrategy::Lowercase;
                } else if t.case == CaseStrategy::Lowercase && !case_insensitive {
                    t.case = CaseStrategy::Regex;
                }
            }
            _ => {}
        }
        Ok(t)
    }
}

/// A plain (wildcard-free) value that reads as a decimal number.
fn number(v: &SigmaString) -> Option<Number> {
    let s = v.as_plain()?.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Some(Number::Int(i));
    }
    let looks_decimal = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if looks_decimal && let Ok(f) = s.parse::<f64>() {
        return f.is_finite().then_some(Number::Float(f));
    }
    None
}
