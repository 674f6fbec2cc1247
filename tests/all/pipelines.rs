//! Issue 16: pySigma processing pipelines on the command line — `-p NAME|FILE` on `convert` and
//! `check`, `list pipelines`, and an unsupported type reported with `file:line:col` (exit 2).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sigmaforge"))
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(bin());
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args(args);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("INPUT_") || k.starts_with("GITHUB_") {
            cmd.env_remove(&k);
        }
    }
    let o: Output = cmd.output().expect("sigmaforge runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const RULE: &str = "title: Whoami as admin\nid: 9a3a7f2e-0d6b-4c59-9d0e-2f8f3b1b5c11\nstatus: test\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\whoami.exe'\n        User|expand: '%admin_accounts%'\n        ParentProcessId: 4\n    condition: sel\nlevel: low\n";

fn rule_file(dir: &Path) -> String {
    let p = dir.join("whoami.yml");
    std::fs::write(&p, RULE).unwrap();
    p.display().to_string()
}

#[test]
fn convert_with_builtin_sysmon_and_ecs_windows() {
    let dir = tempfile::tempdir().unwrap();
    let rule = rule_file(dir.path());
    let (code, out, err) = run(&[
        "convert",
        "-t",
        "es-qs",
        "-p",
        "ecs_windows",
        "-p",
        "sysmon",
        "--format",
        "jsonl",
        &rule,
    ]);
    // The placeholder has no value in ecs_windows/sysmon: the rule is skipped with the reason.
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(
        out.contains("placeholder %admin_accounts% has no value"),
        "{out}"
    );

    let plain = RULE.replace("User|expand: '%admin_accounts%'", "IntegrityLevel: High");
    std::fs::write(&rule, plain).unwrap();
    let (code, out, err) = run(&[
        "convert",
        "-t",
        "es-qs",
        "-p",
        "ecs_windows",
        "-p",
        "sysmon",
        &rule,
    ]);
    assert_eq!(code, Some(0), "{err}");
    // sysmon (priority 10) adds EventID 1 and service sysmon; ecs_windows (20) the Sysmon channel,
    // the field names, the winlog.event_data. prefix for unmapped names, and numbers kept for pids.
    for part in [
        "winlog.channel:",
        "event.code:1",
        "process.executable.caseless:",
        "winlog.event_data.IntegrityLevel:",
        "process.parent.pid:4",
    ] {
        assert!(out.contains(part), "missing {part} in {out}");
    }
    assert!(
        out.find("winlog.channel").unwrap() < out.find("event.code").unwrap(),
        "{out}"
    );
}

#[test]
fn convert_with_a_pipeline_file() {
    let dir = tempfile::tempdir().unwrap();
    let rule = rule_file(dir.path());
    let pipe = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pipelines/elastic-windows-community-shape.yml"
    );
    let (code, out, err) = run(&["convert", "-t", "es-qs", "-p", pipe, &rule]);
    assert_eq!(code, Some(0), "{err}");
    for part in [
        "event.category:",
        "process.executable:",
        "user.name:",
        "winlog.user.name:",
        "winlog.event_data.ParentProcessId:4",
    ] {
        assert!(out.contains(part), "missing {part} in {out}");
    }
    // vars resolved the placeholder into both accounts.
    assert!(
        out.contains("[aA][dD][mM][iI][nN][iI][sS][tT][rR][aA][tT][oO][rR]"),
        "{out}"
    );
}

#[test]
fn unsupported_type_is_a_usage_error_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let rule = rule_file(dir.path());
    let pipe = dir.path().join("p.yml");
    std::fs::write(
        &pipe,
        "name: x\ntransformations:\n  - id: a\n    type: hashes_fields\n",
    )
    .unwrap();
    let pipe = pipe.display().to_string();
    for cmd in ["convert", "check"] {
        let mut args = vec![cmd];
        if cmd == "convert" {
            args.extend(["-t", "es-qs"]);
        }
        args.extend(["-p", pipe.as_str(), rule.as_str()]);
        let (code, out, err) = run(&args);
        assert_eq!(code, Some(2), "{cmd}: {out}\n{err}");
        assert!(
            err.contains(&format!(
                "{pipe}:4:11: unsupported transformation type `hashes_fields`"
            )),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn list_pipelines_names_the_builtins_with_priorities() {
    let (code, out, _) = run(&["list", "pipelines"]);
    assert_eq!(code, Some(0));
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["ecs_windows", "sysmon", "windows_logsource"]);
    assert!(out.contains("ecs_windows          priority 20"), "{out}");
}
