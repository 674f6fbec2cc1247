//! The one error type of the deploy stage, worded for the person reading a CI log.

use std::time::Duration;

/// Why a deploy could not be planned or applied (per-rule import errors are not errors of this
/// kind: they are reported in the apply outcome, so the other rules still go out).
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// A setting is unusable (URL, space name, credentials, CA file contents).
    #[error("deploy: {0}")]
    Config(String),
    /// A file could not be read (the CA file).
    #[error(transparent)]
    Read(#[from] crate::fsread::ReadError),
    /// Kibana answered with an error status that is not retried (or no longer).
    #[error("{what}: Kibana returned HTTP {status}: {message}")]
    Status {
        /// The request, e.g. `GET /s/prod/api/detection_engine/rules/_find`.
        what: String,
        /// HTTP status code.
        status: u16,
        /// Kibana's `message` (or the start of the body).
        message: String,
    },
    /// No HTTP answer (DNS, TCP, TLS, a silent server past the idle timeout).
    #[error("{what}: could not reach Kibana: {message}")]
    Transport {
        /// The request.
        what: String,
        /// What went wrong.
        message: String,
    },
    /// An answer we cannot understand.
    #[error("{what}: unexpected answer from Kibana: {message}")]
    Decode {
        /// The request.
        what: String,
        /// What is wrong with it.
        message: String,
    },
    /// A response body over the cap; nothing past the cap was buffered.
    #[error("{what}: response body over the {limit}-byte limit; not read further")]
    TooLarge {
        /// The request.
        what: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// The overall `--deadline` passed (or the next retry would pass it).
    #[error(
        "{what}: stopped at the overall deadline ({budget:?}; --deadline changes it){}",
        .last.as_deref().map(|e| format!("; last error: {e}")).unwrap_or_default()
    )]
    Deadline {
        /// The request under way.
        what: String,
        /// The overall budget.
        budget: Duration,
        /// The last failure before a retry was refused for lack of time.
        last: Option<String>,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime for Kibana calls: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Convenience alias used throughout `deploy`.
pub type Result<T, E = DeployError> = std::result::Result<T, E>;
