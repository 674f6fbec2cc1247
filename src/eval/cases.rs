//! True-positive test cases in SigmaHQ's regression-data layout: each `info.yml` names a rule (by id)
//! and the event file(s) it must trigger on (`regression_tests_info[].path`, an `.evtx` whose JSON
//! rendering sits beside it as `.json`). Windows events are flattened to Sigma's field names
//! ([`super::event::flatten_windows_event`]) before evaluation.

use super::compile::CompiledRule;
use super::event::{self, Event};
use super::options::EvalOptions;
use crate::rule::Document;
use crate::scan::Scan;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
struct Info {
    #[serde(default)]
    rule_metadata: Vec<InfoRule>,
    #[serde(default)]
    regression_tests_info: Vec<InfoTest>,
}

#[derive(Debug, Deserialize)]
struct InfoRule {
    id: String,
    title: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InfoTest {
    path: String,
    match_count: Option<usize>,
}

/// One test case: a rule and the events that must trigger it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    /// The `info.yml` file.
    pub info: String,
    /// Rule id.
    pub rule_id: String,
    /// Rule title as the case records it.
    pub title: Option<String>,
    /// JSON event files, with the expected number of matching events when the case gives one.
    pub tests: Vec<(PathBuf, Option<usize>)>,
}

/// Why the cases could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// A directory or file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// An `info.yml` is not what the layout expects.
    #[error("{path}: {message}")]
    Info {
        /// Path.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn info_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CaseError> {
    let io = |source| CaseError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if e.file_type().map_err(io)?.is_dir() {
            info_files(&p, out)?;
        } else if e.file_name() == "info.yml" {
            out.push(p);
        }
    }
    Ok(())
}

/// Loads every `info.yml` under `regression_dir` (SigmaHQ's `regression_data/`), sorted by path.
/// Event paths in the files start with `regression_data/`; they are resolved against the parent of
/// `regression_dir`, with the `.evtx` extension replaced by `.json`.
pub fn load_cases(regression_dir: &Path) -> Result<Vec<Case>, CaseError> {
    let mut files = Vec::new();
    info_files(regression_dir, &mut files)?;
    let root = regression_dir.parent().unwrap_or(Path::new("."));
    files
        .iter()
        .map(|f| {
            let shown = f.display().to_string();
            let text = std::fs::read_to_string(f).map_err(|source| CaseError::Io {
                path: shown.clone(),
                source,
            })?;
            let info: Info = serde_yaml::from_str(&text).map_err(|e| CaseError::Info {
                path: shown.clone(),
                message: e.to_string(),
            })?;
            let [rule] = info.rule_metadata.as_slice() else {
                return Err(CaseError::Info {
                    path: shown,
                    message: format!(
                        "expected one rule under `rule_metadata`, found {}",
                        info.rule_metadata.len()
                    ),
                });
            };
            Ok(Case {
                info: shown,
                rule_id: rule.id.clone(),
                title: rule.title.clone(),
                tests: info
                    .regression_tests_info
                    .iter()
                    .map(|t| (root.join(&t.path).with_extension("json"), t.match_count))
                    .collect(),
            })
        })
        .collect()
}

/// How a case went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every event file has at least one matching event.
    Triggered,
    /// Some event file has no matching event.
    Missed,
    /// The case could not run (no rule, no events, rule not evaluable); `detail` says why.
    NotRun,
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseOutcome {
    /// The `info.yml` file.
    pub info: String,
    /// Rule id.
    pub rule_id: String,
    /// Path of the rule file, when found.
    pub rule_path: Option<String>,
    /// Events read over all files of the case.
    pub events: usize,
    /// Events that matched.
    pub matched: usize,
    /// Expected matches, when every file states a count.
    pub expected: Option<usize>,
    /// Result.
    pub verdict: Verdict,
    /// Why a case did not run, or notes (a count that differs from `match_count`).
    pub detail: Option<String>,
}

/// Runs the cases against the rules of `scan` (filters that name a rule apply, as everywhere).
/// Event files over `max_bytes` are refused.
pub fn run_cases(
    scan: &Scan,
    cases: &[Case],
    opts: &EvalOptions,
    max_bytes: u64,
) -> Vec<CaseOutcome> {
    cases
        .par_iter()
        .map(|c| run_case(scan, c, opts, max_bytes))
        .collect()
}

fn run_case(scan: &Scan, case: &Case, opts: &EvalOptions, max_bytes: u64) -> CaseOutcome {
    let mut out = CaseOutcome {
        info: case.info.clone(),
        rule_id: case.rule_id.clone(),
        rule_path: None,
        events: 0,
        matched: 0,
        expected: None,
        verdict: Verdict::NotRun,
        detail: None,
    };
    let not_run = |mut out: CaseOutcome, why: String| {
        out.detail = Some(why);
        out
    };
    let Some((doc, Document::Rule(rule))) = scan.lookup(&case.rule_id) else {
        return not_run(out, format!("no parsed rule has id {}", case.rule_id));
    };
    out.rule_path = Some(doc.path.clone());
    if case.tests.is_empty() {
        return not_run(out, "info.yml lists no regression test".into());
    }
    let filters = crate::render::convert::filters_for(scan, rule);
    let compiled = match CompiledRule::compile(rule, &filters, &opts.placeholders) {
        Ok((c, _)) => c,
        Err(e) => return not_run(out, format!("rule not evaluable: {e}")),
    };
    let mut expected = Some(0);
    let mut missed = false;
    for (file, count) in &case.tests {
        let events: Vec<Event> = match event::read_events(file, max_bytes) {
            Ok(e) => e,
            Err(e) => return not_run(out, e.to_string()),
        };
        let hits = events
            .into_iter()
            .map(|e| event::flatten_windows_event(e.value))
            .inspect(|_| out.events += 1)
            .filter(|v| compiled.matches(v))
            .count();
        missed |= hits == 0;
        out.matched += hits;
        expected = expected.zip(*count).map(|(a, b)| a + b);
    }
    out.expected = expected;
    out.verdict = if missed {
        Verdict::Missed
    } else {
        Verdict::Triggered
    };
    if let Some(n) = expected.filter(|&n| n != out.matched) {
        out.detail = Some(format!(
            "{} events matched, match_count says {n}",
            out.matched
        ));
    }
    out
}
