//! Issue 12, "first day with sigmaforge": each item run as a new user runs it — a fresh temporary
//! repository, the built binary, the exact flags — so what the README promises is what happens.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The built binary.
fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sigmaforge"))
}

/// Runs the binary in `dir` with `args` and no `INPUT_*`/`GITHUB_*` variables from the caller.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir).args(args);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("INPUT_") || k.starts_with("GITHUB_") || k == "NO_COLOR" {
            cmd.env_remove(&k);
        }
    }
    cmd.output().expect("sigmaforge runs")
}

pub(crate) fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// `(exit code, stdout, stderr)` for assertions that show everything on failure.
pub(crate) fn outcome(o: &Output) -> (Option<i32>, String, String) {
    (o.status.code(), text(&o.stdout), text(&o.stderr))
}

/// Writes `files` (path, content) under a fresh temporary folder with `git init`.
pub(crate) fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

/// A valid Windows process-creation rule without findings.
pub(crate) const RULE: &str = "title: Certutil Download
id: 5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e
status: test
description: Detects certutil used to download files.
author: Test
date: 2024-01-01
tags:
    - attack.command-and-control
    - attack.t1105
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\certutil.exe'
        CommandLine|contains: urlcache
    condition: selection
falsepositives:
    - Admins
level: high
";

/// `RULE` with a warning and no error (no `description`), so fail levels can be told apart.
fn rule_with_warning() -> String {
    RULE.replace(
        "description: Detects certutil used to download files.\n",
        "",
    )
}

#[test]
fn fail_level_never_is_accepted_by_config_check_and_run() {
    let warned = rule_with_warning();
    let dir = repo(&[
        ("rules/proc_creation_win_certutil_download.yml", &warned),
        (".sigmaforge.yml", "fail-level: never\n"),
    ]);
    // The file's `never` is honoured by `check`, even with an error present.
    let broken = repo(&[
        (
            "rules/proc_creation_win_certutil_download.yml",
            "title: x\nlogsource: {}\ndetection: {}\n",
        ),
        (".sigmaforge.yml", "fail-level: never\n"),
    ]);
    let o = run_in(broken.path(), &["check", "rules"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    assert!(text(&o.stdout).contains("error"), "{:?}", outcome(&o));
    // The flag wins over the file.
    let o = run_in(broken.path(), &["check", "rules", "--fail-level", "error"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", outcome(&o));
    // `check --fail-level never` and `run --fail-level never` parse.
    let o = run_in(dir.path(), &["check", "rules", "--fail-level", "never"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    let o = run_in(dir.path(), &["run", "--fail-level", "never"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    let o = run_in(dir.path(), &["run"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    // An unknown word is rejected the same way by the flag and the file, naming the four levels.
    let o = run_in(dir.path(), &["check", "rules", "--fail-level", "fatal"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", outcome(&o));
    assert!(text(&o.stderr).contains("error, warning, info or never"));
    std::fs::write(dir.path().join(".sigmaforge.yml"), "fail-level: fatal\n").unwrap();
    for args in [&["check", "rules"][..], &["run"][..]] {
        let o = run_in(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {:?}", outcome(&o));
        assert!(
            text(&o.stderr).contains("error, warning, info or never"),
            "{args:?}: {:?}",
            outcome(&o)
        );
    }
}

#[test]
fn check_honours_the_config_fail_level() {
    let warned = rule_with_warning();
    let dir = repo(&[("rules/proc_creation_win_certutil_download.yml", &warned)]);
    let o = run_in(dir.path(), &["check", "rules"]);
    let (code, stdout, _) = outcome(&o);
    assert!(
        stdout.contains("warning[") && !stdout.contains("error["),
        "the fixture must have a finding below error only: {stdout}"
    );
    assert_eq!(code, Some(0), "{stdout}");
    std::fs::write(dir.path().join(".sigmaforge.yml"), "fail-level: info\n").unwrap();
    let o = run_in(dir.path(), &["check", "rules"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", outcome(&o));
}

#[test]
fn layer_exits_1_when_it_prints_an_error() {
    let bad = RULE.replace("attack.command-and-control", "attack.command_and_control");
    let dir = repo(&[("rules/proc_creation_win_certutil_download.yml", &bad)]);
    let o = run_in(dir.path(), &["layer", "rules", "-o", "layer.json"]);
    let (code, _, stderr) = outcome(&o);
    assert!(stderr.contains(": error: "), "{stderr}");
    assert_eq!(code, Some(1), "{stderr}");
    let good = repo(&[("rules/proc_creation_win_certutil_download.yml", RULE)]);
    let o = run_in(good.path(), &["layer", "rules", "-o", "layer.json"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    assert!(!text(&o.stderr).contains(": error: "));
}

#[test]
fn run_without_rules_folder_never_reads_its_output_git_or_base_checkout() {
    let dir = repo(&[
        ("detections/proc_creation_win_certutil_download.yml", RULE),
        // A base checkout (not hidden) and a `.git` folder holding YAML that is not a valid rule.
        (
            "base/detections/proc_creation_win_certutil_download.yml",
            RULE,
        ),
        (
            ".git/hooks/bad.yml",
            "title: x\ndetection: {}\nlogsource: {}\n",
        ),
    ]);
    let args = [
        "run",
        "--targets",
        "elastalert,es-rule",
        "--base-dir",
        "base",
    ];
    let first = run_in(dir.path(), &args);
    assert_eq!(first.status.code(), Some(0), "{:?}", outcome(&first));
    assert!(dir.path().join("sigmaforge-out").is_dir());
    let second = run_in(dir.path(), &args);
    assert_eq!(second.status.code(), Some(0), "{:?}", outcome(&second));
    let findings: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sigmaforge-out/findings.json")).unwrap(),
    )
    .unwrap();
    let json = findings.to_string();
    assert!(
        !json.contains("sigmaforge-out/") && !json.contains("base/") && !json.contains(".git/"),
        "{json}"
    );
    // The first and second run see the same documents.
    assert_eq!(
        text(&first.stderr)
            .lines()
            .filter(|l| l.contains("document"))
            .collect::<Vec<_>>(),
        text(&second.stderr)
            .lines()
            .filter(|l| l.contains("document"))
            .collect::<Vec<_>>(),
    );
}

#[test]
fn yaml_that_is_not_sigma_is_skipped_not_linted() {
    let workflow = "name: ci\non:\n  push:\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    let dir = repo(&[
        ("rules/proc_creation_win_certutil_download.yml", RULE),
        ("rules/workflows/ci.yml", workflow),
    ]);
    let o = run_in(dir.path(), &["check", "rules"]);
    let (code, stdout, _) = outcome(&o);
    assert_eq!(code, Some(0), "{stdout}");
    let on_workflow: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("rules/workflows/ci.yml"))
        .collect();
    assert_eq!(on_workflow.len(), 1, "{stdout}");
    assert!(on_workflow[0].contains("not Sigma, skipped"), "{stdout}");
}

/// Findings of `check --format json` as `(code, line, message)`.
fn findings(dir: &Path, args: &[&str]) -> Vec<(String, u64, String)> {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let o = run_in(dir, &all);
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {:?}", outcome(&o)));
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn retired_tactic_gets_one_finding_with_the_replacement_its_techniques_imply() {
    for (technique, want) in [
        // T1027 (obfuscation) is a stealth technique in v19, T1562.001 became T1685 under
        // defense-impairment.
        ("attack.t1027", "attack.stealth"),
        ("attack.t1685", "attack.defense-impairment"),
    ] {
        let rule = RULE
            .replace("attack.command-and-control", "attack.defense_evasion")
            .replace("attack.t1105", technique);
        let dir = repo(&[("rules/proc_creation_win_certutil_download.yml", &rule)]);
        let on_tactic: Vec<_> = findings(dir.path(), &["rules"])
            .into_iter()
            .filter(|(_, line, _)| *line == 8)
            .collect();
        assert_eq!(on_tactic.len(), 1, "{on_tactic:?}");
        let (code, _, message) = &on_tactic[0];
        assert_eq!(code, "SV250");
        assert!(message.contains(&format!("use {want} ")), "{message}");
        assert!(!message.contains("attack.defense-evasion"), "{message}");
    }
}

#[test]
fn validation_profiles_default_for_any_repository_and_sigmahq_on_request() {
    // An in-house rule: short file name, lower-case title words, a logsource of its own, an id
    // that is not a UUID.
    let rule = RULE
        .replace("title: Certutil Download", "title: certutil download")
        .replace("product: windows", "product: acme_edr")
        .replace("id: 5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e", "id: not-a-uuid")
        .replace("description: Detects", "description: Uses ATT&CK. Detects");
    let dir = repo(&[("rules/r.yml", &rule)]);
    let default = findings(dir.path(), &["rules"]);
    let codes: Vec<&str> = default.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(codes, ["SV109"], "{default:?}");
    let (_, line, message) = &default[0];
    assert_eq!(*line, 2);
    assert!(
        message.contains("not a UUID") && message.contains("es-rule `rule_id` is derived"),
        "{message}"
    );
    // `profile: sigmahq` adds SigmaHQ's conventions; the unknown logsource is one finding.
    std::fs::write(
        dir.path().join(".sigmaforge.yml"),
        "validation:\n    profile: sigmahq\n",
    )
    .unwrap();
    let sigmahq = findings(dir.path(), &["rules"]);
    let mut codes: Vec<&str> = sigmahq.iter().map(|(c, _, _)| c.as_str()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(
        codes,
        ["SV105", "SV109", "SV130", "SV501", "SV511", "SV708"],
        "{sigmahq:?}"
    );
    // Every finding says how to switch it off, and that works.
    for (code, _, message) in &sigmahq {
        assert!(
            message.contains("to disable: `validation: {disable: ["),
            "{code}: {message}"
        );
    }
    std::fs::write(
        dir.path().join(".sigmaforge.yml"),
        "validation:\n    profile: sigmahq\n    disable: [logsource-unknown, title-case]\n",
    )
    .unwrap();
    let codes: Vec<String> = findings(dir.path(), &["rules"])
        .into_iter()
        .map(|(c, _, _)| c)
        .collect();
    assert!(
        !codes.iter().any(|c| c == "SV501" || c == "SV130"),
        "{codes:?}"
    );
    // With SV501 off, SigmaHQ CI's own check reports the logsource instead.
    assert!(codes.iter().any(|c| c == "SV502"), "{codes:?}");
    std::fs::write(
        dir.path().join(".sigmaforge.yml"),
        "validation:\n    profile: strict\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["check", "rules"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", outcome(&o));
    assert!(
        text(&o.stderr).contains("use default or sigmahq"),
        "{:?}",
        outcome(&o)
    );
}

#[test]
fn exists_yes_no_and_expand_after_backslash_as_pysigma_reads_them() {
    let rule = RULE.replace(
        "        CommandLine|contains: urlcache\n",
        "        CommandLine|contains: urlcache\n        ParentImage|exists: yes\n        User|exists: no\n    registry:\n        TargetObject|expand: 'HKLM\\SOFTWARE\\%vendor%\\Run'\n",
    )
    .replace("condition: selection", "condition: selection and not registry");
    let dir = repo(&[("rules/proc_creation_win_certutil_download.yml", &rule)]);
    let o = run_in(dir.path(), &["check", "rules"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    // Without a value for the placeholder, the rule is skipped with the reason.
    let o = run_in(
        dir.path(),
        &["convert", "-t", "es-qs", "--format", "jsonl", "rules"],
    );
    let (_, stdout, stderr) = outcome(&o);
    let line: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap_or("{}"))
        .unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    assert_eq!(line["status"], "skipped", "{stdout}");
    assert!(
        line["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("%vendor%"),
        "{stdout}"
    );
    // With a value, the backslash stays a path separator and the value fills the placeholder.
    std::fs::write(
        dir.path().join("vendor.yml"),
        "title: vendor\nplaceholders:\n    vendor: Acme\n",
    )
    .unwrap();
    let o = run_in(
        dir.path(),
        &["convert", "-t", "es-qs", "-c", "vendor.yml", "rules"],
    );
    let (code, stdout, stderr) = outcome(&o);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    // (case-insensitive: a regular expression with character classes)
    assert!(
        stdout.contains(r"[eE]\\[aA][cC][mM][eE]\\[rR][uU][nN]/"),
        "{stdout}"
    );
    assert!(stdout.contains("_exists_:ParentImage"), "{stdout}");
    assert!(!stdout.contains(r"\%"), "{stdout}");
}

#[test]
fn local_run_prints_the_findings_as_check_does() {
    let warned = rule_with_warning();
    let dir = repo(&[("rules/proc_creation_win_certutil_download.yml", &warned)]);
    let check = run_in(dir.path(), &["check", "rules"]);
    let run = run_in(dir.path(), &["run"]);
    assert_eq!(run.status.code(), Some(0), "{:?}", outcome(&run));
    let finding = text(&check.stdout)
        .lines()
        .find(|l| l.contains("warning[SV115]"))
        .expect("check reports the missing description")
        .to_string();
    assert!(text(&run.stdout).contains(&finding), "{:?}", outcome(&run));
}

#[test]
fn options_scope_to_one_target_and_unknown_names_list_the_valid_ones() {
    let dir = repo(&[("rules/proc_creation_win_certutil_download.yml", RULE)]);
    let conv = |args: &[&str]| {
        let mut all = vec!["convert"];
        all.extend_from_slice(args);
        all.push("rules");
        run_in(dir.path(), &all)
    };
    let o = conv(&["-t", "es-qs,es-rule", "-O", "es-rule.language=eql"]);
    let (code, stdout, stderr) = outcome(&o);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("\"language\":\"eql\""), "{stdout}");
    // Two artifacts: each labelled with its file and target.
    for target in ["es-qs", "es-rule"] {
        assert!(
            stdout.contains(&format!(
                "==> rules/proc_creation_win_certutil_download.yml [{target}] <=="
            )),
            "{stdout}"
        );
    }
    // Unscoped, a target that has no such option says how to scope it.
    let o = conv(&["-t", "es-qs,es-rule", "-O", "language=eql"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("-O es-qs.KEY=VALUE"),
        "{:?}",
        outcome(&o)
    );
    let o = conv(&["-t", "es-qs", "-O", "kibana.x=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not among the targets"),
        "{:?}",
        outcome(&o)
    );
    let o = conv(&["-t", "es-rul"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("es-qs, es-rule, kibana, xpack-watcher, elastalert, eql, esql"),
        "{:?}",
        outcome(&o)
    );
    let o = conv(&["-t", "es-qs", "-c", "ecs-window"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("ecs-cloudtrail, ecs-endpoint, ecs-linux, ecs-proxy, ecs-windows"),
        "{:?}",
        outcome(&o)
    );
    // Without a mapping config, convert says once that fields stay as written.
    let o = conv(&["-t", "es-qs"]);
    assert_eq!(
        text(&o.stderr)
            .matches("field names stay as written")
            .count(),
        1,
        "{:?}",
        outcome(&o)
    );
    let o = conv(&["-t", "es-qs", "-c", "ecs-windows"]);
    assert!(!text(&o.stderr).contains("stay as written"));
}

#[test]
fn help_lists_subcommands_in_pipeline_order_and_hides_today() {
    let o = run_in(Path::new("."), &["--help"]);
    let help = text(&o.stdout);
    let at = |name: &str| {
        help.find(&format!("\n  {name} "))
            .unwrap_or_else(|| panic!("{name} missing: {help}"))
    };
    let order = [
        "check", "convert", "layer", "coverage", "run", "comment", "list",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{pair:?}: {help}");
    }
    // Every flag the README's command table documents is in that subcommand's --help.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut checked = 0;
    for line in readme.lines().filter(|l| l.starts_with("| `sigmaforge ")) {
        let cell = line.split('`').nth(1).unwrap();
        let words: Vec<&str> = cell.split_whitespace().collect();
        let mut sub = vec![words[1]];
        if words[1] == "coverage" {
            sub.push(words[2]);
        }
        // `deploy plan|apply` share their flags; `plan --help` lists them.
        if words[1] == "deploy" {
            sub.push("plan");
        }
        let mut args = sub.clone();
        args.push("--help");
        let help = text(&run_in(Path::new("."), &args).stdout);
        assert!(!help.contains("--today"), "{sub:?} shows --today");
        for flag in cell
            .split(|c: char| c.is_whitespace() || "[]|".contains(c))
            .filter(|w| w.starts_with("--") || (w.starts_with('-') && w.len() == 2))
        {
            assert!(
                help.contains(flag),
                "{sub:?}: {flag} documented but not in --help"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 5,
        "README command table not found ({checked} flags)"
    );
}

#[test]
fn es_rule_imports_experimental_rules_disabled_by_default() {
    let dir = repo(&[
        ("rules/proc_creation_win_certutil_download.yml", RULE),
        (
            "rules/proc_creation_win_certutil_download_new.yml",
            &RULE
                .replace("status: test", "status: experimental")
                .replace("5f2a1ac4-9a8e", "6f2a1ac4-9a8e")
                .replace("Certutil Download", "Certutil Download New"),
        ),
    ]);
    let enabled = |extra: &[&str]| -> Vec<bool> {
        let mut args = vec!["convert", "-t", "es-rule", "--format", "jsonl", "rules"];
        args.extend_from_slice(extra);
        let o = run_in(dir.path(), &args);
        text(&o.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let rule: serde_json::Value =
                    serde_json::from_str(v["output"].as_str().unwrap()).unwrap();
                rule["enabled"].as_bool().unwrap()
            })
            .collect()
    };
    assert_eq!(enabled(&[]), [true, false]);
    assert_eq!(enabled(&["-O", "enabled=true"]), [true, true]);
    assert_eq!(enabled(&["-O", "enabled=false"]), [false, false]);
}

#[test]
fn shared_data_cfg_matches_the_folder() {
    // The build script sets `shared_data` exactly when ../shared exists, so tests needing it are
    // listed as ignored (with the reason) on a fresh clone.
    let present = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .exists();
    assert_eq!(cfg!(shared_data), present);
}

#[test]
fn every_test_that_skips_without_shared_data_is_marked_ignored() {
    const MARK: &str = "#[cfg_attr(not(shared_data), ignore = \"needs ../shared\")]";
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/all");
    let mut unmarked = Vec::new();
    let mut marked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("first_day.rs") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        // Each test: its attributes and body up to the next `#[test]`.
        for chunk in src.split("#[test]").skip(1) {
            let name = chunk
                .split("fn ")
                .nth(1)
                .and_then(|r| r.split('(').next())
                .unwrap_or("?");
            // `util::corpus()` / `util::present(..)` return None without ../shared: the test ends.
            let skips = chunk.contains("util::corpus()") || chunk.contains("util::present(");
            let has = chunk.trim_start().starts_with(MARK);
            marked += usize::from(has);
            if skips && !has {
                unmarked.push(format!("{}::{name}", path.display()));
            }
        }
    }
    assert!(unmarked.is_empty(), "{unmarked:#?}");
    assert!(marked >= 20, "{marked}");
}

#[test]
fn run_without_targets_maps_with_the_builtin_ecs_configs_and_says_so() {
    let dir = repo(&[("rules/proc_creation_win_certutil_download.yml", RULE)]);
    let o = run_in(dir.path(), &["run"]);
    let (code, _, stderr) = outcome(&o);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("es-qs, es-rule with the built-in configs ecs-windows, ecs-linux, ecs-proxy, ecs-cloudtrail"),
        "{stderr}"
    );
    let bundle = std::fs::read_to_string(
        dir.path()
            .join("sigmaforge-out/convert/es-rule/rules.ndjson"),
    )
    .expect("es-rule bundle");
    // Windows fields mapped to ECS by ecs-windows.
    assert!(bundle.contains("process.executable"), "{bundle}");
    // A configured `targets:` is used as written, without the note.
    std::fs::write(
        dir.path().join(".sigmaforge.yml"),
        "targets:\n    - name: es-qs\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["run"]);
    assert!(
        !text(&o.stderr).contains("built-in configs"),
        "{:?}",
        outcome(&o)
    );
}

#[test]
fn report_lists_documents_not_converted_with_their_reasons() {
    let correlation = "title: Many Certutil Downloads
id: 7f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e
status: test
correlation:
    type: event_count
    rules:
        - 5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e
    group-by:
        - Computer
    timespan: 1h
    condition:
        gte: 10
level: high
";
    let dir = repo(&[
        ("rules/proc_creation_win_certutil_download.yml", RULE),
        ("rules/correlation_certutil_many_downloads.yml", correlation),
    ]);
    let o = run_in(dir.path(), &["run", "--targets", "es-qs"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    let report = std::fs::read_to_string(dir.path().join("sigmaforge-out/report.md")).unwrap();
    assert!(report.contains("Not converted (1)"), "{report}");
    assert!(
        report.contains("- `rules/correlation_certutil_many_downloads.yml` es-qs: skipped — event_count correlations are not supported"),
        "{report}"
    );
}
