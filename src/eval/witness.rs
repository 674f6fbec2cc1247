//! Witness events: for a rule, deterministic generated events that must match (one per way the
//! condition can be true: each OR branch and `1 of` search, each group, each list value and modifier
//! alternative, wildcards filled empty and non-empty, case variants where matching ignores case) and
//! near misses that must not (a literal one character short at either end, a case variant where
//! matching is `cased`, each negated branch made true).
//!
//! Generation works on the typed rule; every candidate is then labelled by the evaluator, and a
//! candidate whose label is not the intended one is dropped and counted (a `contains|all` of two
//! values that overlap, a field two branches need with different values). So the witnesses agree
//! with the evaluator by construction; their use is to prove that converted queries match the same
//! events (`tests/all/conversion_proof.rs`) and to pin the evaluator's behaviour as rule tests.

use super::compile::CompiledRule;
use crate::rule::condition::{Cond, Quantifier};
use crate::rule::modifier::{CmpOp, Matcher};
use crate::rule::value::{Number, Part};
use crate::rule::{Detection, Document, FieldMatch, Filter, Rule, Search, SourceDoc};
use crate::scan::Scan;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Most ways generated per rule: enough for every branch of SigmaHQ's rules but a few huge lists.
const MAX_WAYS: usize = 256;
/// Field that carries keyword (field-less) values in generated events.
pub const KEYWORD_FIELD: &str = "keywords";

/// What one field must hold in one way.
#[derive(Debug, Clone, PartialEq)]
enum Req {
    /// Text, appended to other text the field needs (a `contains|all`).
    Text(String),
    /// A JSON value (numbers, booleans).
    Json(Value),
    /// Equal to another field.
    RefTo(String),
}

/// One way the condition can be true: requirements per field (`None` for keywords), in order.
type Way = Vec<(Option<String>, Req)>;

/// The witnesses of one rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Witness {
    /// Events the rule matches.
    pub matching: Vec<Value>,
    /// Near misses the rule does not match.
    pub near_misses: Vec<Value>,
    /// Ways and negated-branch events dropped because the evaluator disagreed with the intended
    /// label (mutations that still match are not near misses and are not counted).
    pub dropped: usize,
}

fn case_swap(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_lowercase() {
                c.to_uppercase().collect::<String>()
            } else {
                c.to_lowercase().collect()
            }
        })
        .collect()
}

/// A string a regular expression finds (unanchored search), when the pattern is simple enough:
/// literals, classes (their first character), repetitions (their minimum, at least one),
/// alternations (the first branch).
fn regex_sample(pattern: &str, ignore_case: bool) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn walk(h: &Hir, out: &mut String) -> Option<()> {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => out.push_str(std::str::from_utf8(&l.0).ok()?),
            HirKind::Class(Class::Unicode(c)) => out.push(c.ranges().first()?.start()),
            HirKind::Class(Class::Bytes(c)) => {
                let b = c.ranges().first()?.start();
                if !b.is_ascii() {
                    return None;
                }
                out.push(b as char)
            }
            HirKind::Repetition(r) => {
                let n = match (r.min, r.max) {
                    (0, Some(0)) => 0,
                    (0, _) => 1,
                    (m, _) => m.min(64),
                };
                for _ in 0..n {
                    walk(&r.sub, out)?;
                }
            }
            HirKind::Capture(c) => walk(&c.sub, out)?,
            HirKind::Concat(parts) => parts.iter().try_for_each(|p| walk(p, out))?,
            HirKind::Alternation(alts) => walk(alts.first()?, out)?,
        }
        Some(())
    }
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(ignore_case)
        .build()
        .parse(pattern)
        .ok()?;
    let mut out = String::new();
    walk(&hir, &mut out)?;
    Some(out)
}

/// The requirements one matcher can be met by (several for wildcard fillings and case variants).
fn reqs(m: &Matcher) -> Vec<Req> {
    match m {
        Matcher::Pattern { value, cased } => {
            let fill = |any: &str| -> Option<String> {
                let mut s = String::new();
                for p in &value.parts {
                    match p {
                        Part::Lit(l) => s.push_str(l),
                        Part::AnyChars => s.push_str(any),
                        Part::OneChar => s.push('x'),
                        Part::Placeholder(_) => return None,
                    }
                }
                Some(s)
            };
            let mut out = Vec::new();
            if let Some(s) = fill("") {
                if !cased && case_swap(&s) != s {
                    out.push(Req::Text(case_swap(&s)));
                }
                out.insert(0, Req::Text(s));
            }
            if value.parts.iter().any(|p| matches!(p, Part::AnyChars))
                && let Some(s) = fill("Zq9")
            {
                out.push(Req::Text(s));
            }
            out
        }
        Matcher::Regex { pattern, flags } => regex_sample(pattern, flags.ignore_case)
            .map(Req::Text)
            .into_iter()
            .collect(),
        Matcher::Cidr(net) => vec![Req::Text(net.split('/').next().unwrap_or(net).to_string())],
        Matcher::Number(n) => vec![Req::Json(number(*n))],
        Matcher::Bool(b) => vec![Req::Json(Value::Bool(*b))],
        Matcher::Null | Matcher::Exists(false) => vec![],
        Matcher::Exists(true) => vec![Req::Text("present".into())],
        Matcher::Compare { op, value } => {
            let v = value.as_f64();
            let x = match op {
                CmpOp::Gt => v + 1.0,
                CmpOp::Lt => v - 1.0,
                CmpOp::Gte | CmpOp::Lte => v,
            };
            vec![Req::Json(number(if x.fract() == 0.0 {
                Number::Int(x as i64)
            } else {
                Number::Float(x)
            }))]
        }
        Matcher::FieldRef(other) => vec![Req::RefTo(other.clone())],
    }
}

fn number(n: Number) -> Value {
    match n {
        Number::Int(i) => Value::from(i),
        Number::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
    }
}

/// Ways one item is true. `Null`/`exists: false` need nothing (an empty way).
fn item_ways(fm: &FieldMatch) -> Vec<Way> {
    if fm.chain.time_part.is_some() {
        return vec![];
    }
    if fm.chain.negated {
        return vec![vec![(
            fm.field.clone(),
            Req::Text("sigmaforge-other-value".into()),
        )]];
    }
    let per_value: Vec<Vec<Req>> = fm
        .values
        .iter()
        .map(|v| v.alternatives.iter().flat_map(reqs).collect())
        .collect();
    let empty_ok = |v: &crate::rule::ValueMatch| {
        v.alternatives
            .iter()
            .any(|a| matches!(a, Matcher::Null | Matcher::Exists(false)))
    };
    if fm.chain.all {
        // Every value at once, appended on one field.
        let mut way = Vec::new();
        for (v, r) in fm.values.iter().zip(&per_value) {
            match r.first() {
                Some(req) => way.push((fm.field.clone(), req.clone())),
                None if empty_ok(v) => {}
                None => return vec![],
            }
        }
        return vec![way];
    }
    let mut out: Vec<Way> = Vec::new();
    for (v, r) in fm.values.iter().zip(&per_value) {
        if empty_ok(v) {
            out.push(vec![]);
        }
        out.extend(r.iter().map(|req| vec![(fm.field.clone(), req.clone())]));
    }
    out
}

/// Ways a conjunction is true: each operand's ways in turn, the others at their first way.
fn and_ways(operands: Vec<Vec<Way>>) -> Vec<Way> {
    if operands.iter().any(Vec::is_empty) {
        return vec![];
    }
    let mut out = Vec::new();
    for (i, ways) in operands.iter().enumerate() {
        for w in ways {
            let mut way = Vec::new();
            for (j, other) in operands.iter().enumerate() {
                way.extend(if i == j { w.clone() } else { other[0].clone() });
            }
            if !out.contains(&way) {
                out.push(way);
            }
            if out.len() >= MAX_WAYS {
                return out;
            }
        }
    }
    out
}

fn search_ways(s: &Search) -> Vec<Way> {
    let mut out = Vec::new();
    for g in &s.groups {
        out.extend(and_ways(g.items.iter().map(item_ways).collect()));
    }
    out.truncate(MAX_WAYS);
    out
}

/// Ways the condition is true, and (into `negated`) the ways of every negated sub-condition.
fn cond_ways(d: &Detection, c: &Cond, negated: &mut Vec<Way>) -> Vec<Way> {
    let mut out = match c {
        Cond::Ident { name, .. } => d.search(name).map(search_ways).unwrap_or_default(),
        Cond::Not(inner) => {
            let inner_ways = cond_ways(d, inner, &mut Vec::new());
            negated.extend(inner_ways);
            vec![vec![]]
        }
        Cond::And(cs) => and_ways(cs.iter().map(|c| cond_ways(d, c, negated)).collect()),
        Cond::Or(cs) => cs.iter().flat_map(|c| cond_ways(d, c, negated)).collect(),
        Cond::Of {
            quantifier,
            pattern,
            ..
        } => {
            let selected: Vec<Vec<Way>> = d
                .select(pattern.as_deref())
                .into_iter()
                .map(search_ways)
                .collect();
            match quantifier {
                Quantifier::Any => selected.into_iter().flatten().collect(),
                Quantifier::All => and_ways(selected),
            }
        }
    };
    out.truncate(MAX_WAYS);
    out
}

/// Builds the event of a way: texts of one field appended, references resolved last.
fn event_of(way: &Way) -> Value {
    let mut fields: BTreeMap<String, Value> = BTreeMap::new();
    let mut refs = Vec::new();
    for (f, r) in way {
        let name = f.clone().unwrap_or_else(|| KEYWORD_FIELD.to_string());
        match r {
            Req::Text(t) => {
                let joined = match fields.get(&name) {
                    Some(Value::String(s)) => format!("{s}{t}"),
                    _ => t.clone(),
                };
                fields.insert(name, Value::String(joined));
            }
            Req::Json(v) => {
                fields.insert(name, v.clone());
            }
            Req::RefTo(o) => refs.push((name, o.clone())),
        }
    }
    for (name, other) in refs {
        let v = fields
            .entry(other)
            .or_insert_with(|| Value::String("sigmaforge-ref".into()))
            .clone();
        fields.insert(name, v);
    }
    Value::Object(fields.into_iter().collect::<Map<_, _>>())
}

/// Near misses of a matching event: each text field one character short at either end, and
/// case-swapped (a miss only where matching is cased; the evaluator decides). Only the fields whose
/// value differs from `first` (the first matching event) are mutated, so each list value and branch
/// gets its misses without repeating those of the fields all events share.
fn mutations(ev: &Value, first: Option<&Value>) -> Vec<Value> {
    let mut out = Vec::new();
    let Value::Object(m) = ev else { return out };
    for (k, v) in m {
        if first.is_some_and(|f| f.get(k) == Some(v)) {
            continue;
        }
        let Value::String(s) = v else { continue };
        let mut chars: Vec<char> = s.chars().collect();
        let mut variants = Vec::new();
        if !chars.is_empty() {
            chars.pop();
            variants.push(chars.iter().collect::<String>());
            let rest: String = s.chars().skip(1).collect();
            variants.push(rest);
        }
        let swapped = case_swap(s);
        if swapped != *s {
            variants.push(swapped);
        }
        for t in variants {
            let mut e = m.clone();
            e.insert(k.clone(), Value::String(t));
            out.push(Value::Object(e));
        }
    }
    out
}

/// Generates and labels the witnesses of a rule (with the filters that apply to it).
pub fn witness(rule: &Rule, filters: &[&Filter]) -> Result<Witness, String> {
    let (compiled, _) = CompiledRule::compile(rule, filters, &BTreeMap::new())?;
    let d = &rule.detection;
    let mut negated = Vec::new();
    let mut ways = Vec::new();
    for c in &d.conditions {
        ways.extend(cond_ways(d, &c.tree, &mut negated));
    }
    let mut w = Witness::default();
    let mut seen = std::collections::BTreeSet::new();
    // `counted`: a wrong label is a generator limit worth counting (a way or a negated branch);
    // a mutation that still matches (case-swapped text where matching ignores case) is just no miss.
    let mut add = |ev: Value, want: bool, counted: bool, w: &mut Witness| {
        if !seen.insert(ev.to_string()) {
            return;
        }
        match (compiled.matches(&ev), want) {
            (true, true) => w.matching.push(ev),
            (false, false) => w.near_misses.push(ev),
            _ if counted => w.dropped += 1,
            _ => {}
        }
    };
    for way in &ways {
        add(event_of(way), true, true, &mut w);
    }
    let positives = w.matching.clone();
    for (i, ev) in positives.iter().enumerate() {
        let first = if i == 0 { None } else { positives.first() };
        for m in mutations(ev, first) {
            add(m, false, false, &mut w);
        }
    }
    // Each way of each negated branch made true once, on a matching event (taken in turn).
    for (j, n) in negated.iter().enumerate() {
        let mut way: Way = Vec::new();
        if let Some(Value::Object(m)) = positives.get(j % positives.len().max(1)) {
            for (k, v) in m {
                way.push((Some(k.clone()), Req::Json(v.clone())));
            }
        }
        // The negated branch's values replace the event's where they overlap.
        way.extend(n.iter().cloned().map(|(f, r)| match r {
            Req::Text(t) => (f, Req::Json(Value::String(t))),
            other => (f, other),
        }));
        add(event_of(&way), false, true, &mut w);
    }
    Ok(w)
}

/// Witnesses of every detection rule of a scan (with the filters that apply), in scan order;
/// `Err` says why a rule has none (not evaluable, or no way could be generated).
pub fn witnesses(scan: &Scan) -> Vec<(&SourceDoc, Result<Witness, String>)> {
    use rayon::prelude::*;
    let mut docs: Vec<(&SourceDoc, &Rule)> = scan
        .parsed()
        .filter_map(|(d, doc)| match doc {
            Document::Rule(r) => Some((d, r)),
            _ => None,
        })
        .collect();
    docs.sort_by(|a, b| (a.0.path.as_str(), a.0.index).cmp(&(b.0.path.as_str(), b.0.index)));
    docs.par_iter()
        .map(|&(d, r)| {
            let filters = crate::render::convert::filters_for(scan, r);
            let w = witness(r, &filters).and_then(|w| {
                if w.matching.is_empty() {
                    Err("no matching event could be generated (regex beyond the sampler, time parts, placeholders, or conflicting values)".to_string())
                } else {
                    Ok(w)
                }
            });
            (d, w)
        })
        .collect()
}

/// What [`write_witnesses`] wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    /// Rules with witness files.
    pub rules: usize,
    /// Matching events written.
    pub matching: usize,
    /// Near misses written.
    pub near_misses: usize,
    /// Rules without witnesses, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// Writes every rule's witnesses in the test layout (`docs/testing.md`):
/// `<dir>/<rule id, else file stem>/match/witness.ndjson` and `nomatch/witness.ndjson`.
pub fn write_witnesses(scan: &Scan, dir: &Path) -> Result<Written, std::io::Error> {
    let mut out = Written::default();
    for (d, w) in witnesses(scan) {
        let w = match w {
            Ok(w) => w,
            Err(e) => {
                out.skipped.push((d.path.clone(), e));
                continue;
            }
        };
        let key = d.id.clone().unwrap_or_else(|| {
            Path::new(&d.path)
                .file_stem()
                .map_or_else(|| d.path.clone(), |s| s.to_string_lossy().into_owned())
        });
        for (sub, events) in [("match", &w.matching), ("nomatch", &w.near_misses)] {
            if events.is_empty() {
                continue;
            }
            let folder = dir.join(&key).join(sub);
            std::fs::create_dir_all(&folder)?;
            let text: String = events.iter().map(|e| e.to_string() + "\n").collect();
            std::fs::write(folder.join("witness.ndjson"), text)?;
        }
        out.rules += 1;
        out.matching += w.matching.len();
        out.near_misses += w.near_misses.len();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(text: &str) -> Rule {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yml"), text).unwrap();
        let scan = crate::scan::scan(&[dir.path().join("r.yml")]).unwrap();
        match scan.docs[0].doc.clone() {
            Some(Document::Rule(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_witness_per_branch_value_and_wildcard_filling() {
        let r = rule(
            "title: T\nlogsource:\n    product: windows\ndetection:\n    a:\n        Image|endswith:\n            - '\\a.exe'\n            - '\\b.exe'\n    b:\n        CommandLine|contains|cased: 'Secret'\n    f:\n        User: admin\n    condition: (a or b) and not f\n",
        );
        let w = witness(&r, &[]).unwrap();
        let m: Vec<String> = w.matching.iter().map(Value::to_string).collect();
        assert_eq!(
            m,
            vec![
                json!({"Image": "\\a.exe"}).to_string(),
                json!({"Image": "\\A.EXE"}).to_string(),
                json!({"Image": "Zq9\\a.exe"}).to_string(),
                json!({"Image": "\\b.exe"}).to_string(),
                json!({"Image": "\\B.EXE"}).to_string(),
                json!({"Image": "Zq9\\b.exe"}).to_string(),
                json!({"CommandLine": "Secret"}).to_string(),
                json!({"CommandLine": "Zq9SecretZq9"}).to_string(),
            ]
        );
        let near: Vec<String> = w.near_misses.iter().map(Value::to_string).collect();
        for expected in [
            json!({"Image": "\\a.ex"}),
            json!({"Image": "\\a.exe", "User": "admin"}),
            json!({"CommandLine": "sECRET"}),
            json!({"CommandLine": "Secre"}),
        ] {
            assert!(
                near.contains(&expected.to_string()),
                "{expected} in {near:?}"
            );
        }
        // Dropping the first character of `\a.exe` still ends with `a.exe`... but not `\a.exe`.
        assert!(near.contains(&json!({"Image": "a.exe"}).to_string()));
        assert_eq!(w.dropped, 0, "every intended label holds");
    }

    #[test]
    fn regex_numbers_comparisons_and_all() {
        let r = rule(
            "title: T\nlogsource:\n    product: windows\ndetection:\n    s:\n        EventID: 4688\n        Size|gt: 10\n        Cmd|re: '^cmd\\.exe /c [a-z]{3}$'\n        Args|contains|all:\n            - ' -enc '\n            - 'bypass'\n    condition: s\n",
        );
        let w = witness(&r, &[]).unwrap();
        assert_eq!(
            w.matching[0],
            json!({"Args": " -enc bypass", "Cmd": "cmd.exe /c aaa", "EventID": 4688, "Size": 11})
        );
        assert!(w.near_misses.iter().all(|e| e != &w.matching[0]));
        assert!(!w.near_misses.is_empty());
    }

    #[test]
    fn regex_samples() {
        assert_eq!(regex_sample("a(b|c)+d?", false).as_deref(), Some("abd"));
        assert_eq!(
            regex_sample("\\d{2,4}-[x-z]", false).as_deref(),
            Some("00-x")
        );
        assert_eq!(
            regex_sample("(?<!x)y", false),
            None,
            "look-behind is not Rust syntax"
        );
    }
}
