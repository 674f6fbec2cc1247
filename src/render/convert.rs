//! Library entry for `sigmaforge convert`: every document of a scan × every target, under one
//! config set, in parallel, with outcomes in a deterministic order (path, document index, target
//! order as given).

use rayon::prelude::*;

use crate::attack::AttackData;
use crate::diag::Severity;
use crate::mapping::ConfigSet;
use crate::mapping::correlation::{self, CorrelationInput, Reference};
use crate::render::{Outcome, RuleInput, Status, Target};
use crate::rule::{Correlation, Document, Filter, Rule, SourceDoc};
use crate::scan::Scan;

fn outcome(doc: &SourceDoc, target: &dyn Target) -> Outcome {
    Outcome {
        path: doc.path.clone(),
        id: doc.id.clone(),
        title: doc.title.clone(),
        target: target.name().to_string(),
        status: Status::Skipped,
        output: None,
        reason: None,
        index: doc.index,
        overrides: Vec::new(),
        warnings: Vec::new(),
        never_matches: false,
    }
}

/// Converts one document on its own for one target (no other documents: correlations cannot resolve
/// their rules and no filters apply). `rejection` is the reason shown when the parser rejected it.
pub fn convert_doc(
    doc: &SourceDoc,
    set: &ConfigSet,
    attack: &AttackData,
    target: &dyn Target,
    rejection: &str,
) -> Outcome {
    let scan = Scan {
        files: vec![doc.path.clone()],
        docs: vec![doc.clone()],
        ..Scan::default()
    };
    convert_doc_all(&scan, doc, set, attack, &[target], rejection)
        .pop()
        .unwrap_or_else(|| outcome(doc, target))
}

/// Converts one document for every target: the rule is mapped once (or the correlation resolved
/// once) and each target renders that same IR. `rejection` is the reason shown when the parser
/// rejected the document (see [`rejection_reason`]).
pub fn convert_doc_all(
    scan: &Scan,
    doc: &SourceDoc,
    set: &ConfigSet,
    attack: &AttackData,
    targets: &[&dyn Target],
    rejection: &str,
) -> Vec<Outcome> {
    let finish = |mut o: Outcome, result: Result<String, String>| {
        match result {
            Ok(out) => {
                o.status = Status::Converted;
                o.output = Some(out);
            }
            Err(reason) => {
                o.status = Status::Skipped;
                o.reason = Some(reason);
            }
        }
        o
    };
    match &doc.doc {
        None => targets
            .iter()
            .map(|t| {
                let mut o = outcome(doc, *t);
                o.status = Status::Failed;
                o.reason = Some(rejection.to_string());
                o
            })
            .collect(),
        Some(Document::Correlation(c)) => {
            let input = resolve_correlation(scan, doc, c, set);
            targets
                .iter()
                .map(|t| {
                    let r = match &input {
                        Ok(i) => t.render_correlation_rules(i, attack),
                        Err(e) => Err(e.clone()),
                    };
                    finish(outcome(doc, *t), r)
                })
                .collect()
        }
        Some(Document::Filter(f)) => {
            let reason = format!(
                "filter document: AND-ed into the {} rule(s) it names, not converted on its own",
                f.rules.len()
            );
            targets
                .iter()
                .map(|t| finish(outcome(doc, *t), Err(reason.clone())))
                .collect()
        }
        Some(Document::Rule(rule)) => {
            let filters = filters_for(scan, rule);
            let built = set.build_filtered(rule, &filters);
            targets
                .iter()
                .map(|t| {
                    let mut o = outcome(doc, *t);
                    let r = match &built {
                        Err(e) => Err(e.0.clone()),
                        Ok(queries) => {
                            o.overrides = queries
                                .queries
                                .iter()
                                .flat_map(|q| q.overrides.iter().cloned())
                                .collect();
                            o.overrides.sort();
                            o.overrides.dedup();
                            o.warnings = queries.warnings.clone();
                            o.warnings.extend(
                                queries
                                    .findings
                                    .iter()
                                    .map(|f| format!("{}: {}", f.kind.code(), f.message())),
                            );
                            o.never_matches = queries.never_matches();
                            if o.never_matches {
                                o.warnings.push(format!(
                                    "{}: the rule can never match: fields it requires do not \
                                     exist in its indices",
                                    crate::rule::codes::RULE_NEVER_MATCHES
                                ));
                            }
                            t.render(&RuleInput {
                                doc,
                                rule,
                                queries,
                                set,
                                attack,
                            })
                        }
                    };
                    finish(o, r)
                })
                .collect()
        }
    }
}

/// Looks up the rules a correlation references in the scan (with the filters that apply to each)
/// and resolves the correlation under `set`; `Err` is the skip reason.
pub fn resolve_correlation<'a>(
    scan: &'a Scan,
    doc: &'a SourceDoc,
    c: &'a Correlation,
    set: &'a ConfigSet,
) -> Result<CorrelationInput<'a>, String> {
    let references: Vec<Reference<'a>> = c
        .rules
        .iter()
        .map(|r| {
            let found = scan.lookup(&r.value);
            let filters = match found {
                Some((_, Document::Rule(rule))) => filters_for(scan, rule),
                _ => Vec::new(),
            };
            Reference {
                name: &r.value,
                found,
                filters,
            }
        })
        .collect();
    correlation::resolve(doc, c, set, &references)
}

/// Converts one correlation document for one target ([`convert`] resolves once and lets every target
/// render; this is the single-target form).
pub fn convert_correlation(
    scan: &Scan,
    doc: &SourceDoc,
    c: &Correlation,
    set: &ConfigSet,
    attack: &AttackData,
    target: &dyn Target,
) -> Result<String, String> {
    let input = resolve_correlation(scan, doc, c, set)?;
    target.render_correlation_rules(&input, attack)
}

/// The parsed filter documents that name `rule` by id or name, in scan order.
pub fn filters_for<'s>(scan: &'s Scan, rule: &Rule) -> Vec<&'s Filter> {
    let id = rule.meta.id.as_ref().map(|t| t.value.as_str());
    let name = rule.meta.name.as_ref().map(|t| t.value.as_str());
    scan.parsed()
        .filter_map(|(_, d)| match d {
            Document::Filter(f)
                if f.rules
                    .iter()
                    .any(|r| Some(r.value.as_str()) == id || Some(r.value.as_str()) == name) =>
            {
                Some(f)
            }
            _ => None,
        })
        .collect()
}

/// Why the parser rejected a document: its first error diagnostic (the rule-engine message, with
/// position), so a `failed` line explains itself without a separate `check` run.
pub fn rejection_reason(scan: &Scan, doc: &SourceDoc) -> String {
    let next_start = scan
        .docs
        .iter()
        .filter(|d| d.path == doc.path && d.index > doc.index)
        .map(|d| d.pos.line)
        .min()
        .unwrap_or(u32::MAX);
    scan.diagnostics
        .iter()
        .filter(|d| {
            d.path == doc.path
                && d.severity == Severity::Error
                && d.line >= doc.pos.line
                && d.line < next_start
        })
        .min_by_key(|d| (d.line, d.col))
        .map_or_else(
            || "rejected by the parser (see `sigmaforge check`)".to_string(),
            |d| {
                format!(
                    "rejected by the parser: {}:{}: {}: {}",
                    d.line, d.col, d.code, d.message
                )
            },
        )
}

/// An input that yields no artifact for any target: a file without any Sigma document (unreadable,
/// binary, not UTF-8, broken YAML, empty, not Sigma) or a document the parser rejected. `layer` and
/// `convert` report each one, so no input silently disappears from a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable {
    /// File path.
    pub path: String,
    /// 0-based document index (0 for a whole file).
    pub index: usize,
    /// Title, when the document has one.
    pub title: Option<String>,
    /// `Failed` (broken input, an error finding) or `Skipped` (empty file, YAML that is not Sigma).
    pub status: Status,
    /// Why, with the position and code of the finding.
    pub reason: String,
}

/// The files of `scan` that produced no document, with the status and reason of each: `Failed`
/// with the file's first error finding, else `Skipped` with its first note. In file order.
fn documentless(scan: &Scan) -> Vec<Unusable> {
    let with_docs: std::collections::HashSet<&str> =
        scan.docs.iter().map(|d| d.path.as_str()).collect();
    let bare: std::collections::HashSet<&str> = scan
        .files
        .iter()
        .map(String::as_str)
        .filter(|f| !with_docs.contains(f))
        .collect();
    if bare.is_empty() {
        return Vec::new();
    }
    // First error and first other finding per file (diagnostics are sorted by path and position).
    let mut first: std::collections::HashMap<&str, [Option<&crate::diag::Diagnostic>; 2]> =
        Default::default();
    for d in scan
        .diagnostics
        .iter()
        .filter(|d| bare.contains(d.path.as_str()))
    {
        let slot = &mut first.entry(d.path.as_str()).or_default()
            [usize::from(d.severity != Severity::Error)];
        if slot.is_none() {
            *slot = Some(d);
        }
    }
    scan.files
        .iter()
        .filter(|f| bare.contains(f.as_str()))
        .map(|f| {
            let [error, other] = first.get(f.as_str()).copied().unwrap_or_default();
            let (status, reason) = match (error, other) {
                (Some(d), _) => (
                    Status::Failed,
                    format!(
                        "file not parsed: {}:{}: {}: {}",
                        d.line, d.col, d.code, d.message
                    ),
                ),
                (None, Some(d)) => (
                    Status::Skipped,
                    format!(
                        "no Sigma document: {}:{}: {}: {}",
                        d.line, d.col, d.code, d.message
                    ),
                ),
                (None, None) => (Status::Skipped, "no Sigma document in the file".to_string()),
            };
            Unusable {
                path: f.clone(),
                index: 0,
                title: None,
                status,
                reason,
            }
        })
        .collect()
}

/// Every input of `scan` that can yield no artifact: files without a document and documents the
/// parser rejected, in path and document order.
pub fn unusable_inputs(scan: &Scan) -> Vec<Unusable> {
    let mut out = documentless(scan);
    out.extend(
        scan.docs
            .iter()
            .filter(|d| d.doc.is_none())
            .map(|d| Unusable {
                path: d.path.clone(),
                index: d.index,
                title: d.title.clone(),
                status: Status::Failed,
                reason: rejection_reason(scan, d),
            }),
    );
    out.sort_by(|a, b| (a.path.as_str(), a.index).cmp(&(b.path.as_str(), b.index)));
    out
}

/// Converts every document of `scan` (parsed or rejected) for every target, and gives every file
/// without a document one `failed` or `skipped` outcome per target, so each input file appears in
/// the outcomes. Output order: path, document index, then `targets` order — independent of thread
/// scheduling.
pub fn convert(
    scan: &Scan,
    set: &ConfigSet,
    attack: &AttackData,
    targets: &[&dyn Target],
) -> Vec<Outcome> {
    enum Unit<'a> {
        Doc(&'a SourceDoc),
        File(Unusable),
    }
    impl Unit<'_> {
        fn key(&self) -> (&str, usize) {
            match self {
                Unit::Doc(d) => (d.path.as_str(), d.index),
                Unit::File(u) => (u.path.as_str(), u.index),
            }
        }
    }
    let mut units: Vec<Unit<'_>> = scan.docs.iter().map(Unit::Doc).collect();
    units.extend(documentless(scan).into_iter().map(Unit::File));
    units.sort_by(|a, b| a.key().cmp(&b.key()));
    units
        .par_iter()
        .flat_map_iter(|unit| match unit {
            Unit::Doc(d) => {
                let rejection = if d.doc.is_none() {
                    rejection_reason(scan, d)
                } else {
                    String::new()
                };
                convert_doc_all(scan, d, set, attack, targets, &rejection)
            }
            Unit::File(u) => targets
                .iter()
                .map(|t| Outcome {
                    path: u.path.clone(),
                    id: None,
                    title: None,
                    target: t.name().to_string(),
                    status: u.status,
                    output: None,
                    reason: Some(u.reason.clone()),
                    index: 0,
                    overrides: Vec::new(),
                    warnings: Vec::new(),
                    never_matches: false,
                })
                .collect(),
        })
        .collect()
}

/// Counts per status and the reasons, for the stderr summary: `(converted, skipped, failed,
/// reasons sorted by frequency then text)`.
pub fn summarize(outcomes: &[Outcome]) -> (usize, usize, usize, Vec<(String, usize)>) {
    let mut counts = [0usize; 3];
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for o in outcomes {
        let i = match o.status {
            Status::Converted => 0,
            Status::Skipped => 1,
            Status::Failed => 2,
        };
        counts[i] += 1;
        if let Some(r) = &o.reason {
            *reasons.entry(r.clone()).or_default() += 1;
        }
    }
    let mut reasons: Vec<(String, usize)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (counts[0], counts[1], counts[2], reasons)
}
