//! Issue 12: a fork pull request gets its comment. The example PR workflow passes `comment: false`
//! (a fork's token cannot post) together with `comment-request:`; the `pull_request` half must
//! write the request and the output, and `sigmaforge comment --from` in the `workflow_run` half
//! posts it. Both halves run the built binary against a GitHub API mock on loopback.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const HEAD: &str = "89abcdef0123456789abcdef0123456789abcdef";
const BASE: &str = "0123456789abcdef0123456789abcdef01234567";
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

/// The binary with only the variables a GitHub runner would set (plus `PATH`).
fn actions_cmd(dir: &Path, api: &str, event_name: &str, event: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sigmaforge"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", event)
        .env("GITHUB_API_URL", api)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/rules")
        .env("GITHUB_RUN_ID", "42")
        .env("GITHUB_TOKEN", "ghs_fork_test_token");
    cmd
}

#[test]
fn fork_pull_request_writes_the_request_and_comment_from_posts_it() {
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
        server
    });

    // The `pull_request` half, as sigmaforge-pr.yml runs it for a fork: comment false, a request
    // path, the base checkout in `.sigmaforge-base`.
    let repo = tempfile::tempdir().expect("tempdir");
    let root = repo.path();
    for dir in [root.join("rules"), root.join(".sigmaforge-base/rules")] {
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("proc_creation_win_whoami_execution.yml"), RULE).expect("write");
    }
    let work = tempfile::tempdir().expect("tempdir");
    let event = work.path().join("pr.json");
    std::fs::write(
        &event,
        json!({"number": 7, "pull_request": {"number": 7,
            "base": {"sha": BASE, "repo": {"full_name": "acme/rules"}},
            "head": {"sha": HEAD, "repo": {"full_name": "forker/rules"}}}})
        .to_string(),
    )
    .expect("event");
    let outputs = work.path().join("outputs");
    let out = actions_cmd(root, &server.uri(), "pull_request", &event)
        .args(["run"])
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_SHA", HEAD)
        .env("INPUT_RULES", "rules")
        .env("INPUT_BASE-DIR", ".sigmaforge-base")
        .env("INPUT_OUTPUT-DIR", "sigmaforge-out")
        .env("INPUT_COMMENT", "false")
        .env("INPUT_COMMENT-REQUEST", "sigmaforge-comment/request.json")
        .output()
        .expect("run");
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{log}");
    let outputs = std::fs::read_to_string(&outputs).expect("outputs written");
    assert!(
        outputs.contains("comment-request-path<<") && outputs.contains("request.json"),
        "{outputs}"
    );
    let request = root.join("sigmaforge-comment/request.json");
    let req: Value =
        serde_json::from_str(&std::fs::read_to_string(&request).expect("request written"))
            .expect("request JSON");
    assert_eq!(req["repo"], "acme/rules");
    assert_eq!(req["pr"], 7);
    assert_eq!(req["head_sha"], HEAD);
    // The read-only half never called the API.
    assert!(rt.block_on(server.received_requests()).unwrap().is_empty());

    // The `workflow_run` half: the artifact downloaded into a fresh folder, posted.
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path("/repos/acme/rules/pulls/7"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"head": {"sha": HEAD}})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repos/acme/rules/issues/7/comments"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/repos/acme/rules/issues/7/comments"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "id": 5, "node_id": "IC_5",
                "url": "https://api.github.com/repos/acme/rules/issues/comments/5",
                "html_url": "https://github.com/acme/rules/pull/7#issuecomment-5",
                "body": "x", "user": {"login": "github-actions[bot]", "id": 1, "type": "Bot"},
                "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z"})))
            .mount(&server)
            .await;
    });
    let trusted = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(trusted.path().join("sigmaforge-comment")).unwrap();
    std::fs::copy(
        &request,
        trusted.path().join("sigmaforge-comment/request.json"),
    )
    .expect("artifact");
    let run_event = work.path().join("workflow_run.json");
    std::fs::write(
        &run_event,
        json!({"workflow_run": {"id": 42, "event": "pull_request", "head_sha": HEAD},
               "repository": {"full_name": "acme/rules"}})
        .to_string(),
    )
    .expect("event");
    let out = actions_cmd(trusted.path(), &server.uri(), "workflow_run", &run_event)
        .args(["comment", "--from", "sigmaforge-comment/request.json"])
        .output()
        .expect("comment");
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{log}");
    let requests = rt.block_on(server.received_requests()).unwrap();
    let calls: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        calls,
        [
            "GET /repos/acme/rules/pulls/7",
            "GET /repos/acme/rules/issues/7/comments",
            "POST /repos/acme/rules/issues/7/comments",
        ],
        "{log}"
    );
    let body: Value = serde_json::from_slice(&requests[2].body).expect("json body");
    let body = body["body"].as_str().expect("body");
    assert!(body.starts_with("<!-- sigmaforge"), "{body}");
    assert_eq!(
        body.split_once('\n').map(|(_, rest)| rest.trim_end()),
        req["body"].as_str().map(str::trim_end),
        "the posted comment is the report the pull_request half wrote"
    );
}
