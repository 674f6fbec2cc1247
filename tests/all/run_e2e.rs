//! End to end: `sigmaforge run` on a git repository with two commits and a fake `pull_request` event,
//! against a GitHub API mock. Asserts the outputs file, the step summary and the posted comment.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::Path;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RULE_A: &str = "title: Whoami Execution
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

const RULE_B: &str = "title: Certutil Download
id: 4a4d7a0c-8c4f-4b8e-9f6c-2c6b3c2d1e02
status: test
description: Detects certutil used to download a file from a URL.
author: sigmaforge tests
date: 2026-01-01
tags:
    - attack.command-and-control
    - attack.t1105
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\certutil.exe'
        CommandLine|contains: 'urlcache'
    condition: selection
falsepositives:
    - Unknown
level: high
";

const RULE_C: &str = "title: Shadow Copy Deletion With Vssadmin
id: 7b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c03
status: experimental
description: Detects vssadmin deleting shadow copies, as ransomware does before encrypting.
author: sigmaforge tests
date: 2026-02-01
tags:
    - attack.impact
    - attack.t1490
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\vssadmin.exe'
        CommandLine|contains|all:
            - 'delete'
            - 'shadows'
    condition: selection
falsepositives:
    - Unknown
level: high
";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn comment_json(id: u64, body: &str) -> Value {
    json!({
        "id": id,
        "node_id": format!("IC_{id}"),
        "url": format!("https://api.github.com/repos/acme/rules/issues/comments/{id}"),
        "html_url": format!("https://github.com/acme/rules/pull/7#issuecomment-{id}"),
        "body": body,
        "user": {"login": "github-actions[bot]", "id": 1, "type": "Bot"},
        "created_at": "2026-11-26T10:00:00Z",
        "updated_at": "2026-11-26T10:00:00Z"
    })
}

#[test]
fn pull_request_run_writes_outputs_summary_and_comment() {
    let repo = tempfile::tempdir().expect("tempdir");
    let root = repo.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["config", "user.email", "ci@example.org"]);
    git(root, &["config", "user.name", "CI"]);
    std::fs::create_dir_all(root.join("rules")).expect("mkdir");
    std::fs::write(root.join("rules/proc_creation_win_whoami.yml"), RULE_A).expect("write");
    std::fs::write(root.join("rules/proc_creation_win_certutil.yml"), RULE_B).expect("write");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    let base = git(root, &["rev-parse", "HEAD"]);
    // The pull request adds a rule (new technique), drops one and introduces a finding.
    std::fs::write(root.join("rules/proc_creation_win_vssadmin.yml"), RULE_C).expect("write");
    std::fs::remove_file(root.join("rules/proc_creation_win_certutil.yml")).expect("rm");
    std::fs::write(
        root.join("rules/proc_creation_win_whoami.yml"),
        RULE_A.replace("title: Whoami Execution\n", "title: Whoami Execution.\n"),
    )
    .expect("write");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "head"]);
    let head = git(root, &["rev-parse", "HEAD"]);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(500).set_body_json(json!({"message": "unexpected"})),
            )
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repos/acme/rules/issues/7/comments"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/repos/acme/rules/issues/7/comments"))
            .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(99, "x")))
            .mount(&server)
            .await;
        server
    });

    let work = tempfile::tempdir().expect("tempdir");
    let event = work.path().join("event.json");
    std::fs::write(
        &event,
        json!({"number": 7, "pull_request": {"number": 7,
            "base": {"sha": base, "repo": {"full_name": "acme/rules"}},
            "head": {"sha": head, "repo": {"full_name": "acme/rules"}}}})
        .to_string(),
    )
    .expect("event");
    let outputs = work.path().join("outputs");
    let summary = work.path().join("summary.md");
    let assert = Command::cargo_bin("sigmaforge")
        .expect("binary")
        .current_dir(root)
        .args(["run", "--repo", "."])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/rules")
        .env("GITHUB_RUN_ID", "42")
        .env("GITHUB_SHA", &head)
        .env("GITHUB_TOKEN", "ghs_e2e_secret_token")
        .env("INPUT_TARGETS", "es-qs,es-rule")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(!stdout.contains("ghs_e2e_secret_token") && !stderr.contains("ghs_e2e_secret_token"));
    // The new finding (title ends with a dot) is annotated with a repository-relative path.
    assert!(
        stdout.contains("::warning file=rules/proc_creation_win_whoami.yml"),
        "{stdout}"
    );

    let outputs = std::fs::read_to_string(&outputs).expect("outputs written");
    for key in [
        "rules<<",
        "errors<<",
        "techniques<<",
        "coverage-percent<<",
        "sarif-path<<",
        "layer-path<<",
        "report-path<<",
        "comment-url<<",
    ] {
        assert!(outputs.contains(key), "{key} missing from {outputs}");
    }
    let summary = std::fs::read_to_string(&summary).expect("summary written");
    assert!(summary.contains("ATT&CK coverage change"), "{summary}");

    let requests = rt.block_on(server.received_requests()).expect("recorded");
    let calls: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_string()))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "GET".to_string(),
                "/repos/acme/rules/issues/7/comments".to_string()
            ),
            (
                "POST".to_string(),
                "/repos/acme/rules/issues/7/comments".to_string()
            ),
        ]
    );
    let body: Value = serde_json::from_slice(&requests[1].body).expect("json body");
    let body = body["body"].as_str().expect("body text").to_string();
    assert!(body.starts_with("<!-- sigmaforge"), "{body}");
    assert!(body.contains("T1490"), "gained technique listed: {body}");
    assert!(body.contains("T1105"), "lost technique listed: {body}");
    insta::assert_snapshot!("run_e2e_comment", body);
    assert!(
        root.join("sigmaforge-out/es-rule").exists()
            || root.join("sigmaforge-out/convert/es-rule").exists()
    );
}
