//! Rule tests: event files that a rule must match or must not match, found in a test folder, run
//! against a scan. Two layouts are read (`docs/testing.md`):
//!
//! - the project's convention: `<tests>/<rule>/match/<file>` (every event must match; a correlation
//!   must fire on the file's stream) and `<tests>/<rule>/nomatch/<file>` (no event may match), where `<rule>` is the rule's id, its
//!   `name`, or its file name without extension, and files are `.json`, `.ndjson` or `.jsonl`;
//! - SigmaHQ's `regression_data/`: each `info.yml` names a rule and event files of which at least one
//!   event must match ([`super::cases`]).
//!
//! Windows event-log JSON is flattened to Sigma's field names first; other events are used as they are.

use super::cases::{self, CaseError};
use super::event::{self, Event};
use super::options::EvalOptions;
use super::ruleset::RuleSet;
use crate::rule::Document;
use crate::scan::Scan;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Test folders `sigmaforge test` and `run` read when none is named, if they exist: the project's
/// convention and SigmaHQ's layout.
pub const DEFAULT_TEST_DIRS: [&str; 2] = ["sigma-tests", "regression_data"];

/// What a test file expects of its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// Every event of the file matches (`match/`).
    EveryEvent,
    /// No event of the file matches (`nomatch/`).
    NoEvent,
    /// At least one event matches (SigmaHQ's regression data, whose files hold unrelated events too).
    SomeEvent,
}

/// One event file and what it expects of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestFile {
    /// The rule: id, name or file stem.
    pub rule: String,
    /// The event file.
    pub file: PathBuf,
    /// The expectation.
    pub expect: Expect,
}

/// Why the tests could not be found.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A folder could not be read.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// SigmaHQ's `info.yml` files could not be read.
    #[error(transparent)]
    Cases(#[from] CaseError),
}

/// Whether a file holds events, by extension.
pub fn is_event_file(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "json" | "ndjson" | "jsonl"))
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, SuiteError> {
    let io = |source| SuiteError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    out.sort();
    Ok(out)
}

fn convention(dir: &Path, out: &mut Vec<TestFile>) -> Result<(), SuiteError> {
    for p in sorted_entries(dir)? {
        if !p.is_dir() {
            continue;
        }
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let expect = match name {
            "match" => Expect::EveryEvent,
            "nomatch" => Expect::NoEvent,
            _ => {
                convention(&p, out)?;
                continue;
            }
        };
        let rule = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        for f in sorted_entries(&p)? {
            if f.is_file() && is_event_file(&f) {
                out.push(TestFile {
                    rule: rule.clone(),
                    file: f,
                    expect,
                });
            }
        }
    }
    Ok(())
}

/// Every test under `dir`, in path order: the convention's `match/` and `nomatch/` folders, then
/// SigmaHQ's `info.yml` cases.
pub fn discover(dir: &Path) -> Result<Vec<TestFile>, SuiteError> {
    let mut out = Vec::new();
    convention(dir, &mut out)?;
    for case in cases::load_cases(dir)? {
        for (file, _) in case.tests {
            out.push(TestFile {
                rule: case.rule_id.clone(),
                file,
                expect: Expect::SomeEvent,
            });
        }
    }
    Ok(out)
}

/// How a test went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The expectation holds.
    Passed,
    /// It does not; `detail` lists the events.
    Failed,
    /// The test could not run (unknown rule, unreadable events, rule not evaluable).
    Error,
}

/// The outcome of one test file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestOutcome {
    /// The rule as the test names it.
    pub rule: String,
    /// The rule's file, when found.
    pub rule_path: Option<String>,
    /// The rule's title, when found.
    pub title: Option<String>,
    /// The event file.
    pub file: String,
    /// The expectation.
    pub expect: Expect,
    /// Events in the file.
    pub events: usize,
    /// 1-based lines where the matching events start.
    pub matched_lines: Vec<usize>,
    /// 1-based lines of the events that break the expectation (the first line of the file when
    /// no event matched a `some_event` test).
    pub failing_lines: Vec<usize>,
    /// The result.
    pub verdict: Verdict,
    /// Why it failed or could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A rule of the scan that no test names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Untested {
    /// File path.
    pub path: String,
    /// Rule id.
    pub id: Option<String>,
    /// Rule title.
    pub title: Option<String>,
}

/// Totals of a test run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TestSummary {
    /// Test files run.
    pub tests: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Could not run.
    pub errors: usize,
    /// Rules and correlations in the scan.
    pub rules: usize,
    /// Of them, named by at least one test.
    pub tested: usize,
    /// Of them, named by none.
    pub untested: usize,
}

/// Everything a test run found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestRun {
    /// One entry per test file, in discovery order.
    pub tests: Vec<TestOutcome>,
    /// Rules no test names, in scan order.
    pub untested: Vec<Untested>,
    /// Totals.
    pub summary: TestSummary,
}

impl TestRun {
    /// Whether any test failed or could not run.
    pub fn failed(&self) -> bool {
        self.summary.failed + self.summary.errors > 0
    }
}

/// Finds the rule a test names: by id or name first, then by file stem (unique).
fn resolve<'s>(scan: &'s Scan, key: &str) -> Result<&'s crate::rule::SourceDoc, String> {
    if let Some((d, _)) = scan.lookup(key) {
        return Ok(d);
    }
    let by_stem: Vec<_> = scan
        .parsed()
        .filter(|(d, doc)| {
            !matches!(doc, Document::Filter(_))
                && Path::new(&d.path).file_stem().and_then(|s| s.to_str()) == Some(key)
        })
        .map(|(d, _)| d)
        .collect();
    match by_stem.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("no rule with id, name or file name `{key}`")),
        many => Err(format!(
            "`{key}` names {} documents (files with several documents need an id or name)",
            many.len()
        )),
    }
}

/// Runs the tests against the rules of `scan`: the scan is compiled once, each file is read (up to
/// `max_bytes`), flattened if it is Windows event JSON, and evaluated.
pub fn run(scan: &Scan, tests: &[TestFile], opts: &EvalOptions, max_bytes: u64) -> TestRun {
    let set = RuleSet::compile(scan, opts);
    let mut named = std::collections::BTreeSet::new();
    let outcomes: Vec<TestOutcome> = tests
        .iter()
        .map(|t| {
            let doc = resolve(scan, &t.rule);
            if let Ok(d) = doc {
                named.insert((d.path.clone(), d.index));
            }
            run_one(scan, &set, t, doc, opts, max_bytes)
        })
        .collect();
    let mut summary = TestSummary {
        tests: outcomes.len(),
        ..TestSummary::default()
    };
    for o in &outcomes {
        match o.verdict {
            Verdict::Passed => summary.passed += 1,
            Verdict::Failed => summary.failed += 1,
            Verdict::Error => summary.errors += 1,
        }
    }
    let mut untested = Vec::new();
    for d in set.docs() {
        if !matches!(
            d.doc,
            Some(Document::Rule(_)) | Some(Document::Correlation(_))
        ) {
            continue;
        }
        summary.rules += 1;
        if named.contains(&(d.path.clone(), d.index)) {
            summary.tested += 1;
        } else {
            untested.push(Untested {
                path: d.path.clone(),
                id: d.id.clone(),
                title: d.title.clone(),
            });
        }
    }
    summary.untested = untested.len();
    TestRun {
        tests: outcomes,
        untested,
        summary,
    }
}

fn run_one(
    scan: &Scan,
    set: &RuleSet,
    t: &TestFile,
    doc: Result<&crate::rule::SourceDoc, String>,
    opts: &EvalOptions,
    max_bytes: u64,
) -> TestOutcome {
    let mut out = TestOutcome {
        rule: t.rule.clone(),
        rule_path: None,
        title: None,
        file: crate::discover::display_path(&t.file),
        expect: t.expect,
        events: 0,
        matched_lines: Vec::new(),
        failing_lines: Vec::new(),
        verdict: Verdict::Error,
        detail: None,
    };
    let doc = match doc {
        Ok(d) => d,
        Err(e) => {
            out.detail = Some(e);
            return out;
        }
    };
    out.rule_path = Some(doc.path.clone());
    out.title = doc.title.clone();
    // A correlation fires at some events of a stream, never at all of them: `match/` asks that it fire.
    if matches!(doc.doc, Some(Document::Correlation(_))) && t.expect == Expect::EveryEvent {
        out.expect = Expect::SomeEvent;
    }
    let events: Vec<Event> = match event::read_events(&t.file, max_bytes) {
        Ok(ev) => ev
            .into_iter()
            .map(|e| Event {
                value: event::flatten_windows_event(e.value),
                line: e.line,
            })
            .collect(),
        Err(e) => {
            out.detail = Some(e.to_string());
            return out;
        }
    };
    out.events = events.len();
    let matches = match set.matches_of(scan, doc, &events, opts) {
        Ok(m) => m,
        Err(reason) => {
            out.detail = Some(format!("rule not evaluable: {reason}"));
            return out;
        }
    };
    let mut is_match = vec![false; events.len()];
    for &i in &matches {
        is_match[i] = true;
    }
    out.matched_lines = matches.iter().map(|&i| events[i].line).collect();
    let lines = |want: bool| -> Vec<usize> {
        events
            .iter()
            .zip(&is_match)
            .filter(|(_, m)| **m == want)
            .map(|(e, _)| e.line)
            .collect()
    };
    let (failing, what) = match out.expect {
        Expect::EveryEvent => (lines(false), "do not match"),
        Expect::NoEvent => (lines(true), "match but must not"),
        Expect::SomeEvent if matches.is_empty() => (vec![1], "none matches"),
        Expect::SomeEvent => (vec![], ""),
    };
    if events.is_empty() {
        out.detail = Some("the file holds no event".into());
        return out;
    }
    out.verdict = if failing.is_empty() {
        Verdict::Passed
    } else {
        let shown: Vec<String> = failing.iter().take(10).map(|l| l.to_string()).collect();
        let more = if failing.len() > 10 { ", …" } else { "" };
        out.detail = Some(match out.expect {
            Expect::SomeEvent => format!("none of {} events matches", events.len()),
            _ => format!(
                "{} of {} events {what} (lines {}{more})",
                failing.len(),
                events.len(),
                shown.join(", ")
            ),
        });
        Verdict::Failed
    };
    out.failing_lines = failing;
    out
}
