//! The sticky PR comment: one comment per PR (and per instance id), edited in place on each run.
//!
//! A hidden marker on the first line identifies our comment; the author must also be the
//! expected bot, so anyone pasting the marker into their own comment cannot hijack it.

use super::api::{ApiError, CommentApi, IssueComment, RepoName};
use super::commands::cut_at_line;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::error::{GithubError, Result};
use super::retry::{
    Clock, DEFAULT_GITHUB_DEADLINE, Deadline, RetryPolicy, is_ambiguous, with_retries,
};

/// GitHub rejects comment bodies over 65,536 characters; we stay well below.
pub const COMMENT_CAP_UTF16: usize = 60_000;

/// The login `GITHUB_TOKEN` comments as.
pub const DEFAULT_BOT_LOGIN: &str = "github-actions[bot]";

/// Instance id used when the caller has no better one (one sticky comment per PR).
pub const DEFAULT_MARKER_ID: &str = "default";

/// Settings of the sticky comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StickyOptions {
    /// Instance id in the marker, so several sigmaforge steps (e.g. one per rules folder of a
    /// monorepo) each keep their own comment. `[A-Za-z0-9._/-]`, at most 100 chars.
    pub marker_id: String,
    /// Only comments by this login are considered ours (`github-actions[bot]` for the default
    /// token; the app's `name[bot]` or the user's login for other tokens).
    pub bot_login: String,
    /// Link to the run summary, used in the truncation note.
    pub run_url: Option<String>,
    /// Retry behaviour for each API call.
    pub retry: RetryPolicy,
    /// Overall budget for all GitHub API work of the call (every request, retry and wait).
    /// `None`: `SIGMAFORGE_GITHUB_DEADLINE` for the entry points that read the environment,
    /// else [`DEFAULT_GITHUB_DEADLINE`].
    pub deadline: Option<Duration>,
}

impl Default for StickyOptions {
    fn default() -> Self {
        StickyOptions {
            marker_id: DEFAULT_MARKER_ID.to_string(),
            bot_login: DEFAULT_BOT_LOGIN.to_string(),
            run_url: None,
            retry: RetryPolicy::default(),
            deadline: None,
        }
    }
}

/// What happened to the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentAction {
    /// No sticky comment existed; a new one was posted.
    Created,
    /// The existing sticky comment was edited.
    Updated,
    /// The existing sticky comment already had this body; no request was sent.
    Unchanged,
    /// The token may not read or write comments (typical for fork PRs): log a warning.
    PermissionDenied {
        /// 403 or 404.
        status: u16,
        /// GitHub's message, e.g. "Resource not accessible by integration".
        message: String,
    },
    /// A comment request did not match the PR's current state (stale or forged): log a warning.
    SkippedStale {
        /// Why it was skipped.
        reason: String,
    },
}

/// Result of a sticky-comment attempt, with what a log line or step output needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentOutcome {
    /// What was done.
    pub action: CommentAction,
    /// The sticky comment's id, when one exists now.
    pub comment_id: Option<u64>,
    /// The sticky comment's web link, when GitHub returned one.
    pub url: Option<String>,
    /// Whether the body had to be truncated.
    pub truncated: bool,
    /// Duplicate sticky comments (from racing runs) that were deleted.
    pub removed_duplicates: Vec<u64>,
    /// Non-fatal problems (e.g. a duplicate could not be deleted).
    pub warnings: Vec<String>,
}

impl CommentOutcome {
    fn new(action: CommentAction) -> Self {
        CommentOutcome {
            action,
            comment_id: None,
            url: None,
            truncated: false,
            removed_duplicates: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The text of the `::warning` the caller should print, if any.
    pub fn warning(&self) -> Option<String> {
        let main = match &self.action {
            CommentAction::PermissionDenied { status, message } => Some(format!(
                "PR comment not posted: the token cannot write comments (HTTP {status}: \
                 {message}). Fork PRs get a read-only token; use the workflow_run comment flow \
                 (see docs/action.md) or grant `pull-requests: write`."
            )),
            CommentAction::SkippedStale { reason } => {
                Some(format!("PR comment not posted: {reason}"))
            }
            _ => None,
        };
        let mut parts: Vec<String> = main.into_iter().collect();
        if self.truncated {
            parts.push("PR comment truncated to fit GitHub's size limit.".to_string());
        }
        parts.extend(self.warnings.iter().cloned());
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// Check a marker id so it cannot break out of the HTML comment or confuse matching.
pub fn validate_marker_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
        && !id.contains("--");
    if ok {
        Ok(())
    } else {
        Err(GithubError::Config(format!(
            "comment marker id {id:?} must be 1-100 chars of [A-Za-z0-9._/-] without `--`"
        )))
    }
}

/// The hidden first line that identifies instance `id`'s sticky comment.
pub fn marker_line(id: &str) -> String {
    format!("<!-- sigmaforge:coverage id={id} -->")
}

/// Build the full comment body: marker line, then the markdown, truncated at a line boundary to
/// [`COMMENT_CAP_UTF16`] UTF-16 units (GitHub's unit for the limit, stricter than chars) with a
/// note pointing at the run summary. Returns the body and whether it was truncated.
pub fn compose_body(marker_id: &str, markdown: &str, run_url: Option<&str>) -> (String, bool) {
    let marker = marker_line(marker_id);
    let markdown = normalize(markdown);
    let full = format!("{marker}\n{markdown}");
    let units = |s: &str| s.chars().map(char::len_utf16).sum::<usize>();
    if units(&full) <= COMMENT_CAP_UTF16 {
        return (full, false);
    }
    let where_ = match run_url {
        Some(url) => format!("[workflow run summary]({url})"),
        None => "workflow run summary".to_string(),
    };
    // Reserve room for the note (its length depends on the number of dropped lines, bounded).
    let note_room = 300 + units(&where_);
    let (kept, dropped) = cut_at_line(
        &full,
        COMMENT_CAP_UTF16.saturating_sub(note_room),
        char::len_utf16,
    );
    let body = format!(
        "{}\n\n---\n:warning: This comment was truncated ({dropped} more lines) to fit GitHub's \
         comment size limit. The full report is in the {where_}.",
        kept.trim_end()
    );
    (body, true)
}

/// Comparable form of a body: LF line ends, no trailing whitespace at the end.
fn normalize(body: &str) -> String {
    body.replace("\r\n", "\n").trim_end().to_string()
}

/// Whether `comment` is instance `marker_id`'s sticky comment written by `bot_login`.
pub fn is_sticky(comment: &IssueComment, marker_id: &str, bot_login: &str) -> bool {
    let marker = marker_line(marker_id);
    let first_line = comment
        .body
        .as_deref()
        .and_then(|b| b.lines().next())
        .map(str::trim);
    let by_bot = comment
        .author
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case(bot_login));
    first_line == Some(marker.as_str()) && by_bot
}

/// 403 and 404 mean "this token may not do that here", which is expected on fork PRs.
fn permission_denied(err: &ApiError) -> Option<CommentAction> {
    match err {
        ApiError::Status {
            status: status @ (403 | 404),
            message,
            ..
        } => Some(CommentAction::PermissionDenied {
            status: *status,
            message: message.clone(),
        }),
        _ => None,
    }
}

/// The deadline `options` ask for (the default when unset).
pub(crate) fn deadline_of(options: &StickyOptions) -> Deadline {
    Deadline::after(options.deadline.unwrap_or(DEFAULT_GITHUB_DEADLINE))
}

/// Create or update the sticky comment on `repo`#`pr` with `markdown`.
///
/// Finds the newest comment whose first line is the marker and whose author is
/// `options.bot_login` (all pages), updates it unless the body is identical, deletes older
/// duplicates, or creates a new comment when there is none. 403/404 become
/// [`CommentAction::PermissionDenied`]; 5xx and rate limits are retried per `options.retry`,
/// except that a create whose outcome is unknown (5xx, no answer) is retried only after a new
/// listing shows it did not land. Everything stops at `options.deadline`.
pub async fn upsert_sticky_comment(
    api: &impl CommentApi,
    clock: &impl Clock,
    repo: &RepoName,
    pr: u64,
    markdown: &str,
    options: &StickyOptions,
) -> Result<CommentOutcome> {
    let deadline = deadline_of(options);
    let what = format!("sticky comment on {repo}#{pr}");
    deadline
        .run(
            &what,
            upsert_within(api, clock, &deadline, repo, pr, markdown, options),
        )
        .await
}

/// [`upsert_sticky_comment`] under a deadline the caller already runs under.
pub(crate) async fn upsert_within(
    api: &impl CommentApi,
    clock: &impl Clock,
    deadline: &Deadline,
    repo: &RepoName,
    pr: u64,
    markdown: &str,
    options: &StickyOptions,
) -> Result<CommentOutcome> {
    validate_marker_id(&options.marker_id)?;
    let (body, truncated) = compose_body(&options.marker_id, markdown, options.run_url.as_deref());
    let policy = &options.retry;

    let what = format!("list comments on {repo}#{pr}");
    let list = || api.list_comments(repo, pr);
    let comments = match with_retries(policy, clock, deadline, &what, list).await {
        Ok(c) => c,
        Err(e) => return deny_or_fail(e),
    };
    let mut ours = sticky_comments(&comments, options);
    let newest = ours.pop();

    let mut outcome = match newest {
        Some(existing)
            if existing
                .body
                .as_deref()
                .is_some_and(|b| normalize(b) == body) =>
        {
            CommentOutcome {
                comment_id: Some(existing.id),
                url: existing.html_url.clone(),
                ..CommentOutcome::new(CommentAction::Unchanged)
            }
        }
        Some(existing) => {
            let what = format!("update comment {} on {repo}#{pr}", existing.id);
            let call = || api.update_comment(repo, existing.id, &body);
            match with_retries(policy, clock, deadline, &what, call).await {
                Ok(c) => CommentOutcome {
                    comment_id: Some(c.id),
                    url: c.html_url,
                    ..CommentOutcome::new(CommentAction::Updated)
                },
                Err(e) => return deny_or_fail(e),
            }
        }
        None => match create_once(api, clock, deadline, repo, pr, &body, options).await {
            Ok(c) => CommentOutcome {
                comment_id: Some(c.id),
                url: c.html_url,
                ..CommentOutcome::new(CommentAction::Created)
            },
            Err(e) => return deny_or_fail(e),
        },
    };
    outcome.truncated = truncated;

    for dup in ours {
        let what = format!("delete duplicate comment {} on {repo}#{pr}", dup.id);
        let call = || api.delete_comment(repo, dup.id);
        match with_retries(policy, clock, deadline, &what, call).await {
            Ok(()) => outcome.removed_duplicates.push(dup.id),
            Err(e) => outcome.warnings.push(format!(
                "could not delete duplicate sticky comment {}: {e}",
                dup.id
            )),
        }
    }
    Ok(outcome)
}

/// Our sticky comments among `comments`, oldest first.
fn sticky_comments<'a>(
    comments: &'a [IssueComment],
    options: &StickyOptions,
) -> Vec<&'a IssueComment> {
    let mut ours: Vec<&IssueComment> = comments
        .iter()
        .filter(|c| is_sticky(c, &options.marker_id, &options.bot_login))
        .collect();
    ours.sort_by_key(|c| c.id);
    ours
}

/// Create the sticky comment without ever posting it twice.
///
/// A create that failed ambiguously (5xx, no answer) may have landed. Before trying again we
/// list the comments: if our comment (marker and author) is there now, that is the one, and it
/// is brought to `body` if it differs (a racing run may have written it); only if it is absent
/// is the create repeated. Rejections (4xx) and rate limits follow the usual retry rules.
async fn create_once(
    api: &impl CommentApi,
    clock: &impl Clock,
    deadline: &Deadline,
    repo: &RepoName,
    pr: u64,
    body: &str,
    options: &StickyOptions,
) -> Result<IssueComment, ApiError> {
    let what = format!("create comment on {repo}#{pr}");
    let maybe_landed = AtomicBool::new(false);
    let attempt = || async {
        if maybe_landed.load(Ordering::Relaxed) {
            let comments = api.list_comments(repo, pr).await?;
            if let Some(found) = sticky_comments(&comments, options).pop() {
                return match found.body.as_deref().map(normalize) {
                    Some(b) if b == body => Ok(found.clone()),
                    _ => api.update_comment(repo, found.id, body).await,
                };
            }
        }
        let created = api.create_comment(repo, pr, body).await;
        if let Err(e) = &created
            && is_ambiguous(e)
        {
            maybe_landed.store(true, Ordering::Relaxed);
        }
        created
    };
    with_retries(&options.retry, clock, deadline, &what, attempt).await
}

fn deny_or_fail(err: ApiError) -> Result<CommentOutcome> {
    match permission_denied(&err) {
        Some(action) => Ok(CommentOutcome::new(action)),
        None => Err(GithubError::Api(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(id: u64, body: &str, author: &str) -> IssueComment {
        IssueComment {
            id,
            body: Some(body.to_string()),
            author: Some(author.to_string()),
            html_url: None,
        }
    }

    #[test]
    fn marker_ids() {
        for ok in ["default", "rules/windows", "a.b_c-1"] {
            validate_marker_id(ok).unwrap();
        }
        for bad in ["", "x -->", "a--b", "new\nline", &"x".repeat(101)] {
            assert!(validate_marker_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sticky_needs_first_line_marker_and_author() {
        let body = format!("{}\n# Coverage", marker_line("rules"));
        assert!(is_sticky(
            &comment(1, &body, "github-actions[bot]"),
            "rules",
            "github-actions[bot]"
        ));
        assert!(is_sticky(
            &comment(1, &body, "GitHub-Actions[bot]"),
            "rules",
            "github-actions[bot]"
        ));
        assert!(!is_sticky(
            &comment(1, &body, "mallory"),
            "rules",
            "github-actions[bot]"
        ));
        assert!(!is_sticky(
            &comment(1, &body, "github-actions[bot]"),
            "other",
            "github-actions[bot]"
        ));
        let later = format!("hello\n{}", marker_line("rules"));
        assert!(!is_sticky(
            &comment(1, &later, "github-actions[bot]"),
            "rules",
            "github-actions[bot]"
        ));
        let ghost = IssueComment {
            author: None,
            ..comment(1, &body, "x")
        };
        assert!(!is_sticky(&ghost, "rules", "github-actions[bot]"));
    }

    #[test]
    fn small_body_is_marker_plus_markdown() {
        let (body, cut) = compose_body("default", "# Hi\r\nthere\n\n", None);
        assert!(!cut);
        assert_eq!(body, "<!-- sigmaforge:coverage id=default -->\n# Hi\nthere");
    }

    #[test]
    fn huge_body_is_cut_at_a_line_with_a_link() {
        let md: String = (0..5000)
            .map(|i| format!("| rule {i:05} | ok |\n"))
            .collect();
        let url = "https://github.com/acme/rules/actions/runs/42";
        let (body, cut) = compose_body("default", &md, Some(url));
        assert!(cut);
        let units: usize = body.chars().map(char::len_utf16).sum();
        assert!(units <= COMMENT_CAP_UTF16, "{units}");
        assert!(body.starts_with("<!-- sigmaforge:coverage id=default -->\n| rule 00000 | ok |\n"));
        let (kept, note) = body.split_once("\n\n---\n").unwrap();
        assert!(kept.ends_with("| ok |"), "cut mid-line");
        assert!(
            note.contains(&format!("[workflow run summary]({url})")),
            "{note}"
        );
        let kept_rows = kept.lines().count() - 1;
        assert!(
            note.contains(&format!("({} more lines)", 5000 - kept_rows)),
            "{note}"
        );
    }

    #[test]
    fn warnings_for_outcomes() {
        let denied = CommentOutcome::new(CommentAction::PermissionDenied {
            status: 403,
            message: "Resource not accessible by integration".into(),
        });
        let w = denied.warning().unwrap();
        assert!(w.contains("HTTP 403") && w.contains("workflow_run"), "{w}");
        assert_eq!(CommentOutcome::new(CommentAction::Created).warning(), None);
    }
}
