//! Library entry for `sigmaforge convert`: every document of a scan × every target, under one
//! config set, in parallel, with outcomes in a deterministic order (path, document index, target
//! order as given).

use rayon::prelude::*;

use crate::diag::Severity;
use crate::mapping::ConfigSet;
use crate::rule::{Document, SourceDoc};
use crate::scan::Scan;
use crate::target::{Outcome, RuleInput, Status, Target};

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
    }
}

/// Converts one document for one target. `rejection` is the reason shown when the parser rejected
/// the document (see [`rejection_reason`]).
pub fn convert_doc(
    doc: &SourceDoc,
    set: &ConfigSet,
    target: &dyn Target,
    rejection: &str,
) -> Outcome {
    let mut o = outcome(doc, target);
    let result = match &doc.doc {
        None => {
            o.status = Status::Failed;
            o.reason = Some(rejection.to_string());
            return o;
        }
        Some(Document::Correlation(c)) => target.render_correlation(doc, c, set),
        Some(Document::Filter(_)) => {
            Err("filter documents are applied to rules, they are not converted on their own".into())
        }
        Some(Document::Rule(rule)) => match set.build(rule) {
            Err(e) => Err(e.0),
            Ok(queries) => {
                o.overrides = queries
                    .queries
                    .iter()
                    .flat_map(|q| q.overrides.iter().cloned())
                    .collect();
                o.overrides.sort();
                o.overrides.dedup();
                o.warnings = queries.warnings.clone();
                target.render(&RuleInput {
                    doc,
                    rule,
                    queries: &queries,
                    set,
                })
            }
        },
    };
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

/// Converts every document of `scan` (parsed or rejected) for every target. Output order: path,
/// document index, then `targets` order — independent of thread scheduling.
pub fn convert(scan: &Scan, set: &ConfigSet, targets: &[&dyn Target]) -> Vec<Outcome> {
    let mut docs: Vec<&SourceDoc> = scan.docs.iter().collect();
    docs.sort_by(|a, b| (a.path.as_str(), a.index).cmp(&(b.path.as_str(), b.index)));
    docs.par_iter()
        .flat_map_iter(|d| {
            let rejection = if d.doc.is_none() {
                rejection_reason(scan, d)
            } else {
                String::new()
            };
            targets
                .iter()
                .map(move |t| convert_doc(d, set, *t, &rejection))
                .collect::<Vec<_>>()
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
