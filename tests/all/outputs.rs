//! The output side of "nothing lost, nothing escapes": every input file ends converted, skipped or
//! failed in every output; a path matching nothing is a usage error; re-runs remove stale artifacts
//! and keep foreign files; an interrupted run never leaves a torn file; rule titles cannot clash with
//! bundles or Windows reserved names. Each test builds its hostile input itself.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// A valid rule that every target used here converts.
fn rule(title: &str, n: usize) -> String {
    format!(
        "title: {title}
id: 5f0c1a2b-0000-4000-8000-{n:012}
status: test
description: Detects whoami number {n}.
author: sigmaforge tests
date: 2026-01-01
tags:
    - attack.discovery
    - attack.t1033
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami{n}.exe'
    condition: selection
level: medium
"
    )
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("sigmaforge").unwrap();
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Out {
    let o = bin().current_dir(dir).args(args).output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Two good rules and the three files a security review fed in: binary, Latin-1, broken YAML.
fn hostile_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    // Named as the validators want, so the only error findings are the hostile files'.
    std::fs::write(
        rules.join("proc_creation_win_good_one.yml"),
        rule("Good One", 1),
    )
    .unwrap();
    std::fs::write(
        rules.join("proc_creation_win_good_two.yml"),
        rule("Good Two", 2),
    )
    .unwrap();
    std::fs::write(
        rules.join("binary.yml"),
        b"title: x\n\x00\x01\x02\xff binary",
    )
    .unwrap();
    std::fs::write(rules.join("latin1.yml"), b"title: caf\xe9\n").unwrap();
    std::fs::write(
        rules.join("broken.yml"),
        "title: [unclosed\ndetection: : :\n",
    )
    .unwrap();
    dir
}

const HOSTILE: [&str; 3] = ["rules/binary.yml", "rules/broken.yml", "rules/latin1.yml"];

/// Every line of a jsonl text, parsed.
fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("jsonl line"))
        .collect()
}

/// The status each input file ended with in a jsonl listing, checked to be one per file.
fn statuses(lines: &[Value]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for v in lines {
        let path = v["path"].as_str().unwrap().to_string();
        let status = v["status"].as_str().unwrap().to_string();
        if status != "converted" {
            assert!(
                v["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{v}: no reason"
            );
        }
        out.insert(path, status);
    }
    out
}

#[test]
fn unparsable_files_are_failed_in_every_output() {
    let repo = hostile_repo();
    let d = repo.path();
    let expected: BTreeMap<String, String> = [
        ("rules/binary.yml", "failed"),
        ("rules/broken.yml", "failed"),
        ("rules/latin1.yml", "failed"),
        ("rules/proc_creation_win_good_one.yml", "converted"),
        ("rules/proc_creation_win_good_two.yml", "converted"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();

    // convert, text summary and written folder.
    let o = run(d, &["convert", "rules", "-t", "es-qs,es-rule", "-o", "out"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("4 converted, 0 skipped, 6 failed"),
        "{}",
        o.stderr
    );
    for f in HOSTILE {
        assert!(
            o.stderr.contains(&format!("failed: {f}: ")),
            "{f} not named: {}",
            o.stderr
        );
    }
    let bundle = std::fs::read_to_string(d.join("out/es-rule/rules.ndjson")).unwrap();
    assert_eq!(bundle.lines().count(), 2);

    // convert --format jsonl: one line per file and target.
    let o = run(d, &["convert", "rules", "-t", "es-qs", "--format", "jsonl"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let lines = jsonl(&o.stdout);
    assert_eq!(lines.len(), 5);
    assert_eq!(statuses(&lines), expected);

    // layer.
    let o = run(d, &["layer", "rules", "-o", "layer.json"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    for f in HOSTILE {
        assert!(
            o.stderr.contains(&format!("failed: {f}: ")),
            "{f} not named: {}",
            o.stderr
        );
    }
    let layer: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("layer.json")).unwrap()).unwrap();
    assert!(layer["techniques"].is_array());

    // run: conversion.jsonl, the report and the summary.
    let o = run(
        d,
        &[
            "run",
            "--rules",
            "rules",
            "--targets",
            "es-qs",
            "--output-dir",
            "sf",
        ],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    for f in HOSTILE {
        assert!(
            o.stderr.contains(&format!("failed: {f}: ")),
            "{f} not named: {}",
            o.stderr
        );
    }
    let conv = jsonl(&std::fs::read_to_string(d.join("sf/conversion.jsonl")).unwrap());
    assert_eq!(statuses(&conv), expected);
    let report = std::fs::read_to_string(d.join("sf/report.md")).unwrap();
    assert!(report.contains("Not converted"), "{report}");
    for f in HOSTILE {
        assert!(report.contains(&format!("`{f}`")), "{f} not in report");
    }
    assert!(report.contains("| es-qs | 2 | 0 | 3 |"), "{report}");
}

#[test]
fn a_path_matching_no_rule_file_is_a_usage_error() {
    let repo = hostile_repo();
    let d = repo.path();
    std::fs::create_dir(d.join("empty")).unwrap();
    std::fs::write(d.join("empty/readme.txt"), "no rules here").unwrap();
    let cases: [&[&str]; 7] = [
        &["check", "rules/*.yaml"],
        &["check", "rules", "empty"],
        &["convert", "nothing/**/*.yml", "-t", "es-qs"],
        &["layer", "empty", "-o", "l.json"],
        &["coverage", "stats", "rules/*.yaml"],
        &["run", "--rules", "rules/**/*.yaml", "--output-dir", "sf"],
        &["run", "--rules", "empty", "--output-dir", "sf"],
    ];
    for args in cases {
        let o = run(d, args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.contains("matches no rule file"),
            "{args:?}: {}",
            o.stderr
        );
    }
    assert!(!d.join("sf").exists(), "nothing written by a failed run");
    assert!(!d.join("l.json").exists());
}

/// Relative paths (with `/`) of every file under `dir`, with their bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                // A file may vanish between listing and reading only while a writer runs.
                if let Ok(bytes) = std::fs::read(&path) {
                    out.insert(rel, bytes);
                }
            }
        }
    }
    out
}

#[cfg(unix)]
fn inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

#[test]
fn stale_artifacts_are_removed_and_foreign_files_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("rules")).unwrap();
    std::fs::write(d.join("rules/keep.yml"), rule("Keep Me", 1)).unwrap();
    std::fs::write(d.join("rules/gone.yml"), rule("Delete Me", 2)).unwrap();
    let convert = ["convert", "rules", "-t", "es-rule,kibana", "-o", "out"];
    let first = run(d, &convert);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(d.join("out/es-rule/delete_me.json").exists());
    std::fs::write(d.join("out/es-rule/my_notes.txt"), "mine").unwrap();
    std::fs::write(d.join("out/README"), "mine too").unwrap();
    #[cfg(unix)]
    let kept_inode = inode(&d.join("out/es-rule/keep_me.json"));

    std::fs::remove_file(d.join("rules/gone.yml")).unwrap();
    let second = run(d, &convert);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let files = tree(&d.join("out"));
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".sigmaforge-manifest.json",
            "README",
            "es-rule/keep_me.json",
            "es-rule/my_notes.txt",
            "es-rule/rules.ndjson",
            "kibana/keep_me.ndjson",
            "kibana/saved_searches.ndjson",
        ]
    );
    assert_eq!(files["es-rule/my_notes.txt"], b"mine");
    assert_eq!(
        String::from_utf8_lossy(&files["es-rule/rules.ndjson"])
            .lines()
            .count(),
        1
    );
    // The counts are true: only the two bundles changed; the kept rule's files were not rewritten.
    assert!(
        second
            .stderr
            .contains("2 file(s) written, 2 unchanged, 2 stale removed"),
        "{}",
        second.stderr
    );
    #[cfg(unix)]
    assert_eq!(inode(&d.join("out/es-rule/keep_me.json")), kept_inode);

    // The same through `run`, whose artifacts live under convert/.
    std::fs::write(d.join("rules/gone.yml"), rule("Delete Me", 2)).unwrap();
    let args = [
        "run",
        "--rules",
        "rules",
        "--targets",
        "es-rule",
        "--output-dir",
        "sf",
        "--fail-level",
        "never",
    ];
    assert_eq!(run(d, &args).code, 0);
    assert!(d.join("sf/convert/es-rule/delete_me.json").exists());
    std::fs::write(d.join("sf/convert/es-rule/foreign.json"), "{}").unwrap();
    std::fs::remove_file(d.join("rules/gone.yml")).unwrap();
    let o = run(d, &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!d.join("sf/convert/es-rule/delete_me.json").exists());
    assert!(d.join("sf/convert/es-rule/keep_me.json").exists());
    assert!(d.join("sf/convert/es-rule/foreign.json").exists());
}

#[test]
fn rule_titles_cannot_take_bundle_or_reserved_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("rules")).unwrap();
    let titles = ["Saved Searches", "CON", "nul.", "a?b", "rules", "LPT1 "];
    for (i, t) in titles.iter().enumerate() {
        std::fs::write(
            d.join(format!("rules/r{i}.yml")),
            rule(&format!("'{t}'"), i),
        )
        .unwrap();
    }
    let o = run(
        d,
        &["convert", "rules", "-t", "kibana,es-rule", "-o", "out"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let files = tree(&d.join("out"));
    for rel in files.keys() {
        for part in rel.split('/') {
            assert!(sigmaforge::artifacts::is_windows_safe(part), "{rel}");
        }
    }
    let folded: std::collections::BTreeSet<String> =
        files.keys().map(|k| k.to_lowercase()).collect();
    assert_eq!(folded.len(), files.len(), "unique case-insensitively");
    for target in ["kibana", "es-rule"] {
        let parts = files
            .keys()
            .filter(|k| k.starts_with(&format!("{target}/")))
            .count();
        assert_eq!(
            parts,
            titles.len() + 1,
            "{target}: one per rule plus the bundle"
        );
    }
    // The bundle is the bundle: a data view and all six searches.
    let bundle = String::from_utf8_lossy(&files["kibana/saved_searches.ndjson"]).into_owned();
    let searches: Vec<Value> = bundle
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "search")
        .collect();
    assert_eq!(searches.len(), titles.len(), "{bundle}");
    assert_eq!(
        String::from_utf8_lossy(&files["es-rule/rules.ndjson"])
            .lines()
            .count(),
        titles.len()
    );
    // "N file(s) written" counts what is on disk (every artifact, not the manifest).
    assert!(
        o.stderr
            .contains(&format!("{} file(s) written", files.len() - 1)),
        "{}",
        o.stderr
    );
}

/// Writes `n` rules titled `<prefix> <i>` into `dir/rules`.
fn rule_set(dir: &Path, prefix: &str, n: usize) {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    for i in 0..n {
        std::fs::write(
            rules.join(format!("r{i:05}.yml")),
            rule(&format!("{prefix} {i}"), i),
        )
        .unwrap();
    }
}

/// Files under `out/es-rule`, without sigmaforge's own temporary files (which the next run removes).
fn es_rule_files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(out)
        .into_iter()
        .filter(|(k, _)| {
            !k.rsplit('/')
                .next()
                .unwrap()
                .starts_with(".sigmaforge-tmp-")
        })
        .filter(|(k, _)| k.starts_with("es-rule/"))
        .collect()
}

#[cfg(unix)]
#[test]
fn sigterm_mid_run_leaves_the_old_or_the_new_complete_set() {
    const N: usize = 3000;
    let work = tempfile::tempdir().unwrap();
    let old_repo = work.path().join("old");
    let new_repo = work.path().join("new");
    rule_set(&old_repo, "Alpha Rule", N);
    rule_set(&new_repo, "Beta Rule", N);
    let out = work.path().join("out");
    let convert = |repo: &Path, dest: &Path| {
        let o = run(
            repo,
            &[
                "convert",
                "rules",
                "-t",
                "es-rule",
                "-o",
                dest.to_str().unwrap(),
            ],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
    };
    // The previous run's complete set.
    convert(&old_repo, &out);
    let old = es_rule_files(&out);
    assert_eq!(old.len(), N + 1);

    // Interrupt the new run as soon as its first new artifact appears (or whenever it ends).
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sigmaforge"))
        .current_dir(&new_repo)
        .args([
            "convert",
            "rules",
            "-t",
            "es-rule",
            "-o",
            out.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let first_new = out.join("es-rule/beta_rule_0.json");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut ended = None;
    while ended.is_none() && !first_new.exists() && Instant::now() < deadline {
        ended = child.try_wait().unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    // Signal only a child not yet reaped: its pid cannot have been reused.
    if ended.is_none() {
        let kill = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
    }
    let ended = child.wait().unwrap();
    println!("the interrupted run ended with {ended:?}");

    let seen = es_rule_files(&out);
    let manifest = std::fs::read(out.join(".sigmaforge-manifest.json")).unwrap();
    serde_json::from_slice::<Value>(&manifest).expect("manifest parses");

    // The next complete run converges on exactly the new set: no stale file, no temporary file.
    convert(&new_repo, &out);
    let new = es_rule_files(&out);
    assert_eq!(new.len(), N + 1);
    assert!(
        new.keys()
            .all(|k| !old.contains_key(k) || k.ends_with("rules.ndjson"))
    );
    assert_eq!(
        tree(&out.join("es-rule")).len(),
        N + 1,
        "no stale or temporary file"
    );
    let listed: Value =
        serde_json::from_slice(&std::fs::read(out.join(".sigmaforge-manifest.json")).unwrap())
            .unwrap();
    assert_eq!(listed["files"].as_array().unwrap().len(), N + 1);

    // What the interrupted run left was complete: each per-rule artifact is exactly its old or its
    // new bytes, and the bundle is the old one with every old artifact present, or the new one with
    // every new one.
    for (name, bytes) in &seen {
        assert!(
            old.get(name) == Some(bytes) || new.get(name) == Some(bytes),
            "{name} is neither the old nor the new version ({} bytes)",
            bytes.len()
        );
        if name != "es-rule/rules.ndjson" {
            serde_json::from_slice::<Value>(bytes).expect("per-rule artifact parses");
        }
    }
    let bundle = seen
        .get("es-rule/rules.ndjson")
        .expect("a bundle is always there");
    let complete = if *bundle == old["es-rule/rules.ndjson"] {
        &old
    } else {
        &new
    };
    for name in complete.keys() {
        assert!(seen.contains_key(name), "bundle present but {name} missing");
    }
}
