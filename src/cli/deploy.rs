//! `sigmaforge deploy plan|apply`: Elastic Security rules from the repository to Kibana spaces.

use super::util::{exit_without_drop, load_attack_data, process_env, write_output};
use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use sigmaforge::deploy::{self, ClientOptions, Credentials, DeploySettings, Desired, Space};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `deploy plan` only reads; `deploy apply` plans and then writes.
#[derive(Subcommand, Debug)]
pub(super) enum DeployCommand {
    /// Show what an apply would change in each space (reads Kibana, writes nothing).
    Plan(DeployArgs),
    /// Create and update changed rules, and disable (or delete) rules removed from the repository.
    Apply(DeployArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PlanFormat {
    /// For people: a summary per space and each change with its field diff.
    Text,
    /// `{"spaces": {"<space>": {"create": [...], "update": [...], "unchanged": [...], "remove": [...]}}}`.
    Json,
}

#[derive(clap::Args, Debug)]
pub(super) struct DeployArgs {
    /// Rule files, folders or glob patterns.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Kibana base URL (https; http only to localhost). Credentials come from KIBANA_API_KEY, or
    /// KIBANA_USERNAME and KIBANA_PASSWORD.
    #[arg(long, env = "KIBANA_URL")]
    kibana_url: String,
    /// Kibana space to deploy to (repeatable; default `default`).
    #[arg(long = "space")]
    spaces: Vec<String>,
    /// Mapping configs (built-in names or paths), applied in order (`sigmaforge list configs`).
    #[arg(short, long = "config")]
    configs: Vec<String>,
    /// es-rule options as key=value (language, interval, enabled; `docs/targets.md`).
    #[arg(short = 'O', long = "option", value_parser = super::convert::parse_key_value)]
    options: Vec<(String, String)>,
    /// PEM file of the CA(s) that signed Kibana's certificate (instead of the system roots).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Overall time for all Kibana requests, retries included (`300`, `90s`, `5m`).
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    deadline: Duration,
    /// Delete rules removed from the repository (default: disable them).
    #[arg(long)]
    delete_removed: bool,
    /// Rules per `_import` request.
    #[arg(long, default_value_t = deploy::DEFAULT_CHUNK, value_parser = clap::value_parser!(usize))]
    chunk_size: usize,
    /// How to print the plan.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// Write the plan to FILE instead of printing it (for `run --deploy-plan`).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// ATT&CK table or MITRE STIX bundle for `threat[]` (default: the embedded v19.1).
    #[arg(long, value_name = "FILE")]
    attack_data: Option<PathBuf>,
}

/// `300` (seconds), `90s` or `5m`; zero is refused (nothing could be sent).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.strip_suffix('m') {
        Some(n) => (n, 60),
        None => (t.strip_suffix('s').unwrap_or(t), 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| Duration::from_secs(n * unit))
        .ok_or_else(|| format!("`{s}` is not a duration (e.g. 300, 90s, 5m)"))
}

/// The rules to deploy: every document rendered by `es-rule`. A document that fails to parse
/// stops the deploy (its rule would otherwise look deleted and be disabled in production).
fn desired_rules(args: &DeployArgs) -> Result<Option<Vec<Desired>>> {
    use sigmaforge::render::{self as target, convert};
    let set = sigmaforge::mapping::ConfigSet::load(&args.configs)?;
    for w in set.configs().iter().flat_map(|c| c.warnings()) {
        eprintln!("sigmaforge: warning: {w}");
    }
    set.check_target("es-rule")?;
    let options: std::collections::BTreeMap<String, String> =
        args.options.iter().cloned().collect();
    let targets =
        target::configured_all(&["es-rule".to_string()], &options).map_err(anyhow::Error::msg)?;
    let refs: Vec<&dyn target::Target> = targets.iter().map(|t| t.as_ref()).collect();
    let scan = sigmaforge::scan::scan(&args.paths)?;
    let attack = load_attack_data(args.attack_data.as_deref())?;
    let outcomes = convert::convert(&scan, &set, &attack, &refs);
    let mut desired = Vec::new();
    let mut failed = 0usize;
    for o in &outcomes {
        match (&o.status, &o.output) {
            (target::Status::Converted, Some(text)) => {
                let rule = serde_json::from_str(text)
                    .with_context(|| format!("{}: es-rule output is not JSON", o.path))?;
                desired.push(Desired {
                    path: o.path.clone(),
                    rule,
                });
            }
            (target::Status::Failed, _) => {
                failed += 1;
                let reason = o.reason.as_deref().unwrap_or("no reason given");
                eprintln!("{}: error: cannot be deployed: {reason}", o.path);
            }
            _ => {
                let reason = o.reason.as_deref().unwrap_or("no reason given");
                eprintln!("{}: warning: not deployed: {reason}", o.path);
            }
        }
    }
    exit_without_drop((scan, outcomes));
    if failed > 0 {
        eprintln!(
            "sigmaforge: {failed} rule file(s) failed; nothing was sent to Kibana (fix them first: \
             a rule missing from the set would be disabled in production)"
        );
        return Ok(None);
    }
    Ok(Some(desired))
}

pub(super) fn deploy(command: DeployCommand) -> Result<ExitCode> {
    let (args, apply) = match command {
        DeployCommand::Plan(a) => (a, false),
        DeployCommand::Apply(a) => (a, true),
    };
    if args.chunk_size == 0 {
        bail!("--chunk-size must be at least 1");
    }
    let credentials = Credentials::from_env(process_env)?;
    let names = if args.spaces.is_empty() {
        vec!["default".to_string()]
    } else {
        args.spaces.clone()
    };
    let spaces = names
        .iter()
        .map(|s| Space::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(desired) = desired_rules(&args)? else {
        return Ok(ExitCode::from(1));
    };
    let settings = DeploySettings {
        kibana_url: args.kibana_url.clone(),
        spaces,
        credentials,
        client: ClientOptions {
            ca_file: args.ca_file.clone(),
            deadline: args.deadline,
            ..ClientOptions::default()
        },
        delete_removed: args.delete_removed,
        chunk: args.chunk_size,
    };
    let (plan, outcome) = deploy::deploy(&settings, &desired, apply)?;
    let text = match args.format {
        PlanFormat::Json => format!("{}\n", serde_json::to_string_pretty(&plan.to_json())?),
        PlanFormat::Text => plan.to_text(),
    };
    write_output(args.output.as_ref(), &text)?;
    let Some(outcome) = outcome else {
        eprintln!(
            "sigmaforge: plan: {} rule change(s) in {} space(s)",
            plan.changes(),
            plan.spaces.len()
        );
        return Ok(ExitCode::SUCCESS);
    };
    for f in &outcome.failures {
        eprintln!(
            "{}: error: Kibana refused rule {} in space {}: {}",
            f.path.as_deref().unwrap_or("(no file)"),
            f.rule_id,
            f.space,
            f.message
        );
    }
    eprintln!(
        "sigmaforge: applied: {} rule(s) imported ({} refused), {} removed",
        outcome.imported,
        outcome.failures.len(),
        outcome.removed
    );
    Ok(if outcome.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The report's and PR comment's "deploy plan" section (from a `deploy plan --format json`
/// file), or empty when none is given.
pub(super) fn plan_section(path: Option<&std::path::Path>) -> Result<String> {
    let Some(path) = path else {
        return Ok(String::new());
    };
    let text = sigmaforge::fsread::read_text(
        path,
        sigmaforge::fsread::Cap {
            what: "deploy plan",
            bytes: 64 * 1024 * 1024,
        },
    )?;
    Ok(deploy::plan_markdown(&text, &path.display().to_string())?)
}
