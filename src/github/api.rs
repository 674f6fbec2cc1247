//! The few GitHub REST calls sigmaforge makes, behind a trait.
//!
//! The trait keeps the sticky-comment logic independent of the HTTP client (tests can use a
//! fake, the transport could be swapped); [`OctocrabApi`] is the real implementation. We
//! deserialize our own minimal comment model instead of octocrab's strict one, so that a GHES
//! version with a slightly different payload does not break the comment step.

use crate::error_chain::error_chain;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use http_body_util::BodyExt;
use octocrab::Octocrab;
use serde::Deserialize;
use serde::de::{DeserializeOwned, SeqAccess, Visitor};

use super::env::Token;
pub use super::error::ApiError;
use super::error::{GithubError, Result};

/// A repository name checked to be `owner/name` with GitHub's allowed characters, so it can be
/// put into a URL path safely.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoName {
    owner: String,
    name: String,
}

impl RepoName {
    /// Parse `owner/name`.
    pub fn parse(full: &str) -> Result<Self> {
        let bad =
            || GithubError::Config(format!("repository {full:?} is not of the form owner/name"));
        let (owner, name) = full.split_once('/').ok_or_else(bad)?;
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s != "."
                && s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if !ok(owner) || !ok(name) {
            return Err(bad());
        }
        Ok(RepoName {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }

    /// The owner (user or organisation).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository name without the owner.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// The fields of an issue comment that the sticky logic looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueComment {
    /// Comment id (for update/delete).
    pub id: u64,
    /// Markdown body (GitHub omits it in some media types, hence optional).
    pub body: Option<String>,
    /// Author login; `None` for deleted ("ghost") users.
    pub author: Option<String>,
    /// Link to the comment, for logs.
    pub html_url: Option<String>,
}

impl ApiError {
    /// The HTTP status of a plain status error (not rate limits or exhausted retries).
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The PR-comment operations sigmaforge needs.
///
/// Methods return `Send` futures so implementations work on any tokio runtime.
pub trait CommentApi: Sync {
    /// All comments of issue/PR `number`, oldest first, following pagination to the end.
    fn list_comments(
        &self,
        repo: &RepoName,
        number: u64,
    ) -> impl Future<Output = Result<Vec<IssueComment>, ApiError>> + Send;

    /// Create a comment on issue/PR `number`.
    fn create_comment(
        &self,
        repo: &RepoName,
        number: u64,
        body: &str,
    ) -> impl Future<Output = Result<IssueComment, ApiError>> + Send;

    /// Replace the body of comment `id`.
    fn update_comment(
        &self,
        repo: &RepoName,
        id: u64,
        body: &str,
    ) -> impl Future<Output = Result<IssueComment, ApiError>> + Send;

    /// Delete comment `id` (used to remove duplicate sticky comments left by racing runs).
    fn delete_comment(
        &self,
        repo: &RepoName,
        id: u64,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// Current head commit of pull request `number` (to verify a fork-safe comment request).
    fn pull_request_head_sha(
        &self,
        repo: &RepoName,
        number: u64,
    ) -> impl Future<Output = Result<String, ApiError>> + Send;
}

#[derive(Deserialize)]
struct RawUser {
    login: Option<String>,
}

#[derive(Deserialize)]
struct RawComment {
    id: u64,
    body: Option<String>,
    user: Option<RawUser>,
    html_url: Option<String>,
}

impl From<RawComment> for IssueComment {
    fn from(raw: RawComment) -> Self {
        IssueComment {
            id: raw.id,
            body: raw.body,
            author: raw.user.and_then(|u| u.login),
            html_url: raw.html_url,
        }
    }
}

#[derive(Deserialize)]
struct RawHead {
    sha: String,
}

#[derive(Deserialize)]
struct RawPull {
    head: RawHead,
}

/// Comments asked for per page. A page holding more is refused while it is parsed (the server
/// ignored `per_page`, or is hostile), so one page never materialises more than this many.
const PER_PAGE: usize = 100;

/// At most this many pages are followed: enough for any real PR, and a bound against a server
/// that keeps returning `next`.
const MAX_PAGES: usize = 100;

/// Error responses are read only for their message; a longer body is not read further.
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;

/// Longest error message kept (in characters): it ends up in a log line.
const MAX_MESSAGE_CHARS: usize = 500;

/// What one HTTP exchange with the API may cost. Every byte comes from the network, so each
/// bound holds whatever the server does; the run's overall deadline
/// ([`super::sticky::StickyOptions::deadline`]) bounds the sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Longest wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Longest silence while sending a request or waiting for response bytes (headers or any
    /// body chunk): a hung server or one dripping a byte now and then is cut off here.
    pub idle_timeout: Duration,
    /// Largest response body read. A bigger one is refused as soon as it passes the cap (or at
    /// once, from its `content-length`) without being buffered whole.
    pub max_body_bytes: u64,
    /// Largest total of all pages of one comment listing.
    pub max_listing_bytes: u64,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(10),
            max_body_bytes: 16 * 1024 * 1024,
            max_listing_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A JSON array of at most [`PER_PAGE`] items, refused at the first item past the cap.
struct CappedPage<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for CappedPage<T> {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Items<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Items<T> {
            type Value = CappedPage<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an array of at most {PER_PAGE} items")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    if items.len() == PER_PAGE {
                        return Err(serde::de::Error::custom(format!(
                            "more than {PER_PAGE} items in one page (we asked for {PER_PAGE})"
                        )));
                    }
                    items.push(item);
                }
                Ok(CappedPage(items))
            }
        }
        de.deserialize_seq(Items(std::marker::PhantomData))
    }
}

/// A successful response, read within the limits.
struct Reply {
    /// The body bytes.
    body: Vec<u8>,
    /// The `rel="next"` target of the `link` header, if any.
    next: Option<String>,
}

impl Reply {
    /// Parse the body as JSON; `what` names the request in the error.
    fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| ApiError::Decode(format!("{what}: {e}")))
    }
}

/// The HTTP methods we send.
#[derive(Debug, Clone, Copy)]
enum Verb {
    Get,
    Post,
    Delete,
}

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Delete => "DELETE",
        }
    }
}

/// The `rel="next"` link of a `link` header (`<url>; rel="next", <url>; rel="last"`).
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.trim().split_once(';')?;
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| {
                p.trim()
                    .strip_prefix("rel=")
                    .is_some_and(|r| r.trim_matches('"').split_whitespace().any(|r| r == "next"))
            })
            .then(|| url.to_string())
    })
}

/// The message of an error response: GitHub's JSON `message`, else the text, else the reason.
fn error_message(status: u16, body: Option<&[u8]>) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown HTTP Error");
    let Some(body) = body else {
        return format!("{reason} (error body over {MAX_ERROR_BODY_BYTES} bytes, not read)");
    };
    #[derive(Deserialize)]
    struct GitHubError {
        message: Option<String>,
    }
    let text = serde_json::from_slice::<GitHubError>(body)
        .ok()
        .and_then(|e| e.message)
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let text = text.trim();
    if text.is_empty() {
        return reason.to_string();
    }
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Read a body chunk by chunk, with `idle` as the longest wait for each chunk and `cap` as the
/// most bytes kept: past it, stop reading and fail (the rest is never buffered).
async fn read_capped<B>(
    mut body: B,
    cap: u64,
    idle: Duration,
    what: &str,
) -> Result<Vec<u8>, ApiError>
where
    B: BodyExt + Unpin,
    B::Data: AsRef<[u8]>,
    B::Error: std::error::Error + 'static,
{
    let mut out = Vec::new();
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => {
                return Err(ApiError::Transport(format!(
                    "{what}: no data for {idle:?} while reading the response body"
                )));
            }
            Ok(None) => return Ok(out),
            Ok(Some(Err(e))) => {
                return Err(ApiError::Transport(format!(
                    "{what}: reading the response body: {}",
                    error_chain(&e)
                )));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        // Trailers carry nothing we use.
        if let Ok(data) = frame.into_data() {
            let chunk = data.as_ref();
            if (out.len() + chunk.len()) as u64 > cap {
                return Err(ApiError::TooLarge {
                    what: what.to_string(),
                    limit: cap,
                });
            }
            out.extend_from_slice(chunk);
        }
    }
}

/// [`CommentApi`] over octocrab's HTTP stack (rustls, native roots, connection pool, base URL),
/// with our own response handling: size-capped streaming bodies, idle timeouts, and no retries
/// (octocrab's are off because [`super::retry`] handles them with an injectable clock).
pub struct OctocrabApi {
    crab: Octocrab,
    /// The API base URL without a trailing slash; pagination links must stay under it.
    base: String,
    limits: HttpLimits,
}

impl fmt::Debug for OctocrabApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OctocrabApi")
            .field("base", &self.base)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl OctocrabApi {
    /// Client for `api_url` (`GITHUB_API_URL`; GHES `https://host/api/v3`, tests a loopback
    /// mock) authenticated with `token`, with the default [`HttpLimits`].
    ///
    /// Must be called inside a tokio runtime (octocrab spawns its connection buffer task), and
    /// needs a CA bundle on the system (the container image ships one) even for `http://` URLs.
    pub fn new(api_url: &str, token: &Token) -> Result<Self> {
        Self::with_limits(api_url, token, HttpLimits::default())
    }

    /// Like [`OctocrabApi::new`] with explicit limits (tests use short timeouts and small caps).
    pub fn with_limits(api_url: &str, token: &Token, limits: HttpLimits) -> Result<Self> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(GithubError::Config(
                "the GitHub client must be created inside a tokio runtime".to_string(),
            ));
        }
        let base = api_url.trim_end_matches('/').to_string();
        let builder = Octocrab::builder()
            .base_uri(base.as_str())
            .map_err(|e| GithubError::Config(format!("GitHub API URL {api_url:?}: {e}")))?
            .personal_token(token.expose().to_string())
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(limits.connect_timeout))
            // Per read and per write on the socket, reset by each byte: covers the headers.
            .set_read_timeout(Some(limits.idle_timeout))
            .set_write_timeout(Some(limits.idle_timeout));
        let crab = builder.build().map_err(|e| {
            GithubError::Config(format!(
                "cannot build the GitHub client for {api_url:?}: {} (a CA bundle is needed, \
                 e.g. /etc/ssl/certs/ca-certificates.crt or SSL_CERT_FILE)",
                error_chain(&e)
            ))
        })?;
        Ok(OctocrabApi { crab, base, limits })
    }

    /// Send one request and read its response within the limits; `cap` bounds a success body.
    /// Error statuses become [`ApiError::Status`] with GitHub's message and rate-limit headers.
    async fn send(
        &self,
        verb: Verb,
        uri: &str,
        json: Option<&serde_json::Value>,
        cap: u64,
    ) -> Result<Reply, ApiError> {
        let path = uri.strip_prefix(&self.base).unwrap_or(uri);
        let what = format!("{} {path}", verb.name());
        let sent = match verb {
            Verb::Get => self.crab._get(uri).await,
            Verb::Post => self.crab._post(uri, json).await,
            Verb::Delete => self.crab._delete(uri, None::<&()>).await,
        };
        let response =
            sent.map_err(|e| ApiError::Transport(format!("{what}: {}", error_chain(&e))))?;
        let status = response.status();
        let header = |name: &str| -> Option<u64> {
            response
                .headers()
                .get(name)?
                .to_str()
                .ok()?
                .trim()
                .parse()
                .ok()
        };
        let idle = self.limits.idle_timeout;
        if status.is_success() {
            if header("content-length").is_some_and(|len| len > cap) {
                return Err(ApiError::TooLarge { what, limit: cap });
            }
            let next = response
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(next_link);
            let body = read_capped(response.into_body(), cap, idle, &what).await?;
            return Ok(Reply { body, next });
        }
        let retry_after = header("retry-after");
        let rate_limit_remaining = header("x-ratelimit-remaining");
        let rate_limit_reset = header("x-ratelimit-reset");
        let body = match read_capped(response.into_body(), MAX_ERROR_BODY_BYTES, idle, &what).await
        {
            Ok(body) => Some(body),
            Err(ApiError::TooLarge { .. }) => None,
            Err(e) => return Err(e),
        };
        Err(ApiError::Status {
            status: status.as_u16(),
            message: error_message(status.as_u16(), body.as_deref()),
            retry_after,
            rate_limit_remaining,
            rate_limit_reset,
        })
    }

    /// A pagination link, accepted only under our API base URL: the token goes with it.
    fn follow(&self, next: &str) -> Result<String, ApiError> {
        let under_base = next
            .strip_prefix(&self.base)
            .is_some_and(|rest| rest.starts_with('/'));
        if under_base {
            Ok(next.to_string())
        } else {
            Err(ApiError::Decode(format!(
                "pagination link {next:?} leaves the API base URL {}; not followed",
                self.base
            )))
        }
    }
}

impl CommentApi for OctocrabApi {
    async fn list_comments(
        &self,
        repo: &RepoName,
        number: u64,
    ) -> Result<Vec<IssueComment>, ApiError> {
        let mut uri = format!(
            "/repos/{}/{}/issues/{number}/comments?per_page={PER_PAGE}",
            repo.owner, repo.name
        );
        let mut out: Vec<IssueComment> = Vec::new();
        let mut read = 0u64;
        for _ in 0..MAX_PAGES {
            let left = self.limits.max_listing_bytes.saturating_sub(read);
            let reply = self
                .send(Verb::Get, &uri, None, self.limits.max_body_bytes.min(left))
                .await?;
            read += reply.body.len() as u64;
            let page: CappedPage<RawComment> =
                reply.json(&format!("comments of {repo}#{number}"))?;
            out.extend(page.0.into_iter().map(IssueComment::from));
            match &reply.next {
                Some(next) => uri = self.follow(next)?,
                None => return Ok(out),
            }
        }
        Err(ApiError::Decode(format!(
            "more than {MAX_PAGES} pages of comments on {repo}#{number}"
        )))
    }

    async fn create_comment(
        &self,
        repo: &RepoName,
        number: u64,
        body: &str,
    ) -> Result<IssueComment, ApiError> {
        let uri = format!(
            "/repos/{}/{}/issues/{number}/comments",
            repo.owner, repo.name
        );
        let json = serde_json::json!({ "body": body });
        let reply = self
            .send(Verb::Post, &uri, Some(&json), self.limits.max_body_bytes)
            .await?;
        Ok(reply.json::<RawComment>("created comment")?.into())
    }

    async fn update_comment(
        &self,
        repo: &RepoName,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, ApiError> {
        // Same request as octocrab's `update_comment`: POST is GitHub's alias for PATCH here.
        let uri = format!("/repos/{}/{}/issues/comments/{id}", repo.owner, repo.name);
        let json = serde_json::json!({ "body": body });
        let reply = self
            .send(Verb::Post, &uri, Some(&json), self.limits.max_body_bytes)
            .await?;
        Ok(reply.json::<RawComment>("updated comment")?.into())
    }

    async fn delete_comment(&self, repo: &RepoName, id: u64) -> Result<(), ApiError> {
        let uri = format!("/repos/{}/{}/issues/comments/{id}", repo.owner, repo.name);
        self.send(Verb::Delete, &uri, None, MAX_ERROR_BODY_BYTES)
            .await
            .map(drop)
    }

    async fn pull_request_head_sha(
        &self,
        repo: &RepoName,
        number: u64,
    ) -> Result<String, ApiError> {
        let uri = format!("/repos/{}/{}/pulls/{number}", repo.owner, repo.name);
        let reply = self
            .send(Verb::Get, &uri, None, self.limits.max_body_bytes)
            .await?;
        Ok(reply.json::<RawPull>("pull request")?.head.sha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names() {
        let r = RepoName::parse("acme/sigma-rules.v2").unwrap();
        assert_eq!((r.owner(), r.name()), ("acme", "sigma-rules.v2"));
        assert_eq!(r.to_string(), "acme/sigma-rules.v2");
        for bad in [
            "acme", "/x", "a/", "a/b/c", "a/..", "a b/c", "a/b?x=1", "a/b#1",
        ] {
            assert!(RepoName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_chain_includes_sources() {
        let outer = ApiError::RetriesExhausted {
            what: "x".into(),
            attempts: 1,
            source: Box::new(ApiError::Transport("connect".into())),
        };
        // The source's text is already in the message: not repeated.
        assert_eq!(
            error_chain(&outer),
            "x: giving up after 1 attempts: could not reach the GitHub API: connect"
        );
        let wrapped = std::io::Error::other(ApiError::Decode("bad".into()));
        assert_eq!(
            error_chain(&wrapped),
            "unexpected response from the GitHub API: bad"
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let token = Token::new("ghp_supersecret").unwrap();
        let err = OctocrabApi::new("http://127.0.0.1:9", &token).unwrap_err();
        assert!(err.to_string().contains("tokio runtime"), "{err}");
        let rt = crate::github::runtime().unwrap();
        let _guard = rt.enter();
        let api = OctocrabApi::new("http://127.0.0.1:9", &token).unwrap();
        let dbg = format!("{api:?}");
        assert!(!dbg.contains("supersecret"), "{dbg}");
    }

    #[test]
    fn next_links() {
        let h = r#"<https://api.github.com/r?page=2>; rel="next", <https://api.github.com/r?page=9>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/r?page=2")
        );
        let h = r#"<https://x/r?page=1>; rel="prev", <https://x/r?page=3>; rel="next""#;
        assert_eq!(next_link(h).as_deref(), Some("https://x/r?page=3"));
        assert_eq!(next_link(r#"<https://x/r?page=9>; rel="last""#), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn pages_are_capped_while_parsing() {
        let items: Vec<u32> = (0..PER_PAGE as u32).collect();
        let ok: CappedPage<u32> =
            serde_json::from_str(&serde_json::to_string(&items).unwrap()).unwrap();
        assert_eq!(ok.0.len(), PER_PAGE);
        let over: Vec<u32> = (0..=PER_PAGE as u32).collect();
        let err = serde_json::from_str::<CappedPage<u32>>(&serde_json::to_string(&over).unwrap())
            .err()
            .expect("one item too many");
        assert!(err.to_string().contains("more than 100 items"), "{err}");
    }

    #[test]
    fn error_messages() {
        assert_eq!(error_message(502, Some(b"")), "Bad Gateway");
        assert_eq!(
            error_message(
                403,
                Some(br#"{"message": "nope", "documentation_url": "x"}"#)
            ),
            "nope"
        );
        assert_eq!(error_message(500, Some(b" plain text\n")), "plain text");
        let long = "é".repeat(2 * MAX_MESSAGE_CHARS);
        let cut = error_message(500, Some(long.as_bytes()));
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(error_message(500, None).contains("not read"));
    }
}
