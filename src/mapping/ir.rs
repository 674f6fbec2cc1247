//! The query IR: one immutable, target-neutral boolean tree per rule condition and config set.
//!
//! Every target renders this tree and nothing else, so field mapping, logsource conditions and overrides
//! are decided once and mean the same thing in Lucene, EQL, ES|QL or any wrapper format. Nothing in
//! here is text to be re-parsed: values keep Sigma's wildcard structure ([`SigmaString`]) and regexes
//! keep their original (PCRE-style) pattern so each target can translate them to its own dialect.
//!
//! Semantics every renderer must honour:
//! * String matching ([`Test::Pattern`], [`Expr::Keyword`]) is **case-insensitive** unless `cased`
//!   is set, as in Sigma. How a target achieves that (regex folding, lower-cased sub-fields, a
//!   case-insensitive operator) is the target's choice, guided by [`CaseStrategy`].
//! * `*` / `?` inside a [`SigmaString`] are wildcards; everything in a literal part is literal.
//! * [`Test::Null`] means "the field is absent or null"; [`Test::Exists`] means "the field is present".
//!   `Null` and `Exists` are complements.
//! * [`Expr::Keyword`] is a full-text search over the whole event (Sigma keyword lists); it matches
//!   when the text occurs anywhere.

use std::borrow::Cow;

use super::finding::FieldFinding;
use crate::rule::modifier::{CmpOp, ReFlags, TimeUnit};
use crate::rule::value::{Number, SigmaString};

/// A boolean query tree.
///
/// `And`/`Or` always hold two or more operands after [`Expr::and`] / [`Expr::or`]; renderers may still
/// meet a one-element list from hand-built trees and must treat it as that element.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All operands hold.
    And(Vec<Expr>),
    /// At least one operand holds.
    Or(Vec<Expr>),
    /// The operand does not hold.
    Not(Box<Expr>),
    /// A test on one (mapped) field.
    Test(FieldTest),
    /// A full-text search for a value anywhere in the event (Sigma keywords).
    Keyword(Keyword),
}

impl Expr {
    /// Conjunction that flattens nested `And`s and unwraps single operands, so structural matching
    /// (overrides) and rendering see one canonical shape whatever the condition's bracketing.
    pub fn and(items: Vec<Expr>) -> Expr {
        Self::join(items, true)
    }

    /// Disjunction, flattened like [`Expr::and`].
    pub fn or(items: Vec<Expr>) -> Expr {
        Self::join(items, false)
    }

    /// Negation that removes double negation and turns `not null` into `exists` (and back), since
    /// [`Test::Null`] and [`Test::Exists`] are complements: every target then sees the direct form.
    #[allow(clippy::should_implement_trait)] // `Expr::not(x)` reads like `Expr::and`/`Expr::or`
    pub fn not(inner: Expr) -> Expr {
        match inner {
            Expr::Not(e) => *e,
            Expr::Test(FieldTest {
                kind,
                field,
                time_part: None,
                test: test @ (Test::Null | Test::Exists),
                case,
            }) => Expr::Test(FieldTest {
                kind,
                field,
                time_part: None,
                case,
                test: if test == Test::Null {
                    Test::Exists
                } else {
                    Test::Null
                },
            }),
            e => Expr::Not(Box::new(e)),
        }
    }

    fn join(items: Vec<Expr>, and: bool) -> Expr {
        let mut out = Vec::with_capacity(items.len());
        for e in items {
            match e {
                Expr::And(v) if and => out.extend(v),
                Expr::Or(v) if !and => out.extend(v),
                e => out.push(e),
            }
        }
        if out.len() == 1 {
            return out.remove(0);
        }
        if and { Expr::And(out) } else { Expr::Or(out) }
    }

    /// Visits every node, parents before children (for statistics and checks).
    /// The same expression with every test's and keyword's [`CaseStrategy`] chosen by `strategy`
    /// (called with the field name, `None` for keywords). The builder uses it once, after overrides,
    /// so replacement sub-expressions get the same treatment as the rule's own.
    pub fn with_case(self, strategy: &impl Fn(Option<&str>) -> CaseStrategy) -> Expr {
        match self {
            Expr::And(v) => Expr::And(v.into_iter().map(|e| e.with_case(strategy)).collect()),
            Expr::Or(v) => Expr::Or(v.into_iter().map(|e| e.with_case(strategy)).collect()),
            Expr::Not(x) => Expr::Not(Box::new(x.with_case(strategy))),
            Expr::Test(mut t) => {
                t.case = strategy(Some(&t.field));
                Expr::Test(t)
            }
            Expr::Keyword(mut k) => {
                k.case = strategy(None);
                Expr::Keyword(k)
            }
        }
    }

    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.walk(f)),
            Expr::Not(e) => e.walk(f),
            Expr::Test(_) | Expr::Keyword(_) => {}
        }
    }
}

/// One test on one field. The field name is already mapped for the target schema.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldTest {
    /// Mapped field name (e.g. `process.command_line`).
    pub field: String,
    /// A part of a timestamp to extract before comparing (Sigma time modifiers); most query languages
    /// cannot express this and must refuse the rule.
    pub time_part: Option<TimeUnit>,
    /// What is tested.
    pub test: Test,
    /// How a target honours case-insensitive matching on this field, resolved by the builder from
    /// the configs that apply to the rule (see [`CaseStrategy`]); unused by case-sensitive tests.
    pub case: CaseStrategy,
    /// What the field catalog says the field's values are in every index of the query
    /// ([`FieldKind::Unknown`] without a catalog or when the indices disagree), so a renderer writes
    /// `source.port == 0` rather than a string a `long` field rejects.
    pub kind: FieldKind,
}

/// The value family of a field in the indices a query searches, from the field catalog.
///
/// Set by the builder (`mapping::typing`) when every index that has the field agrees; renderers
/// use it to choose number or string literals and fall back to their own documented heuristics
/// for [`FieldKind::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FieldKind {
    /// No catalog, indices unknown to it, or indices that disagree.
    #[default]
    Unknown,
    /// A numeric type (`long`, `integer`, `float`, …): literals are numbers.
    Number,
    /// `ip`: literals are addresses, CIDR queries are native.
    Ip,
    /// A string type (`keyword`, `wildcard`, `text`, …): literals are strings.
    String,
}

/// What a [`FieldTest`] checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equality with a string that may hold `*`/`?` wildcards; case-insensitive unless `cased`.
    Pattern {
        /// The value.
        value: SigmaString,
        /// Case must match exactly (Sigma `cased`, and every encoded value such as base64).
        cased: bool,
    },
    /// Unanchored regular-expression search, PCRE-style pattern as written in the rule.
    Regex {
        /// The pattern.
        pattern: String,
        /// Flags (`i`, `m`, `s`).
        flags: ReFlags,
    },
    /// IP address inside a CIDR network (normalised text such as `10.0.0.0/8`).
    Cidr(String),
    /// Numeric equality.
    Number(Number),
    /// Boolean equality.
    Bool(bool),
    /// Field absent or null.
    Null,
    /// Field present (with any value, including empty).
    Exists,
    /// Numeric comparison `field <op> value`.
    Compare {
        /// Operator.
        op: CmpOp,
        /// Bound.
        value: Number,
    },
    /// Equal to the value of another (mapped) field of the same event.
    FieldRef(String),
}

/// A keyword (full-text) search value.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    /// Text to find; wildcards allowed.
    pub value: SigmaString,
    /// Case must match exactly.
    pub cased: bool,
    /// How a target honours case-insensitive matching of this keyword (the config set's `*` choice).
    pub case: CaseStrategy,
}

/// How a target should honour Sigma's case-insensitive string matching on a given field.
///
/// Chosen per rule and mapped field by the configs that map the rule (`ConfigSet::case_strategy`) and
/// stored on each [`FieldTest`] and [`Keyword`], because only the index mapping knows whether a field
/// is already case-insensitive.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum CaseStrategy {
    /// Emit values exactly as written: right only when the field is case-insensitive already, or the
    /// data is known to use the rule's spelling (e.g. CloudTrail API names).
    Exact,
    /// Lower-case the values: for fields indexed with a lower-casing normalizer (`*.caseless`).
    Lowercase,
    /// Fold case in the query itself (Lucene: a regex with `[aA]` classes): always right, slower.
    #[default]
    Regex,
}

/// The query for one rule condition under one config set.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The whole filter: the rule's condition with the logsource conditions AND-ed in and overrides
    /// applied.
    pub expr: Expr,
    /// Index patterns to search, sorted and de-duplicated (empty: the target's default).
    pub indices: Vec<String>,
    /// Names of the overrides that fired, in config order, for reports.
    pub overrides: Vec<String>,
    /// The field catalog says fields missing from the indices make this query false in every one
    /// of them (see `mapping::typing`); always `false` without a catalog.
    pub never_matches: bool,
}

/// Everything the IR builder produced for one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleQueries {
    /// One query per condition of the rule (Sigma condition lists mean several queries).
    pub queries: Vec<Query>,
    /// Non-fatal notes (e.g. a legacy override that could not be honoured).
    pub warnings: Vec<String>,
    /// What the field catalog says about the fields the queries use (empty without a catalog).
    pub findings: Vec<FieldFinding>,
}

impl RuleQueries {
    /// Every query of the rule can never match (fields missing from all its indices).
    pub fn never_matches(&self) -> bool {
        !self.queries.is_empty() && self.queries.iter().all(|q| q.never_matches)
    }

    /// The rule as one expression (its condition list OR-ed: a search matches when any condition
    /// does) and the union of the indices, sorted. A one-condition rule (nearly all) borrows its
    /// tree instead of copying it for every target that renders it.
    pub fn combined(&self) -> Result<(Cow<'_, Expr>, Vec<String>), String> {
        let expr = match self.queries.as_slice() {
            [] => return Err("the rule produced no query".into()),
            [one] => Cow::Borrowed(&one.expr),
            many => Cow::Owned(Expr::or(many.iter().map(|x| x.expr.clone()).collect())),
        };
        let mut idx: Vec<String> = self
            .queries
            .iter()
            .flat_map(|x| x.indices.iter().cloned())
            .collect();
        idx.sort();
        idx.dedup();
        Ok((expr, idx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(f: &str) -> Expr {
        Expr::Test(FieldTest {
            kind: FieldKind::default(),
            case: CaseStrategy::default(),
            field: f.into(),
            time_part: None,
            test: Test::Exists,
        })
    }

    #[test]
    fn constructors_flatten_and_unwrap() {
        let e = Expr::and(vec![t("a"), Expr::and(vec![t("b"), t("c")])]);
        assert_eq!(e, Expr::And(vec![t("a"), t("b"), t("c")]));
        assert_eq!(Expr::or(vec![t("a")]), t("a"));
        assert_eq!(Expr::not(Expr::not(t("a"))), t("a"));
        let null = Expr::Test(FieldTest {
            kind: FieldKind::default(),
            case: CaseStrategy::default(),
            field: "a".into(),
            time_part: None,
            test: Test::Null,
        });
        assert_eq!(Expr::not(null.clone()), t("a"));
        assert_eq!(Expr::not(t("a")), null);
        let mut n = 0;
        e.walk(&mut |_| n += 1);
        assert_eq!(n, 4);
    }
}
