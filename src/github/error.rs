//! The one error type of the GitHub integration, shared by every part of it.

use std::path::PathBuf;
use std::time::Duration;

/// Errors of the GitHub layer, worded for a CI log reader who has to fix a workflow file.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// A runner variable we cannot do without is missing (e.g. running outside Actions).
    #[error("environment variable {0} is not set; is this running inside GitHub Actions?")]
    MissingEnv(&'static str),
    /// The token is needed to talk to the API and none was given.
    #[error(
        "no GitHub token: set GITHUB_TOKEN (the action passes `token`, default `${{{{ github.token }}}}`)"
    )]
    MissingToken,
    /// A file could not be read (missing, not a regular file, too large, not UTF-8).
    #[error(transparent)]
    Read(#[from] crate::fsread::ReadError),
    /// Reading or writing a file failed (event payload, request file, output files).
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing, e.g. "cannot read".
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The event payload is not what the command needs.
    #[error("event payload {path}: {message}")]
    Event {
        /// Where the payload was read from.
        path: PathBuf,
        /// What is missing or wrong.
        message: String,
    },
    /// A comment-request file is malformed or fails a safety check.
    #[error("comment request {path}: {message}")]
    Request {
        /// Where the request was read from.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A value given to a workflow-command helper cannot be written safely.
    #[error("workflow command: {0}")]
    Command(String),
    /// A setting (marker id, repository name, API URL) is invalid.
    #[error("invalid setting: {0}")]
    Config(String),
    /// The GitHub API call failed after retries.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// Convenience alias so every function in this module reads the same way.
pub type Result<T, E = GithubError> = std::result::Result<T, E>;

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
    /// The response body is larger than we read (a flood, or a proxy gone wrong); nothing past
    /// the cap was buffered.
    #[error("{what}: response body over the {limit}-byte limit; not read further")]
    TooLarge {
        /// The request, e.g. "GET /repos/acme/rules/issues/7/comments".
        what: String,
        /// The cap in bytes ([`HttpLimits::max_body_bytes`] or the listing total).
        limit: u64,
    },
    /// The run's overall budget for GitHub work ran out, or the next retry would overrun it.
    #[error(
        "{what}: stopped at the overall deadline for GitHub API calls ({budget:?}; set \
         SIGMAFORGE_GITHUB_DEADLINE to change it){}",
        .last.as_deref().map(|e| format!("; last error: {e}")).unwrap_or_default()
    )]
    DeadlineExceeded {
        /// The operation.
        what: String,
        /// The overall budget.
        budget: Duration,
        /// The last failure before giving up, when a retry was refused for lack of time.
        last: Option<String>,
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
