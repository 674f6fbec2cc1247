//! Hostile repositories against the built binary: every input a pull request controls (rules,
//! `.sigmaforge.yml`, mapping configs, ATT&CK data, action inputs) is built here as an attacker would
//! build it — a symlink to `/proc/self/environ`, a FIFO, a sparse gigabyte, `/dev/zero`, 40,000 levels
//! of YAML, 100,000 values, paths out of the repository — and each must end in a clear, prompt error
//! that leaks nothing and writes nothing outside the repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A fake secret in the child's environment; it must never reach stdout or stderr.
const SECRET: &str = "ghs_H0stileS3cretValueThatMustNeverBePrinted";

/// Longest any hostile case may take; a blocked read or runaway parse fails here instead of hanging.
const DEADLINE: Duration = Duration::from_secs(60);

const RULE: &str = "title: Whoami Execution
id: 0d8a3a56-0c3e-4a9b-9d55-6f1b7f1b2a01
status: test
description: Detects the execution of whoami, often used after initial access.
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
        Image|endswith: '\\whoami.exe'
    condition: selection
falsepositives:
    - Administrators
level: medium
";

/// A temporary repository (`repo/` with one rule) next to an `outside/` folder.
struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(root.join("rules")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(
            root.join("rules/proc_creation_win_whoami_execution.yml"),
            RULE,
        )
        .unwrap();
        Repo {
            _dir: dir,
            root,
            outside,
        }
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Runs the binary in the repository with a clean environment plus `env` and the fake secret,
    /// killing it at [`DEADLINE`]; returns its output and how long it took.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (Output, Duration) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sigmaforge"));
        cmd.args(args)
            .current_dir(&self.root)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GITHUB_TOKEN", SECRET)
            .env("SIGMAFORGE_TEST_SECRET", SECRET)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd.spawn().expect("the binary starts");
        // Drain both pipes on threads so a chatty child never blocks on a full pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out_thread = std::thread::spawn(move || {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut stdout, &mut b).map(|_| b)
        });
        let err_thread = std::thread::spawn(move || {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut stderr, &mut b).map(|_| b)
        });
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > DEADLINE {
                child.kill().unwrap();
                child.wait().unwrap();
                panic!("sigmaforge {args:?} still running after {DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let elapsed = started.elapsed();
        let output = Output {
            status,
            stdout: out_thread.join().unwrap().unwrap(),
            stderr: err_thread.join().unwrap().unwrap(),
        };
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(
            !all.contains(SECRET),
            "sigmaforge {args:?} printed the secret:\n{all}"
        );
        (output, elapsed)
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

/// Nothing at all under `dir`.
fn assert_empty(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert!(left.is_empty(), "written outside the repository: {left:?}");
}

#[cfg(unix)]
#[test]
fn a_symlink_to_proc_environ_is_never_read_or_printed() {
    let repo = Repo::new();
    std::os::unix::fs::symlink("/proc/self/environ", repo.root.join("rules/x.yml")).unwrap();
    // Walking the folder: symlinks are not followed.
    let (o, _) = repo.run(&["check", "rules"], &[]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(text(&o.stdout).contains("1 file(s)"), "{o:?}");
    // Named on the command line: refused as a pseudo file, and the message says so.
    for format in ["text", "json", "sarif", "github", "junit"] {
        let (o, _) = repo.run(&["check", "rules/x.yml", "--format", format], &[]);
        assert_eq!(o.status.code(), Some(1), "{format}: {o:?}");
        let all = format!("{}{}", text(&o.stdout), stderr(&o));
        assert!(all.contains("pseudo file"), "{format}: {all}");
    }
    // Named by the action input: outside the repository after the symlink, refused (exit 2).
    let (o, _) = repo.run(&["run", "--repo", "."], &[("INPUT_RULES", "rules/x.yml")]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("outside the repository root"), "{o:?}");
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_file_outside_is_refused_for_the_repository_but_not_the_operator() {
    let repo = Repo::new();
    let secret_rule = repo.outside.join("secret.yml");
    std::fs::write(&secret_rule, format!("title: {SECRET}\n")).unwrap();
    std::os::unix::fs::symlink(&secret_rule, repo.root.join("rules/leak.yml")).unwrap();
    let (o, _) = repo.run(
        &["run", "--repo", "."],
        &[("INPUT_RULES", "rules/leak.yml")],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    repo.write(".sigmaforge.yml", "rules: [rules/leak.yml]\n");
    let (o, _) = repo.run(&["run", "--repo", "."], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("`rules:` in .sigmaforge.yml"), "{o:?}");
}

#[cfg(unix)]
#[test]
fn a_fifo_never_blocks() {
    let repo = Repo::new();
    let fifo = repo.root.join("rules/pipe.yml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let (o, _) = repo.run(&["check", "rules/pipe.yml"], &[]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(text(&o.stdout).contains("is a FIFO"), "{o:?}");
    let (o, _) = repo.run(&["check", "rules", "--config", "rules/pipe.yml"], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("rules/pipe.yml: is a FIFO"), "{o:?}");
    let (o, _) = repo.run(&["check", "rules", "--attack-data", "rules/pipe.yml"], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    repo.write(
        ".sigmaforge.yml",
        "layer:\n    attack-data: rules/pipe.yml\n",
    );
    let (o, _) = repo.run(&["run", "--repo", "."], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("is a FIFO"), "{o:?}");
}

#[test]
fn a_sparse_gigabyte_rule_fails_fast_without_being_read() {
    let repo = Repo::new();
    let big = repo.root.join("rules/big.yml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let (o, took) = repo.run(&["check", "rules"], &[]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = text(&o.stdout);
    assert!(
        out.contains("rules/big.yml")
            && out.contains("1073741824 bytes, over the 4194304 byte limit"),
        "{out}"
    );
    // Reading a gigabyte took 23 s (and 3.1 GB); a metadata check takes milliseconds.
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_refused_as_attack_data_and_as_config() {
    let repo = Repo::new();
    for args in [
        ["check", "rules", "--attack-data", "/dev/zero"],
        ["check", "rules", "--config", "/dev/zero"],
        ["check", "rules", "--validation-config", "/dev/zero"],
    ] {
        let (o, _) = repo.run(&args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        assert!(stderr(&o).contains("/dev/zero: is a device"), "{o:?}");
    }
    let (o, _) = repo.run(&["convert", "rules", "-t", "es-qs", "-c", "/dev/zero"], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("is a device"), "{o:?}");
    // From the repository's own file, /dev/zero is also outside the root.
    repo.write(".sigmaforge.yml", "layer:\n    attack-data: /dev/zero\n");
    let (o, _) = repo.run(&["run", "--repo", "."], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("`layer.attack-data:`"), "{o:?}");
}

#[test]
fn deep_yaml_configs_fail_fast() {
    let repo = Repo::new();
    let deep = |prefix: &str| format!("{prefix}{}{}\n", "[".repeat(40_000), "]".repeat(40_000));
    repo.write(".sigmaforge.yml", &deep("rules: "));
    let (o, took) = repo.run(&["check", "rules"], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        stderr(&o).contains(".sigmaforge.yml:1:") && stderr(&o).contains("nesting deeper than 64"),
        "{o:?}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    let (o, _) = repo.run(&["run", "--repo", "."], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    std::fs::remove_file(repo.root.join(".sigmaforge.yml")).unwrap();

    repo.write("maps/deep.yml", &deep("fieldmappings:\n    Image: "));
    let (o, took) = repo.run(
        &["convert", "rules", "-t", "es-qs", "-c", "maps/deep.yml"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("nesting deeper than 64"), "{o:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    repo.write(
        ".sigmaforge.yml",
        "targets:\n    - name: es-qs\n      configs: [maps/deep.yml]\n",
    );
    let (o, _) = repo.run(&["run", "--repo", "."], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("nesting deeper than 64"), "{o:?}");
}

/// A rule whose one field lists `n` distinct values and then the first one again.
fn many_values(n: usize) -> String {
    let mut rule = RULE.replace(
        "        Image|endswith: '\\whoami.exe'\n",
        "        CommandLine|contains:\n",
    );
    assert!(rule.contains("CommandLine|contains:"));
    let at = rule.find("    condition:").unwrap();
    let mut values = String::with_capacity(n * 24);
    for i in 0..n {
        values.push_str(&format!("            - 'value-{i:07}'\n"));
    }
    values.push_str("            - 'VALUE-0000000'\n");
    rule.insert_str(at, &values);
    rule
}

#[test]
fn a_hundred_thousand_values_in_one_list_check_in_linear_time() {
    let repo = Repo::new();
    std::fs::remove_file(
        repo.root
            .join("rules/proc_creation_win_whoami_execution.yml"),
    )
    .unwrap();
    let mut timings = Vec::new();
    for n in [10_000, 100_000] {
        repo.write("rules/many.yml", &many_values(n));
        // Best of three, to keep a loaded machine's noise out of the ratio.
        let best = (0..3)
            .map(|_| {
                let (o, took) = repo.run(&["check", "rules", "--format", "json"], &[]);
                let out = text(&o.stdout);
                assert!(
                    out.contains("SV404") && out.contains("VALUE-0000000"),
                    "{n}: the duplicate is found: {}",
                    &out[..out.len().min(4000)]
                );
                took
            })
            .min()
            .unwrap();
        timings.push(best);
    }
    // Ten times the values: linear work takes about ten times as long (plus the fixed start-up);
    // the quadratic SV404 took 100 times as long (44 s for 100k values).
    let ratio = timings[1].as_secs_f64() / timings[0].as_secs_f64();
    assert!(
        ratio < 25.0,
        "10k: {:?}, 100k: {:?}",
        timings[0],
        timings[1]
    );
}

#[test]
fn output_paths_from_the_repository_cannot_escape() {
    let repo = Repo::new();
    let abs = repo.outside.join("abs").display().to_string();
    for config in [
        "output: ../outside/escaped\n".to_string(),
        format!("output: {abs}\n"),
    ] {
        repo.write(".sigmaforge.yml", &config);
        let (o, _) = repo.run(&["run", "--repo", "."], &[]);
        assert_eq!(o.status.code(), Some(2), "{config}: {o:?}");
        assert!(
            stderr(&o).contains("`output:` in .sigmaforge.yml")
                && stderr(&o).contains("outside the repository root"),
            "{o:?}"
        );
        assert_empty(&repo.outside);
    }
    std::fs::remove_file(repo.root.join(".sigmaforge.yml")).unwrap();
    for value in ["../outside/escaped", abs.as_str()] {
        let (o, _) = repo.run(&["run", "--repo", "."], &[("INPUT_OUTPUT-DIR", value)]);
        assert_eq!(o.status.code(), Some(2), "{value}: {o:?}");
        assert!(stderr(&o).contains("INPUT_OUTPUT-DIR"), "{o:?}");
        assert_empty(&repo.outside);
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&repo.outside, repo.root.join("out-link")).unwrap();
        let (o, _) = repo.run(
            &["run", "--repo", "."],
            &[("INPUT_OUTPUT-DIR", "out-link/new")],
        );
        assert_eq!(o.status.code(), Some(2), "{o:?}");
        assert_empty(&repo.outside);
    }
    // The operator may choose any folder on the command line.
    let flag_out = repo.outside.join("by-flag");
    let (o, _) = repo.run(
        &[
            "run",
            "--repo",
            ".",
            "--output-dir",
            flag_out.to_str().unwrap(),
        ],
        &[("INPUT_OUTPUT-DIR", "../outside/escaped")],
    );
    assert!(o.status.code() != Some(2), "{o:?}");
    assert!(flag_out.is_dir(), "{o:?}");
    assert!(!repo.outside.join("escaped").exists());
}
