//! What `sigmaforge run` will do, resolved from its three sources of settings.
//!
//! The GitHub Action's contract is one precedence for every setting: a command-line flag, else the
//! action input (`INPUT_<NAME>`, upper-cased with hyphens kept; an empty value means "not set", since
//! the runner passes every declared input, possibly as ""), else `.sigmaforge.yml`, else the built-in
//! default. The resolver is a pure function of those sources (plus a folder probe for the default
//! rule folder): the environment is handed in as a lookup, never read from the process, so every rule
//! of the contract is unit-tested here and the CLI only gathers the sources.
//!
//! A path that the repository itself names (an `INPUT_*` value from the workflow or a
//! `.sigmaforge.yml` key, both under the pull request's control) must resolve inside the repository
//! root after symlinks, or the plan is refused ([`PlanError::Outside`], exit 2); only the operator's
//! command-line flags may point elsewhere.

use crate::attack::GithubContext;
use crate::config::{Config, RepoConfigError, TargetSettings};
use crate::confine::{self, ConfineError};
use crate::diag::{FailLevel, Severity};
use crate::github::{ActionsEnv, Token};
use crate::pipeline;
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[cfg(test)]
mod tests;

/// Every action input the resolver reads, as declared under `inputs:` in `action.yml`; a test keeps
/// the two lists equal so an input can neither be declared and ignored nor read and undeclared.
pub const INPUT_NAMES: [&str; 12] = [
    "rules",
    "config",
    "targets",
    "output-dir",
    "fail-level",
    "comment",
    "comment-id",
    "comment-author",
    "comment-request",
    "token",
    "base-dir",
    "deploy-plan",
];

/// The environment variable the runner sets for an action input (`output-dir` → `INPUT_OUTPUT-DIR`).
pub fn input_variable(name: &str) -> String {
    format!("INPUT_{}", name.to_ascii_uppercase())
}

/// The `run` command-line flags; `None` (or an empty value) means "not given on the command line".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFlags {
    /// Repository root (`--repo`); every relative path below is resolved against it.
    pub repo: PathBuf,
    /// `--config`: the `.sigmaforge.yml` to use.
    pub config: Option<String>,
    /// `--rules`: rule paths separated by whitespace.
    pub rules: Option<String>,
    /// `--targets`: comma-separated target names.
    pub targets: Option<String>,
    /// `--output-dir`: the artifact folder.
    pub output_dir: Option<String>,
    /// `--fail-level`: error, warning, info or never.
    pub fail_level: Option<String>,
    /// `--comment`: true or false.
    pub comment: Option<String>,
    /// `--comment-id`: sticky comment instance id.
    pub comment_id: Option<String>,
    /// `--comment-author`: login whose comments count as ours.
    pub comment_author: Option<String>,
    /// `--comment-request`: write a comment-request file here instead of posting.
    pub comment_request: Option<String>,
    /// `--deploy-plan`: a `deploy plan --format json` file whose plan the report shows.
    pub deploy_plan: Option<String>,
    /// `--base-dir`: a checkout of the base revision.
    pub base_dir: Option<String>,
    /// `--base-ref`: a git revision of the repository to compare with (no action input).
    pub base_ref: Option<String>,
    /// `--attack-data`: ATT&CK data instead of the embedded tables (no action input).
    pub attack_data: Option<PathBuf>,
}

/// What to compare the head with for the coverage diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// No comparison.
    None,
    /// A folder holding a checkout of the base (`base-dir`).
    Folder(PathBuf),
    /// A git revision of the repository, extracted by the caller (`--base-ref`).
    Revision(String),
    /// The base commit named in this pull-request event payload (the runner's `GITHUB_EVENT_PATH`);
    /// reading it may fail, which only costs the diff.
    PullRequestEvent(PathBuf),
}

/// Everything `run` needs from outside, with every precedence already applied.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// Repository root.
    pub root: PathBuf,
    /// Rule paths, relative to the root.
    pub rules: Vec<PathBuf>,
    /// Targets, with configs and options from `.sigmaforge.yml` when it lists them.
    pub targets: Vec<TargetSettings>,
    /// Artifact folder (joined to the root).
    pub output_dir: PathBuf,
    /// Lowest severity that fails the run; `None` for `never`.
    pub fail_level: Option<Severity>,
    /// Post (or request) the sticky comment on pull-request events.
    pub comment: bool,
    /// Sticky comment instance id.
    pub comment_id: String,
    /// Login whose comments count as ours.
    pub comment_author: String,
    /// Write a comment-request file here instead of posting (joined to the root).
    pub comment_request: Option<PathBuf>,
    /// A deploy plan to show in the report and PR comment (joined to the root, confined).
    pub deploy_plan: Option<PathBuf>,
    /// What to compare the coverage with.
    pub base: Base,
    /// ATT&CK data file instead of the embedded tables.
    pub attack_data: Option<PathBuf>,
    /// The runner's environment, with the token resolved (`GITHUB_TOKEN`, else the `token` input).
    pub actions: ActionsEnv,
    /// Rule-test folders (relative to the root) that exist: `sigma-tests/` and `regression_data/`
    /// (`docs/testing.md`); `run` runs their tests when there are any.
    pub tests: Vec<PathBuf>,
    /// Links to rule files in the layer, when the runner names server, repository and commit.
    pub github: Option<GithubContext>,
}

/// A setting that cannot be used; the message names the offending value.
#[derive(Debug, Error)]
pub enum PlanError {
    /// `fail-level` is not one of the four levels.
    #[error("unknown fail-level `{0}` (use error, warning, info or never)")]
    FailLevel(String),
    /// The `.sigmaforge.yml` could not be read.
    #[error(transparent)]
    Config(#[from] RepoConfigError),
    /// A path the repository names leads outside the repository root.
    #[error("{origin}: {source} (only a command-line flag may name a path outside the repository)")]
    Outside {
        /// Where the path came from.
        origin: Origin,
        /// Where it leads.
        source: ConfineError,
    },
}

/// Which source a setting's value came from; decides whether a path may leave the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag: the operator's choice, trusted.
    Flag,
    /// An action input (`INPUT_<NAME>`), set by the workflow file of the pull request.
    Input(&'static str),
    /// A key of `.sigmaforge.yml`, part of the pull request.
    File(&'static str),
    /// The `.sigmaforge.yml` found by searching from the root.
    Found,
    /// The built-in default (`rules/`, `sigmaforge-out`): a pull request can make it a symlink.
    Default(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => write!(f, "command-line flag"),
            Origin::Input(name) => write!(f, "action input `{name}` ({})", input_variable(name)),
            Origin::File(key) => write!(f, "`{key}:` in {}", crate::config::FILE_NAME),
            Origin::Found => write!(f, "{}", crate::config::FILE_NAME),
            Origin::Default(what) => write!(f, "the default {what}"),
        }
    }
}

/// Refuses `path` (relative to `root`, or absolute) when it resolves outside `root`, unless the
/// operator gave it on the command line.
pub fn confined(root: &Path, path: &Path, origin: Origin) -> Result<(), PlanError> {
    if origin == Origin::Flag {
        return Ok(());
    }
    confine::check_inside(root, path).map_err(|source| PlanError::Outside { origin, source })
}

/// The folder a rule path starts from: the path itself, or the literal prefix of a glob.
fn rule_base(path: &Path) -> PathBuf {
    crate::discover::glob_base(&path.to_string_lossy())
}

/// A value that is set and not blank, trimmed.
fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Reads settings in precedence order: the flag, else the action input of the same name.
struct Sources<E> {
    env: E,
}

impl<E: Fn(&str) -> Option<String>> Sources<E> {
    /// The non-empty action input `name` (one of [`INPUT_NAMES`]), trimmed.
    fn input(&self, name: &str) -> Option<String> {
        given((self.env)(&input_variable(name)).as_deref()).map(str::to_string)
    }

    /// The flag if given, else the action input `name`.
    fn flag_or_input(&self, flag: &Option<String>, name: &'static str) -> Option<String> {
        self.pick(flag, name).map(|(v, _)| v)
    }

    /// The flag if given, else the action input `name`, with where the value came from.
    fn pick(&self, flag: &Option<String>, name: &'static str) -> Option<(String, Origin)> {
        match given(flag.as_deref()) {
            Some(v) => Some((v.to_string(), Origin::Flag)),
            None => self.input(name).map(|v| (v, Origin::Input(name))),
        }
    }
}

/// Where `.sigmaforge.yml` is: `--config`, else the `config` input (both relative to the root), else
/// `None`, meaning "look for one from the root" ([`Config::find`]).
pub fn config_path(flags: &RunFlags, env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    config_source(flags, env).map(|(p, _)| p)
}

/// [`config_path`] with the source of the value.
fn config_source(
    flags: &RunFlags,
    env: impl Fn(&str) -> Option<String>,
) -> Option<(PathBuf, Origin)> {
    let sources = Sources { env };
    sources
        .pick(&flags.config, "config")
        .map(|(p, origin)| (flags.repo.join(p), origin))
}

/// Loads the configuration [`config_path`] names, the one found from the root, or the defaults. A
/// configuration named by the `config` input or found in the repository must lie inside the root
/// (a symlinked `.sigmaforge.yml` could otherwise feed another file's lines into error messages).
pub fn load_config(
    flags: &RunFlags,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Config, PlanError> {
    let path =
        config_source(flags, env).or_else(|| Config::find(&flags.repo).map(|p| (p, Origin::Found)));
    Ok(match path {
        Some((p, origin)) => {
            confined(&flags.repo, &p, origin)?;
            Config::load(&p)?
        }
        None => Config::default(),
    })
}

impl RunPlan {
    /// Applies flag > `INPUT_*` > `.sigmaforge.yml` > default to every setting of `run`.
    ///
    /// `env` looks up an environment variable (the process environment in the CLI, a map in tests);
    /// `config` is the loaded `.sigmaforge.yml` (see [`load_config`]).
    pub fn resolve(
        flags: &RunFlags,
        env: impl Fn(&str) -> Option<String>,
        config: &Config,
    ) -> Result<RunPlan, PlanError> {
        let src = Sources { env };
        let settings = &config.run;
        let root = flags.repo.clone();

        let (rules, origin) = match src.pick(&flags.rules, "rules") {
            Some((r, origin)) => (r.split_whitespace().map(PathBuf::from).collect(), origin),
            None if !settings.rules.is_empty() => (settings.rules.clone(), Origin::File("rules")),
            None if root.join("rules").is_dir() => {
                (vec![PathBuf::from("rules")], Origin::Default("rule folder"))
            }
            None => (vec![PathBuf::from(".")], Origin::Default("rule folder")),
        };
        for r in &rules {
            confined(&root, &rule_base(r), origin)?;
        }
        let mut targets = match src.flag_or_input(&flags.targets, "targets") {
            Some(list) => named_targets(&list, settings.targets.as_deref().unwrap_or_default()),
            None => settings
                .targets
                .clone()
                .unwrap_or_else(pipeline::default_targets),
        };
        // Mapping configs and pipelines come from `.sigmaforge.yml` only: a file (not a built-in name) is resolved
        // against the root and must stay inside it.
        for t in &mut targets {
            for c in &mut t.configs {
                if !is_builtin_config(c) {
                    confined(
                        &root,
                        Path::new(c.as_str()),
                        Origin::File("targets.configs"),
                    )?;
                    *c = root.join(c.as_str()).display().to_string();
                }
            }
            for p in &mut t.pipelines {
                if !is_builtin_pipeline(p) {
                    confined(
                        &root,
                        Path::new(p.as_str()),
                        Origin::File("targets.pipelines"),
                    )?;
                    *p = root.join(p.as_str()).display().to_string();
                }
            }
        }
        let (output, origin) = match src.pick(&flags.output_dir, "output-dir") {
            Some((o, origin)) => (PathBuf::from(o), origin),
            None => match &settings.output {
                Some(o) => (o.clone(), Origin::File("output")),
                None => (
                    PathBuf::from("sigmaforge-out"),
                    Origin::Default("output folder"),
                ),
            },
        };
        confined(&root, &output, origin)?;
        let output_dir = root.join(output);
        let fail_level = match src
            .flag_or_input(&flags.fail_level, "fail-level")
            .or_else(|| settings.fail_level.clone())
        {
            None => Some(Severity::Error),
            Some(l) => FailLevel::parse(&l)
                .ok_or(PlanError::FailLevel(l))?
                .threshold(),
        };
        let comment = match src.flag_or_input(&flags.comment, "comment") {
            Some(v) => !matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "no" | "0" | "off"
            ),
            None => settings.comment.enabled,
        };
        let comment_id = src
            .flag_or_input(&flags.comment_id, "comment-id")
            .or_else(|| settings.comment.id.clone())
            .unwrap_or_else(|| "default".to_string());
        let comment_author = src
            .flag_or_input(&flags.comment_author, "comment-author")
            .or_else(|| settings.comment.author.clone())
            .unwrap_or_else(|| crate::github::StickyOptions::default().bot_login);
        let comment_request = match src.pick(&flags.comment_request, "comment-request") {
            Some((p, origin)) => {
                confined(&root, Path::new(&p), origin)?;
                Some(root.join(p))
            }
            None => None,
        };
        let deploy_plan = match src.pick(&flags.deploy_plan, "deploy-plan") {
            Some((p, origin)) => {
                confined(&root, Path::new(&p), origin)?;
                Some(root.join(p))
            }
            None => None,
        };

        // The runner's own variables; the inputs are hidden so the token precedence is decided here.
        let runner = |name: &str| {
            if name.starts_with("INPUT_") {
                None
            } else {
                (src.env)(name)
            }
        };
        let mut actions = ActionsEnv::from_lookup(runner);
        // `GITHUB_TOKEN` in the step's `env:` wins over the `token` input (docs/action.md).
        if actions.token.is_none() {
            actions.token = src.input("token").and_then(Token::new);
        }
        let github = github_context(runner);

        let base = match src.pick(&flags.base_dir, "base-dir") {
            Some((dir, origin)) => {
                confined(&root, Path::new(&dir), origin)?;
                Base::Folder(root.join(dir))
            }
            None => match (&flags.base_ref, &actions.event_path) {
                (Some(rev), _) => Base::Revision(rev.clone()),
                (None, Some(event)) if actions.is_pull_request_event() => {
                    Base::PullRequestEvent(event.clone())
                }
                (None, _) => Base::None,
            },
        };
        let attack_data = match (&flags.attack_data, &settings.layer.attack_data) {
            (Some(flag), _) => Some(flag.clone()),
            (None, Some(file)) => {
                confined(&root, file, Origin::File("layer.attack-data"))?;
                Some(root.join(file))
            }
            (None, None) => None,
        };

        let tests = crate::eval::suite::DEFAULT_TEST_DIRS
            .iter()
            .map(PathBuf::from)
            .filter(|d| root.join(d).is_dir())
            .collect();
        Ok(RunPlan {
            tests,
            root,
            rules,
            targets,
            output_dir,
            fail_level,
            comment,
            comment_id,
            comment_author,
            comment_request,
            deploy_plan,
            base,
            attack_data,
            actions,
            github,
        })
    }
}

/// Whether a `configs:` entry names a config shipped in the binary rather than a file.
fn is_builtin_config(name: &str) -> bool {
    crate::mapping::builtin_configs()
        .iter()
        .any(|(n, _)| *n == name)
}

/// Whether a `pipelines:` entry names a pipeline shipped in the binary rather than a file.
fn is_builtin_pipeline(name: &str) -> bool {
    crate::mapping::pipeline::builtin_pipelines()
        .iter()
        .any(|b| b.name == name)
}

/// The targets named in a comma-separated list, each with its configs and options from
/// `.sigmaforge.yml` when listed there, else bare.
fn named_targets(list: &str, configured: &[TargetSettings]) -> Vec<TargetSettings> {
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| {
            configured
                .iter()
                .find(|t| t.name == name)
                .cloned()
                .unwrap_or_else(|| pipeline::default_target(name))
        })
        .collect()
}

/// Links to rule files at the commit being checked, when the runner names its server
/// (`GITHUB_SERVER_URL`), repository (`GITHUB_REPOSITORY`) and commit (`GITHUB_SHA`).
pub fn github_context(env: impl Fn(&str) -> Option<String>) -> Option<GithubContext> {
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    Some(GithubContext {
        server_url: var("GITHUB_SERVER_URL")?,
        repository: var("GITHUB_REPOSITORY")?,
        sha: var("GITHUB_SHA")?,
    })
}
