//! SigmaHQ's regression data (202 real Windows events, each naming the rule it must trigger) evaluated
//! with the project's evaluator. Skips, with a printed reason, when `../shared` is absent.

use sigmaforge::eval::cases::{Verdict, load_cases, run_cases};
use sigmaforge::eval::{DEFAULT_MAX_EVENT_BYTES, EvalOptions};
use std::path::PathBuf;

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn sigmahq_regression_events_trigger_their_rules() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let folders: Vec<PathBuf> = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
        .iter()
        .map(|f| root.join(f))
        .collect();
    let scan = sigmaforge::scan::scan(&folders).expect("scan the rule folders");
    let cases = load_cases(&root.join("regression_data")).expect("load the cases");
    let outcomes = run_cases(
        &scan,
        &cases,
        &EvalOptions::default(),
        DEFAULT_MAX_EVENT_BYTES,
    );
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    let with_events = outcomes.iter().filter(|o| o.events > 0).count();
    eprintln!(
        "{} cases, {} with events: {} triggered, {} missed, {} not run",
        outcomes.len(),
        with_events,
        count(Verdict::Triggered),
        count(Verdict::Missed),
        count(Verdict::NotRun)
    );
    for o in outcomes
        .iter()
        .filter(|o| o.verdict != Verdict::Triggered || o.detail.is_some())
    {
        eprintln!(
            "{:?} {} ({}): {} of {} events; {}",
            o.verdict,
            o.rule_path.as_deref().unwrap_or("?"),
            o.rule_id,
            o.matched,
            o.events,
            o.detail.as_deref().unwrap_or("")
        );
    }
    let triggered = count(Verdict::Triggered);
    assert_eq!(
        with_events, 202,
        "SigmaHQ's regression data holds 202 event files"
    );
    assert_eq!(
        triggered, with_events,
        "every case with events must trigger its rule (misses are listed above)"
    );
    // The one case without events is SigmaHQ's Cisco rule whose test is commented out.
    for o in outcomes.iter().filter(|o| o.verdict == Verdict::NotRun) {
        assert_eq!(
            o.detail.as_deref(),
            Some("info.yml lists no regression test"),
            "{o:?}"
        );
    }
}

/// Every document of SigmaHQ's checked folders against all regression events: which rules cannot be
/// evaluated (only placeholder rules may fail, for want of values), and the run is deterministic.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn whole_corpus_evaluates_on_the_regression_events() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let folders: Vec<PathBuf> = crate::util::rule_folders(
        &root,
        &[
            "rules",
            "rules-compliance",
            "rules-dfir",
            "rules-emerging-threats",
            "rules-placeholder",
            "rules-threat-hunting",
        ],
    );
    let scan = sigmaforge::scan::scan(&folders).expect("scan the rule folders");
    let cases = load_cases(&root.join("regression_data")).expect("load the cases");
    let mut events = Vec::new();
    for (file, _) in cases.iter().flat_map(|c| &c.tests) {
        for mut e in sigmaforge::eval::read_events(file, DEFAULT_MAX_EVENT_BYTES).expect("events") {
            e.value = sigmaforge::eval::event::flatten_windows_event(e.value);
            events.push(e);
        }
    }
    let opts = EvalOptions::default();
    let start = std::time::Instant::now();
    let set = sigmaforge::eval::RuleSet::compile(&scan, &opts);
    let compiled = start.elapsed();
    let report = set.evaluate(&scan, &events, &opts);
    let evaluated = start.elapsed() - compiled;
    let s = &report.summary;
    eprintln!(
        "{} documents compiled in {compiled:.2?}, × {} events evaluated in {evaluated:.2?}: {} evaluated, {} not evaluable, {} filters; {} rules matched something, {} events matched by some rule",
        s.documents,
        s.events,
        s.evaluated,
        s.not_evaluable,
        s.filters,
        s.with_matches,
        s.matching_events
    );
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for r in &report.rules {
        if let Some(reason) = &r.reason
            && r.status == sigmaforge::eval::EvalStatus::NotEvaluable
        {
            eprintln!("not evaluable: {}: {reason}", r.path);
            let kind = if reason.contains("placeholder %") {
                "placeholder without value"
            } else {
                reason.as_str()
            };
            *reasons.entry(kind.to_string()).or_default() += 1;
        }
    }
    assert_eq!(
        reasons.keys().collect::<Vec<_>>(),
        vec!["placeholder without value"],
        "only placeholder rules may be unevaluable without options: {reasons:?}"
    );
    assert_eq!(s.events, 238);
    assert_eq!(
        s.matching_events, s.events,
        "every regression event triggers some rule"
    );
    let again = sigmaforge::eval::evaluate(&scan, &events, &opts);
    assert_eq!(report, again, "evaluation is deterministic");
}

/// The same cases through `sigmaforge test`'s runner (`eval::suite`): 202 tests pass, each names a
/// distinct rule, and the other rules are listed as untested.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn regression_data_as_a_test_folder() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let folders: Vec<PathBuf> = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
        .iter()
        .map(|f| root.join(f))
        .collect();
    let scan = sigmaforge::scan::scan(&folders).expect("scan the rule folders");
    let tests = sigmaforge::eval::suite::discover(&root.join("regression_data")).expect("tests");
    let run = sigmaforge::eval::suite::run(
        &scan,
        &tests,
        &EvalOptions::default(),
        DEFAULT_MAX_EVENT_BYTES,
    );
    let s = &run.summary;
    assert_eq!((s.tests, s.passed, s.failed, s.errors), (202, 202, 0, 0));
    assert_eq!(s.tested, 202);
    assert_eq!(s.untested, s.rules - 202);
}
