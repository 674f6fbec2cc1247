//! CLI behaviour of `check`: every output format, exit codes, configuration files.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("sigmaforge")
        .expect("binary")
        .current_dir(fixtures().join("repo"))
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BASE: &[&str] = &["check", "rules", "--today", "2026-08-05"];

fn with(extra: &[&str]) -> Vec<String> {
    BASE.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn run_with(extra: &[&str]) -> (i32, String, String) {
    let args = with(extra);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs)
}

#[test]
fn clean_rule_exits_zero() {
    let (code, out, _) = run(&[
        "check",
        "rules/proc_creation_win_whoami_clean.yml",
        "--today",
        "2026-08-05",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 error(s), 0 warning(s), 0 info"), "{out}");
}

#[test]
fn text_output_and_fail_levels() {
    let (code, out, _) = run_with(&[]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("text", out);
    let (code, _, _) = run(&[
        "check",
        "rules/proc_creation_win_whoami_clean.yml",
        "--fail-level",
        "info",
        "--today",
        "2026-08-05",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn json_keeps_its_shape() {
    let (code, out, _) = run_with(&["--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(v["summary"]["errors"].as_u64().unwrap_or(0) >= 1);
    assert!(v["diagnostics"].as_array().is_some_and(|a| {
        a.iter()
            .all(|d| d["code"].is_string() && d["line"].is_u64())
    }));
}

#[test]
fn sarif_is_valid_for_code_scanning() {
    let (code, out, _) = run_with(&["--format", "sarif"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(
        v["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(
        !run["tool"]["driver"]["name"]
            .as_str()
            .unwrap_or("")
            .is_empty()
    );
    for r in rules {
        for key in ["id", "name"] {
            assert!(r[key].as_str().is_some_and(|s| !s.is_empty()), "{r}");
        }
        for key in ["shortDescription", "fullDescription", "help"] {
            let t = r[key]["text"].as_str().unwrap_or("");
            assert!(!t.is_empty() && t.len() <= 1024 || key == "help", "{r}");
        }
        assert!(matches!(
            r["defaultConfiguration"]["level"].as_str(),
            Some("error" | "warning" | "note")
        ));
    }
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for res in results {
        let idx = res["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        assert!(matches!(
            res["level"].as_str(),
            Some("error" | "warning" | "note")
        ));
        assert!(!res["message"]["text"].as_str().unwrap_or("").is_empty());
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.starts_with("rules/"), "{uri}");
        assert!(loc["region"]["startLine"].as_u64().unwrap_or(0) >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap_or(0) >= 1);
    }
    let results_only = serde_json::json!({"results": results});
    insta::assert_json_snapshot!("sarif_results", results_only);
}

#[test]
fn github_annotations() {
    let (code, out, _) = run_with(&["--format", "github"]);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .all(|l| l.starts_with("::") || l.starts_with("sigmaforge:")),
        "{out}"
    );
    insta::assert_snapshot!("github", out);
}

#[test]
fn junit_report() {
    let (code, out, _) = run_with(&["--format", "junit"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("<?xml"));
    insta::assert_snapshot!("junit", out);
}

#[test]
fn sigma_cli_configuration() {
    let conf = fixtures().join("sigma_cli_conf_ok.yml");
    let (code, out, err) = run_with(&[
        "--format",
        "json",
        "--validation-config",
        conf.to_str().expect("utf8"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect(&err);
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(!codes.contains(&"SV130"), "disabled: {codes:?}");
    assert!(!codes.contains(&"SV408"), "excluded by id: {codes:?}");
    assert!(!codes.contains(&"SV116"), "excluded by id: {codes:?}");
    assert!(codes.contains(&"SV131"), "still on: {codes:?}");
    assert_eq!(code, 1);
}

#[test]
fn bad_configuration_exits_two_with_location() {
    let conf = fixtures().join("sigma_cli_conf.yml");
    let (code, _, err) = run_with(&["--validation-config", conf.to_str().expect("utf8")]);
    assert_eq!(code, 2);
    assert!(err.contains("sigma_cli_conf.yml:6:"), "{err}");
    assert!(
        err.contains("category_event_id_alias_does_not_exist"),
        "{err}"
    );
}

#[test]
fn sigmaforge_yml_is_found_and_applied() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(dir.path().join(".git")).expect("git");
    std::fs::create_dir(dir.path().join("rules")).expect("rules");
    std::fs::copy(
        fixtures().join("repo/rules/proc_creation_win_net_user_noisy.yml"),
        dir.path()
            .join("rules/proc_creation_win_net_user_noisy.yml"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join(".sigmaforge.yml"),
        "validation:\n    disable: [SV130, SV131, SV116, SV127, SV128, SV108, SV301, SV411, SV702, SV408, SV117, SV403, SV417]\n    severity:\n        SV401: info\n",
    )
    .expect("config");
    let out = Command::cargo_bin("sigmaforge")
        .expect("bin")
        .current_dir(dir.path())
        .args([
            "check",
            "rules",
            "--today",
            "2026-08-05",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["errors"], 0, "{v}");
    assert_eq!(out.status.code(), Some(0), "{v}");
    std::fs::write(
        dir.path().join(".sigmaforge.yml"),
        "validation:\n    disable: [SV999]\n",
    )
    .expect("config");
    let out = Command::cargo_bin("sigmaforge")
        .expect("bin")
        .current_dir(dir.path())
        .args(["check", "rules"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".sigmaforge.yml:2:"));
}

#[test]
fn usage_errors_exit_two() {
    let (code, _, _) = run(&["check", "rules", "--format", "yaml"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["check", "rules", "--today", "2026-13-01"]);
    assert_eq!(code, 2);
}

#[test]
fn list_validators_names_pysigma_equivalents() {
    let (code, out, _) = run(&["list", "validators"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("SV101") && out.contains("identifier_existence"),
        "{out}"
    );
    assert!(out.contains("attacktag"), "{out}");
}

#[test]
fn list_validators_markdown_is_the_library_table() {
    let (code, out, _) = run(&["list", "validators", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert_eq!(out, sigmaforge::validate::registry::markdown());
    let (code, _, err) = run(&["list", "codes", "--format", "markdown"]);
    assert_eq!(code, 2, "{err}");
}
