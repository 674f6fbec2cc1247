//! Overrides: replace a sub-expression that a log pipeline has already decided (e.g. "the CloudTrail
//! call failed") by a field test the pipeline provides (`event.outcome: failure`).
//!
//! They work on the IR, after field mapping, so they fire whatever the condition's bracketing,
//! identifier order or target, and the result is always a well-formed tree. See `docs/overrides.md`.
//!
//! Matching rules (structural):
//! * a node equal to the pattern, comparing `And`/`Or` operands as multisets and string values
//!   case-insensitively (Sigma semantics), is replaced;
//! * an `Or` (`And`) node whose operands include all operands of an `Or` (`And`) pattern has those
//!   operands replaced, the rest kept: `a or b or c or x` with pattern `a or b or c` gives
//!   `replacement or x`;
//! * De Morgan: an `And` holding `not a`, `not b`, `not c` for an `Or` pattern `a or b or c`
//!   (`selection and not filter1 and not filter2 …`) gets `not replacement`;
//! * `not replacement` becomes the override's `negation` when one is given
//!   (`not event.outcome: failure` → `event.outcome: success`).
//!
//! Legacy sigmac entries (`field`, `value`, `regexes`, `literals`) are matched against the canonical
//! Lucene text of each sub-expression; only a match of a *whole* sub-expression is applied, and a
//! pattern that only matches inside one is reported instead of breaking the query.

use serde::Deserialize;
use serde_yaml::Value;

use super::ir::{CaseStrategy, Expr, FieldKind, FieldTest, Test};
use super::pattern;
use crate::rule::value::{Part, SigmaString};

/// An override entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    name: Option<String>,
    #[serde(rename = "match")]
    pattern: Option<Value>,
    replace: Option<Value>,
    negation: Option<Value>,
    field: Option<String>,
    value: Option<Value>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    literals: Vec<String>,
}

/// How an override finds what it replaces.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A structural IR pattern (our format).
    Structural(Expr),
    /// sigmac's text patterns, applied to the canonical Lucene rendering of each sub-expression.
    Legacy {
        /// Compiled `regexes`, with their source text.
        regexes: Vec<(String, regex::Regex)>,
        /// `literals`.
        literals: Vec<String>,
    },
}

/// One validated override.
#[derive(Debug, Clone)]
pub struct Override {
    /// Name used in reports (`name:` or a generated one).
    pub name: String,
    /// What to look for.
    pub matcher: Matcher,
    /// What replaces a match.
    pub replace: Expr,
    /// What replaces `not <match>`; `None` keeps `not replace`.
    pub negation: Option<Expr>,
}

/// An override validated while the YAML is read, so errors carry the entry's line and column; the
/// flag tells whether the entry had its own `name` (else the config numbers it).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawOverride")]
pub(crate) struct CheckedOverride(pub(crate) Override, pub(crate) bool);

impl TryFrom<RawOverride> for CheckedOverride {
    type Error = String;

    fn try_from(raw: RawOverride) -> Result<Self, String> {
        let named = raw.name.is_some();
        raw.validate(0).map(|o| CheckedOverride(o, named))
    }
}

impl Override {
    /// The name a config gives an unnamed entry: its 1-based position, plus the legacy replacement.
    pub(crate) fn renumber(&mut self, index: usize) {
        self.name = match &self.matcher {
            Matcher::Structural(_) => format!("override #{}", index + 1),
            Matcher::Legacy { .. } => match self.name.split_once(" (") {
                Some((_, rest)) => format!("legacy override #{} ({rest}", index + 1),
                None => format!("legacy override #{}", index + 1),
            },
        };
    }
}

impl RawOverride {
    fn validate(self, index: usize) -> Result<Override, String> {
        let structural =
            self.pattern.is_some() || self.replace.is_some() || self.negation.is_some();
        let legacy = self.field.is_some()
            || self.value.is_some()
            || !self.regexes.is_empty()
            || !self.literals.is_empty();
        if structural && legacy {
            return Err("mixes structural keys (match/replace/negation) with legacy keys (field/value/regexes/literals)".into());
        }
        if structural {
            let pat = self.pattern.ok_or("`match` is required")?;
            let rep = self.replace.ok_or("`replace` is required")?;
            let name = self
                .name
                .unwrap_or_else(|| format!("override #{}", index + 1));
            return Ok(Override {
                name,
                matcher: Matcher::Structural(
                    pattern::parse_value(&pat).map_err(|e| format!("match: {e}"))?,
                ),
                replace: pattern::parse_value(&rep).map_err(|e| format!("replace: {e}"))?,
                negation: self
                    .negation
                    .as_ref()
                    .map(pattern::parse_value)
                    .transpose()
                    .map_err(|e| format!("negation: {e}"))?,
            });
        }
        let field = self.field.ok_or("legacy override needs `field`")?;
        let value = match self.value {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => return Err("legacy override needs a scalar `value`".into()),
        };
        if self.regexes.is_empty() && self.literals.is_empty() {
            return Err(
                "legacy override has neither `regexes` nor `literals`, so it can never fire".into(),
            );
        }
        let mut regexes = Vec::new();
        for r in self.regexes {
            let re = regex::Regex::new(&r).map_err(|e| format!("regex `{r}`: {e}"))?;
            regexes.push((r, re));
        }
        let name = self
            .name
            .unwrap_or_else(|| format!("legacy override #{} ({field}:{value})", index + 1));
        Ok(Override {
            name,
            matcher: Matcher::Legacy {
                regexes,
                literals: self.literals,
            },
            replace: Expr::Test(FieldTest {
                kind: FieldKind::default(),
                case: CaseStrategy::default(),
                field,
                time_part: None,
                test: Test::Pattern {
                    value: SigmaString::literal(&value),
                    cased: true,
                },
            }),
            negation: None,
        })
    }
}

/// Static checks of a legacy entry against the canonical rendering's vocabulary: sigmac appended
/// `.keyword` to wildcard fields and quoted plain values, neither of which the canonical Lucene text
/// ever contains, so such a pattern can never fire and the user should rewrite it structurally.
pub(crate) fn lint(ov: &Override) -> Vec<String> {
    let Matcher::Legacy { regexes, literals } = &ov.matcher else {
        return Vec::new();
    };
    regexes
        .iter()
        .map(|(s, _)| s.as_str())
        .chain(literals.iter().map(String::as_str))
        .filter(|p| p.contains(".keyword") || p.contains('"'))
        .map(|p| {
            format!(
                "{}: pattern `{p}` expects sigmac's rendering (`.keyword` suffixes or quoted values), which sigmaforge never produces, so it cannot match; express it as a structural override (docs/overrides.md)",
                ov.name
            )
        })
        .collect()
}

fn lit_eq(a: &SigmaString, b: &SigmaString, fold: bool) -> bool {
    a.parts.len() == b.parts.len()
        && a.parts.iter().zip(&b.parts).all(|(x, y)| match (x, y) {
            (Part::Lit(x), Part::Lit(y)) if fold => x.to_lowercase() == y.to_lowercase(),
            (x, y) => x == y,
        })
}

fn test_eq(a: &FieldTest, b: &FieldTest) -> bool {
    if a.field != b.field || a.time_part != b.time_part {
        return false;
    }
    // A boolean or number written as a string in a rule (`Initiated: 'true'`) is the same value.
    let as_pattern = |t: &Test| match t {
        Test::Bool(b) => Some((SigmaString::literal(&b.to_string()), false)),
        Test::Number(n) => Some((SigmaString::literal(&n.to_string()), false)),
        Test::Pattern { value, cased } => Some((value.clone(), *cased)),
        _ => None,
    };
    match (as_pattern(&a.test), as_pattern(&b.test)) {
        (Some((va, ca)), Some((vb, cb))) => lit_eq(&va, &vb, !(ca || cb)),
        _ => a.test == b.test,
    }
}

/// Structural equality with `And`/`Or` operands compared as multisets.
pub(crate) fn same(a: &Expr, b: &Expr) -> bool {
    match (a, b) {
        (Expr::And(x), Expr::And(y)) | (Expr::Or(x), Expr::Or(y)) => {
            x.len() == y.len() && take_subset(y, x).is_some()
        }
        (Expr::Not(x), Expr::Not(y)) => same(x, y),
        (Expr::Test(x), Expr::Test(y)) => test_eq(x, y),
        (Expr::Keyword(x), Expr::Keyword(y)) => {
            x.cased == y.cased && lit_eq(&x.value, &y.value, !x.cased)
        }
        _ => false,
    }
}

/// Finds distinct operands of `hay` matching every element of `needles`; returns their indices.
fn take_subset(hay: &[Expr], needles: &[Expr]) -> Option<Vec<usize>> {
    fn go(hay: &[Expr], needles: &[Expr], used: &mut Vec<usize>) -> bool {
        let Some((first, rest)) = needles.split_first() else {
            return true;
        };
        for (i, h) in hay.iter().enumerate() {
            if !used.contains(&i) && same(h, first) {
                used.push(i);
                if go(hay, rest, used) {
                    return true;
                }
                used.pop();
            }
        }
        false
    }
    let mut used = Vec::new();
    go(hay, needles, &mut used).then_some(used)
}

fn negated(ov: &Override) -> Expr {
    ov.negation
        .clone()
        .unwrap_or_else(|| Expr::not(ov.replace.clone()))
}

fn remove_indices(v: Vec<Expr>, idx: &[usize]) -> Vec<Expr> {
    v.into_iter()
        .enumerate()
        .filter(|(i, _)| !idx.contains(i))
        .map(|(_, e)| e)
        .collect()
}

/// Tries the structural pattern at one node (children already rewritten).
fn structural_at(node: Expr, pat: &Expr, ov: &Override, fired: &mut bool) -> Expr {
    if same(&node, pat) {
        *fired = true;
        return ov.replace.clone();
    }
    if let Expr::Not(inner) = &node
        && same(inner, &ov.replace)
        && ov.negation.is_some()
    {
        *fired = true;
        return negated(ov);
    }
    match (node, pat) {
        (Expr::Or(v), Expr::Or(p)) | (Expr::And(v), Expr::And(p)) if p.len() < v.len() => {
            let is_or = matches!(pat, Expr::Or(_));
            match take_subset(&v, p) {
                Some(idx) => {
                    *fired = true;
                    let mut rest = remove_indices(v, &idx);
                    rest.push(ov.replace.clone());
                    if is_or {
                        Expr::or(rest)
                    } else {
                        Expr::and(rest)
                    }
                }
                None if is_or => Expr::Or(v),
                None => Expr::And(v),
            }
        }
        // De Morgan: and(not a, not b, …) = not or(a, b, …), and the dual.
        (Expr::And(v), Expr::Or(p)) | (Expr::Or(v), Expr::And(p)) if p.len() <= v.len() => {
            let node_is_and = matches!(pat, Expr::Or(_));
            let negs: Vec<Expr> = p.iter().map(|x| Expr::not(x.clone())).collect();
            match take_subset(&v, &negs) {
                Some(idx) => {
                    *fired = true;
                    let mut rest = remove_indices(v, &idx);
                    rest.push(negated(ov));
                    if node_is_and {
                        Expr::and(rest)
                    } else {
                        Expr::or(rest)
                    }
                }
                None if node_is_and => Expr::And(v),
                None => Expr::Or(v),
            }
        }
        (node, _) => node,
    }
}

fn legacy_at(
    node: Expr,
    regexes: &[(String, regex::Regex)],
    literals: &[String],
    ov: &Override,
    fired: &mut bool,
) -> Expr {
    let text = super::query_string::canonical(&node);
    let wrapped = format!("({text})");
    let whole = |re: &regex::Regex, t: &str| {
        re.find(t)
            .is_some_and(|m| m.start() == 0 && m.end() == t.len())
    };
    let hit = regexes
        .iter()
        .any(|(_, re)| whole(re, &text) || whole(re, &wrapped))
        || literals.iter().any(|l| *l == text || *l == wrapped);
    if hit {
        *fired = true;
        ov.replace.clone()
    } else {
        node
    }
}

fn rewrite(e: Expr, ov: &Override, fired: &mut bool) -> Expr {
    let e = match e {
        Expr::And(v) => Expr::and(v.into_iter().map(|x| rewrite(x, ov, fired)).collect()),
        Expr::Or(v) => Expr::or(v.into_iter().map(|x| rewrite(x, ov, fired)).collect()),
        Expr::Not(x) => Expr::not(rewrite(*x, ov, fired)),
        leaf => leaf,
    };
    match &ov.matcher {
        Matcher::Structural(p) => structural_at(e, p, ov, fired),
        Matcher::Legacy { regexes, literals } => legacy_at(e, regexes, literals, ov, fired),
    }
}

/// Applies every override in order, each bottom-up over the whole tree. Returns the new tree and the
/// names of the overrides that fired; legacy patterns that match only part of a sub-expression are
/// reported in `warnings`.
pub(crate) fn apply_all(
    mut expr: Expr,
    overrides: &[&Override],
    warnings: &mut Vec<String>,
) -> (Expr, Vec<String>) {
    let mut fired_names = Vec::new();
    for ov in overrides {
        let mut fired = false;
        expr = rewrite(expr, ov, &mut fired);
        if fired {
            fired_names.push(ov.name.clone());
        } else if let Matcher::Legacy { regexes, literals } = &ov.matcher {
            let text = super::query_string::canonical(&expr);
            for (src, re) in regexes {
                if re.is_match(&text) {
                    warnings.push(format!(
                        "{}: regex `{src}` matches only part of a sub-expression of the canonical query; not applied, because a text substitution there would change the query's structure",
                        ov.name
                    ));
                }
            }
            for l in literals {
                if text.contains(l.as_str()) {
                    warnings.push(format!(
                        "{}: literal `{l}` matches only part of a sub-expression of the canonical query; not applied",
                        ov.name
                    ));
                }
            }
        }
    }
    (expr, fired_names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Expr {
        pattern::parse_value(&serde_yaml::from_str(s).unwrap()).unwrap()
    }

    fn ov() -> Override {
        let raw: RawOverride = serde_yaml::from_str(
            "name: failure\nmatch:\n  any:\n    - a: '*'\n    - b: '*'\nreplace:\n  outcome: failure\nnegation:\n  outcome: success\n",
        )
        .unwrap();
        raw.validate(0).unwrap()
    }

    fn run(e: Expr) -> (Expr, Vec<String>) {
        let o = ov();
        apply_all(e, &[&o], &mut Vec::new())
    }

    #[test]
    fn fires_in_any_order_and_shape() {
        let (e, f) = run(p(
            "all:\n  - s: x\n  - any:\n      - b: '*'\n      - a: '*'\n",
        ));
        assert_eq!(e, p("s: x\noutcome: failure\n"));
        assert_eq!(f, vec!["failure".to_string()]);
        let (e, _) = run(p("s: x\nnot:\n  any:\n    - a: '*'\n    - b: '*'\n"));
        assert_eq!(e, p("s: x\noutcome: success\n"));
        let (e, _) = run(p("all:\n  - s: x\n  - not:\n      a: '*'\n  - b: '*'\n"));
        assert!(
            matches!(e, Expr::And(ref v) if v.len() == 3),
            "partial negated set stays"
        );
        let (e, _) = run(p(
            "all:\n  - s: x\n  - not:\n      a: '*'\n  - not:\n      b: '*'\n",
        ));
        assert_eq!(e, p("s: x\noutcome: success\n"));
        let (e, _) = run(p("any:\n  - a: '*'\n  - c: y\n  - b: '*'\n"));
        assert_eq!(e, p("any:\n  - c: y\n  - outcome: failure\n"));
        let (e, f) = run(p("a: '*'"));
        assert_eq!(e, p("a: '*'"));
        assert!(f.is_empty());
    }

    #[test]
    fn validation_fails_loudly() {
        let bad = |s: &str| {
            serde_yaml::from_str::<RawOverride>(s)
                .unwrap()
                .validate(0)
                .unwrap_err()
        };
        assert!(bad("match: {a: x}\n").contains("replace"));
        assert!(bad("match: {a|bogus: x}\nreplace: {b: y}\n").contains("match"));
        assert!(bad("field: a\nvalue: b\nregexes: ['(']\n").contains("regex"));
        assert!(bad("field: a\nvalue: b\n").contains("never fire"));
        assert!(bad("field: a\nvalue: b\nliterals: [x]\nmatch: {a: b}\n").contains("mixes"));
    }
}
