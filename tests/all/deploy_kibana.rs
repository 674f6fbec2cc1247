//! `sigmaforge deploy` end to end against a loopback Kibana stand-in: a stateful wiremock
//! responder that keeps detection rules per space and answers `_find` (paginated, filtered on
//! tags), `_import?overwrite=true` (multipart ndjson, per-rule errors) and `_bulk_action`
//! (disable, delete) with the shapes of Kibana's Security Detections API; plus faults (401,
//! 429 with Retry-After, 500, a hung response). Every step asserts the exact requests made, and
//! that the API key never appears in any output.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The API key the tests deploy with; it must never show up in any output.
const SECRET: &str = "c2VjcmV0LWlkOnN1cGVyc2VjcmV0LWtleQ==";

/// What the stand-in holds and how it misbehaves.
#[derive(Default)]
struct State {
    /// Rules per space id, in creation order.
    spaces: BTreeMap<String, Vec<Value>>,
    next_id: u64,
    /// Statuses (and Retry-After seconds) to answer the next requests with, before routing.
    faults: VecDeque<(u16, Option<u64>)>,
    /// Answer every request with this status (a server that is down).
    always: Option<u16>,
    /// Hold every response for this long (a hung server).
    hang: Option<Duration>,
    /// rule_ids `_import` refuses.
    refuse: BTreeSet<String>,
}

#[derive(Clone)]
struct Kibana(Arc<Mutex<State>>);

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"statusCode": status, "error": "error", "message": message}))
}

/// The ndjson file of a `multipart/form-data` body with one part named `file`.
fn multipart_file(req: &Request) -> Result<String, String> {
    let ct = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .ok_or("no content-type")?;
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .ok_or("not multipart/form-data")?;
    let body = String::from_utf8(req.body.clone()).map_err(|_| "body not UTF-8")?;
    let start = format!("--{boundary}\r\n");
    let end = format!("\r\n--{boundary}--\r\n");
    let inner = body
        .strip_prefix(&start)
        .and_then(|b| b.strip_suffix(&end))
        .ok_or("bad multipart framing")?;
    let (head, data) = inner.split_once("\r\n\r\n").ok_or("no part headers")?;
    if !head.contains("name=\"file\"") || !head.contains(".ndjson\"") {
        return Err(format!("part headers {head:?}"));
    }
    Ok(data.to_string())
}

/// The fields the Security Detections API requires of an imported rule (`RuleToImport`).
fn check_rule(rule: &Value) -> Result<(), String> {
    for field in [
        "rule_id",
        "name",
        "description",
        "risk_score",
        "severity",
        "type",
    ] {
        if rule.get(field).is_none() {
            return Err(format!("missing required field {field}"));
        }
    }
    if rule["version"].as_u64().is_none_or(|v| v < 1) {
        return Err("version must be an integer >= 1".into());
    }
    Ok(())
}

impl Kibana {
    fn route(&self, req: &Request, state: &mut State) -> ResponseTemplate {
        let full = req.url.path();
        let (space, path) = match full.strip_prefix("/s/") {
            Some(rest) => match rest.split_once('/') {
                Some((s, p)) => (s.to_string(), format!("/{p}")),
                None => return error(404, "not found"),
            },
            None => ("default".to_string(), full.to_string()),
        };
        let query: BTreeMap<String, String> = req.url.query_pairs().into_owned().collect();
        let method = req.method.as_str();
        match (method, path.as_str()) {
            ("GET", "/api/detection_engine/rules/_find") => {
                let per_page: usize = query["per_page"].parse().unwrap();
                let page: usize = query["page"].parse().unwrap();
                let wanted = query.get("filter").map(String::as_str);
                if wanted != Some("alert.attributes.tags:\"sigmaforge\"") {
                    return error(400, "unexpected filter");
                }
                let owned: Vec<&Value> = state
                    .spaces
                    .get(&space)
                    .into_iter()
                    .flatten()
                    .filter(|r| r["tags"].as_array().unwrap().contains(&json!("sigmaforge")))
                    .collect();
                let data: Vec<&Value> = owned
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .copied()
                    .collect();
                ResponseTemplate::new(200).set_body_json(
                    json!({"page": page, "perPage": per_page, "total": owned.len(), "data": data}),
                )
            }
            ("POST", "/api/detection_engine/rules/_import") => {
                if query.get("overwrite").map(String::as_str) != Some("true") {
                    return error(400, "expected overwrite=true");
                }
                let file = match multipart_file(req) {
                    Ok(f) => f,
                    Err(e) => return error(415, &e),
                };
                let mut errors = Vec::new();
                let mut ok = 0;
                let lines: Vec<&str> = file.lines().filter(|l| !l.is_empty()).collect();
                for line in &lines {
                    let mut rule: Value = serde_json::from_str(line).unwrap();
                    let rule_id = rule["rule_id"].as_str().unwrap_or_default().to_string();
                    if let Err(e) = check_rule(&rule) {
                        errors.push(json!({"rule_id": rule_id, "error": {"status_code": 400, "message": e}}));
                        continue;
                    }
                    if state.refuse.contains(&rule_id) {
                        errors.push(json!({"rule_id": rule_id, "error": {"status_code": 400,
                            "message": "invalid query: line 1:5 mismatched input"}}));
                        continue;
                    }
                    state.next_id += 1;
                    let rules = state.spaces.entry(space.clone()).or_default();
                    let pos = rules.iter().position(|r| r["rule_id"] == rule["rule_id"]);
                    let id = pos
                        .map(|p| rules[p]["id"].clone())
                        .unwrap_or_else(|| json!(format!("so-{}", state.next_id)));
                    rule["id"] = id;
                    rule["immutable"] = json!(false);
                    rule["created_at"] = json!("2026-12-04T00:00:00.000Z");
                    match pos {
                        Some(p) => rules[p] = rule,
                        None => rules.push(rule),
                    }
                    ok += 1;
                }
                ResponseTemplate::new(200).set_body_json(json!({
                    "success": errors.is_empty(), "success_count": ok, "rules_count": lines.len(),
                    "errors": errors, "exceptions_success": true, "exceptions_success_count": 0,
                    "exceptions_errors": [], "action_connectors_success": true,
                    "action_connectors_success_count": 0, "action_connectors_errors": [],
                    "action_connectors_warnings": []
                }))
            }
            ("POST", "/api/detection_engine/rules/_bulk_action") => {
                let body: Value = serde_json::from_slice(&req.body).unwrap();
                let ids: Vec<Value> = body["ids"].as_array().cloned().unwrap_or_default();
                let rules = state.spaces.entry(space).or_default();
                match body["action"].as_str() {
                    Some("disable") => {
                        for r in rules.iter_mut().filter(|r| ids.contains(&r["id"])) {
                            r["enabled"] = json!(false);
                        }
                    }
                    Some("delete") => rules.retain(|r| !ids.contains(&r["id"])),
                    _ => return error(400, "unknown action"),
                }
                ResponseTemplate::new(200).set_body_json(json!({"success": true, "rules_count": ids.len(),
                    "attributes": {"summary": {"failed": 0, "skipped": 0, "succeeded": ids.len(), "total": ids.len()}}}))
            }
            _ => error(404, "not found"),
        }
    }
}

impl Respond for Kibana {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap();
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let response = if auth != Some(&format!("ApiKey {SECRET}")) {
            error(401, "unable to authenticate user")
        } else if req.method.as_str() == "POST" && req.headers.get("kbn-xsrf").is_none() {
            error(400, "Request must contain a kbn-xsrf header.")
        } else if let Some(status) = state.always {
            error(status, "internal server error")
        } else if let Some((status, after)) = state.faults.pop_front() {
            let r = error(status, "try later");
            match after {
                Some(s) => r.insert_header("retry-after", s.to_string().as_str()),
                None => r,
            }
        } else {
            self.route(req, &mut state)
        };
        match state.hang {
            Some(d) => response.set_delay(d),
            None => response,
        }
    }
}

/// A running stand-in and the runtime its server lives on.
struct StandIn {
    rt: tokio::runtime::Runtime,
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl StandIn {
    fn start() -> StandIn {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let server = rt.block_on(async {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(Kibana(state.clone()))
                .mount(&server)
                .await;
            server
        });
        StandIn { rt, server, state }
    }

    /// Requests since the last call, as `METHOD path?query`, and forget them.
    fn take_requests(&self) -> Vec<Request> {
        let all = self.rt.block_on(self.server.received_requests()).unwrap();
        self.rt.block_on(self.server.reset());
        self.rt.block_on(
            Mock::given(any())
                .respond_with(Kibana(self.state.clone()))
                .mount(&self.server),
        );
        all
    }

    fn rules(&self, space: &str) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .spaces
            .get(space)
            .cloned()
            .unwrap_or_default()
    }
}

fn line(r: &Request) -> String {
    match r.url.query() {
        Some(q) => format!("{} {}?{q}", r.method, r.url.path()),
        None => format!("{} {}", r.method, r.url.path()),
    }
}

fn writes(reqs: &[Request]) -> Vec<String> {
    reqs.iter()
        .filter(|r| r.method.as_str() != "GET")
        .map(line)
        .collect()
}

const FIND: &str = "GET /api/detection_engine/rules/_find?per_page=100&page=1&sort_field=created_at&sort_order=asc&filter=alert.attributes.tags%3A%22sigmaforge%22";

fn write_rule(dir: &Path, name: &str, id: &str, image: &str, status: &str) {
    let text = format!(
        "title: Suspicious {name} Execution\nid: {id}\nstatus: {status}\n\
         description: Detects {name} being run\nauthor: tester\ndate: 2024-01-01\n\
         logsource:\n  category: process_creation\n  product: windows\n\
         detection:\n  selection:\n    Image|endswith: '\\{image}'\n  condition: selection\n\
         level: medium\ntags:\n  - attack.discovery\n  - attack.t1033\n"
    );
    std::fs::write(dir.join(format!("{name}.yml")), text).unwrap();
}

const ID_A: &str = "0b0c5f0e-0000-4000-8000-00000000000a";
const ID_B: &str = "0b0c5f0e-0000-4000-8000-00000000000b";
const ID_C: &str = "0b0c5f0e-0000-4000-8000-00000000000c";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_rule(dir.path(), "rule_a", ID_A, "whoami.exe", "test");
    write_rule(dir.path(), "rule_b", ID_B, "net.exe", "stable");
    write_rule(dir.path(), "rule_c", ID_C, "nltest.exe", "experimental");
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn deploy(url: &str, dir: &Path, key: &str, args: &[&str]) -> Run {
    let out = Command::cargo_bin("sigmaforge")
        .unwrap()
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("KIBANA_API_KEY", key)
        .arg("deploy")
        .args(args)
        .args(["--kibana-url", url, "."])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "the API key leaked:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(!run.stderr.contains("supersecret"), "{}", run.stderr);
    run
}

fn plan_json(k: &StandIn, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["plan", "--format", "json"];
    args.extend_from_slice(extra);
    let run = deploy(&k.server.uri(), dir, SECRET, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn plan_apply_change_delete_end_to_end() {
    let k = StandIn::start();
    let repo = repo();
    let url = k.server.uri();

    // 1. An empty space: everything is created.
    let plan = plan_json(&k, repo.path(), &[]);
    assert_eq!(
        plan,
        json!({"spaces": {"default": {"create": [ID_A, ID_B, ID_C], "update": [], "unchanged": [], "remove": []}}})
    );
    assert_eq!(
        k.take_requests().iter().map(line).collect::<Vec<_>>(),
        [FIND]
    );

    // 2. Apply: one find, one import of the three rules.
    let run = deploy(&url, repo.path(), SECRET, &["apply"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reqs = k.take_requests();
    assert_eq!(
        reqs.iter().map(line).collect::<Vec<_>>(),
        [
            FIND,
            "POST /api/detection_engine/rules/_import?overwrite=true"
        ]
    );
    for r in &reqs {
        assert_eq!(
            r.headers["authorization"],
            format!("ApiKey {SECRET}").as_str()
        );
        assert_eq!(r.headers["elastic-api-version"], "2023-10-31");
    }
    let live = k.rules("default");
    assert_eq!(live.len(), 3);
    for r in &live {
        assert_eq!(r["version"], 1);
        let tags = r["tags"].as_array().unwrap();
        assert!(tags.contains(&json!("sigmaforge")), "{tags:?}");
        assert!(
            tags.iter()
                .any(|t| t.as_str().unwrap().starts_with("sigmaforge-hash:")),
            "{tags:?}"
        );
    }
    // The experimental rule stays disabled, the tested ones run.
    let enabled: BTreeMap<String, bool> = live
        .iter()
        .map(|r| {
            (
                r["rule_id"].as_str().unwrap().to_string(),
                r["enabled"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(enabled[ID_A]);
    assert!(!enabled[ID_C]);

    // 3. Re-plan: all unchanged; re-apply writes nothing.
    let plan = plan_json(&k, repo.path(), &[]);
    assert_eq!(
        plan["spaces"]["default"]["unchanged"],
        json!([ID_A, ID_B, ID_C])
    );
    assert_eq!(plan["spaces"]["default"]["create"], json!([]));
    k.take_requests();
    let run = deploy(&url, repo.path(), SECRET, &["apply"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        k.take_requests().iter().map(line).collect::<Vec<_>>(),
        [FIND]
    );

    // 4. Change one rule: one update, version 1 → 2, with the field diff.
    write_rule(repo.path(), "rule_b", ID_B, "net1.exe", "stable");
    let run = deploy(&url, repo.path(), SECRET, &["plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("0 to create, 1 to update, 2 unchanged, 0 to disable"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("~ update  {ID_B}")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("version 1 → 2"), "{}", run.stdout);
    assert!(run.stdout.contains("query: "), "{}", run.stdout);
    assert!(
        run.stdout.contains(r"[tT]1\\.[eE][xX][eE]"),
        "{}",
        run.stdout
    );
    k.take_requests();
    let run = deploy(&url, repo.path(), SECRET, &["apply"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reqs = k.take_requests();
    assert_eq!(
        writes(&reqs),
        ["POST /api/detection_engine/rules/_import?overwrite=true"]
    );
    let sent = multipart_file(&reqs[1]).unwrap();
    assert_eq!(sent.lines().count(), 1, "{sent}");
    let sent: Value = serde_json::from_str(sent.trim()).unwrap();
    assert_eq!(
        (sent["rule_id"].as_str(), sent["version"].as_u64()),
        (Some(ID_B), Some(2))
    );
    let plan = plan_json(&k, repo.path(), &[]);
    assert_eq!(
        plan["spaces"]["default"]["unchanged"],
        json!([ID_A, ID_B, ID_C])
    );
    k.take_requests();

    // 5. Delete one rule: one remove (disable), then nothing left to do.
    std::fs::remove_file(repo.path().join("rule_a.yml")).unwrap();
    let plan = plan_json(&k, repo.path(), &[]);
    assert_eq!(
        plan,
        json!({"spaces": {"default": {"create": [], "update": [], "unchanged": [ID_B, ID_C], "remove": [ID_A]}}})
    );
    k.take_requests();
    let run = deploy(&url, repo.path(), SECRET, &["apply"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reqs = k.take_requests();
    assert_eq!(
        writes(&reqs),
        ["POST /api/detection_engine/rules/_bulk_action"]
    );
    let body: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    let id_a = k
        .rules("default")
        .iter()
        .find(|r| r["rule_id"] == ID_A)
        .unwrap()["id"]
        .clone();
    assert_eq!(body, json!({"action": "disable", "ids": [id_a]}));
    let plan = plan_json(&k, repo.path(), &[]);
    assert_eq!(plan["spaces"]["default"]["remove"], json!([]));
    k.take_requests();
    let run = deploy(&url, repo.path(), SECRET, &["apply"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(writes(&k.take_requests()).is_empty());

    // The plan written to a file (`-o`, for `run --deploy-plan`) is the printed one.
    let run = deploy(
        &url,
        repo.path(),
        SECRET,
        &["plan", "--format", "json", "-o", "out/plan.json"],
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("out/plan.json")).unwrap())
            .unwrap();
    assert_eq!(written, plan_json(&k, repo.path(), &[]));
    k.take_requests();

    // 6. --delete-removed deletes the disabled leftover.
    let run = deploy(&url, repo.path(), SECRET, &["apply", "--delete-removed"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reqs = k.take_requests();
    assert_eq!(
        writes(&reqs),
        ["POST /api/detection_engine/rules/_bulk_action"]
    );
    let body: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(body["action"], "delete");
    assert_eq!(k.rules("default").len(), 2);

    // No file the runs left behind holds the key.
    let mut stack = vec![repo.path().to_path_buf()];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files += 1;
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(SECRET),
                    "{}",
                    path.display()
                );
            }
        }
    }
    assert!(files >= 3);
}

#[test]
fn pagination_spaces_and_foreign_rules() {
    let k = StandIn::start();
    let repo = repo();
    {
        let mut s = k.state.lock().unwrap();
        let rules = s.spaces.entry("soc".into()).or_default();
        for i in 0..150 {
            rules.push(json!({"id": format!("old-{i}"), "rule_id": format!("old-{i:03}"), "version": 1,
                "enabled": true, "name": format!("old {i}"), "tags": ["sigmaforge", "sigmaforge-hash:0"]}));
        }
        // Someone else's rule: never listed, never touched.
        rules.push(
            json!({"id": "mine", "rule_id": "theirs", "version": 7, "enabled": true,
            "name": "not ours", "tags": ["team-x"]}),
        );
    }
    let plan = plan_json(&k, repo.path(), &["--space", "soc", "--space", "default"]);
    let soc = &plan["spaces"]["soc"];
    assert_eq!(soc["create"], json!([ID_A, ID_B, ID_C]));
    assert_eq!(soc["remove"].as_array().unwrap().len(), 150);
    assert!(!soc["remove"].as_array().unwrap().contains(&json!("theirs")));
    assert_eq!(
        plan["spaces"]["default"]["create"],
        json!([ID_A, ID_B, ID_C])
    );
    let lines: Vec<String> = k.take_requests().iter().map(line).collect();
    let soc_find = FIND.replace("GET /api/", "GET /s/soc/api/");
    assert_eq!(
        lines,
        [
            soc_find.clone(),
            soc_find.replace("&page=1&", "&page=2&"),
            FIND.to_string()
        ]
    );
    let run = deploy(
        &k.server.uri(),
        repo.path(),
        SECRET,
        &["apply", "--space", "soc", "--chunk-size", "2"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reqs = k.take_requests();
    assert_eq!(
        writes(&reqs),
        [
            "POST /s/soc/api/detection_engine/rules/_import?overwrite=true",
            "POST /s/soc/api/detection_engine/rules/_import?overwrite=true",
            "POST /s/soc/api/detection_engine/rules/_bulk_action",
            "POST /s/soc/api/detection_engine/rules/_bulk_action",
        ]
    );
    let theirs = k
        .rules("soc")
        .into_iter()
        .find(|r| r["rule_id"] == "theirs")
        .unwrap();
    assert_eq!(theirs["enabled"], true);
    assert!(k.rules("default").is_empty());
}

#[test]
fn import_errors_name_the_rule_file_and_exit_1() {
    let k = StandIn::start();
    let repo = repo();
    k.state.lock().unwrap().refuse.insert(ID_B.to_string());
    let run = deploy(&k.server.uri(), repo.path(), SECRET, &["apply"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "rule_b.yml: error: Kibana refused rule {ID_B} in space default: invalid query"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(k.rules("default").len(), 2);
}

#[test]
fn rate_limit_is_retried_after_retry_after() {
    let k = StandIn::start();
    let repo = repo();
    k.state.lock().unwrap().faults.push_back((429, Some(1)));
    let started = Instant::now();
    let plan = plan_json(&k, repo.path(), &[]);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        plan["spaces"]["default"]["create"],
        json!([ID_A, ID_B, ID_C])
    );
    assert_eq!(
        k.take_requests().iter().map(line).collect::<Vec<_>>(),
        [FIND, FIND]
    );
}

#[test]
fn server_errors_stop_at_the_deadline() {
    let k = StandIn::start();
    let repo = repo();
    k.state.lock().unwrap().always = Some(500);
    let started = Instant::now();
    let run = deploy(
        &k.server.uri(),
        repo.path(),
        SECRET,
        &["plan", "--deadline", "4s"],
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("stopped at the overall deadline (4s"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("HTTP 500"), "{}", run.stderr);
    // 1 s then 2 s of backoff fit into 4 s; the next 4 s wait does not.
    assert_eq!(k.take_requests().len(), 3);
}

#[test]
fn a_hung_kibana_stops_at_the_deadline() {
    let k = StandIn::start();
    let repo = repo();
    k.state.lock().unwrap().hang = Some(Duration::from_secs(60));
    let started = Instant::now();
    let run = deploy(
        &k.server.uri(),
        repo.path(),
        SECRET,
        &["plan", "--deadline", "2"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("overall deadline"), "{}", run.stderr);
}

#[test]
fn auth_failure_is_a_clear_error_without_the_key() {
    let k = StandIn::start();
    let repo = repo();
    let wrong = "d3Jvbmc6a2V5LXN1cGVyc2VjcmV0";
    let run = deploy(&k.server.uri(), repo.path(), wrong, &["apply"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("HTTP 401: unable to authenticate user"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(wrong) && !run.stdout.contains(wrong));
    assert!(writes(&k.take_requests()).is_empty());
    assert!(k.rules("default").is_empty());
}

#[test]
fn plain_http_to_a_remote_host_and_missing_credentials_are_refused() {
    let repo = repo();
    let run = deploy("http://kibana.example:5601", repo.path(), SECRET, &["plan"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("clear text"), "{}", run.stderr);
    let out = Command::cargo_bin("sigmaforge")
        .unwrap()
        .current_dir(repo.path())
        .env_clear()
        .args([
            "deploy",
            "plan",
            "--kibana-url",
            "https://kibana.example",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("KIBANA_API_KEY"));
}

#[test]
fn run_adds_the_deploy_plan_to_the_report() {
    let repo = repo();
    let rules = repo.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    for f in ["rule_a.yml", "rule_b.yml", "rule_c.yml"] {
        std::fs::rename(repo.path().join(f), rules.join(f)).unwrap();
    }
    let plan = json!({"spaces": {"default": {"create": [ID_A], "update": [ID_B], "unchanged": [ID_C], "remove": []},
                                 "soc": {"create": [], "update": [], "unchanged": [], "remove": ["old-1"]}}});
    std::fs::write(repo.path().join("plan.json"), plan.to_string()).unwrap();
    let out = Command::cargo_bin("sigmaforge")
        .unwrap()
        .current_dir(repo.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args([
            "run",
            "--repo",
            ".",
            "--comment",
            "false",
            "--deploy-plan",
            "plan.json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(repo.path().join("sigmaforge-out/report.md")).unwrap();
    assert!(report.contains("### Deploy plan"), "{report}");
    assert!(
        report.contains("Merging this changes **3** rules in production."),
        "{report}"
    );
    let summary = repo.path().join("summary.md");
    let out = Command::cargo_bin("sigmaforge")
        .unwrap()
        .current_dir(repo.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("INPUT_COMMENT", "false")
        .env("INPUT_DEPLOY-PLAN", "plan.json")
        .args(["run", "--repo", "."])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.contains("### Deploy plan"), "{text}");
    assert!(
        text.contains("Merging this changes **3** rules in production."),
        "{text}"
    );
    assert!(text.contains("| `soc` | 0 | 0 | 1 | 0 |"), "{text}");
    // An action input naming a file outside the repository is refused.
    let out = Command::cargo_bin("sigmaforge")
        .unwrap()
        .current_dir(repo.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("INPUT_COMMENT", "false")
        .env("INPUT_DEPLOY-PLAN", "/etc/hostname")
        .args(["run", "--repo", "."])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
