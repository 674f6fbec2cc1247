//! The few GitHub REST calls sigmaforge makes, behind a trait.
//!
//! The trait keeps the sticky-comment logic independent of the HTTP client (tests can use a
//! fake, the transport could be swapped); [`OctocrabApi`] is the real implementation. We
//! deserialize our own minimal comment model instead of octocrab's strict one, so that a GHES
//! version with a slightly different payload does not break the comment step.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use octocrab::Octocrab;
use serde::Deserialize;

use super::env::Token;
use super::{GithubError, Result};

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

/// A failed API call, classified so the retry logic and the caller can decide what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// GitHub answered with an error status.
    #[error("GitHub API returned HTTP {status}: {message}")]
    Status {
        /// HTTP status code.
        status: u16,
        /// GitHub's `message` (or the raw body).
        message: String,
        /// `retry-after` header, in seconds.
        retry_after: Option<u64>,
        /// `x-ratelimit-remaining` header.
        rate_limit_remaining: Option<u64>,
        /// `x-ratelimit-reset` header (Unix seconds).
        rate_limit_reset: Option<u64>,
    },
    /// No HTTP response (DNS, TLS, connection, timeout).
    #[error("could not reach the GitHub API: {0}")]
    Transport(String),
    /// A response we could not understand.
    #[error("unexpected response from the GitHub API: {0}")]
    Decode(String),
    /// Rate limited for longer than we are willing to wait.
    #[error("{what}: rate limited, reset in {wait_secs} s, which is longer than we wait")]
    RateLimited {
        /// The operation.
        what: String,
        /// How long GitHub asked us to wait.
        wait_secs: u64,
        /// The last response.
        #[source]
        source: Box<ApiError>,
    },
    /// Still failing after the allowed retries.
    #[error("{what}: giving up after {attempts} attempts: {source}")]
    RetriesExhausted {
        /// The operation.
        what: String,
        /// Attempts made, including the first.
        attempts: u32,
        /// The last error.
        #[source]
        source: Box<ApiError>,
    },
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

/// At most this many pages (of 100 comments) are followed: enough for any real PR, and a bound
/// against a server that keeps returning `next`.
const MAX_PAGES: usize = 100;

fn map_error(err: octocrab::Error) -> ApiError {
    match err {
        octocrab::Error::GitHub { source, .. } => {
            let header = |name: &str| -> Option<u64> {
                source
                    .headers
                    .as_ref()?
                    .get(name)?
                    .to_str()
                    .ok()?
                    .trim()
                    .parse()
                    .ok()
            };
            ApiError::Status {
                status: source.status_code.as_u16(),
                message: source.message.clone(),
                retry_after: header("retry-after"),
                rate_limit_remaining: header("x-ratelimit-remaining"),
                rate_limit_reset: source
                    .rate_limit_reset
                    .or_else(|| header("x-ratelimit-reset")),
            }
        }
        octocrab::Error::Json { source, .. } => {
            ApiError::Decode(format!("at {}: {}", source.path(), source.inner()))
        }
        octocrab::Error::Serde { source, .. } => ApiError::Decode(source.to_string()),
        other => ApiError::Transport(error_chain(&other)),
    }
}

/// An error with its sources, because octocrab's own messages are often just a variant name
/// ("Other", "Service Error: …") and the useful part is further down the chain.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// [`CommentApi`] over octocrab (rustls, native roots, octocrab's own retries disabled because
/// [`super::retry`] handles them with an injectable clock).
pub struct OctocrabApi {
    crab: Octocrab,
    base: String,
}

impl fmt::Debug for OctocrabApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OctocrabApi")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl OctocrabApi {
    /// Client for `api_url` (`GITHUB_API_URL`; GHES `https://host/api/v3`, tests a loopback
    /// mock) authenticated with `token`.
    ///
    /// Must be called inside a tokio runtime (octocrab spawns its connection buffer task), and
    /// needs a CA bundle on the system (the container image ships one) even for `http://` URLs.
    pub fn new(api_url: &str, token: &Token) -> Result<Self> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(GithubError::Config(
                "the GitHub client must be created inside a tokio runtime".to_string(),
            ));
        }
        let builder = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| GithubError::Config(format!("GitHub API URL {api_url:?}: {e}")))?
            .personal_token(token.expose().to_string())
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(30)))
            .set_write_timeout(Some(Duration::from_secs(30)));
        let crab = builder.build().map_err(|e| {
            GithubError::Config(format!(
                "cannot build the GitHub client for {api_url:?}: {} (a CA bundle is needed, \
                 e.g. /etc/ssl/certs/ca-certificates.crt or SSL_CERT_FILE)",
                error_chain(&e)
            ))
        })?;
        Ok(OctocrabApi {
            crab,
            base: api_url.to_string(),
        })
    }
}

impl CommentApi for OctocrabApi {
    async fn list_comments(
        &self,
        repo: &RepoName,
        number: u64,
    ) -> Result<Vec<IssueComment>, ApiError> {
        let route = format!(
            "/repos/{}/{}/issues/{number}/comments",
            repo.owner, repo.name
        );
        let mut page: octocrab::Page<RawComment> = self
            .crab
            .get(route, Some(&[("per_page", 100)]))
            .await
            .map_err(map_error)?;
        let mut out: Vec<IssueComment> = page.take_items().into_iter().map(Into::into).collect();
        let mut pages = 1;
        while let Some(next) = page.next.clone() {
            if pages >= MAX_PAGES {
                return Err(ApiError::Decode(format!(
                    "more than {MAX_PAGES} pages of comments on {repo}#{number}"
                )));
            }
            page = self
                .crab
                .get(next.to_string(), None::<&()>)
                .await
                .map_err(map_error)?;
            out.extend(page.take_items().into_iter().map(IssueComment::from));
            pages += 1;
        }
        Ok(out)
    }

    async fn create_comment(
        &self,
        repo: &RepoName,
        number: u64,
        body: &str,
    ) -> Result<IssueComment, ApiError> {
        let route = format!(
            "/repos/{}/{}/issues/{number}/comments",
            repo.owner, repo.name
        );
        let raw: RawComment = self
            .crab
            .post(route, Some(&serde_json::json!({ "body": body })))
            .await
            .map_err(map_error)?;
        Ok(raw.into())
    }

    async fn update_comment(
        &self,
        repo: &RepoName,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, ApiError> {
        // Same request as octocrab's `update_comment`: POST is GitHub's alias for PATCH here.
        let route = format!("/repos/{}/{}/issues/comments/{id}", repo.owner, repo.name);
        let raw: RawComment = self
            .crab
            .post(route, Some(&serde_json::json!({ "body": body })))
            .await
            .map_err(map_error)?;
        Ok(raw.into())
    }

    async fn delete_comment(&self, repo: &RepoName, id: u64) -> Result<(), ApiError> {
        self.crab
            .issues(&repo.owner, &repo.name)
            .delete_comment(octocrab::models::CommentId(id))
            .await
            .map_err(map_error)
    }

    async fn pull_request_head_sha(
        &self,
        repo: &RepoName,
        number: u64,
    ) -> Result<String, ApiError> {
        let route = format!("/repos/{}/{}/pulls/{number}", repo.owner, repo.name);
        let raw: RawPull = self.crab.get(route, None::<&()>).await.map_err(map_error)?;
        Ok(raw.head.sha)
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
}
