//! GitHub integration: everything sigmaforge needs when it runs as a GitHub Action.
//!
//! The module is split so that each piece can be tested without a network:
//!
//! * [`env`]: the runner's environment (API URL, repository, run id, file-command paths, token).
//! * [`event`]: the `GITHUB_EVENT_PATH` payloads we act on (`pull_request`, `workflow_run`).
//! * [`commands`]: workflow commands: annotations, `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`.
//! * [`api`]: the narrow [`CommentApi`] trait and its octocrab implementation.
//! * [`retry`]: bounded retries with an injectable [`Clock`] so tests never sleep, all under one
//!   overall [`Deadline`] per run.
//! * [`sticky`]: the sticky PR comment (marker, author check, truncation, update-or-create).
//! * [`request`]: the comment-request file that makes fork PRs safe (`workflow_run` posts it).
//!
//! The PR comment is a convenience channel: callers are expected to turn every failure into a
//! warning, never into the exit code. [`CommentAction::PermissionDenied`] exists so the common
//! "read-only token on a fork PR" case is not even an error.

pub mod api;
pub mod commands;
pub mod env;
mod error;
pub mod event;
pub mod request;
pub mod retry;
pub mod sticky;

use std::path::PathBuf;

pub use api::{ApiError, CommentApi, HttpLimits, IssueComment, OctocrabApi, RepoName};
pub use commands::{Annotation, AnnotationLevel};
pub use env::{ActionsEnv, Token};
pub use error::{GithubError, Result};
pub use event::{PullRequestEvent, WorkflowRunEvent};
pub use request::{CommentRequest, RequestChecks};
pub use retry::{Clock, DEFAULT_GITHUB_DEADLINE, Deadline, RetryPolicy, TokioClock};
pub use sticky::{CommentAction, CommentOutcome, StickyOptions};

/// Build a current-thread tokio runtime for the blocking wrappers.
///
/// The rest of sigmaforge is synchronous; one small runtime per call keeps the async surface
/// contained in this module.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| GithubError::Io {
            action: "cannot start the async runtime for",
            path: PathBuf::from("GitHub API calls"),
            source,
        })
}

/// Post (create or update) the sticky comment for the pull request of the current workflow run.
///
/// This is what `sigmaforge run` calls when commenting is enabled. It uses `env`'s event payload
/// (must be a `pull_request` or `pull_request_target` event: PR number and base repository),
/// API URL, token, run link (for the truncation note, unless `options` sets one) and
/// `SIGMAFORGE_GITHUB_DEADLINE` (the overall budget, unless `options` sets one). Fork PRs
/// whose token is read-only come back as [`CommentAction::PermissionDenied`], which the caller
/// should log as a warning.
pub fn post_sticky_for_current_pr(
    env: &ActionsEnv,
    markdown: &str,
    options: &StickyOptions,
) -> Result<CommentOutcome> {
    let event_path = env
        .event_path
        .clone()
        .ok_or(GithubError::MissingEnv("GITHUB_EVENT_PATH"))?;
    let event = event::read_pull_request_event(&event_path)?;
    let repo = RepoName::parse(&event.base_repo)?;
    let token = env.token.as_ref().ok_or(GithubError::MissingToken)?;
    let options = with_env(env, options)?;
    runtime()?.block_on(async {
        let api = OctocrabApi::new(&env.api_url, token)?;
        sticky::upsert_sticky_comment(&api, &TokioClock, &repo, event.number, markdown, &options)
            .await
    })
}

/// Post the comment described by a comment-request file (the fork-safe `workflow_run` flow).
///
/// This is what `sigmaforge comment --from FILE` calls. The file is untrusted (a fork PR wrote
/// it), so it is size-capped and validated, and its repository must be this workflow's. When
/// `env` describes a `workflow_run` event, the request's head commit must be the triggering
/// run's (else an error: forged or misrouted file) and the PR must still be at that commit
/// (else [`CommentAction::SkippedStale`]: a newer push, or a PR number that is not the run's).
pub fn post_comment_request_file(
    env: &ActionsEnv,
    path: &std::path::Path,
    options: &StickyOptions,
) -> Result<CommentOutcome> {
    let req = request::read_comment_request(path)?;
    let checks = RequestChecks::from_env(env)?;
    checks.check_static(&req, path)?;
    let token = env.token.as_ref().ok_or(GithubError::MissingToken)?;
    let options = with_env(env, options)?;
    runtime()?.block_on(async {
        let api = OctocrabApi::new(&env.api_url, token)?;
        request::post_comment_request(&api, &TokioClock, &req, &checks, &options).await
    })
}

/// Fill in what the caller left unset from the runner: the run link for the truncation note
/// and the deadline (`SIGMAFORGE_GITHUB_DEADLINE`).
fn with_env(env: &ActionsEnv, options: &StickyOptions) -> Result<StickyOptions> {
    Ok(StickyOptions {
        run_url: options.run_url.clone().or_else(|| env.run_url()),
        deadline: match options.deadline {
            Some(d) => Some(d),
            None => env.github_deadline()?,
        },
        ..options.clone()
    })
}
