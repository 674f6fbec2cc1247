//! The GitHub Actions runner environment, read once into a plain value.
//!
//! Reading through a lookup function (instead of `std::env::var` all over the code) lets tests
//! describe a runner with a map, and keeps the token handling in one place.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::error::GithubError;

/// Default REST endpoint when `GITHUB_API_URL` is absent (local runs against github.com).
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Default web endpoint when `GITHUB_SERVER_URL` is absent.
pub const DEFAULT_SERVER_URL: &str = "https://github.com";

/// A GitHub token that never shows up in logs.
///
/// It has no `Display`, and its `Debug` is redacted, so a `{:?}` of any struct holding it is
/// safe to print. Only this module can read the secret (to hand it to the HTTP client).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wrap a token string; empty or whitespace-only strings are treated as "no token".
    pub fn new(secret: impl Into<String>) -> Option<Self> {
        let secret = secret.into();
        let trimmed = secret.trim();
        if trimmed.is_empty() {
            None
        } else {
            Some(Token(trimmed.to_string()))
        }
    }

    /// The secret itself, for the HTTP client only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// What the runner tells a step through environment variables.
///
/// All fields are optional except the two URLs (which have public defaults) so that local runs
/// outside Actions still work for the parts that do not need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionsEnv {
    /// `GITHUB_ACTIONS=true`: switch defaults to annotations and summaries.
    pub in_actions: bool,
    /// REST base URL (`GITHUB_API_URL`; GHES uses `https://host/api/v3`).
    pub api_url: String,
    /// Web base URL (`GITHUB_SERVER_URL`), for links to the run.
    pub server_url: String,
    /// `owner/repo` of the workflow's repository (`GITHUB_REPOSITORY`).
    pub repository: Option<String>,
    /// Numeric run id (`GITHUB_RUN_ID`), for links to the run summary.
    pub run_id: Option<String>,
    /// `GITHUB_EVENT_NAME`, e.g. `pull_request` or `workflow_run`.
    pub event_name: Option<String>,
    /// `GITHUB_EVENT_PATH`, the JSON payload of the triggering event.
    pub event_path: Option<PathBuf>,
    /// `GITHUB_OUTPUT` file-command path.
    pub output_path: Option<PathBuf>,
    /// `GITHUB_STEP_SUMMARY` file-command path.
    pub step_summary_path: Option<PathBuf>,
    /// Token from `GITHUB_TOKEN`, else the action inputs `INPUT_TOKEN` / `INPUT_GITHUB-TOKEN`.
    pub token: Option<Token>,
    /// `SIGMAFORGE_GITHUB_DEADLINE` as given (seconds); checked by [`ActionsEnv::github_deadline`]
    /// so a typo is reported when GitHub work starts, not silently ignored.
    pub github_deadline: Option<String>,
}

/// Outside Actions: the public github.com endpoints and nothing else.
impl Default for ActionsEnv {
    fn default() -> Self {
        ActionsEnv::from_lookup(|_| None)
    }
}

impl ActionsEnv {
    /// Read the real process environment.
    pub fn from_process() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read the environment through `lookup`, so tests can supply a map instead of the process.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let token = ["GITHUB_TOKEN", "INPUT_TOKEN", "INPUT_GITHUB-TOKEN"]
            .iter()
            .find_map(|name| non_empty(name).and_then(Token::new));
        ActionsEnv {
            in_actions: non_empty("GITHUB_ACTIONS").is_some_and(|v| v == "true"),
            api_url: non_empty("GITHUB_API_URL")
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| DEFAULT_API_URL.to_string()),
            server_url: non_empty("GITHUB_SERVER_URL")
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| DEFAULT_SERVER_URL.to_string()),
            repository: non_empty("GITHUB_REPOSITORY"),
            run_id: non_empty("GITHUB_RUN_ID"),
            event_name: non_empty("GITHUB_EVENT_NAME"),
            event_path: non_empty("GITHUB_EVENT_PATH").map(PathBuf::from),
            output_path: non_empty("GITHUB_OUTPUT").map(PathBuf::from),
            step_summary_path: non_empty("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            token,
            github_deadline: non_empty("SIGMAFORGE_GITHUB_DEADLINE"),
        }
    }

    /// The overall budget for GitHub API work from `SIGMAFORGE_GITHUB_DEADLINE`: seconds, a
    /// whole or decimal number from 1 to 3600, optionally with an `s` suffix.
    pub fn github_deadline(&self) -> Result<Option<Duration>, GithubError> {
        let Some(raw) = self.github_deadline.as_deref() else {
            return Ok(None);
        };
        let text = raw.trim();
        let secs = text.strip_suffix('s').unwrap_or(text).trim();
        match secs.parse::<f64>() {
            Ok(s) if (1.0..=3600.0).contains(&s) => Ok(Some(Duration::from_secs_f64(s))),
            _ => Err(GithubError::Config(format!(
                "SIGMAFORGE_GITHUB_DEADLINE={raw:?}: expected seconds from 1 to 3600, e.g. 60"
            ))),
        }
    }

    /// Whether the run was triggered by a PR event that [`crate::github::post_sticky_for_current_pr`]
    /// and [`crate::github::CommentRequest::for_current_pr`] understand.
    pub fn is_pull_request_event(&self) -> bool {
        matches!(
            self.event_name.as_deref(),
            Some("pull_request" | "pull_request_target")
        )
    }

    /// Link to this run's page (where the step summary is shown), if the runner told us enough.
    pub fn run_url(&self) -> Option<String> {
        let repo = self.repository.as_deref()?;
        let run = self.run_id.as_deref()?;
        Some(format!("{}/{}/actions/runs/{}", self.server_url, repo, run))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> ActionsEnv {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ActionsEnv::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_outside_actions() {
        let env = env_of(&[]);
        assert_eq!(env, ActionsEnv::default());
        assert_eq!(env.server_url, DEFAULT_SERVER_URL);
        assert!(!env.in_actions);
        assert!(!env.is_pull_request_event());
        assert_eq!(env.api_url, DEFAULT_API_URL);
        assert_eq!(env.run_url(), None);
        assert!(env.token.is_none());
    }

    #[test]
    fn run_url_and_ghes_api() {
        let env = env_of(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_API_URL", "https://ghe.example/api/v3/"),
            ("GITHUB_SERVER_URL", "https://ghe.example"),
            ("GITHUB_REPOSITORY", "acme/rules"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_EVENT_NAME", "pull_request_target"),
        ]);
        assert!(env.in_actions);
        assert!(env.is_pull_request_event());
        assert_eq!(env.api_url, "https://ghe.example/api/v3");
        assert_eq!(
            env.run_url().as_deref(),
            Some("https://ghe.example/acme/rules/actions/runs/42")
        );
    }

    #[test]
    fn token_sources_and_redaction() {
        let env = env_of(&[("INPUT_GITHUB-TOKEN", "ghs_secretvalue")]);
        let token = env.token.clone().expect("token from input");
        assert_eq!(token.expose(), "ghs_secretvalue");
        let debug = format!("{env:?}");
        assert!(!debug.contains("ghs_secretvalue"), "{debug}");
        assert!(debug.contains("<redacted>"));
        // GITHUB_TOKEN wins over the input, blank values are ignored.
        let env = env_of(&[("GITHUB_TOKEN", "  "), ("INPUT_TOKEN", "t2")]);
        assert_eq!(
            env.token.map(|t| t.expose().to_string()).as_deref(),
            Some("t2")
        );
    }

    #[test]
    fn github_deadline_from_the_environment() {
        let with = |v: &str| {
            let v = v.to_string();
            ActionsEnv::from_lookup(move |n| (n == "SIGMAFORGE_GITHUB_DEADLINE").then(|| v.clone()))
        };
        assert_eq!(ActionsEnv::default().github_deadline().unwrap(), None);
        assert_eq!(
            with("30").github_deadline().unwrap(),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            with(" 2.5s ").github_deadline().unwrap(),
            Some(Duration::from_millis(2500))
        );
        for bad in ["0", "-5", "abc", "3601", "NaN", "inf"] {
            let err = with(bad).github_deadline().unwrap_err().to_string();
            assert!(err.contains("SIGMAFORGE_GITHUB_DEADLINE"), "{bad}: {err}");
        }
    }
}
