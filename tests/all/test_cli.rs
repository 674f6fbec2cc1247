//! CLI behaviour of `sigmaforge test`: the test-folder convention, exit codes, every output format and
//! the stable `--events … --format json` interface.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test_cli")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("sigmaforge")
        .expect("binary")
        .current_dir(fixtures())
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn default_test_folder_passes_and_lists_untested_rules() {
    let (code, out, err) = run(&["test", "rules", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let s = &v["summary"];
    assert_eq!(
        (
            s["tests"].as_u64(),
            s["passed"].as_u64(),
            s["untested"].as_u64()
        ),
        (Some(3), Some(3), Some(1)),
        "{out}"
    );
    assert_eq!(v["untested"][0]["path"], "rules/net_use_untested.yml");
    let expects: Vec<&str> = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["expect"].as_str().unwrap())
        .collect();
    assert_eq!(
        expects,
        ["some_event", "every_event", "no_event"],
        "a correlation's match/ asks that it fire; README.md is not read as events"
    );
}

#[test]
fn failed_expectation_exits_one_in_every_format() {
    for format in ["text", "json", "junit", "sarif"] {
        let (code, out, err) = run(&["test", "rules", "--tests", "failing", "--format", format]);
        assert_eq!(code, 1, "{format}: {out}{err}");
        match format {
            "text" => {
                assert!(out.contains("FAIL  rules/whoami_exec.yml"), "{out}");
                assert!(out.contains("(lines 1)"), "{out}");
                assert!(out.contains("no rule with id, name or file name `no_such_rule`"));
            }
            "junit" => {
                assert!(out.contains("failures=\"1\" errors=\"1\""), "{out}");
                assert!(out.contains("<skipped message=\"no test names this rule\"/>"));
            }
            "sarif" => {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                let ids: Vec<&str> = v["runs"][0]["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["ruleId"].as_str().unwrap())
                    .collect();
                assert_eq!(ids, ["ST002", "ST001"], "{out}");
                let loc = &v["runs"][0]["results"][1]["locations"][0]["physicalLocation"];
                assert_eq!(
                    loc["artifactLocation"]["uri"],
                    "failing/whoami_exec/nomatch/bad.ndjson"
                );
                assert_eq!(loc["region"]["startLine"], 1);
            }
            _ => {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                assert_eq!(v["summary"]["failed"], 1);
                assert_eq!(v["tests"][1]["failing_lines"], serde_json::json!([1]));
            }
        }
    }
}

#[test]
fn events_backtest_reports_ndjson_line_numbers() {
    let (code, out, err) = run(&[
        "test",
        "--events",
        "events/backtest.ndjson",
        "--format",
        "json",
        "rules/whoami_exec.yml",
        "rules/net_use_untested.yml",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<(String, serde_json::Value)> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["matches"].clone(),
            )
        })
        .collect();
    // Line 1 is blank: the NetUse events are on lines 2 and 3 (0-based), the admin event on 4.
    assert_eq!(
        rules,
        vec![
            (
                "rules/net_use_untested.yml".to_string(),
                serde_json::json!([2, 3])
            ),
            ("rules/whoami_exec.yml".to_string(), serde_json::json!([0])),
        ]
    );
    for key in ["path", "id", "title", "matches"] {
        assert!(v["rules"][0].get(key).is_some(), "{key} in {out}");
    }
    assert_eq!(v["summary"]["events"], 4);
    let (code, text, _) = run(&["test", "--events", "events", "rules"]);
    assert_eq!(code, 0);
    assert!(
        text.contains("       2  rules/net_use_untested.yml  Untested Net Use"),
        "{text}"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let (code, _, err) = run(&["test", "rules", "--tests", "no/such/folder"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("test folder no/such/folder does not exist"),
        "{err}"
    );
    let (code, _, err) = run(&["test", "rules", "--events", "rules/whoami_exec.yml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("rules/whoami_exec.yml:1:2: invalid JSON"),
        "{err}"
    );
    let (code, _, err) = run(&["test", "rules", "--placeholder", "novalue"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not name=value"), "{err}");
}

/// `run` finds `sigma-tests/` in the repository, writes the test artifacts, puts a tests section in
/// the report, and a failed test fails the run.
#[test]
fn run_runs_the_repository_tests() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    for sub in [
        "rules",
        "sigma-tests/whoami_exec/match",
        "sigma-tests/whoami_exec/nomatch",
    ] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    for f in ["rules/whoami_exec.yml", "rules/net_use_untested.yml"] {
        std::fs::copy(fixtures().join(f), root.join(f)).unwrap();
    }
    std::fs::copy(
        fixtures().join("sigma-tests/whoami_exec/match/plain.ndjson"),
        root.join("sigma-tests/whoami_exec/match/plain.ndjson"),
    )
    .unwrap();
    let run = |root: &Path| {
        Command::cargo_bin("sigmaforge")
            .unwrap()
            .current_dir(root)
            .args(["run", "--repo", ".", "--targets", "es-qs"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .unwrap()
    };
    let out = run(root);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("rule tests: 1 passed, 0 failed, 0 not run; 1 rule(s) without tests"),
        "{err}"
    );
    let md = std::fs::read_to_string(root.join("sigmaforge-out/report.md")).unwrap();
    assert!(
        md.contains("### ✅ Rule tests: 1 passed, 0 failed, 0 not run"),
        "{md}"
    );
    assert!(
        md.contains("1 of 2 rules have tests; 1 without tests."),
        "{md}"
    );
    assert!(root.join("sigmaforge-out/tests.junit.xml").is_file());

    std::fs::copy(
        fixtures().join("failing/whoami_exec/nomatch/bad.ndjson"),
        root.join("sigma-tests/whoami_exec/nomatch/bad.ndjson"),
    )
    .unwrap();
    let out = run(root);
    assert_eq!(out.status.code(), Some(1), "a failed test fails the run");
    let md = std::fs::read_to_string(root.join("sigmaforge-out/report.md")).unwrap();
    assert!(
        md.contains("### ❌ Rule tests: 1 passed, 1 failed, 0 not run"),
        "{md}"
    );
    assert!(
        md.contains("- `rules/whoami_exec.yml` on `sigma-tests/whoami_exec/nomatch/bad.ndjson`: 1 of 1 events match but must not (lines 1)"),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("sigmaforge-out/tests.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["summary"]["failed"], 1);
}
