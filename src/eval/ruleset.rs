//! Compiling a scan's documents once ([`RuleSet`]) and evaluating them on events into a [`Report`]:
//! rules in parallel, then correlations on their base rules' matches.

use super::compile::{CompiledRule, Probes};
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

/// Correlations in dependency order (inner ones first), each with its sources (entry index and
/// reference names, in `rules` order) or why it cannot be evaluated.
pub(super) type CorrPlan<'s> = Vec<(usize, Planned<'s>)>;

/// One correlation's sources (entry index and reference names, in `rules` order), or why it cannot
/// be evaluated.
pub(super) type Planned<'s> = Result<Vec<(usize, Vec<&'s str>)>, String>;

/// What an evaluated document found: matching events (indices or lines), the file of each match when
/// there are several files, and warnings; or why it could not be evaluated.
pub(super) type Outcome = Result<(Vec<usize>, Vec<usize>, Vec<String>), String>;

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
    /// Distinct probe keys over every rule (see [`CompiledRule::assign_slots`]).
    slots: usize,
    by_doc: HashMap<(&'s str, usize), usize>,
}

impl<'s> RuleSet<'s> {
    /// Compiles every document of the scan (in parallel), in scan order.
    pub fn compile(scan: &'s Scan, opts: &EvalOptions) -> Self {
        let mut docs: Vec<&SourceDoc> = scan.docs.iter().collect();
        docs.sort_by(|a, b| (a.path.as_str(), a.index).cmp(&(b.path.as_str(), b.index)));
        let mut entries: Vec<Entry> = docs
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
        let mut slots = HashMap::new();
        for e in &mut entries {
            if let Compiled::Rule(r) = &mut e.compiled {
                r.assign_slots(&mut slots);
            }
        }
        let by_doc = entries
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.doc.path.as_str(), e.doc.index), i))
            .collect();
        RuleSet {
            entries,
            slots: slots.len(),
            by_doc,
        }
    }

    /// The documents, in the order results and [`RuleSet::matching`] indices use.
    pub fn docs(&self) -> impl Iterator<Item = &'s SourceDoc> + '_ {
        self.entries.iter().map(|e| e.doc)
    }

    /// Indices (into [`RuleSet::docs`]) of the detection rules that match one event. Correlations
    /// need the whole stream and are not included.
    pub fn matching(&self, ev: &Value) -> Vec<usize> {
        self.matching_with(ev, &mut self.probes())
    }

    /// Room for the probes of one event, to reuse over many events with [`RuleSet::matching_with`].
    pub fn probes<'a>(&self) -> Probes<'a> {
        Probes::new(self.slots)
    }

    /// [`RuleSet::matching`], reading each field of the event once for all rules; `probes` is
    /// cleared first, so one can serve event after event without allocating.
    pub fn matching_with<'a>(&self, ev: &'a Value, probes: &mut Probes<'a>) -> Vec<usize> {
        probes.clear();
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(&e.compiled, Compiled::Rule(r) if r.matches_with(ev, probes)))
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
        let mut outcomes: Vec<Option<Outcome>> = self
            .entries
            .par_iter()
            .map(|e| match &e.compiled {
                Compiled::Rule(r) => Some(Ok((
                    events
                        .iter()
                        .enumerate()
                        .filter(|(_, ev)| r.matches(&ev.value))
                        .map(|(i, _)| i)
                        .collect(),
                    Vec::new(),
                    Vec::new(),
                ))),
                _ => None,
            })
            .collect();
        for (i, plan) in self.correlation_plan(scan) {
            let Compiled::Correlation(c) = &self.entries[i].compiled else {
                continue;
            };
            let result = plan.and_then(|sources| {
                let sources: Vec<correlation::SourceHits> = sources
                    .into_iter()
                    .map(|(j, names)| correlation::SourceHits {
                        names,
                        matches: match &outcomes[j] {
                            Some(Ok((m, _, _))) => m,
                            _ => &[],
                        },
                    })
                    .collect();
                correlation::evaluate(c, &sources, events, &opts.timestamp_fields)
            });
            outcomes[i] = Some(result.map(|(m, w)| (m, Vec::new(), w)));
        }
        let matched: BTreeSet<usize> = outcomes
            .iter()
            .flatten()
            .flatten()
            .flat_map(|(m, _, _)| m.iter().copied())
            .collect();
        self.report(outcomes, events.len(), matched.len(), Vec::new())
    }

    /// The report of per-document outcomes (`None` for documents that are not evaluated: filters
    /// and rejected ones), in scan order.
    pub(super) fn report(
        &self,
        outcomes: Vec<Option<Outcome>>,
        events: usize,
        matching_events: usize,
        files: Vec<String>,
    ) -> Report {
        let mut rules = Vec::with_capacity(self.entries.len());
        let mut summary = Summary {
            events,
            documents: self.entries.len(),
            matching_events,
            files,
            ..Summary::default()
        };
        for (e, outcome) in self.entries.iter().zip(outcomes) {
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
            let outcome = match (&e.compiled, outcome) {
                (Compiled::Rule(_) | Compiled::Correlation(_), Some(Ok(found))) => Ok(found),
                (Compiled::Rule(_) | Compiled::Correlation(_), Some(Err(reason))) => {
                    Err((EvalStatus::NotEvaluable, reason))
                }
                (Compiled::Rule(_) | Compiled::Correlation(_), None) => {
                    Err((EvalStatus::NotEvaluable, "not evaluated".to_string()))
                }
                (Compiled::NotEvaluable(reason), _) => {
                    Err((EvalStatus::NotEvaluable, reason.clone()))
                }
                (Compiled::Filter(reason), _) => Err((EvalStatus::Filter, reason.clone())),
            };
            match outcome {
                Ok((m, f, w)) => {
                    summary.evaluated += 1;
                    if !m.is_empty() {
                        summary.with_matches += 1;
                    }
                    r.matches = m;
                    r.match_files = f;
                    r.warnings.extend(w);
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
        Report { rules, summary }
    }

    /// The correlation document at entry `i`, if it is one.
    pub(super) fn correlation_at(&self, i: usize) -> Option<&'s Correlation> {
        match &self.entries[i].compiled {
            Compiled::Correlation(c) => Some(c),
            _ => None,
        }
    }

    /// The compiled detection rule at entry `i`, if it is one.
    pub(super) fn rule_at(&self, i: usize) -> Option<&CompiledRule> {
        match &self.entries[i].compiled {
            Compiled::Rule(r) => Some(r),
            _ => None,
        }
    }

    /// Number of documents (entries).
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Resolves every correlation's references (correlations of correlations first) and checks
    /// that it can be evaluated; see [`CorrPlan`].
    pub(super) fn correlation_plan(&self, scan: &Scan) -> CorrPlan<'s> {
        let mut done: HashMap<usize, Planned<'s>> = HashMap::new();
        let mut order = Vec::new();
        let mut visiting = BTreeSet::new();
        for i in 0..self.entries.len() {
            if matches!(self.entries[i].compiled, Compiled::Correlation(_)) {
                // The outcome is memoised in `done`, read below.
                let _ = self.plan_one(i, scan, &mut done, &mut order, &mut visiting);
            }
        }
        order
            .into_iter()
            .map(|i| {
                let r = done
                    .remove(&i)
                    .unwrap_or_else(|| Err("not evaluated".into()));
                (i, r)
            })
            .collect()
    }

    /// Plans correlation `i` after the correlations it references; memoised in `done`, appended to
    /// `order` when planned.
    fn plan_one(
        &self,
        i: usize,
        scan: &Scan,
        done: &mut HashMap<usize, Planned<'s>>,
        order: &mut Vec<usize>,
        visiting: &mut BTreeSet<usize>,
    ) -> Result<(), String> {
        if let Some(r) = done.get(&i) {
            return r.as_ref().map(|_| ()).map_err(Clone::clone);
        }
        let Compiled::Correlation(c) = &self.entries[i].compiled else {
            return Err("not a correlation".into());
        };
        if !visiting.insert(i) {
            return Err("correlations reference each other in a cycle".into());
        }
        let mut sources = Vec::new();
        let mut failure = None;
        for reference in &c.rules {
            let found = scan
                .lookup(&reference.value)
                .and_then(|(d, _)| self.by_doc.get(&(d.path.as_str(), d.index)).copied());
            let Some(j) = found else {
                failure = Some(format!(
                    "referenced rule `{}` is not in the scan",
                    reference.value
                ));
                break;
            };
            let usable = match &self.entries[j].compiled {
                Compiled::Rule(_) => Ok(()),
                Compiled::Correlation(_) => self.plan_one(j, scan, done, order, visiting),
                Compiled::NotEvaluable(r) => Err(r.clone()),
                Compiled::Filter(_) => Err("it is a filter".into()),
            };
            if let Err(e) = usable {
                failure = Some(format!(
                    "referenced rule `{}` is not evaluable: {e}",
                    reference.value
                ));
                break;
            }
            let meta = self.entries[j].doc.doc.as_ref().map(Document::meta);
            let names: Vec<&'s str> = meta
                .into_iter()
                .flat_map(|m| [m.id.as_ref(), m.name.as_ref()])
                .flatten()
                .map(|t| t.value.as_str())
                .collect();
            sources.push((j, names));
        }
        visiting.remove(&i);
        let result = match failure {
            Some(f) => Err(f),
            None => {
                let names: Vec<Vec<&str>> = sources.iter().map(|(_, n)| n.clone()).collect();
                correlation::Window::new(c, &names).map(|_| sources)
            }
        };
        let out = result.as_ref().map(|_| ()).map_err(Clone::clone);
        done.insert(i, result);
        order.push(i);
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
