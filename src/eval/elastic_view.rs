//! The Elastic view: what the rendered Lucene query (es-qs, and the rule, Kibana, Watcher and
//! ElastAlert formats that embed it) matches in Elasticsearch, predicted from the field catalog,
//! compared with what the Sigma rule matches.
//!
//! A Sigma rule can be right and still miss in Elastic: its field is not in the index, the index
//! keeps the field as a case-sensitive `keyword` while the config renders values as written, or
//! the field is analyzed `text` and matched token by token. For every rule this module takes the
//! rule's witness events (raw view: the rule's own field names, labelled by the evaluator), maps
//! each into the target schema with the config chain (the mapped view: every field under its
//! mapped names, plus values that satisfy the logsource conditions, since the events are meant for
//! the rule), and evaluates the rule's mapped query once per group of catalog indices that map its
//! fields alike:
//! * a field missing from the index (or `index: false`) holds no value;
//! * a case-insensitive test on a keyword without a lowercase normalizer is compared
//!   case-sensitively when the query keeps the value's case (case strategy `exact`) or lower-cases
//!   it (`lowercase`); the `regex` strategy folds case in the query and is exact;
//! * a `cased` test on a lowercase-normalized keyword matches any case;
//! * on `text` fields a plain value is a phrase of the value's tokens, and a wildcard or regex runs
//!   on each token (the standard analyzer's tokens, approximated as lower-cased runs of letters,
//!   digits and `_`).
//!
//! Everything else (numbers, ip, booleans, presence, keyword searches) is predicted as Sigma says.
//! An event the rule matches that the Elastic query would not is "would miss in Elastic"; the
//! reverse is "would over-match". See `docs/testing.md` ("The Elastic view").

use super::event::{self, text};
use super::matcher::{Leaf, Net, Probe, TextPattern, compile_regex};
use super::witness::witness;
use crate::mapping::ConfigSet;
use crate::mapping::catalog::{FieldCatalog, FieldInfo};
use crate::mapping::ir::{CaseStrategy, Expr, FieldTest, Query, Test};
use crate::render::convert::filters_for;
use crate::rule::value::{Part, SigmaString};
use crate::rule::{Document, Rule, SourceDoc};
use crate::scan::Scan;
use serde::Serialize;
use serde_json::{Map, Value};

/// Which way the Elastic verdict differs from the Sigma verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Divergence {
    /// The rule matches the event; the Elastic query would not.
    WouldMiss,
    /// The rule does not match the event; the Elastic query would.
    WouldOverMatch,
}

impl Divergence {
    /// The words the text report and the docs use.
    pub fn label(self) -> &'static str {
        match self {
            Divergence::WouldMiss => "would miss in Elastic",
            Divergence::WouldOverMatch => "would over-match",
        }
    }
}

/// One way a rule's Elastic query diverges from the rule: the first event that shows it, how many
/// witness events do, the indices where it happens and the field behaviours that cause it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewFinding {
    /// Miss or over-match.
    pub finding: Divergence,
    /// The first event (raw view, the rule's field names) that shows it.
    pub event: Value,
    /// The same event in the target schema, as the query sees it.
    pub elastic_event: Value,
    /// How many of the rule's witness events show the same divergence in the same indices.
    pub events: usize,
    /// The catalog indices (patterns) where it happens.
    pub indices: Vec<String>,
    /// Why: one line per field test whose Elastic verdict differs on the event.
    pub causes: Vec<String>,
}

/// One rule in the Elastic view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleView {
    /// Rule file.
    pub path: String,
    /// Rule id.
    pub id: Option<String>,
    /// Rule title.
    pub title: Option<String>,
    /// Witness events compared (matching and near misses).
    pub events: usize,
    /// Divergences (empty: Elastic agrees with Sigma on every witness event).
    pub findings: Vec<ViewFinding>,
    /// Why the rule was not compared (no witness, mapping refused, indices unknown to the catalog).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_checked: Option<String>,
}

/// Totals of an Elastic-view run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ViewSummary {
    /// Detection rules seen.
    pub rules: usize,
    /// Rules compared.
    pub checked: usize,
    /// Rules not compared (each with its reason).
    pub not_checked: usize,
    /// Witness events compared.
    pub events: usize,
    /// Rules with at least one divergence.
    pub rules_with_findings: usize,
    /// Divergences "would miss in Elastic".
    pub would_miss: usize,
    /// Divergences "would over-match".
    pub would_over_match: usize,
}

/// The Elastic view of a scan under one config chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewReport {
    /// Rules in path order.
    pub rules: Vec<RuleView>,
    /// Totals.
    pub summary: ViewSummary,
}

/// How Elasticsearch runs one field test in one index.
#[derive(Debug, Clone)]
enum Mode {
    /// As Sigma says.
    Sigma,
    /// The field holds no value in the index.
    Absent,
    /// A string pattern compared as this (case-sensitive or folding) pattern on the whole value.
    Whole(TextPattern),
    /// Analyzed text, plain value: the value's tokens in a row.
    Phrase(Vec<String>),
    /// Analyzed text, wildcard: the pattern on any one token.
    TokenPattern(TextPattern),
    /// Analyzed text, regex: the regex on any one token.
    TokenRegex(regex::Regex),
}

/// A mapped query compiled once: the IR tree with each test's Sigma leaves.
enum Node<'q> {
    And(Vec<Node<'q>>),
    Or(Vec<Node<'q>>),
    Not(Box<Node<'q>>),
    /// Test number (walk order), the IR test, its leaf.
    Test(usize, &'q FieldTest, Leaf),
    Keyword(TextPattern),
}

fn compile<'q>(e: &'q Expr, n: &mut usize) -> Result<Node<'q>, String> {
    Ok(match e {
        Expr::And(v) => Node::And(v.iter().map(|x| compile(x, n)).collect::<Result<_, _>>()?),
        Expr::Or(v) => Node::Or(v.iter().map(|x| compile(x, n)).collect::<Result<_, _>>()?),
        Expr::Not(x) => Node::Not(Box::new(compile(x, n)?)),
        Expr::Keyword(k) => Node::Keyword(TextPattern::compile(&k.value, k.cased)?),
        Expr::Test(t) => {
            let leaf = match &t.test {
                Test::Pattern { value, cased } => Leaf::Text(TextPattern::compile(value, *cased)?),
                Test::Regex { pattern, flags } => Leaf::Regex(compile_regex(pattern, *flags)?),
                Test::Cidr(c) => {
                    Leaf::Cidr(Net::parse(c).ok_or_else(|| format!("'{c}' is not a CIDR network"))?)
                }
                Test::Number(x) => Leaf::Number(*x),
                Test::Bool(b) => Leaf::Bool(*b),
                Test::Null => Leaf::Null,
                Test::Exists => Leaf::Exists(true),
                Test::Compare { op, value } => Leaf::Compare(*op, value.as_f64()),
                Test::FieldRef(f) => Leaf::FieldRef {
                    field: f.clone(),
                    cased: false,
                },
            };
            *n += 1;
            Node::Test(*n - 1, t, leaf)
        }
    })
}

/// The standard analyzer's tokens, approximated: lower-cased runs of letters, digits and `_`.
fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn has_case(v: &SigmaString) -> bool {
    v.parts.iter().any(
        |p| matches!(p, Part::Lit(l) if l.chars().any(|c| c.is_lowercase() || c.is_uppercase())),
    )
}

fn lowered(v: &SigmaString) -> SigmaString {
    SigmaString {
        parts: v
            .parts
            .iter()
            .map(|p| match p {
                Part::Lit(l) => Part::Lit(l.to_lowercase()),
                other => other.clone(),
            })
            .collect(),
    }
}

/// How one index runs one test, and why that differs from Sigma (`None`: it does not).
fn classify(t: &FieldTest, info: Option<&FieldInfo>) -> Result<(Mode, Option<String>), String> {
    let f = &t.field;
    let Some(info) = info else {
        return Ok((Mode::Absent, Some(format!("`{f}` is not in the index"))));
    };
    if !info.searchable {
        return Ok((
            Mode::Absent,
            Some(format!("`{f}` is not searchable (`index: false`)")),
        ));
    }
    let ty = info.ty.as_str();
    if info.ty.is_text() {
        let why = Some(format!(
            "`{f}` is analyzed {ty}: Elasticsearch matches its tokens, not the whole value"
        ));
        return Ok(match &t.test {
            Test::Pattern { value, .. } => match value.as_plain() {
                Some(p) => (Mode::Phrase(tokens(p)), why),
                None => {
                    let (v, cased) = rendered(t, value);
                    (Mode::TokenPattern(TextPattern::compile(&v, cased)?), why)
                }
            },
            Test::Regex { pattern, flags } => {
                (Mode::TokenRegex(compile_regex(pattern, *flags)?), why)
            }
            _ => (Mode::Sigma, None),
        });
    }
    let Test::Pattern { value, cased } = &t.test else {
        return Ok((Mode::Sigma, None));
    };
    if !info.ty.is_exact_string() {
        return Ok((Mode::Sigma, None));
    }
    let folds = info.is_case_insensitive();
    if *cased {
        return Ok(if folds && has_case(value) {
            (
                Mode::Whole(TextPattern::compile(value, false)?),
                Some(format!(
                    "`{f}` is a lowercase-normalized {ty}: the `cased` value matches in any case"
                )),
            )
        } else {
            (Mode::Sigma, None)
        });
    }
    if folds || !has_case(value) {
        return Ok((Mode::Sigma, None));
    }
    let (v, cased) = rendered(t, value);
    if !cased {
        return Ok((Mode::Sigma, None));
    }
    let how = match t.case {
        CaseStrategy::Lowercase => "lower-cases the value (case strategy `lowercase`)",
        _ => "keeps the value's case (case strategy `exact`)",
    };
    Ok((
        Mode::Whole(TextPattern::compile(&v, true)?),
        Some(format!(
            "`{f}` is a case-sensitive {ty} and the query {how}: `{value}` is compared \
             case-sensitively"
        )),
    ))
}

/// The value the Lucene query holds for a case-insensitive test, and whether Elasticsearch compares
/// it case-sensitively on a field that does not fold case: `exact` keeps it, `lowercase` lowers it,
/// `regex` folds case in the query itself.
fn rendered(t: &FieldTest, value: &SigmaString) -> (SigmaString, bool) {
    let cased_test = matches!(t.test, Test::Pattern { cased: true, .. });
    if cased_test {
        return (value.clone(), true);
    }
    match t.case {
        CaseStrategy::Regex => (value.clone(), false),
        CaseStrategy::Exact => (value.clone(), true),
        CaseStrategy::Lowercase => (lowered(value), true),
    }
}

fn any_text(event: &Value, field: &str, f: impl Fn(&str) -> bool) -> bool {
    event::scalars(&event::lookup(event, field))
        .iter()
        .filter_map(|v| text(v))
        .any(|t| f(&t))
}

/// One test in one mode.
fn test_in(mode: &Mode, t: &FieldTest, leaf: &Leaf, event: &Value) -> bool {
    match mode {
        Mode::Sigma => leaf.test(&Probe::field(event, &t.field, t.time_part), event),
        Mode::Absent => matches!(t.test, Test::Null),
        Mode::Whole(p) => any_text(event, &t.field, |s| p.is_match(s, &s.to_lowercase())),
        Mode::Phrase(want) => any_text(event, &t.field, |s| {
            let have = tokens(s);
            !want.is_empty() && have.windows(want.len()).any(|w| w == want.as_slice())
        }),
        Mode::TokenPattern(p) => any_text(event, &t.field, |s| {
            tokens(s).iter().any(|tok| p.is_match(tok, tok))
        }),
        Mode::TokenRegex(re) => any_text(event, &t.field, |s| {
            tokens(s).iter().any(|tok| re.is_match(tok))
        }),
    }
}

/// The tree's verdict; `modes` per test number (`None`: Sigma semantics throughout).
fn eval(n: &Node, event: &Value, modes: Option<&[Mode]>) -> bool {
    match n {
        Node::And(v) => v.iter().all(|x| eval(x, event, modes)),
        Node::Or(v) => v.iter().any(|x| eval(x, event, modes)),
        Node::Not(x) => !eval(x, event, modes),
        Node::Keyword(p) => event::all_scalars(event)
            .iter()
            .filter_map(|v| text(v))
            .any(|s| p.is_match(&s, &s.to_lowercase())),
        Node::Test(i, t, leaf) => {
            let mode = modes.map_or(&Mode::Sigma, |m| &m[*i]);
            test_in(mode, t, leaf, event)
        }
    }
}

/// Values that satisfy a logsource condition (first alternative of each `or`): the mapped event is
/// meant for the rule, so it carries them.
fn satisfy(e: &Expr, out: &mut Map<String, Value>) {
    match e {
        Expr::And(v) => v.iter().for_each(|x| satisfy(x, out)),
        Expr::Or(v) => {
            if let Some(x) = v.first() {
                satisfy(x, out);
            }
        }
        Expr::Test(t) if t.time_part.is_none() && !out.contains_key(&t.field) => {
            let v = match &t.test {
                Test::Pattern { value, .. } => Value::String(
                    value
                        .parts
                        .iter()
                        .map(|p| match p {
                            Part::Lit(l) => l.as_str(),
                            Part::OneChar => "x",
                            _ => "",
                        })
                        .collect(),
                ),
                Test::Number(n) => serde_json::from_str(&n.to_string()).unwrap_or(Value::Null),
                Test::Bool(b) => Value::Bool(*b),
                Test::Exists => Value::String("x".into()),
                _ => return,
            };
            out.insert(t.field.clone(), v);
        }
        _ => {}
    }
}

/// The event in the target schema: each field under its mapped names, plus the logsource values.
fn mapped_event(set: &ConfigSet, rule: &Rule, raw: &Value, logsource: Option<&Expr>) -> Value {
    let ctx = set.rule_ctx(rule);
    let mut out = Map::new();
    if let Some(obj) = raw.as_object() {
        for (k, v) in obj {
            for m in set.map_field(k, &ctx) {
                out.insert(m, v.clone());
            }
        }
    }
    if let Some(l) = logsource {
        satisfy(l, &mut out);
    }
    Value::Object(out)
}

/// One group of catalog indices that run the query alike: their names and per-test modes/causes.
struct Profile {
    indices: Vec<String>,
    modes: Vec<Mode>,
    causes: Vec<Option<String>>,
}

fn profiles(
    catalog: &FieldCatalog,
    q: &Query,
    tests: &[&FieldTest],
) -> Result<Vec<Profile>, String> {
    let resolved = catalog.resolve_all(&q.indices);
    if resolved.is_empty() {
        return Err(format!(
            "the field catalog knows none of the indices `{}`",
            q.indices.join(",")
        ));
    }
    let mut out: Vec<Profile> = Vec::new();
    for ix in resolved.indices() {
        let mut modes = Vec::with_capacity(tests.len());
        let mut causes = Vec::with_capacity(tests.len());
        for t in tests {
            let (m, c) = classify(t, ix.lookup(&t.field).as_ref())?;
            modes.push(m);
            causes.push(c);
        }
        match out.iter_mut().find(|p| p.causes == causes) {
            Some(p) => p.indices.push(ix.name()),
            None => out.push(Profile {
                indices: vec![ix.name()],
                modes,
                causes,
            }),
        }
    }
    Ok(out)
}

fn tests_of(n: &Node<'_>, out: &mut Vec<(usize, FieldTest)>) {
    match n {
        Node::And(v) | Node::Or(v) => v.iter().for_each(|x| tests_of(x, out)),
        Node::Not(x) => tests_of(x, out),
        Node::Test(i, t, _) => out.push((*i, (*t).clone())),
        Node::Keyword(_) => {}
    }
}

/// The Elastic view of one rule.
fn view_rule(
    scan: &Scan,
    doc: &SourceDoc,
    rule: &Rule,
    set: &ConfigSet,
    catalog: &FieldCatalog,
) -> RuleView {
    let mut view = RuleView {
        path: doc.path.clone(),
        id: rule.meta.id.as_ref().map(|t| t.value.clone()),
        title: rule.meta.title.as_ref().map(|t| t.value.clone()),
        events: 0,
        findings: Vec::new(),
        not_checked: None,
    };
    match compare_rule(scan, rule, set, catalog, &mut view) {
        Ok(()) => view,
        Err(why) => RuleView {
            not_checked: Some(why),
            findings: Vec::new(),
            events: 0,
            ..view
        },
    }
}

fn compare_rule(
    scan: &Scan,
    rule: &Rule,
    set: &ConfigSet,
    catalog: &FieldCatalog,
    view: &mut RuleView,
) -> Result<(), String> {
    let filters = filters_for(scan, rule);
    let w = witness(rule, &filters)?;
    if w.matching.is_empty() {
        return Err("no witness event could be generated".into());
    }
    let built = set.build_filtered(rule, &filters).map_err(|e| e.0)?;
    let (logsource, _) = set.logsource(&set.rule_ctx(rule));
    let mut queries = Vec::new();
    for q in &built.queries {
        let node = compile(&q.expr, &mut 0)?;
        let mut tests = Vec::new();
        tests_of(&node, &mut tests);
        tests.sort_by_key(|(i, _)| *i);
        let refs: Vec<&FieldTest> = tests.iter().map(|(_, t)| t).collect();
        let profiles = profiles(catalog, q, &refs)?;
        queries.push((node, tests, profiles));
    }
    let labelled = w
        .matching
        .iter()
        .map(|e| (e, true))
        .chain(w.near_misses.iter().map(|e| (e, false)));
    for (raw, sigma) in labelled {
        view.events += 1;
        let ev = mapped_event(set, rule, raw, logsource.as_ref());
        // Per profile: does any of the rule's queries match the event there?
        let mut by_profile: Vec<(Vec<String>, bool, Vec<String>)> = Vec::new();
        for (node, tests, profiles) in &queries {
            for p in profiles {
                let hit = eval(node, &ev, Some(&p.modes));
                let mut causes = Vec::new();
                for (i, t) in tests {
                    if let Some(c) = &p.causes[*i] {
                        let leaf_hit = |m: &Mode| match node_leaf(node, *i) {
                            Some(l) => test_in(m, t, l, &ev),
                            None => false,
                        };
                        if leaf_hit(&p.modes[*i]) != leaf_hit(&Mode::Sigma) && !causes.contains(c) {
                            causes.push(c.clone());
                        }
                    }
                }
                match by_profile.iter_mut().find(|(ix, _, _)| *ix == p.indices) {
                    Some(entry) => {
                        entry.1 |= hit;
                        entry.2.extend(causes);
                    }
                    None => by_profile.push((p.indices.clone(), hit, causes)),
                }
            }
        }
        for (indices, hit, mut causes) in by_profile {
            if hit == sigma {
                continue;
            }
            if causes.is_empty() {
                causes.push(
                    "the config's mapping (logsource conditions, overrides, keyword searches) \
                     changes the verdict"
                        .into(),
                );
            }
            causes.sort();
            causes.dedup();
            let finding = if sigma {
                Divergence::WouldMiss
            } else {
                Divergence::WouldOverMatch
            };
            match view
                .findings
                .iter_mut()
                .find(|f| f.finding == finding && f.indices == indices && f.causes == causes)
            {
                Some(f) => f.events += 1,
                None => view.findings.push(ViewFinding {
                    finding,
                    event: raw.clone(),
                    elastic_event: ev.clone(),
                    events: 1,
                    indices,
                    causes,
                }),
            }
        }
    }
    Ok(())
}

fn node_leaf<'a>(n: &'a Node<'_>, want: usize) -> Option<&'a Leaf> {
    match n {
        Node::And(v) | Node::Or(v) => v.iter().find_map(|x| node_leaf(x, want)),
        Node::Not(x) => node_leaf(x, want),
        Node::Test(i, _, l) if *i == want => Some(l),
        _ => None,
    }
}

/// The Elastic view of every detection rule of `scan` under `set`, with field types from `catalog`
/// (rules in path order, compared in parallel).
pub fn elastic_view(scan: &Scan, set: &ConfigSet, catalog: &FieldCatalog) -> ViewReport {
    use rayon::prelude::*;
    let mut docs: Vec<(&SourceDoc, &Rule)> = scan
        .parsed()
        .filter_map(|(d, doc)| match doc {
            Document::Rule(r) => Some((d, r)),
            _ => None,
        })
        .collect();
    docs.sort_by(|a, b| (a.0.path.as_str(), a.0.index).cmp(&(b.0.path.as_str(), b.0.index)));
    let rules: Vec<RuleView> = docs
        .par_iter()
        .map(|&(d, r)| view_rule(scan, d, r, set, catalog))
        .collect();
    let mut summary = ViewSummary {
        rules: rules.len(),
        ..ViewSummary::default()
    };
    for r in &rules {
        if r.not_checked.is_some() {
            summary.not_checked += 1;
            continue;
        }
        summary.checked += 1;
        summary.events += r.events;
        summary.rules_with_findings += usize::from(!r.findings.is_empty());
        for f in &r.findings {
            match f.finding {
                Divergence::WouldMiss => summary.would_miss += 1,
                Divergence::WouldOverMatch => summary.would_over_match += 1,
            }
        }
    }
    ViewReport { rules, summary }
}

/// The report as text: one block per rule with findings, then the totals.
pub fn render_text(report: &ViewReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for r in &report.rules {
        for f in &r.findings {
            let _ = writeln!(
                out,
                "{}  {} ({}): {} of {} witness events, in {}",
                f.finding.label().to_uppercase(),
                r.path,
                r.title.as_deref().unwrap_or("untitled"),
                f.events,
                r.events,
                f.indices.join(" ")
            );
            let _ = writeln!(out, "    event:   {}", f.event);
            let _ = writeln!(out, "    elastic: {}", f.elastic_event);
            for c in &f.causes {
                let _ = writeln!(out, "    because {c}");
            }
        }
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "elastic view: {} rules compared on {} witness events ({} not compared); {} rules with findings: {} would miss in Elastic, {} would over-match",
        s.checked, s.events, s.not_checked, s.rules_with_findings, s.would_miss, s.would_over_match
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Config;
    use std::path::Path;
    use std::sync::Arc;

    /// One index, `testidx-*`, that maps nothing dynamically: `Image` a case-sensitive keyword,
    /// `User` a lowercase-normalized keyword, `Message` analyzed text.
    const MAPPING: &str = r#"{"index_templates": [{"name": "testidx", "index_template": {
        "index_patterns": ["testidx-*"],
        "template": {"mappings": {"dynamic": false, "properties": {
            "Image": {"type": "keyword"},
            "User": {"type": "keyword", "normalizer": "lowercase"},
            "Message": {"type": "text"}
        }}}}}]}"#;

    fn report(case: &str, rules: &[(&str, &str)]) -> ViewReport {
        let mut catalog = FieldCatalog::embedded().unwrap();
        catalog
            .add_user_mapping(MAPPING, Path::new("testidx.json"))
            .unwrap();
        let catalog = Arc::new(catalog);
        let config = Config::parse(
            "t",
            &format!(
                "title: t\nlogsources:\n  t:\n    product: test\n    index: testidx-*\ncase:\n  default: {case}\n"
            ),
        )
        .unwrap();
        let set = ConfigSet::new(vec![config])
            .unwrap()
            .with_catalog(catalog.clone(), false);
        let dir = tempfile::tempdir().unwrap();
        for (name, detection) in rules {
            std::fs::write(
                dir.path().join(format!("{name}.yml")),
                format!("title: {name}\nlogsource:\n    product: test\ndetection:\n{detection}"),
            )
            .unwrap();
        }
        let scan = crate::scan::scan(&[dir.path().to_path_buf()]).unwrap();
        elastic_view(&scan, &set, &catalog)
    }

    fn rule<'r>(r: &'r ViewReport, name: &str) -> &'r RuleView {
        r.rules
            .iter()
            .find(|v| v.title.as_deref() == Some(name))
            .unwrap()
    }

    const RULES: [(&str, &str); 4] = [
        (
            "image",
            "    sel:\n        Image|endswith: '\\cmd.exe'\n    condition: sel\n",
        ),
        (
            "user",
            "    sel:\n        User: 'Admin'\n    condition: sel\n",
        ),
        (
            "absent",
            "    sel:\n        Hostname: 'dc01'\n    condition: sel\n",
        ),
        (
            "message",
            "    sel:\n        Message: 'failed logon'\n    condition: sel\n",
        ),
    ];

    #[test]
    fn a_field_absent_from_the_index_would_miss() {
        let r = report("regex", &RULES);
        let v = rule(&r, "absent");
        assert_eq!(v.not_checked, None);
        assert_eq!(v.findings.len(), 1, "{v:?}");
        let f = &v.findings[0];
        assert_eq!(f.finding, Divergence::WouldMiss);
        assert_eq!(f.indices, ["testidx-*"]);
        assert_eq!(f.causes, ["`Hostname` is not in the index"]);
        assert_eq!(
            f.events, 2,
            "both matching witnesses (dc01, DC01); no near miss"
        );
    }

    #[test]
    fn a_case_sensitive_keyword_would_miss_the_case_variant_only_when_the_query_keeps_case() {
        let exact = report("exact", &RULES);
        let v = rule(&exact, "image");
        assert_eq!(v.findings.len(), 1, "{v:?}");
        let f = &v.findings[0];
        assert_eq!(f.finding, Divergence::WouldMiss);
        assert_eq!(f.event["Image"], "\\CMD.EXE", "the case-swapped witness");
        assert!(
            f.causes[0].contains("case-sensitive keyword"),
            "{:?}",
            f.causes
        );
        // The regex strategy folds case in the query: Elastic agrees with Sigma.
        let regex = report("regex", &RULES);
        assert_eq!(rule(&regex, "image").findings, []);
    }

    #[test]
    fn a_lowercase_normalized_field_gives_no_finding() {
        for case in ["exact", "regex", "lowercase"] {
            let r = report(case, &RULES);
            let v = rule(&r, "user");
            assert_eq!(
                (v.not_checked.as_deref(), v.findings.len()),
                (None, 0),
                "{case}: {v:?}"
            );
            assert!(v.events >= 3);
        }
    }

    #[test]
    fn a_text_field_matches_tokens_and_over_matches_longer_values() {
        let r = report("regex", &RULES);
        let v = rule(&r, "message");
        assert!(
            v.findings
                .iter()
                .all(|f| f.causes[0].contains("analyzed text")),
            "{v:?}"
        );
        assert!(tokens("Failed LOGON!") == ["failed", "logon"]);
        let phrase = Mode::Phrase(tokens("failed logon"));
        let t = FieldTest {
            field: "Message".into(),
            time_part: None,
            test: Test::Pattern {
                value: SigmaString::parse("failed logon", false),
                cased: false,
            },
            case: CaseStrategy::Regex,
            kind: Default::default(),
        };
        let leaf = Leaf::Text(
            TextPattern::compile(&SigmaString::parse("failed logon", false), false).unwrap(),
        );
        let ev = serde_json::json!({"Message": "an account failed logon twice"});
        assert!(
            test_in(&phrase, &t, &leaf, &ev),
            "Elastic: the phrase occurs"
        );
        assert!(
            !test_in(&Mode::Sigma, &t, &leaf, &ev),
            "Sigma: not the whole value"
        );
    }

    #[test]
    fn rules_on_indices_the_catalog_does_not_know_are_not_compared() {
        let catalog = FieldCatalog::embedded().unwrap();
        let set = ConfigSet::new(vec![
            Config::parse(
                "t",
                "title: t\nlogsources:\n  t:\n    product: test\n    index: nothing-like-this-*\n",
            )
            .unwrap(),
        ])
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("r.yml"),
            "title: r\nlogsource:\n    product: test\ndetection:\n    sel:\n        A: 'x'\n    condition: sel\n",
        )
        .unwrap();
        let scan = crate::scan::scan(&[dir.path().to_path_buf()]).unwrap();
        let r = elastic_view(&scan, &set, &catalog);
        assert_eq!(r.summary.not_checked, 1);
        assert!(
            r.rules[0]
                .not_checked
                .as_deref()
                .unwrap()
                .contains("nothing-like-this-*")
        );
        assert!(render_text(&r).contains("0 rules compared"));
    }
}
