//! Reports of `sigmaforge test`: rule tests ([`TestRun`]) as text, JUnit XML, and SARIF (a failed
//! test is a finding at the event that broke it, rendered by [`super::sarif`]); backtests (a
//! [`Report`] over `--events`) as a text table of hit counts.

use super::junit::esc;
use crate::diag::{Diagnostic, Pos, Severity};
use crate::eval::suite::{Expect, TestRun, Verdict};
use crate::eval::{EvalStatus, Report};
use crate::validate::registry::CodeDoc;
use std::fmt::Write;

/// Code of a failed expectation.
pub const FAILED: &str = "ST001";
/// Code of a test that could not run.
pub const NOT_RUN: &str = "ST002";

fn expect_name(e: Expect) -> &'static str {
    match e {
        Expect::EveryEvent => "must match every event",
        Expect::NoEvent => "must match no event",
        Expect::SomeEvent => "must match some event",
    }
}

/// One line per test, then the rules without tests and the totals.
pub fn text(run: &TestRun) -> String {
    let mut out = String::new();
    for t in &run.tests {
        let mark = match t.verdict {
            Verdict::Passed => "PASS",
            Verdict::Failed => "FAIL",
            Verdict::Error => "ERROR",
        };
        let _ = write!(
            out,
            "{mark:5} {} ({}) {}",
            t.rule_path.as_deref().unwrap_or(&t.rule),
            t.file,
            expect_name(t.expect)
        );
        if let Some(d) = &t.detail {
            let _ = write!(out, ": {d}");
        }
        out.push('\n');
    }
    let s = &run.summary;
    let _ = writeln!(
        out,
        "\n{} tests: {} passed, {} failed, {} not run; {} of {} rules tested, {} without tests",
        s.tests, s.passed, s.failed, s.errors, s.tested, s.rules, s.untested
    );
    out
}

/// JUnit XML: one test case per test file (class = the rule file), failures and errors as JUnit
/// has them, and every rule without tests as a skipped case so the totals show it.
pub fn junit(run: &TestRun) -> String {
    let s = &run.summary;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"sigmaforge test\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        s.tests + s.untested,
        s.failed,
        s.errors,
        s.untested
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"rule tests\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        s.tests, s.failed, s.errors
    );
    for t in &run.tests {
        let class = esc(t.rule_path.as_deref().unwrap_or(&t.rule));
        let name = esc(&format!("{} {}", t.file, expect_name(t.expect)));
        let detail = esc(t.detail.as_deref().unwrap_or(""));
        match t.verdict {
            Verdict::Passed => {
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{class}\" name=\"{name}\" file=\"{}\"/>",
                    esc(&t.file)
                );
            }
            Verdict::Failed | Verdict::Error => {
                let tag = if t.verdict == Verdict::Failed {
                    "failure"
                } else {
                    "error"
                };
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{class}\" name=\"{name}\" file=\"{}\">\n      <{tag} message=\"{detail}\">{detail}</{tag}>\n    </testcase>",
                    esc(&t.file)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n");
    let _ = writeln!(
        out,
        "  <testsuite name=\"rules without tests\" tests=\"{0}\" skipped=\"{0}\">",
        s.untested
    );
    for u in &run.untested {
        let _ = writeln!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\">\n      <skipped message=\"no test names this rule\"/>\n    </testcase>",
            esc(&u.path),
            esc(u.title.as_deref().unwrap_or(&u.path)),
            esc(&u.path)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Failed and unrunnable tests as findings, each at the event file line that shows the failure.
pub fn diagnostics(run: &TestRun) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for t in &run.tests {
        let (code, lines) = match t.verdict {
            Verdict::Passed => continue,
            Verdict::Failed => (FAILED, t.failing_lines.clone()),
            Verdict::Error => (NOT_RUN, vec![1]),
        };
        let rule = t.rule_path.as_deref().unwrap_or(&t.rule);
        for line in lines {
            out.push(Diagnostic::new(
                &t.file,
                Pos {
                    line: line as u32,
                    col: 1,
                },
                code,
                Severity::Error,
                format!(
                    "{rule} {}: {}",
                    expect_name(t.expect),
                    t.detail.as_deref().unwrap_or("")
                ),
            ));
        }
    }
    out
}

/// The two codes [`diagnostics`] emits, for SARIF's rule table.
pub fn catalogue() -> Vec<CodeDoc> {
    let doc = |code: &str, name: &str, text: &str| CodeDoc {
        code: code.into(),
        name: name.into(),
        severity: Severity::Error,
        doc: text.into(),
        origin: "sigmaforge-test".into(),
        pysigma: vec![],
    };
    vec![
        doc(
            FAILED,
            "test-failed",
            "An event a rule must match does not, or an event it must not match does.",
        ),
        doc(
            NOT_RUN,
            "test-not-run",
            "A rule test could not run (unknown rule, unreadable events, rule not evaluable).",
        ),
    ]
}

/// A backtest as text: per evaluated rule with hits, the hit count and title; then the rules that
/// could not be evaluated and the totals.
pub fn backtest_text(report: &Report) -> String {
    let mut out = String::new();
    let mut hits: Vec<_> = report
        .rules
        .iter()
        .filter(|r| r.status == EvalStatus::Evaluated && !r.matches.is_empty())
        .collect();
    hits.sort_by(|a, b| {
        b.matches
            .len()
            .cmp(&a.matches.len())
            .then(a.path.cmp(&b.path))
    });
    for r in &hits {
        let _ = writeln!(
            out,
            "{:>8}  {}  {}",
            r.matches.len(),
            r.path,
            r.title.as_deref().unwrap_or("")
        );
    }
    for r in report
        .rules
        .iter()
        .filter(|r| r.status == EvalStatus::NotEvaluable)
    {
        let _ = writeln!(
            out,
            "not evaluated  {}: {}",
            r.path,
            r.reason.as_deref().unwrap_or("")
        );
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n{} events, {} documents: {} evaluated ({} with hits), {} not evaluable, {} filters; {} events matched by some rule",
        s.events,
        s.documents,
        s.evaluated,
        s.with_matches,
        s.not_evaluable,
        s.filters,
        s.matching_events
    );
    out
}
