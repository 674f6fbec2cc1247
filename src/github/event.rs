//! The parts of GitHub's event payloads (`GITHUB_EVENT_PATH`) that sigmaforge acts on.
//!
//! Payloads are large and vary between events and GHES versions, so we deserialize only the
//! fields we use, all optional, and then check for the ones we need with an error that names the
//! missing JSON path.

use std::path::Path;

use serde::Deserialize;

use super::error::{GithubError, Result};

/// Event payloads larger than this are refused (real ones are a few hundred KiB at most).
const MAX_EVENT_BYTES: u64 = 16 * 1024 * 1024;

/// What a `pull_request` / `pull_request_target` run needs to know about its PR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestEvent {
    /// The PR number, used as the issue number for comments.
    pub number: u64,
    /// Tip of the base branch when the PR was opened or last synchronized (coverage diff base).
    pub base_sha: String,
    /// The PR head commit (not `GITHUB_SHA`, which is the test merge commit).
    pub head_sha: String,
    /// `owner/repo` the PR targets; comments go there.
    pub base_repo: String,
    /// `owner/repo` the head branch lives in; `None` when the fork was deleted.
    pub head_repo: Option<String>,
    /// True when the head lives in another repository (or a deleted one): the token is read-only.
    pub is_fork: bool,
}

/// What a `workflow_run` run needs to trust a comment request made by the triggering run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRunEvent {
    /// Id of the triggering run (where its artifacts live).
    pub run_id: u64,
    /// Event that triggered that run, e.g. `pull_request`.
    pub event: String,
    /// Head commit of the triggering run, set by GitHub and therefore trustworthy.
    pub head_sha: String,
    /// `owner/repo` whose workflow this is (where comments may be posted).
    pub repository: String,
}

#[derive(Deserialize)]
struct RawRepo {
    full_name: Option<String>,
}

#[derive(Deserialize)]
struct RawRef {
    sha: Option<String>,
    repo: Option<RawRepo>,
}

#[derive(Deserialize)]
struct RawPull {
    number: Option<u64>,
    base: Option<RawRef>,
    head: Option<RawRef>,
}

#[derive(Deserialize)]
struct RawPullEvent {
    number: Option<u64>,
    pull_request: Option<RawPull>,
    repository: Option<RawRepo>,
}

#[derive(Deserialize)]
struct RawWorkflowRun {
    id: Option<u64>,
    event: Option<String>,
    head_sha: Option<String>,
}

#[derive(Deserialize)]
struct RawWorkflowRunEvent {
    workflow_run: Option<RawWorkflowRun>,
    repository: Option<RawRepo>,
}

fn missing(field: &str) -> String {
    format!("missing field `{field}`")
}

/// Parse a `pull_request`-style payload; the error text names the missing JSON path.
pub fn parse_pull_request_event(json: &str) -> Result<PullRequestEvent, String> {
    let raw: RawPullEvent =
        serde_json::from_str(json).map_err(|e| format!("not valid event JSON: {e}"))?;
    let pull = raw
        .pull_request
        .ok_or_else(|| "no `pull_request` object (is this a pull_request event?)".to_string())?;
    let number = pull
        .number
        .or(raw.number)
        .ok_or_else(|| missing("pull_request.number"))?;
    let base = pull.base.ok_or_else(|| missing("pull_request.base"))?;
    let head = pull.head.ok_or_else(|| missing("pull_request.head"))?;
    let base_sha = base.sha.ok_or_else(|| missing("pull_request.base.sha"))?;
    let head_sha = head.sha.ok_or_else(|| missing("pull_request.head.sha"))?;
    let base_repo = base
        .repo
        .and_then(|r| r.full_name)
        .or_else(|| raw.repository.and_then(|r| r.full_name))
        .ok_or_else(|| missing("pull_request.base.repo.full_name"))?;
    let head_repo = head.repo.and_then(|r| r.full_name);
    // `head.repo.fork` is also true for a same-repo PR inside a repository that is itself a
    // fork, so compare names instead. A deleted head repository counts as a fork.
    let is_fork = match &head_repo {
        Some(name) => !name.eq_ignore_ascii_case(&base_repo),
        None => true,
    };
    Ok(PullRequestEvent {
        number,
        base_sha,
        head_sha,
        base_repo,
        head_repo,
        is_fork,
    })
}

/// Parse a `workflow_run` payload; the error text names the missing JSON path.
pub fn parse_workflow_run_event(json: &str) -> Result<WorkflowRunEvent, String> {
    let raw: RawWorkflowRunEvent =
        serde_json::from_str(json).map_err(|e| format!("not valid event JSON: {e}"))?;
    let run = raw
        .workflow_run
        .ok_or_else(|| "no `workflow_run` object (is this a workflow_run event?)".to_string())?;
    Ok(WorkflowRunEvent {
        run_id: run.id.ok_or_else(|| missing("workflow_run.id"))?,
        event: run.event.ok_or_else(|| missing("workflow_run.event"))?,
        head_sha: run
            .head_sha
            .ok_or_else(|| missing("workflow_run.head_sha"))?,
        repository: raw
            .repository
            .and_then(|r| r.full_name)
            .ok_or_else(|| missing("repository.full_name"))?,
    })
}

/// Read a payload file with a size cap, so a bogus path cannot make us load a huge file.
fn read_payload(path: &Path) -> Result<String> {
    let cap = crate::fsread::Cap {
        what: "an event payload",
        bytes: MAX_EVENT_BYTES,
    };
    Ok(crate::fsread::read_text(path, cap)?)
}

/// Read and parse `GITHUB_EVENT_PATH` for a `pull_request` / `pull_request_target` run.
pub fn read_pull_request_event(path: &Path) -> Result<PullRequestEvent> {
    let text = read_payload(path)?;
    parse_pull_request_event(&text).map_err(|message| GithubError::Event {
        path: path.to_path_buf(),
        message,
    })
}

/// Read and parse `GITHUB_EVENT_PATH` for a `workflow_run` run.
pub fn read_workflow_run_event(path: &Path) -> Result<WorkflowRunEvent> {
    let text = read_payload(path)?;
    parse_workflow_run_event(&text).map_err(|message| GithubError::Event {
        path: path.to_path_buf(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAME_REPO: &str = r#"{
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"ref": "main", "sha": "aaa111", "repo": {"full_name": "acme/rules", "fork": true}},
            "head": {"ref": "feat", "sha": "bbb222", "repo": {"full_name": "acme/rules", "fork": true}}
        },
        "repository": {"full_name": "acme/rules"}
    }"#;

    #[test]
    fn same_repo_pr_in_a_forked_repository_is_not_a_fork_pr() {
        let ev = parse_pull_request_event(SAME_REPO).expect("parses");
        assert_eq!(
            ev,
            PullRequestEvent {
                number: 7,
                base_sha: "aaa111".into(),
                head_sha: "bbb222".into(),
                base_repo: "acme/rules".into(),
                head_repo: Some("acme/rules".into()),
                is_fork: false,
            }
        );
    }

    #[test]
    fn fork_and_deleted_fork() {
        let fork = SAME_REPO.replace(
            r#""sha": "bbb222", "repo": {"full_name": "acme/rules""#,
            r#""sha": "bbb222", "repo": {"full_name": "mallory/rules""#,
        );
        let ev = parse_pull_request_event(&fork).expect("parses");
        assert!(ev.is_fork);
        assert_eq!(ev.head_repo.as_deref(), Some("mallory/rules"));

        let deleted = r#"{"pull_request": {"number": 3,
            "base": {"sha": "a", "repo": {"full_name": "acme/rules"}},
            "head": {"sha": "b", "repo": null}}}"#;
        let ev = parse_pull_request_event(deleted).expect("parses");
        assert!(ev.is_fork);
        assert_eq!(ev.head_repo, None);
    }

    #[test]
    fn base_repo_falls_back_to_repository() {
        let json = r#"{"number": 9, "pull_request": {
            "base": {"sha": "a"}, "head": {"sha": "b", "repo": {"full_name": "acme/rules"}}},
            "repository": {"full_name": "acme/rules"}}"#;
        let ev = parse_pull_request_event(json).expect("parses");
        assert_eq!(ev.number, 9);
        assert_eq!(ev.base_repo, "acme/rules");
        assert!(!ev.is_fork);
    }

    #[test]
    fn clear_errors_for_missing_fields() {
        let err = parse_pull_request_event(r#"{"ref": "refs/heads/main"}"#).unwrap_err();
        assert!(err.contains("pull_request event"), "{err}");
        let err = parse_pull_request_event(
            r#"{"pull_request": {"number": 1, "base": {"sha": "a"}, "head": {}}}"#,
        )
        .unwrap_err();
        assert_eq!(err, "missing field `pull_request.head.sha`");
        let err = parse_pull_request_event("not json").unwrap_err();
        assert!(err.starts_with("not valid event JSON"), "{err}");
        let err = parse_pull_request_event(r#"{"pull_request": {"number": "x"}}"#).unwrap_err();
        assert!(err.starts_with("not valid event JSON"), "{err}");
    }

    #[test]
    fn workflow_run_payload() {
        let json = r#"{"action": "completed",
            "workflow_run": {"id": 99, "event": "pull_request", "head_sha": "cafe",
                             "pull_requests": []},
            "repository": {"full_name": "acme/rules"}}"#;
        let ev = parse_workflow_run_event(json).expect("parses");
        assert_eq!(
            ev,
            WorkflowRunEvent {
                run_id: 99,
                event: "pull_request".into(),
                head_sha: "cafe".into(),
                repository: "acme/rules".into(),
            }
        );
        let err = parse_workflow_run_event(r#"{"workflow_run": {"id": 1}}"#).unwrap_err();
        assert_eq!(err, "missing field `workflow_run.event`");
    }

    #[test]
    fn reading_missing_file_names_the_path() {
        let err = read_pull_request_event(Path::new("/nonexistent/event.json")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/event.json"), "{err}");
    }
}
