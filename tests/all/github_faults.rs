//! The GitHub client against misbehaving servers on loopback: one that drips bytes, one that
//! hangs, one that floods a huge body, and ones that fail the create-comment POST after (or
//! without) creating the comment. Each run must end well under its deadline with a clear error,
//! and no run may leave two sticky comments.
//!
//! The drip/hang/flood servers are hand-written (a std `TcpListener` on 127.0.0.1 and a thread
//! per connection) because they must misbehave below HTTP; every server thread stops by itself
//! after [`SERVER_LIFETIME`]. The POST cases use wiremock with a small stateful responder.

use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sigmaforge::github::sticky::{marker_line, upsert_sticky_comment};
use sigmaforge::github::{
    ApiError, CommentAction, GithubError, HttpLimits, OctocrabApi, RepoName, StickyOptions, Token,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Longest a fault server keeps running, whatever the client does.
const SERVER_LIFETIME: Duration = Duration::from_secs(30);

/// The idle timeout the tests give the client: short, so each case is quick.
const IDLE: Duration = Duration::from_millis(300);

/// Records sleeps instead of sleeping (retry backoff is not what is measured here).
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

/// What a fault server does once it has read a request.
#[derive(Clone, Copy)]
enum Fault {
    /// Send nothing and keep the connection open.
    Hang,
    /// Complete headers announcing a 1000-byte body, then one body byte every `every`.
    Drip { every: Duration },
    /// A 200 with `total` bytes of body, announced in `content-length` or not (then the body
    /// ends when the connection closes).
    Flood { total: u64, announce: bool },
}

/// A running fault server: its address and what it saw and sent.
struct FaultServer {
    base: String,
    connections: Arc<AtomicUsize>,
    bytes_sent: Arc<AtomicU64>,
}

impl FaultServer {
    fn start(fault: Fault) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let bytes_sent = Arc::new(AtomicU64::new(0));
        let (conns, sent) = (connections.clone(), bytes_sent.clone());
        thread::spawn(move || {
            let stop = Instant::now() + SERVER_LIFETIME;
            while Instant::now() < stop {
                match listener.accept() {
                    Ok((stream, _)) => {
                        conns.fetch_add(1, Ordering::SeqCst);
                        let sent = sent.clone();
                        thread::spawn(move || serve(stream, fault, stop, &sent));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => return,
                }
            }
        });
        FaultServer {
            base,
            connections,
            bytes_sent,
        }
    }
}

/// Read one request head (the requests we get here have no body worth reading), then misbehave
/// as `fault` says until the client goes away or `stop` passes.
fn serve(mut stream: TcpStream, fault: Fault, stop: Instant, sent: &AtomicU64) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let mut write = |bytes: &[u8]| -> bool {
        let ok = stream.write_all(bytes).is_ok();
        if ok {
            sent.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        }
        ok
    };
    match fault {
        Fault::Hang => {
            while Instant::now() < stop {
                thread::sleep(Duration::from_millis(50));
            }
        }
        Fault::Drip { every } => {
            if !write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n[") {
                return;
            }
            for _ in 0..999 {
                thread::sleep(every);
                if Instant::now() >= stop || !write(b" ") {
                    return;
                }
            }
        }
        Fault::Flood { total, announce } => {
            let head = if announce {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {total}\r\n\r\n"
                )
            } else {
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
                    .to_string()
            };
            if !write(head.as_bytes()) {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            let mut left = total;
            while left > 0 && Instant::now() < stop {
                let n = left.min(chunk.len() as u64) as usize;
                if !write(&chunk[..n]) {
                    return;
                }
                left -= n as u64;
            }
        }
    }
}

fn token() -> Token {
    Token::new("ghs_test_token_value").expect("token")
}

fn repo() -> RepoName {
    RepoName::parse("acme/rules").expect("repo")
}

fn limits() -> HttpLimits {
    HttpLimits {
        idle_timeout: IDLE,
        ..HttpLimits::default()
    }
}

fn options(deadline: Duration) -> StickyOptions {
    StickyOptions {
        deadline: Some(deadline),
        ..StickyOptions::default()
    }
}

/// Upsert against `base` with `limits` and `deadline`; the error and how long it took.
async fn failing_upsert(
    base: &str,
    limits: HttpLimits,
    deadline: Duration,
) -> (GithubError, Duration) {
    let api = OctocrabApi::with_limits(base, &token(), limits).expect("client");
    let started = Instant::now();
    let err = upsert_sticky_comment(
        &api,
        &FakeClock::default(),
        &repo(),
        7,
        "# r",
        &options(deadline),
    )
    .await
    .expect_err("a faulty server cannot succeed");
    (err, started.elapsed())
}

#[tokio::test]
async fn hung_server_is_cut_off_by_the_idle_timeout() {
    let server = FaultServer::start(Fault::Hang);
    let (err, took) = failing_upsert(&server.base, limits(), Duration::from_secs(20)).await;
    let text = err.to_string();
    // Four attempts of ~0.3 s each (the backoff is not slept here), far under the deadline.
    assert!(took < Duration::from_secs(5), "{took:?}: {text}");
    assert!(
        matches!(
            &err,
            GithubError::Api(ApiError::RetriesExhausted { attempts: 4, source, .. })
                if matches!(**source, ApiError::Transport(_))
        ),
        "{err:?}"
    );
    assert!(
        text.contains("list comments on acme/rules#7: giving up after 4 attempts"),
        "{text}"
    );
    assert!(text.contains("timed out"), "{text}");
    assert_eq!(server.connections.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn dripping_server_is_cut_off_by_the_idle_timeout() {
    // One byte per second: each keeps the connection alive far longer than the job should.
    let server = FaultServer::start(Fault::Drip {
        every: Duration::from_secs(1),
    });
    let (err, took) = failing_upsert(&server.base, limits(), Duration::from_secs(20)).await;
    let text = err.to_string();
    assert!(took < Duration::from_secs(5), "{took:?}: {text}");
    assert!(text.contains("giving up after 4 attempts"), "{text}");
    assert!(
        text.contains("GET /repos/acme/rules/issues/7/comments?per_page=100: no data for 300ms"),
        "{text}"
    );
}

#[tokio::test]
async fn fast_drip_is_stopped_by_the_overall_deadline() {
    // A byte every 100 ms beats a 1 s idle timeout forever; the deadline ends it.
    let server = FaultServer::start(Fault::Drip {
        every: Duration::from_millis(100),
    });
    let limits = HttpLimits {
        idle_timeout: Duration::from_secs(1),
        ..HttpLimits::default()
    };
    let (err, took) = failing_upsert(&server.base, limits, Duration::from_millis(1500)).await;
    let text = err.to_string();
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(4),
        "{took:?}: {text}"
    );
    assert!(
        matches!(err, GithubError::Api(ApiError::DeadlineExceeded { .. })),
        "{err:?}"
    );
    assert!(
        text.contains("sticky comment on acme/rules#7: stopped at the overall deadline"),
        "{text}"
    );
    assert!(text.contains("SIGMAFORGE_GITHUB_DEADLINE"), "{text}");
}

#[tokio::test]
async fn announced_flood_is_refused_without_reading_it() {
    let server = FaultServer::start(Fault::Flood {
        total: 600 * 1024 * 1024,
        announce: true,
    });
    let (err, took) = failing_upsert(&server.base, limits(), Duration::from_secs(20)).await;
    let text = err.to_string();
    assert!(took < Duration::from_secs(5), "{took:?}: {text}");
    assert!(
        matches!(err, GithubError::Api(ApiError::TooLarge { limit, .. }) if limit == 16 * 1024 * 1024),
        "{err:?}"
    );
    assert!(
        text.contains("over the 16777216-byte limit; not read further"),
        "{text}"
    );
    // Not retried: a second attempt would get the same flood.
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unannounced_flood_is_cut_at_the_cap() {
    let server = FaultServer::start(Fault::Flood {
        total: 600 * 1024 * 1024,
        announce: false,
    });
    let limits = HttpLimits {
        max_body_bytes: 4 * 1024 * 1024,
        ..limits()
    };
    let (err, took) = failing_upsert(&server.base, limits, Duration::from_secs(20)).await;
    let text = err.to_string();
    assert!(took < Duration::from_secs(10), "{took:?}: {text}");
    assert!(text.contains("over the 4194304-byte limit"), "{text}");
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    // The client hung up at the cap: the server got to send the cap plus socket buffers, not
    // the 600 MB it meant to. Give the server thread a moment to notice.
    thread::sleep(Duration::from_millis(300));
    let sent = server.bytes_sent.load(Ordering::SeqCst);
    assert!(sent < 32 * 1024 * 1024, "server sent {sent} bytes");
}

// --- The create-comment POST failing ambiguously -------------------------------------------

const LIST: &str = "/repos/acme/rules/issues/7/comments";
const BOT: &str = "github-actions[bot]";

fn comment_json(id: u64, body: &str) -> Value {
    json!({
        "id": id,
        "html_url": format!("https://github.com/acme/rules/pull/7#issuecomment-{id}"),
        "body": body,
        "user": {"login": BOT},
    })
}

/// The PR's comments, shared by the list and create mocks.
#[derive(Clone, Default)]
struct Thread {
    comments: Arc<Mutex<Vec<Value>>>,
    creates: Arc<AtomicUsize>,
}

struct ListComments(Thread);

impl Respond for ListComments {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let comments = self.0.comments.lock().expect("lock").clone();
        ResponseTemplate::new(200).set_body_json(Value::Array(comments))
    }
}

/// How the create endpoint misbehaves on its first call; later calls succeed.
#[derive(Clone, Copy)]
enum FirstCreate {
    /// Stores the comment, then answers 500.
    LandsThen500,
    /// Stores nothing and answers 500.
    Fails500,
    /// Stores the comment, then answers only after the client's idle timeout.
    LandsThenStalls,
}

struct CreateComment(Thread, FirstCreate);

impl Respond for CreateComment {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n = self.0.creates.fetch_add(1, Ordering::SeqCst);
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let text = body["body"].as_str().unwrap_or_default().to_string();
        let mut comments = self.0.comments.lock().expect("lock");
        let id = 100 + comments.len() as u64;
        let created = comment_json(id, &text);
        let store = n > 0 || !matches!(self.1, FirstCreate::Fails500);
        if store {
            comments.push(created.clone());
        }
        match (n, self.1) {
            (0, FirstCreate::LandsThen500 | FirstCreate::Fails500) => {
                ResponseTemplate::new(500).set_body_json(json!({"message": "Server Error"}))
            }
            (0, FirstCreate::LandsThenStalls) => ResponseTemplate::new(201)
                .set_body_json(created)
                .set_delay(Duration::from_secs(3)),
            _ => ResponseTemplate::new(201).set_body_json(created),
        }
    }
}

async fn create_case(first: FirstCreate) -> (Thread, sigmaforge::github::CommentOutcome) {
    let server = MockServer::start().await;
    let thread = Thread::default();
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ListComments(thread.clone()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(CreateComment(thread.clone(), first))
        .mount(&server)
        .await;
    let api = OctocrabApi::with_limits(&server.uri(), &token(), limits()).expect("client");
    let started = Instant::now();
    let out = upsert_sticky_comment(
        &api,
        &FakeClock::default(),
        &repo(),
        7,
        "# report",
        &options(Duration::from_secs(20)),
    )
    .await
    .expect("the comment is posted in the end");
    assert!(started.elapsed() < Duration::from_secs(5));
    (thread, out)
}

fn sticky_body() -> String {
    format!("{}\n# report", marker_line("default"))
}

#[tokio::test]
async fn post_that_landed_before_a_500_is_not_repeated() {
    let (thread, out) = create_case(FirstCreate::LandsThen500).await;
    assert_eq!(out.action, CommentAction::Created);
    assert_eq!(out.comment_id, Some(100));
    assert_eq!(thread.creates.load(Ordering::SeqCst), 1, "no second POST");
    let comments = thread.comments.lock().expect("lock").clone();
    assert_eq!(comments, [comment_json(100, &sticky_body())]);
}

#[tokio::test]
async fn post_that_stalled_after_landing_is_not_repeated() {
    let (thread, out) = create_case(FirstCreate::LandsThenStalls).await;
    assert_eq!(out.action, CommentAction::Created);
    assert_eq!(out.comment_id, Some(100));
    assert_eq!(thread.creates.load(Ordering::SeqCst), 1, "no second POST");
    assert_eq!(thread.comments.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn post_that_failed_with_a_500_is_repeated_once() {
    let (thread, out) = create_case(FirstCreate::Fails500).await;
    assert_eq!(out.action, CommentAction::Created);
    assert_eq!(thread.creates.load(Ordering::SeqCst), 2);
    let comments = thread.comments.lock().expect("lock").clone();
    assert_eq!(comments, [comment_json(100, &sticky_body())]);
    assert_eq!(out.comment_id, Some(100));
}
