//! Compiling a scan's documents once ([`RuleSet`]) and evaluating them on events into a [`Report`]:
//! rules in parallel, then correlations on their base rules' matches.

use super::compile::CompiledRule;
use super::correlation;
use super::event::Event;
use super::options::EvalOptions;
use crate::rule::{Correlation, Document, SourceDoc};
use crate::scan::Scan;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Whether a document was evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvalStatus {
    /// Evaluated on every event; `matches` is complete.
    Evaluated,
    /// Could not be evaluated; `reason` says why.
    NotEvaluable,
    /// A filter document: applied inside the rules it names, not evaluated on its own.
    Filter,
}

/// The result of one document, in the shape `sigmaforge test --format json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// File path.
    pub path: String,
    /// Rule id.
    pub id: Option<String>,
    /// Rule title.
    pub title: Option<String>,
    /// `rule`, `correlation`, `filter`, or `rejected` for documents the parser refused.
    pub kind: &'static str,
    /// Evaluated or not.
    pub status: EvalStatus,
    /// 0-based indices of the matching events (for an NDJSON file without blank lines, the line
    /// numbers); for a correlation, the events at which it fires.
    pub matches: Vec<usize>,
    /// With events from several files, the file (an index into [`Summary::files`]) of each match.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_files: Vec<usize>,
    /// Why the document was not evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Things the user should know (filters not applied, events without timestamps).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Totals over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Events read.
    pub events: usize,
    /// Documents reported.
    pub documents: usize,
    /// Rules and correlations evaluated.
    pub evaluated: usize,
    /// Documents that could not be evaluated.
    pub not_evaluable: usize,
    /// Filter documents (applied inside rules).
    pub filters: usize,
    /// Evaluated documents with at least one match.
    pub with_matches: usize,
    /// Events matched by at least one evaluated document.
    pub matching_events: usize,
    /// The event files, when there are several (see [`RuleResult::match_files`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// Per-document results in scan order, plus totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// One entry per document.
    pub rules: Vec<RuleResult>,
    /// Totals.
    pub summary: Summary,
}

/// A correlation's firing events and warnings, or why it cannot be evaluated.
type CorrResult = Result<(Vec<usize>, Vec<String>), String>;

/// What evaluating correlations needs: the inputs, the base rules' matches and the memo.
struct CorrCtx<'a> {
    scan: &'a Scan,
    events: &'a [Event],
    opts: &'a EvalOptions,
    rule_matches: &'a [Option<Vec<usize>>],
    done: HashMap<usize, CorrResult>,
    visiting: BTreeSet<usize>,
}

enum Compiled<'s> {
    Rule(CompiledRule),
    Correlation(&'s Correlation),
    NotEvaluable(String),
    Filter(String),
}

struct Entry<'s> {
    doc: &'s SourceDoc,
    compiled: Compiled<'s>,
    warnings: Vec<String>,
}

/// Every document of a scan compiled for evaluation. Compile once, then test events one at a time
/// ([`RuleSet::matching`], for streams) or all at once ([`RuleSet::evaluate`]).
pub struct RuleSet<'s> {
    entries: Vec<Entry<'s>>,
    by_doc: HashMap<(&'s str, usize), usize>,
}

impl<'s> RuleSet<'s> {
    /// Compiles every document of the scan (in parallel), in scan order.
    pub fn compile(scan: &'s Scan, opts: &EvalOptions) -> Self {
        let mut docs: Vec<&SourceDoc> = scan.docs.iter().collect();
        docs.sort_by(|a, b| (a.path.as_str(), a.index).cmp(&(b.path.as_str(), b.index)));
        let entries: Vec<Entry> = docs
            .par_iter()
            .map(|&doc| {
                let mut warnings = Vec::new();
                let compiled = match &doc.doc {
                    None => {
                        Compiled::NotEvaluable(crate::render::convert::rejection_reason(scan, doc))
                    }
                    Some(Document::Filter(f)) => Compiled::Filter(format!(
                        "filter document: AND-ed into the {} rule(s) it names",
                        f.rules.len()
                    )),
                    Some(Document::Correlation(c)) => Compiled::Correlation(c),
                    Some(Document::Rule(r)) => {
                        let filters = crate::render::convert::filters_for(scan, r);
                        match CompiledRule::compile(r, &filters, &opts.placeholders) {
                            Ok((c, w)) => {
                                warnings = w;
                                Compiled::Rule(c)
                            }
                            Err(e) => Compiled::NotEvaluable(e),
                        }
                    }
                };
                Entry {
                    doc,
                    compiled,
                    warnings,
                }
            })
            .collect();
        let by_doc = entries
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.doc.path.as_str(), e.doc.index), i))
            .collect();
        RuleSet { entries, by_doc }
    }

    /// The documents, in the order results and [`RuleSet::matching`] indices use.
    pub fn docs(&self) -> impl Iterator<Item = &'s SourceDoc> + '_ {
        self.entries.iter().map(|e| e.doc)
    }

    /// Indices (into [`RuleSet::docs`]) of the detection rules that match one event. Correlations
    /// need the whole stream and are not included.
    pub fn matching(&self, ev: &Value) -> Vec<usize> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(&e.compiled, Compiled::Rule(r) if r.matches(ev)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The events (indices) on which one document of the scan matches (a rule) or fires (a
    /// correlation, evaluated with the rules it references), or why it cannot be evaluated.
    pub fn matches_of(
        &self,
        scan: &Scan,
        doc: &SourceDoc,
        events: &[Event],
        opts: &EvalOptions,
    ) -> Result<Vec<usize>, String> {
        let Some(&i) = self.by_doc.get(&(doc.path.as_str(), doc.index)) else {
            return Err("the document is not in the scan".into());
        };
        match &self.entries[i].compiled {
            Compiled::Rule(r) => Ok(events
                .iter()
                .enumerate()
                .filter(|(_, ev)| r.matches(&ev.value))
                .map(|(i, _)| i)
                .collect()),
            Compiled::Correlation(_) => {
                let report = self.evaluate(scan, events, opts);
                let r = &report.rules[i];
                match r.status {
                    EvalStatus::Evaluated => Ok(r.matches.clone()),
                    _ => Err(r.reason.clone().unwrap_or_default()),
                }
            }
            Compiled::NotEvaluable(reason) => Err(reason.clone()),
            Compiled::Filter(reason) => Err(reason.clone()),
        }
    }

    /// Evaluates every document on the events: rules in parallel, then correlations on their
    /// base rules' matches.
    pub fn evaluate(&self, scan: &Scan, events: &[Event], opts: &EvalOptions) -> Report {
        let rule_matches: Vec<Option<Vec<usize>>> = self
            .entries
            .par_iter()
            .map(|e| match &e.compiled {
                Compiled::Rule(r) => Some(
                    events
                        .iter()
                        .enumerate()
                        .filter(|(_, ev)| r.matches(&ev.value))
                        .map(|(i, _)| i)
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        let mut ctx = CorrCtx {
            scan,
            events,
            opts,
            rule_matches: &rule_matches,
            done: HashMap::new(),
            visiting: BTreeSet::new(),
        };
        for i in 0..self.entries.len() {
            if matches!(self.entries[i].compiled, Compiled::Correlation(_)) {
                // The result is memoised in `ctx.done`, read below.
                let _ = self.correlation(i, &mut ctx);
            }
        }
        let corr = ctx.done;
        let mut rules = Vec::with_capacity(self.entries.len());
        let mut summary = Summary {
            events: events.len(),
            documents: self.entries.len(),
            ..Summary::default()
        };
        let mut matched = BTreeSet::new();
        for (i, e) in self.entries.iter().enumerate() {
            let kind = e.doc.doc.as_ref().map_or("rejected", Document::kind_name);
            let mut r = RuleResult {
                path: e.doc.path.clone(),
                id: e.doc.id.clone(),
                title: e.doc.title.clone(),
                kind,
                status: EvalStatus::Evaluated,
                matches: Vec::new(),
                match_files: Vec::new(),
                reason: None,
                warnings: e.warnings.clone(),
            };
            let outcome = match &e.compiled {
                Compiled::Rule(_) => Ok(rule_matches[i].clone().unwrap_or_default()),
                Compiled::Correlation(_) => match corr.get(&i) {
                    Some(Ok((m, w))) => {
                        r.warnings.extend(w.iter().cloned());
                        Ok(m.clone())
                    }
                    Some(Err(reason)) => Err((EvalStatus::NotEvaluable, reason.clone())),
                    None => Err((EvalStatus::NotEvaluable, "not evaluated".to_string())),
                },
                Compiled::NotEvaluable(reason) => Err((EvalStatus::NotEvaluable, reason.clone())),
                Compiled::Filter(reason) => Err((EvalStatus::Filter, reason.clone())),
            };
            match outcome {
                Ok(m) => {
                    summary.evaluated += 1;
                    if !m.is_empty() {
                        summary.with_matches += 1;
                    }
                    matched.extend(m.iter().copied());
                    r.matches = m;
                }
                Err((status, reason)) => {
                    match status {
                        EvalStatus::Filter => summary.filters += 1,
                        _ => summary.not_evaluable += 1,
                    }
                    r.status = status;
                    r.reason = Some(reason);
                }
            }
            rules.push(r);
        }
        summary.matching_events = matched.len();
        Report { rules, summary }
    }

    /// Evaluates correlation `i` (and, first, the correlations it references), memoised in `ctx`.
    fn correlation(&self, i: usize, ctx: &mut CorrCtx) -> Result<Vec<usize>, String> {
        if let Some(r) = ctx.done.get(&i) {
            return r.as_ref().map(|(m, _)| m.clone()).map_err(Clone::clone);
        }
        let Compiled::Correlation(c) = &self.entries[i].compiled else {
            return Err("not a correlation".into());
        };
        if !ctx.visiting.insert(i) {
            return Err("correlations reference each other in a cycle".into());
        }
        let mut names: Vec<Vec<&str>> = Vec::new();
        let mut hits: Vec<Vec<usize>> = Vec::new();
        let mut failure = None;
        for reference in &c.rules {
            let found = ctx
                .scan
                .lookup(&reference.value)
                .and_then(|(d, _)| self.by_doc.get(&(d.path.as_str(), d.index)).copied());
            let Some(j) = found else {
                failure = Some(format!(
                    "referenced rule `{}` is not in the scan",
                    reference.value
                ));
                break;
            };
            let m = match &self.entries[j].compiled {
                Compiled::Rule(_) => Ok(ctx.rule_matches[j].clone().unwrap_or_default()),
                Compiled::Correlation(_) => self.correlation(j, ctx),
                Compiled::NotEvaluable(r) => Err(r.clone()),
                Compiled::Filter(_) => Err("it is a filter".into()),
            };
            match m {
                Ok(m) => {
                    let meta = self.entries[j].doc.doc.as_ref().map(Document::meta);
                    names.push(
                        meta.into_iter()
                            .flat_map(|m| [m.id.as_ref(), m.name.as_ref()])
                            .flatten()
                            .map(|t| t.value.as_str())
                            .collect(),
                    );
                    hits.push(m);
                }
                Err(e) => {
                    failure = Some(format!(
                        "referenced rule `{}` is not evaluable: {e}",
                        reference.value
                    ));
                    break;
                }
            }
        }
        ctx.visiting.remove(&i);
        let result = match failure {
            Some(f) => Err(f),
            None => {
                let sources: Vec<correlation::SourceHits> = names
                    .into_iter()
                    .zip(&hits)
                    .map(|(names, m)| correlation::SourceHits { names, matches: m })
                    .collect();
                correlation::evaluate(c, &sources, ctx.events, &ctx.opts.timestamp_fields)
            }
        };
        let out = result
            .as_ref()
            .map(|(m, _)| m.clone())
            .map_err(Clone::clone);
        ctx.done.insert(i, result);
        out
    }
}

/// Compiles the scan's documents and evaluates them on the events (see [`RuleSet`]).
pub fn evaluate(scan: &Scan, events: &[Event], opts: &EvalOptions) -> Report {
    RuleSet::compile(scan, opts).evaluate(scan, events, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::event::parse_events;
    use serde_json::json;

    fn scan_of(files: &[(&str, &str)]) -> Scan {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        crate::scan::scan(&[dir.path().to_path_buf()]).unwrap()
    }

    const RULES: &str = "title: Whoami\nid: 44444444-4444-4444-8444-444444444444\nname: whoami\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n---\ntitle: Placeholder\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Computer|expand: '%Servers%'\n    condition: sel\n---\ntitle: Many whoami\nid: 55555555-5555-4555-8555-555555555555\ncorrelation:\n    type: event_count\n    rules:\n        - whoami\n    group-by:\n        - User\n    timespan: 1m\n    condition:\n        gte: 2\n---\ntitle: Not admin\nlogsource:\n    product: windows\nfilter:\n    rules:\n        - whoami\n    selection:\n        User: admin\n    condition: not selection\n";

    fn events() -> Vec<Event> {
        parse_events(
            "e.ndjson",
            &[
                json!({"@timestamp": "2026-01-01T00:00:00Z", "Image": "C:\\W\\whoami.exe", "User": "bob", "Computer": "srv1"}),
                json!({"@timestamp": "2026-01-01T00:00:10Z", "Image": "C:\\W\\WHOAMI.EXE", "User": "bob"}),
                json!({"@timestamp": "2026-01-01T00:00:20Z", "Image": "C:\\W\\whoami.exe", "User": "admin"}),
                json!({"@timestamp": "2026-01-01T00:00:30Z", "Image": "C:\\W\\cmd.exe", "User": "bob"}),
            ]
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        )
        .unwrap()
    }

    #[test]
    fn report_per_document_with_summary() {
        let scan = scan_of(&[("r.yml", RULES)]);
        let report = evaluate(&scan, &events(), &EvalOptions::default());
        let kinds: Vec<(&str, EvalStatus, Vec<usize>)> = report
            .rules
            .iter()
            .map(|r| (r.kind, r.status, r.matches.clone()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("rule", EvalStatus::Evaluated, vec![0, 1]),
                ("rule", EvalStatus::NotEvaluable, vec![]),
                ("correlation", EvalStatus::Evaluated, vec![1]),
                ("filter", EvalStatus::Filter, vec![]),
            ],
            "the filter removes the admin event; the correlation counts bob's two"
        );
        assert!(
            report.rules[1]
                .reason
                .as_deref()
                .unwrap()
                .contains("%Servers%"),
            "{:?}",
            report.rules[1].reason
        );
        assert_eq!(
            report.summary,
            Summary {
                events: 4,
                documents: 4,
                evaluated: 2,
                not_evaluable: 1,
                filters: 1,
                with_matches: 2,
                matching_events: 2,
                files: vec![],
            }
        );
        let json = serde_json::to_value(&report.rules[0]).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            vec!["path", "id", "title", "kind", "status", "matches"]
        );

        let mut opts = EvalOptions::default();
        opts.placeholders
            .insert("Servers".into(), vec!["SRV*".into()]);
        let report = evaluate(&scan, &events(), &opts);
        assert_eq!(report.rules[1].matches, vec![0]);
    }

    #[test]
    fn streaming_matches_agree_with_batch() {
        let scan = scan_of(&[("r.yml", RULES)]);
        let opts = EvalOptions::default();
        let set = RuleSet::compile(&scan, &opts);
        let ev = events();
        let per_event: Vec<Vec<usize>> = ev.iter().map(|e| set.matching(&e.value)).collect();
        assert_eq!(per_event, vec![vec![0], vec![0], vec![], vec![]]);
        assert_eq!(set.docs().count(), 4);
    }

    #[test]
    fn rejected_and_unresolvable_documents_are_explained() {
        let broken = "title: Broken\nlogsource:\n    product: windows\ndetection:\n    sel:\n        a|nosuchmod: 1\n    condition: sel\n---\ntitle: Lonely\ncorrelation:\n    type: event_count\n    rules:\n        - missing\n    group-by:\n        - x\n    timespan: 1m\n    condition:\n        gte: 1\n";
        let scan = scan_of(&[("b.yml", broken)]);
        let report = evaluate(&scan, &events(), &EvalOptions::default());
        assert_eq!(report.rules.len(), 2);
        for r in &report.rules {
            assert_eq!(r.status, EvalStatus::NotEvaluable);
        }
        assert!(
            report.rules[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("rejected by the parser")
        );
        assert!(
            report.rules[1]
                .reason
                .as_deref()
                .unwrap()
                .contains("`missing`"),
            "{:?}",
            report.rules[1].reason
        );
    }
}
