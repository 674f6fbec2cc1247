//! SigmaHQ's regression data (202 real Windows events, each naming the rule it must trigger) evaluated
//! with the project's evaluator. Skips, with a printed reason, when `../shared` is absent;
//! `SIGMAFORGE_SHARED` may point at another copy of it.

use sigmaforge::eval::cases::{Verdict, load_cases, run_cases};
use sigmaforge::eval::{DEFAULT_MAX_EVENT_BYTES, EvalOptions};
use std::path::{Path, PathBuf};

fn corpus_root() -> Option<PathBuf> {
    let shared = std::env::var_os("SIGMAFORGE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let root = shared.join("corpus/sigmahq");
    if root.join("regression_data").is_dir() {
        Some(root)
    } else {
        eprintln!(
            "skip: {} not present (set SIGMAFORGE_SHARED to the shared folder)",
            root.join("regression_data").display()
        );
        None
    }
}

#[test]
fn sigmahq_regression_events_trigger_their_rules() {
    let Some(root) = corpus_root() else { return };
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
