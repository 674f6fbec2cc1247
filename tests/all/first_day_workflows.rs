//! Issue 12: every example workflow in `examples/workflows/` runs. Each workflow's steps are read
//! from its YAML and played against a fresh copy of `examples/` with the built binary standing in
//! for the action and the container image: sigmaforge steps run, `run:` scripts run in bash (with
//! a `gh` stub that checks every file it is asked to upload), and every path a later step uses
//! (artifact uploads, SARIF, downloads, `--from`) must exist. Steps that are not sigmaforge or
//! need the network are listed with a reason and checked against an expected list, so nothing is
//! skipped silently.

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BASE_SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const HEAD_SHA: &str = "89abcdef0123456789abcdef0123456789abcdef";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// An artifact: the files uploaded, relative to the artifact root, with their contents.
type Artifact = Vec<(PathBuf, Vec<u8>)>;

/// One workflow run: the GitHub context (a fork pull request, a release, a push), the outputs and
/// outcomes of its steps.
struct Run<'a> {
    file: String,
    root: PathBuf,
    event: &'a str,
    context: BTreeMap<&'static str, String>,
    env: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    outcomes: BTreeMap<String, &'static str>,
}

impl Run<'_> {
    /// The value of a GitHub expression, for the forms the examples use: `a && b || c`, `==`,
    /// `!=`, string literals, `always()`, `hashFiles()`, `steps.*`, `env.*` and `github.*`.
    /// Comparisons give "true" or "false"; "" and "false" are falsy. Anything else panics, so a
    /// new expression in an example is noticed here instead of evaluated wrongly.
    fn eval(&self, expr: &str) -> String {
        let truthy = |v: &str| !v.is_empty() && v != "false";
        let mut last = String::new();
        for alt in expr.split(" || ") {
            last = String::new();
            for term in alt.split(" && ") {
                last = self.term(term.trim());
                if !truthy(&last) {
                    break;
                }
            }
            if truthy(&last) {
                return last;
            }
        }
        last
    }

    fn term(&self, t: &str) -> String {
        for (op, equal) in [(" != ", false), (" == ", true)] {
            if let Some((a, b)) = t.split_once(op) {
                return ((self.term(a.trim()) == self.term(b.trim())) == equal).to_string();
            }
        }
        if let Some(lit) = t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
            return lit.to_string();
        }
        if t == "always()" {
            return "true".into();
        }
        if let Some(p) = t
            .strip_prefix("hashFiles('")
            .and_then(|r| r.strip_suffix("')"))
        {
            return if self.root.join(p).exists() {
                "hash".into()
            } else {
                String::new()
            };
        }
        if let Some(rest) = t.strip_prefix("steps.") {
            let (id, what) = rest.split_once('.').expect("steps.ID.x");
            if what == "outcome" {
                return self.outcomes.get(id).expect("step ran").to_string();
            }
            let name = what
                .strip_prefix("outputs.")
                .expect("steps.ID.outputs.NAME");
            return self
                .outputs
                .get(id)
                .and_then(|o| o.get(name))
                .cloned()
                .unwrap_or_default();
        }
        if let Some(name) = t.strip_prefix("env.") {
            return self.env.get(name).cloned().expect("env defined");
        }
        self.context
            .get(t)
            .cloned()
            .unwrap_or_else(|| panic!("{}: unknown expression `{t}`", self.file))
    }

    /// `text` with every `${{ … }}` replaced by its value.
    fn interpolate(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("closed expression") + start;
            out.push_str(&self.eval(rest[start + 3..end].trim()));
            rest = &rest[end + 2..];
        }
        out + rest
    }

    fn condition(&self, step: &Value) -> bool {
        s(step, "if").is_none_or(|c| {
            let c = c.trim();
            let c = c
                .strip_prefix("${{")
                .and_then(|r| r.strip_suffix("}}"))
                .unwrap_or(c);
            let v = self.eval(c.trim());
            !v.is_empty() && v != "false"
        })
    }

    /// The built binary with the variables a GitHub runner sets for this run.
    fn sigmaforge(&self, outputs: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sigmaforge"));
        cmd.current_dir(&self.root)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", self.event)
            .env("GITHUB_EVENT_PATH", self.root.join("../event.json"))
            .env("GITHUB_OUTPUT", outputs)
            .env("GITHUB_REPOSITORY", "acme/rules")
            .env("GITHUB_SHA", HEAD_SHA)
            .env("GITHUB_RUN_ID", "42")
            .env("GITHUB_SERVER_URL", "https://github.com")
            // Nothing may reach the network: a closed loopback port.
            .env("GITHUB_API_URL", "http://127.0.0.1:9");
        cmd
    }
}

/// Reads a `GITHUB_OUTPUT` file (`name<<DELIM` … `DELIM` and `name=value` forms).
fn read_outputs(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

fn collect_files(root: &Path, dir: &Path, out: &mut Artifact) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect_files(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).expect("inside").to_path_buf();
            out.push((rel, std::fs::read(&path).expect("read")));
        }
    }
}

/// A stub `gh` that fails unless every file named after `release upload TAG` exists, and logs them.
fn gh_stub(bin: &Path, log: &Path) {
    std::fs::create_dir_all(bin).expect("mkdir");
    let script = format!(
        "#!/bin/sh\nset -e\n[ \"$1 $2\" = \"release upload\" ] || {{ echo \"gh stub: unexpected $*\" >&2; exit 9; }}\nshift 3\nfor f in \"$@\"; do\n  case \"$f\" in --*) break;; esac\n  [ -f \"$f\" ] || {{ echo \"gh stub: no file $f\" >&2; exit 8; }}\n  echo \"$f\" >> '{}'\ndone\n",
        log.display()
    );
    let path = bin.join("gh");
    std::fs::write(&path, script).expect("write stub");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn every_example_workflow_runs_against_the_examples() {
    let action: Value =
        serde_yaml::from_str(&std::fs::read_to_string(examples().join("../action.yml")).unwrap())
            .expect("action.yml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples().join("workflows"))
        .expect("workflows")
        .map(|e| e.expect("entry").path())
        .collect();
    // `workflow_run` workflows consume the artifacts of the others: run them last.
    let text_of = |p: &PathBuf| std::fs::read_to_string(p).expect("workflow");
    files.sort_by_key(|p| (text_of(p).contains("workflow_run:"), p.clone()));
    assert!(files.len() >= 4, "{files:?}");

    let mut artifacts: BTreeMap<String, Artifact> = BTreeMap::new();
    let mut not_run: Vec<String> = Vec::new();
    let mut uploaded: Vec<String> = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let wf: Value = serde_yaml::from_str(&text_of(file)).expect("workflow YAML");
        let on = wf.get("on").expect("on:");
        let event = ["pull_request", "release", "workflow_run", "push"]
            .into_iter()
            .find(|e| on.get(*e).is_some())
            .unwrap_or_else(|| panic!("{name}: unexpected trigger {on:?}"));
        let work = tempfile::tempdir().expect("tempdir");
        let root = work.path().join("workspace");
        copy_dir(&examples(), &root);
        let event_json = match event {
            "pull_request" => serde_json::json!({"number": 7, "pull_request": {"number": 7,
                "base": {"sha": BASE_SHA, "repo": {"full_name": "acme/rules"}},
                "head": {"sha": HEAD_SHA, "repo": {"full_name": "forker/rules"}}}}),
            "workflow_run" => serde_json::json!({"workflow_run": {"id": 41,
                "event": "pull_request", "head_sha": HEAD_SHA},
                "repository": {"full_name": "acme/rules"}}),
            _ => serde_json::json!({}),
        };
        std::fs::write(work.path().join("event.json"), event_json.to_string()).unwrap();
        let bin = work.path().join("bin");
        let gh_log = work.path().join("gh.log");
        gh_stub(&bin, &gh_log);
        // A fork pull request: the case that needs the comment request.
        let context: BTreeMap<&'static str, String> = [
            ("github.token", "ghs_workflow_test".to_string()),
            ("github.repository", "acme/rules".into()),
            ("github.sha", HEAD_SHA.into()),
            ("github.ref", "refs/heads/main".into()),
            ("github.event.pull_request.number", "7".into()),
            ("github.event.pull_request.base.sha", BASE_SHA.into()),
            (
                "github.event.pull_request.head.repo.full_name",
                "forker/rules".into(),
            ),
            ("github.event.release.tag_name", "v1.2.3".into()),
            ("github.event.workflow_run.id", "41".into()),
            ("github.event.workflow_run.head_sha", HEAD_SHA.into()),
            (
                "github.event.workflow_run.event",
                event_json["workflow_run"]["event"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
            ),
        ]
        .into_iter()
        .collect();
        let mut run = Run {
            file: name.clone(),
            root: root.clone(),
            event,
            context,
            env: BTreeMap::new(),
            outputs: BTreeMap::new(),
            outcomes: BTreeMap::new(),
        };
        for (job_name, job) in wf["jobs"].as_mapping().expect("jobs") {
            let job_name = job_name.as_str().unwrap_or_default();
            if !run.condition(job) {
                not_run.push(format!("{name}/{job_name}: job condition false"));
                continue;
            }
            if let Some(env) = job.get("env").and_then(Value::as_mapping) {
                for (k, v) in env {
                    let v = run.interpolate(v.as_str().expect("env string"));
                    run.env.insert(k.as_str().unwrap().to_string(), v);
                }
            }
            for (i, step) in job["steps"]
                .as_sequence()
                .expect("steps")
                .iter()
                .enumerate()
            {
                let label = format!(
                    "{name}/{job_name}/{}",
                    s(step, "name").map_or_else(|| format!("step {i}"), String::from)
                );
                if !run.condition(step) {
                    not_run.push(format!("{label}: condition false"));
                    continue;
                }
                let with = |key: &str| {
                    step.get("with")
                        .and_then(|w| s(w, key))
                        .map(|v| run.interpolate(v))
                };
                let id = s(step, "id").map(String::from);
                let continue_on_error = step
                    .get("continue-on-error")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let outputs_file = work.path().join(format!("outputs-{i}"));
                let uses = s(step, "uses").unwrap_or_default();
                let mut outcome = "success";
                if uses.starts_with("actions/checkout@") {
                    if let Some(p) = with("path") {
                        copy_dir(&examples(), &root.join(p));
                    }
                } else if uses.starts_with("docker://") && uses.contains("sigmaforge") {
                    let args = with("args").expect("args");
                    let args: Vec<&str> = args.split_whitespace().collect();
                    if args[0] == "deploy" {
                        not_run.push(format!("{label}: needs a live Kibana"));
                        continue;
                    }
                    if args[0] == "comment" {
                        let from = args[args.iter().position(|a| *a == "--from").unwrap() + 1];
                        assert!(root.join(from).is_file(), "{label}: {from} missing");
                        not_run.push(format!("{label}: posts to the GitHub API"));
                        continue;
                    }
                    let out = run.sigmaforge(&outputs_file).args(&args).output().unwrap();
                    let log = format!(
                        "{label}: {args:?}\n{}\n{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    );
                    assert!(out.status.code().is_some_and(|c| c < 2), "{log}");
                    if !out.status.success() {
                        assert!(continue_on_error, "{log}");
                        outcome = "failure";
                    }
                } else if uses.contains("/sigmaforge@") {
                    let mut cmd = run.sigmaforge(&outputs_file);
                    cmd.args(
                        action["runs"]["args"]
                            .as_sequence()
                            .unwrap()
                            .iter()
                            .map(|a| a.as_str().unwrap()),
                    );
                    for (k, input) in action["inputs"].as_mapping().unwrap() {
                        let k = k.as_str().unwrap();
                        let default = s(input, "default").unwrap_or_default();
                        let v = with(k).unwrap_or_else(|| run.interpolate(default));
                        cmd.env(format!("INPUT_{}", k.to_ascii_uppercase()), v);
                    }
                    let out = cmd.output().unwrap();
                    let log = format!(
                        "{label}\n{}\n{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    );
                    assert!(out.status.success() || continue_on_error, "{log}");
                } else if uses.starts_with("actions/upload-artifact@") {
                    let p = with("path").expect("path");
                    let full = root.join(&p);
                    assert!(full.exists(), "{label}: uploads {p}, which does not exist");
                    let mut files = Artifact::new();
                    if full.is_dir() {
                        collect_files(&full, &full, &mut files);
                    } else {
                        files.push((
                            PathBuf::from(full.file_name().unwrap()),
                            std::fs::read(&full).unwrap(),
                        ));
                    }
                    assert!(!files.is_empty(), "{label}: {p} is empty");
                    uploaded.push(format!("{name}: {}", p.trim_start_matches("./")));
                    artifacts.insert(with("name").expect("name"), files);
                } else if uses.starts_with("actions/download-artifact@") {
                    match artifacts.get(&with("name").expect("name")) {
                        Some(files) => {
                            let dir = root.join(with("path").expect("path"));
                            for (rel, bytes) in files {
                                std::fs::create_dir_all(dir.join(rel).parent().unwrap()).unwrap();
                                std::fs::write(dir.join(rel), bytes).unwrap();
                            }
                        }
                        None => {
                            assert!(continue_on_error, "{label}: no such artifact");
                            outcome = "failure";
                        }
                    }
                } else if uses.starts_with("github/codeql-action/upload-sarif@") {
                    let p = with("sarif_file").expect("sarif_file");
                    let sarif: serde_json::Value = serde_json::from_str(
                        &std::fs::read_to_string(root.join(&p))
                            .unwrap_or_else(|e| panic!("{label}: {p}: {e}")),
                    )
                    .expect("SARIF JSON");
                    assert_eq!(sarif["version"], "2.1.0", "{label}");
                    uploaded.push(format!("{name}: {p}"));
                } else if let Some(script) = s(step, "run") {
                    let mut cmd = Command::new("bash");
                    cmd.current_dir(&root)
                        .arg("-c")
                        .arg(run.interpolate(script))
                        .env(
                            "PATH",
                            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
                        )
                        .env("GITHUB_REPOSITORY", "acme/rules");
                    if let Some(env) = step.get("env").and_then(Value::as_mapping) {
                        for (k, v) in env {
                            cmd.env(k.as_str().unwrap(), run.interpolate(v.as_str().unwrap()));
                        }
                    }
                    let out = cmd.output().unwrap();
                    assert!(
                        out.status.success(),
                        "{label}\n{}\n{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    );
                } else {
                    panic!("{label}: this test does not know how to play `{uses}`; teach it");
                }
                if let Some(id) = id {
                    run.outputs.insert(id.clone(), read_outputs(&outputs_file));
                    run.outcomes.insert(id, outcome);
                }
            }
        }
        if let Ok(log) = std::fs::read_to_string(&gh_log) {
            uploaded.extend(log.lines().map(|l| format!("{name}: gh {l}")));
        }
    }
    let expected_not_run = [
        "sigmaforge-deploy-apply.yml/apply/Deploy: needs a live Kibana",
        "sigmaforge-deploy-plan.yml/plan/Deploy plan: needs a live Kibana",
        "sigmaforge-pr-comment.yml/comment/Post sticky comment: posts to the GitHub API",
    ];
    assert_eq!(not_run, expected_not_run, "uploaded: {uploaded:#?}");
    for must in [
        "sigmaforge-pr.yml: sigmaforge-comment/request.json",
        "sigmaforge-pr.yml: sigmaforge-out",
        "sigmaforge-push.yml: sigmaforge.sarif",
        "sigmaforge-push.yml: sigmaforge-out",
        "sigmaforge-release.yml: gh dist/layer.json",
        "sigmaforge-release.yml: gh dist/heatmap.svg",
        "sigmaforge-release.yml: gh dist/es-rule/rules.ndjson",
    ] {
        assert!(
            uploaded.iter().any(|u| u == must),
            "{must} not uploaded: {uploaded:#?}"
        );
    }
}
