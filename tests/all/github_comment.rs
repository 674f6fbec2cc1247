//! The sticky PR comment against a GitHub API mock on loopback (wiremock), through the real
//! octocrab client. Each test asserts the exact requests made; a catch-all mock answers 500 to
//! anything unexpected so a wrong route fails loudly instead of silently matching nothing.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use sigmaforge::github::request::{CommentRequest, RequestChecks, post_comment_request};
use sigmaforge::github::sticky::{COMMENT_CAP_UTF16, marker_line, upsert_sticky_comment};
use sigmaforge::github::{
    ActionsEnv, CommentAction, CommentOutcome, GithubError, OctocrabApi, RepoName, StickyOptions,
    Token,
};
use wiremock::matchers::{any, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ghs_test_token_value";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// Records sleeps instead of sleeping, so retry tests are instant and can check the waits.
#[derive(Default)]
struct FakeClock {
    slept: Mutex<Vec<Duration>>,
}

impl sigmaforge::github::Clock for FakeClock {
    fn now_unix(&self) -> u64 {
        1_700_000_000
    }
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        self.slept.lock().expect("clock lock").push(duration);
        std::future::ready(())
    }
}

fn comment_json(id: u64, body: &str, login: &str) -> Value {
    json!({
        "id": id,
        "node_id": format!("IC_{id}"),
        "url": format!("https://api.github.com/repos/acme/rules/issues/comments/{id}"),
        "html_url": format!("https://github.com/acme/rules/pull/7#issuecomment-{id}"),
        "body": body,
        "user": {"login": login, "id": 1, "type": if login.ends_with("[bot]") { "Bot" } else { "User" }},
        "created_at": "2026-11-26T10:00:00Z",
        "updated_at": "2026-11-26T10:00:00Z"
    })
}

fn sticky_body(markdown: &str) -> String {
    format!("{}\n{markdown}", marker_line("default"))
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    catch_all(&server).await;
    server
}

async fn catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"message": "unexpected request: no mock matched it"})),
        )
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

fn api(server: &MockServer) -> OctocrabApi {
    api_at(&server.uri())
}

fn api_at(base: &str) -> OctocrabApi {
    OctocrabApi::new(base, &Token::new(TOKEN).expect("token")).expect("client")
}

fn repo() -> RepoName {
    RepoName::parse("acme/rules").expect("repo")
}

/// (method, path?query, body) of every request the server saw, in order.
async fn requests(server: &MockServer) -> Vec<(String, String, Option<Value>)> {
    let reqs = server.received_requests().await.expect("recording on");
    reqs.iter()
        .map(|r| {
            let mut target = r.url.path().to_string();
            if let Some(q) = r.url.query() {
                target = format!("{target}?{q}");
            }
            let body = serde_json::from_slice(&r.body).ok();
            (r.method.to_string(), target, body)
        })
        .collect()
}

fn get(target: &str) -> (String, String, Option<Value>) {
    ("GET".into(), target.into(), None)
}

fn post(target: &str, body: &str) -> (String, String, Option<Value>) {
    ("POST".into(), target.into(), Some(json!({ "body": body })))
}

const LIST: &str = "/repos/acme/rules/issues/7/comments";
const LIST_Q: &str = "/repos/acme/rules/issues/7/comments?per_page=100";

async fn mount_list(server: &MockServer, comments: Value) {
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(comments))
        .mount(server)
        .await;
}

async fn upsert(server: &MockServer, markdown: &str, clock: &FakeClock) -> CommentOutcome {
    upsert_sticky_comment(
        &api(server),
        clock,
        &repo(),
        7,
        markdown,
        &StickyOptions::default(),
    )
    .await
    .expect("upsert")
}

#[tokio::test]
async fn first_run_creates_second_run_updates_third_run_is_a_no_op() {
    let server = server().await;
    let clock = FakeClock::default();

    // Run 1: no comments yet → create.
    mount_list(&server, json!([comment_json(1, "LGTM", "alice")])).await;
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
            11,
            &sticky_body("# v1"),
            "github-actions[bot]",
        )))
        .mount(&server)
        .await;
    let out = upsert(&server, "# v1", &clock).await;
    assert_eq!(out.action, CommentAction::Created);
    assert_eq!(out.comment_id, Some(11));
    assert_eq!(
        out.url.as_deref(),
        Some("https://github.com/acme/rules/pull/7#issuecomment-11")
    );
    assert_eq!(
        requests(&server).await,
        [get(LIST_Q), post(LIST, &sticky_body("# v1"))]
    );
    let auth = server.received_requests().await.expect("recorded")[0]
        .headers
        .get("authorization")
        .map(|v| v.to_str().unwrap_or_default().to_string());
    assert_eq!(auth.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));

    // Run 2: our comment exists → update it in place (octocrab-style POST to the comment).
    server.reset().await;
    catch_all(&server).await;
    mount_list(
        &server,
        json!([
            comment_json(1, "LGTM", "alice"),
            comment_json(11, &sticky_body("# v1"), "github-actions[bot]")
        ]),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/rules/issues/comments/11"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment_json(
            11,
            &sticky_body("# v2"),
            "github-actions[bot]",
        )))
        .mount(&server)
        .await;
    let out = upsert(&server, "# v2\n", &clock).await;
    assert_eq!(out.action, CommentAction::Updated);
    assert_eq!(out.comment_id, Some(11));
    assert_eq!(
        requests(&server).await,
        [
            get(LIST_Q),
            post("/repos/acme/rules/issues/comments/11", &sticky_body("# v2"))
        ]
    );

    // Run 3: same body → nothing is written.
    server.reset().await;
    catch_all(&server).await;
    mount_list(
        &server,
        json!([comment_json(
            11,
            &sticky_body("# v2"),
            "github-actions[bot]"
        )]),
    )
    .await;
    let out = upsert(&server, "# v2", &clock).await;
    assert_eq!(out.action, CommentAction::Unchanged);
    assert_eq!(out.warning(), None);
    assert_eq!(requests(&server).await, [get(LIST_Q)]);
    assert!(clock.slept.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn finds_the_sticky_comment_past_the_first_page() {
    let server = server().await;
    let page1: Vec<Value> = (1..=100)
        .map(|id| comment_json(id, &format!("comment {id}"), "alice"))
        .collect();
    let next = format!("{}{LIST}?per_page=100&page=2", server.uri());
    let last = format!("{}{LIST}?per_page=100&page=2", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!(r#"<{next}>; rel="next", <{last}>; rel="last""#).as_str(),
                )
                .set_body_json(Value::Array(page1)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            comment_json(250, &sticky_body("# old"), "github-actions[bot]"),
            comment_json(251, "thanks", "bob")
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/rules/issues/comments/250"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment_json(
            250,
            &sticky_body("# new"),
            "github-actions[bot]",
        )))
        .mount(&server)
        .await;

    let out = upsert(&server, "# new", &FakeClock::default()).await;
    assert_eq!(out.action, CommentAction::Updated);
    assert_eq!(out.comment_id, Some(250));
    assert_eq!(
        requests(&server).await,
        [
            get(LIST_Q),
            get(&format!("{LIST}?per_page=100&page=2")),
            post(
                "/repos/acme/rules/issues/comments/250",
                &sticky_body("# new")
            )
        ]
    );
}

#[tokio::test]
async fn read_only_token_on_a_fork_pr_is_a_warning_not_an_error() {
    let server = server().await;
    let clock = FakeClock::default();
    mount_list(&server, json!([])).await;
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
        })))
        .mount(&server)
        .await;

    let out = upsert(&server, "# report", &clock).await;
    assert_eq!(
        out.action,
        CommentAction::PermissionDenied {
            status: 403,
            message: "Resource not accessible by integration".into()
        }
    );
    let warning = out.warning().expect("a warning for the log");
    assert!(warning.contains("read-only token"), "{warning}");
    assert!(!warning.contains(TOKEN));
    // A plain 403 is not retried.
    assert_eq!(
        requests(&server).await,
        [get(LIST_Q), post(LIST, &sticky_body("# report"))]
    );
    assert!(clock.slept.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn bad_gateway_is_retried_with_backoff() {
    let server = server().await;
    let clock = FakeClock::default();
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_list(&server, json!([])).await;
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
            12,
            &sticky_body("# r"),
            "github-actions[bot]",
        )))
        .mount(&server)
        .await;

    let out = upsert(&server, "# r", &clock).await;
    assert_eq!(out.action, CommentAction::Created);
    // The 503 on the create is ambiguous: the comments are listed again (ours is not there)
    // before the create is repeated.
    assert_eq!(
        requests(&server).await,
        [
            get(LIST_Q),
            get(LIST_Q),
            post(LIST, &sticky_body("# r")),
            get(LIST_Q),
            post(LIST, &sticky_body("# r"))
        ]
    );
    assert_eq!(
        *clock.slept.lock().expect("lock"),
        [Duration::from_secs(1), Duration::from_secs(1)]
    );
}

#[tokio::test]
async fn secondary_rate_limit_waits_for_retry_after() {
    let server = server().await;
    let clock = FakeClock::default();
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "7")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit."})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_list(
        &server,
        json!([comment_json(
            5,
            &sticky_body("# same"),
            "github-actions[bot]"
        )]),
    )
    .await;
    let out = upsert(&server, "# same", &clock).await;
    assert_eq!(out.action, CommentAction::Unchanged);
    assert_eq!(requests(&server).await, [get(LIST_Q), get(LIST_Q)]);
    assert_eq!(*clock.slept.lock().expect("lock"), [Duration::from_secs(7)]);
}

#[tokio::test]
async fn persistent_server_errors_give_a_clear_error() {
    let server = server().await;
    let clock = FakeClock::default();
    // Nothing but the catch-all: every request gets a 500.
    let err = upsert_sticky_comment(
        &api(&server),
        &clock,
        &repo(),
        7,
        "# r",
        &StickyOptions::default(),
    )
    .await
    .expect_err("must fail");
    let text = err.to_string();
    assert!(
        text.contains("list comments on acme/rules#7: giving up after 4 attempts"),
        "{text}"
    );
    assert!(text.contains("HTTP 500"), "{text}");
    assert!(!text.contains(TOKEN));
    assert_eq!(requests(&server).await.len(), 4);
}

#[tokio::test]
async fn huge_report_is_truncated_before_posting() {
    let server = server().await;
    mount_list(&server, json!([])).await;
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
            13,
            "x",
            "github-actions[bot]",
        )))
        .mount(&server)
        .await;
    let markdown: String = (0..20_000)
        .map(|i| format!("| rules/windows/rule_{i:05}.yml | ✅ |\n"))
        .collect();
    let options = StickyOptions {
        run_url: Some("https://github.com/acme/rules/actions/runs/42".into()),
        ..StickyOptions::default()
    };
    let out = upsert_sticky_comment(
        &api(&server),
        &FakeClock::default(),
        &repo(),
        7,
        &markdown,
        &options,
    )
    .await
    .expect("upsert");
    assert_eq!(out.action, CommentAction::Created);
    assert!(out.truncated);
    assert!(out.warning().expect("warning").contains("truncated"));

    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 2);
    let body = reqs[1].2.as_ref().expect("json")["body"]
        .as_str()
        .expect("body string")
        .to_string();
    assert!(body.chars().map(char::len_utf16).sum::<usize>() <= COMMENT_CAP_UTF16);
    assert!(body.starts_with(&sticky_body("| rules/windows/rule_00000.yml | ✅ |\n")));
    assert!(body.ends_with(
        "The full report is in the [workflow run summary](https://github.com/acme/rules/actions/runs/42)."
    ));
    let (table, _) = body.split_once("\n\n---\n").expect("note separator");
    assert!(table.ends_with("| ✅ |"), "cut inside a row");
}

#[tokio::test]
async fn marker_by_another_author_is_ignored_and_duplicates_are_cleaned() {
    let server = server().await;
    // Someone pasted our marker: must not be edited (and could not be). A new comment is made.
    mount_list(
        &server,
        json!([comment_json(3, &sticky_body("# fake"), "mallory")]),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
            14,
            &sticky_body("# real"),
            "github-actions[bot]",
        )))
        .mount(&server)
        .await;
    let out = upsert(&server, "# real", &FakeClock::default()).await;
    assert_eq!(out.action, CommentAction::Created);
    assert_eq!(
        requests(&server).await,
        [get(LIST_Q), post(LIST, &sticky_body("# real"))]
    );

    // Two racing runs each created one: the newest is updated, the older one deleted.
    server.reset().await;
    catch_all(&server).await;
    mount_list(
        &server,
        json!([
            comment_json(20, &sticky_body("# a"), "github-actions[bot]"),
            comment_json(21, &sticky_body("# b"), "github-actions[bot]")
        ]),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/rules/issues/comments/21"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment_json(
            21,
            &sticky_body("# c"),
            "github-actions[bot]",
        )))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/repos/acme/rules/issues/comments/20"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let out = upsert(&server, "# c", &FakeClock::default()).await;
    assert_eq!(out.action, CommentAction::Updated);
    assert_eq!(out.comment_id, Some(21));
    assert_eq!(out.removed_duplicates, [20]);
    assert_eq!(
        requests(&server).await,
        [
            get(LIST_Q),
            post("/repos/acme/rules/issues/comments/21", &sticky_body("# c")),
            (
                "DELETE".into(),
                "/repos/acme/rules/issues/comments/20".into(),
                None
            )
        ]
    );
}

fn request_fixture(pr: u64) -> CommentRequest {
    CommentRequest {
        version: 1,
        repo: "acme/rules".into(),
        pr,
        head_sha: SHA.into(),
        marker_id: "rules-windows".into(),
        body: "# From a fork".into(),
    }
}

fn checks() -> RequestChecks {
    RequestChecks {
        expected_repo: Some("acme/rules".into()),
        expected_head_sha: Some(SHA.into()),
        source_run_url: Some("https://github.com/acme/rules/actions/runs/99".into()),
    }
}

#[tokio::test]
async fn comment_request_is_posted_when_the_pr_head_matches() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/rules/pulls/7"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"number": 7, "head": {"sha": SHA}})),
        )
        .mount(&server)
        .await;
    mount_list(&server, json!([])).await;
    let expected_body = format!("{}\n# From a fork", marker_line("rules-windows"));
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
            15,
            &expected_body,
            "github-actions[bot]",
        )))
        .mount(&server)
        .await;
    let out = post_comment_request(
        &api(&server),
        &FakeClock::default(),
        &request_fixture(7),
        &checks(),
        &StickyOptions::default(),
    )
    .await
    .expect("posted");
    assert_eq!(out.action, CommentAction::Created);
    assert_eq!(
        requests(&server).await,
        [
            get("/repos/acme/rules/pulls/7"),
            get(LIST_Q),
            post(LIST, &expected_body)
        ]
    );
}

#[tokio::test]
async fn comment_request_for_another_head_is_skipped() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/rules/pulls/8"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"number": 8, "head": {"sha": "f".repeat(40)}})),
        )
        .mount(&server)
        .await;
    let out = post_comment_request(
        &api(&server),
        &FakeClock::default(),
        &request_fixture(8),
        &checks(),
        &StickyOptions::default(),
    )
    .await
    .expect("skipped, not failed");
    assert!(
        matches!(&out.action, CommentAction::SkippedStale { reason } if reason.contains("acme/rules#8")),
        "{out:?}"
    );
    assert!(out.warning().is_some());
    assert_eq!(requests(&server).await, [get("/repos/acme/rules/pulls/8")]);
}

/// The blocking entry point `sigmaforge run` uses: event file, GHES-style `/api/v3` prefix.
#[test]
fn env_entry_point_with_ghes_prefix() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt.block_on(async {
        let server = server().await;
        Mock::given(method("GET"))
            .and(path(format!("/api/v3{LIST}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("/api/v3{LIST}")))
            .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
                16,
                "x",
                "github-actions[bot]",
            )))
            .mount(&server)
            .await;
        server
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        json!({"number": 7, "pull_request": {"number": 7,
            "base": {"sha": "a", "repo": {"full_name": "acme/rules"}},
            "head": {"sha": "b", "repo": {"full_name": "acme/rules"}}}})
        .to_string(),
    )
    .expect("write event");
    let env = ActionsEnv {
        api_url: format!("{}/api/v3", server.uri()),
        event_path: Some(event),
        token: Token::new(TOKEN),
        ..ActionsEnv::default()
    };
    let out =
        sigmaforge::github::post_sticky_for_current_pr(&env, "# r", &StickyOptions::default())
            .expect("posted");
    assert_eq!(out.action, CommentAction::Created);
    let reqs = rt.block_on(requests(&server));
    assert_eq!(
        reqs,
        [
            get(&format!("/api/v3{LIST_Q}")),
            post(&format!("/api/v3{LIST}"), &sticky_body("# r"))
        ]
    );

    let no_token = ActionsEnv { token: None, ..env };
    let err =
        sigmaforge::github::post_sticky_for_current_pr(&no_token, "# r", &StickyOptions::default())
            .expect_err("needs a token");
    assert!(matches!(err, GithubError::MissingToken));
}

/// The blocking entry point `sigmaforge comment --from FILE` uses, in a `workflow_run` run.
#[test]
fn request_file_entry_point_checks_before_posting() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt.block_on(async {
        let server = server().await;
        Mock::given(method("GET"))
            .and(path("/repos/acme/rules/pulls/7"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"head": {"sha": SHA}})))
            .mount(&server)
            .await;
        mount_list(&server, json!([])).await;
        Mock::given(method("POST"))
            .and(path(LIST))
            .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(
                17,
                "x",
                "github-actions[bot]",
            )))
            .mount(&server)
            .await;
        server
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        json!({"workflow_run": {"id": 99, "event": "pull_request", "head_sha": SHA},
               "repository": {"full_name": "acme/rules"}})
        .to_string(),
    )
    .expect("write event");
    let env = ActionsEnv {
        api_url: server.uri(),
        event_name: Some("workflow_run".into()),
        event_path: Some(event),
        repository: Some("acme/rules".into()),
        token: Token::new(TOKEN),
        ..ActionsEnv::default()
    };
    let file = dir.path().join("request.json");

    // A request aimed at another repository is refused before any API call.
    let forged = CommentRequest {
        repo: "victim/other".into(),
        ..request_fixture(7)
    };
    sigmaforge::github::request::write_comment_request(&file, &forged).expect("write");
    let err = sigmaforge::github::post_comment_request_file(&env, &file, &StickyOptions::default())
        .expect_err("forged repo");
    assert!(err.to_string().contains("victim/other"), "{err}");
    assert!(rt.block_on(requests(&server)).is_empty());

    sigmaforge::github::request::write_comment_request(&file, &request_fixture(7)).expect("write");
    let out = sigmaforge::github::post_comment_request_file(&env, &file, &StickyOptions::default())
        .expect("posted");
    assert_eq!(out.action, CommentAction::Created);
    assert_eq!(
        rt.block_on(requests(&server)),
        [
            get("/repos/acme/rules/pulls/7"),
            get(LIST_Q),
            post(
                LIST,
                &format!("{}\n# From a fork", marker_line("rules-windows"))
            )
        ]
    );
}
