//! The comment-request file: how a fork PR gets its sticky comment without a write token.
//!
//! The `pull_request` workflow (read-only token, untrusted code) writes this JSON file and
//! uploads it as an artifact; a `workflow_run` workflow (write token, trusted code from the
//! default branch) downloads it and posts it with `sigmaforge comment --from FILE`. The file is
//! data from an untrusted author, so reading it is size-capped and strict, and posting it
//! checks that the PR number really belongs to the run that produced it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::api::{CommentApi, RepoName};
use super::env::ActionsEnv;
use super::error::{GithubError, Result};
use super::event::{read_pull_request_event, read_workflow_run_event};
use super::retry::{Clock, Deadline, with_retries};
use super::sticky::{
    CommentAction, CommentOutcome, StickyOptions, deadline_of, upsert_within, validate_marker_id,
};

/// Format version written into every file; readers refuse other versions.
pub const REQUEST_VERSION: u32 = 1;

/// Request files larger than this are refused (the comment itself is capped at 60,000 chars).
const MAX_REQUEST_BYTES: u64 = 2 * 1024 * 1024;

/// A sticky comment to be posted later by a trusted workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// Always [`REQUEST_VERSION`].
    pub version: u32,
    /// `owner/repo` the PR belongs to.
    pub repo: String,
    /// PR number.
    pub pr: u64,
    /// Head commit the report was computed for.
    pub head_sha: String,
    /// Sticky comment instance id.
    pub marker_id: String,
    /// Markdown body (without the marker line).
    pub body: String,
}

impl CommentRequest {
    /// Build a request for the PR of the current `pull_request` run (reads `GITHUB_EVENT_PATH`).
    pub fn for_current_pr(env: &ActionsEnv, marker_id: &str, body: &str) -> Result<Self> {
        let path = env
            .event_path
            .as_deref()
            .ok_or(GithubError::MissingEnv("GITHUB_EVENT_PATH"))?;
        let event = read_pull_request_event(path)?;
        let req = CommentRequest {
            version: REQUEST_VERSION,
            repo: event.base_repo,
            pr: event.number,
            head_sha: event.head_sha,
            marker_id: marker_id.to_string(),
            body: body.to_string(),
        };
        req.validate().map_err(|message| GithubError::Request {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(req)
    }

    /// Check the fields for shape; the error text is for the log.
    fn validate(&self) -> Result<(), String> {
        if self.version != REQUEST_VERSION {
            return Err(format!(
                "unsupported version {} (this sigmaforge reads version {REQUEST_VERSION})",
                self.version
            ));
        }
        RepoName::parse(&self.repo).map_err(|e| e.to_string())?;
        if self.pr == 0 {
            return Err("`pr` must be a positive PR number".to_string());
        }
        let sha_ok = matches!(self.head_sha.len(), 40 | 64)
            && self.head_sha.chars().all(|c| c.is_ascii_hexdigit());
        if !sha_ok {
            return Err(format!("`head_sha` {:?} is not a commit id", self.head_sha));
        }
        validate_marker_id(&self.marker_id).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// Write `req` as pretty JSON (stable field order, trailing newline), creating the parent
/// directory so a workflow can name a fresh artifact folder.
pub fn write_comment_request(path: &Path, req: &CommentRequest) -> Result<()> {
    let mut text = serde_json::to_string_pretty(req)
        .map_err(|e| GithubError::Command(format!("cannot serialise comment request: {e}")))?;
    text.push('\n');
    let io = |source| GithubError::Io {
        action: "cannot write comment request",
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, text).map_err(io)
}

/// Read and validate a comment-request file (size-capped, unknown fields refused).
pub fn read_comment_request(path: &Path) -> Result<CommentRequest> {
    let bad = |message: String| GithubError::Request {
        path: path.to_path_buf(),
        message,
    };
    let cap = crate::fsread::Cap {
        what: "a comment request",
        bytes: MAX_REQUEST_BYTES,
    };
    let text = crate::fsread::read_text(path, cap)?;
    let req: CommentRequest =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a comment request: {e}")))?;
    req.validate().map_err(bad)?;
    Ok(req)
}

/// What the trusted side knows independently of the request file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestChecks {
    /// The repository this workflow runs in; the request must target it.
    pub expected_repo: Option<String>,
    /// Head commit of the run that produced the request (`workflow_run.head_sha`); the request
    /// and the PR's current head must both match it.
    pub expected_head_sha: Option<String>,
    /// Link to the run that produced the request (its summary holds the full report), built
    /// from the trusted `workflow_run.id`; used in the truncation note.
    pub source_run_url: Option<String>,
}

impl RequestChecks {
    /// Derive the checks from the runner: in a `workflow_run` run, the triggering run's head
    /// commit and repository; otherwise just `GITHUB_REPOSITORY` (manual or local use).
    pub fn from_env(env: &ActionsEnv) -> Result<Self> {
        if env.event_name.as_deref() == Some("workflow_run") {
            let path = env
                .event_path
                .as_deref()
                .ok_or(GithubError::MissingEnv("GITHUB_EVENT_PATH"))?;
            let run = read_workflow_run_event(path)?;
            let source_run_url = format!(
                "{}/{}/actions/runs/{}",
                env.server_url, run.repository, run.run_id
            );
            return Ok(RequestChecks {
                expected_repo: Some(run.repository),
                expected_head_sha: Some(run.head_sha),
                source_run_url: Some(source_run_url),
            });
        }
        Ok(RequestChecks {
            expected_repo: env.repository.clone(),
            expected_head_sha: None,
            source_run_url: None,
        })
    }

    /// Checks that need no API call; a failure means a forged or misrouted file: an error.
    pub fn check_static(&self, req: &CommentRequest, path: &Path) -> Result<()> {
        let bad = |message: String| GithubError::Request {
            path: path.to_path_buf(),
            message,
        };
        if let Some(repo) = &self.expected_repo
            && !repo.eq_ignore_ascii_case(&req.repo)
        {
            return Err(bad(format!(
                "targets repository {} but this workflow runs in {repo}",
                req.repo
            )));
        }
        if let Some(sha) = &self.expected_head_sha
            && !sha.eq_ignore_ascii_case(&req.head_sha)
        {
            return Err(bad(format!(
                "was made for commit {} but the triggering run built {sha}",
                req.head_sha
            )));
        }
        Ok(())
    }
}

/// Post a (statically checked) request: verify that PR `req.pr` still has the expected head
/// commit, then upsert the sticky comment with the request's marker id.
///
/// A PR whose head differs (a newer push, or a PR number that is not the run's) is skipped as
/// [`CommentAction::SkippedStale`]; 403/404 become [`CommentAction::PermissionDenied`]. All of
/// it (head check and upsert) shares one deadline, `options.deadline`.
pub async fn post_comment_request(
    api: &impl CommentApi,
    clock: &impl Clock,
    req: &CommentRequest,
    checks: &RequestChecks,
    options: &StickyOptions,
) -> Result<CommentOutcome> {
    let deadline = deadline_of(options);
    let what = format!("comment request for {}#{}", req.repo, req.pr);
    deadline
        .run(
            &what,
            post_within(api, clock, &deadline, req, checks, options),
        )
        .await
}

async fn post_within(
    api: &impl CommentApi,
    clock: &impl Clock,
    deadline: &Deadline,
    req: &CommentRequest,
    checks: &RequestChecks,
    options: &StickyOptions,
) -> Result<CommentOutcome> {
    let repo = RepoName::parse(&req.repo)?;
    if let Some(expected) = &checks.expected_head_sha {
        let what = format!("get pull request {repo}#{}", req.pr);
        let head = with_retries(&options.retry, clock, deadline, &what, || {
            api.pull_request_head_sha(&repo, req.pr)
        })
        .await;
        match head {
            Ok(head) if head.eq_ignore_ascii_case(expected) => {}
            Ok(head) => {
                return Ok(stale(format!(
                    "{repo}#{} is now at {head}, not at {expected} which the report was made \
                     for (newer push, or the request names another PR)",
                    req.pr
                )));
            }
            Err(e) => match e.status() {
                Some(status @ (403 | 404)) => {
                    return Ok(denied(status, e.to_string()));
                }
                _ => return Err(GithubError::Api(e)),
            },
        }
    }
    let options = StickyOptions {
        marker_id: req.marker_id.clone(),
        run_url: checks
            .source_run_url
            .clone()
            .or_else(|| options.run_url.clone()),
        ..options.clone()
    };
    upsert_within(api, clock, deadline, &repo, req.pr, &req.body, &options).await
}

fn stale(reason: String) -> CommentOutcome {
    CommentOutcome {
        action: CommentAction::SkippedStale { reason },
        comment_id: None,
        url: None,
        truncated: false,
        removed_duplicates: Vec::new(),
        warnings: Vec::new(),
    }
}

fn denied(status: u16, message: String) -> CommentOutcome {
    CommentOutcome {
        action: CommentAction::PermissionDenied { status, message },
        ..stale(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn sample() -> CommentRequest {
        CommentRequest {
            version: REQUEST_VERSION,
            repo: "acme/rules".into(),
            pr: 7,
            head_sha: SHA.into(),
            marker_id: "default".into(),
            body: "# Coverage\n| a | b |\n".into(),
        }
    }

    #[test]
    fn round_trip_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("artifact/req.json");
        write_comment_request(&path, &sample()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("{\n  \"version\": 1,\n  \"repo\": \"acme/rules\","),
            "{text}"
        );
        assert_eq!(read_comment_request(&path).unwrap(), sample());
    }

    #[test]
    fn malformed_requests_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("req.json");
        let cases: Vec<(serde_json::Value, &str)> = vec![
            (serde_json::json!({"version": 2}), "not a comment request"),
            (
                serde_json::json!({"version": 1, "repo": "acme/rules", "pr": 7, "head_sha": SHA,
                                   "marker_id": "default", "body": "", "extra": 1}),
                "unknown field",
            ),
            (
                serde_json::json!({"version": 2, "repo": "acme/rules", "pr": 7, "head_sha": SHA,
                                   "marker_id": "default", "body": ""}),
                "unsupported version 2",
            ),
            (
                serde_json::json!({"version": 1, "repo": "../x", "pr": 7, "head_sha": SHA,
                                   "marker_id": "default", "body": ""}),
                "owner/name",
            ),
            (
                serde_json::json!({"version": 1, "repo": "acme/rules", "pr": 0, "head_sha": SHA,
                                   "marker_id": "default", "body": ""}),
                "positive",
            ),
            (
                serde_json::json!({"version": 1, "repo": "acme/rules", "pr": 7, "head_sha": "HEAD",
                                   "marker_id": "default", "body": ""}),
                "not a commit id",
            ),
            (
                serde_json::json!({"version": 1, "repo": "acme/rules", "pr": 7, "head_sha": SHA,
                                   "marker_id": "x -->", "body": ""}),
                "marker id",
            ),
        ];
        for (json, expected) in cases {
            std::fs::write(&path, json.to_string()).unwrap();
            let err = read_comment_request(&path).unwrap_err().to_string();
            assert!(err.contains(expected), "{json}: {err}");
        }
        std::fs::write(&path, vec![b' '; (MAX_REQUEST_BYTES + 10) as usize]).unwrap();
        let err = read_comment_request(&path).unwrap_err().to_string();
        assert!(err.contains("byte limit"), "{err}");
    }

    #[test]
    fn static_checks() {
        let path = Path::new("req.json");
        let req = sample();
        RequestChecks::default().check_static(&req, path).unwrap();
        let ok = RequestChecks {
            expected_repo: Some("Acme/Rules".into()),
            expected_head_sha: Some(SHA.to_uppercase()),
            source_run_url: None,
        };
        ok.check_static(&req, path).unwrap();
        let other_repo = RequestChecks {
            expected_repo: Some("acme/other".into()),
            ..ok.clone()
        };
        let err = other_repo.check_static(&req, path).unwrap_err().to_string();
        assert!(err.contains("targets repository acme/rules"), "{err}");
        let other_sha = RequestChecks {
            expected_head_sha: Some("f".repeat(40)),
            ..ok
        };
        assert!(other_sha.check_static(&req, path).is_err());
    }

    #[test]
    fn checks_from_a_workflow_run_event() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(
            &event,
            format!(
                r#"{{"workflow_run": {{"id": 5, "event": "pull_request", "head_sha": "{SHA}"}},
                    "repository": {{"full_name": "acme/rules"}}}}"#
            ),
        )
        .unwrap();
        let env = ActionsEnv {
            event_name: Some("workflow_run".into()),
            event_path: Some(event),
            repository: Some("acme/rules".into()),
            ..ActionsEnv::default()
        };
        let checks = RequestChecks::from_env(&env).unwrap();
        assert_eq!(checks.expected_head_sha.as_deref(), Some(SHA));
        assert_eq!(checks.expected_repo.as_deref(), Some("acme/rules"));
        assert_eq!(
            checks.source_run_url.as_deref(),
            Some("https://github.com/acme/rules/actions/runs/5")
        );

        let manual = ActionsEnv {
            event_name: Some("workflow_dispatch".into()),
            ..env
        };
        let checks = RequestChecks::from_env(&manual).unwrap();
        assert_eq!(checks.expected_head_sha, None);
    }

    #[test]
    fn request_for_current_pr() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(
            &event,
            format!(
                r#"{{"pull_request": {{"number": 12,
                    "base": {{"sha": "{SHA}", "repo": {{"full_name": "acme/rules"}}}},
                    "head": {{"sha": "{SHA}", "repo": {{"full_name": "fork/rules"}}}}}}}}"#
            ),
        )
        .unwrap();
        let env = ActionsEnv {
            event_path: Some(event),
            ..ActionsEnv::default()
        };
        let req = CommentRequest::for_current_pr(&env, "default", "body").unwrap();
        assert_eq!((req.repo.as_str(), req.pr), ("acme/rules", 12));
        let err =
            CommentRequest::for_current_pr(&ActionsEnv::default(), "default", "b").unwrap_err();
        assert!(matches!(err, GithubError::MissingEnv("GITHUB_EVENT_PATH")));
    }
}
