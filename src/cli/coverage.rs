//! `sigmaforge coverage stats|diff`: coverage statistics, and what changes between two trees.

use super::args::CoverageFilterArgs;
use super::util::{load_attack_data, write_file, write_output};
use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use sigmaforge::scan;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub(super) enum CoverageCommand {
    /// Per-tactic and per-platform coverage, most and least covered techniques.
    Stats(StatsArgs),
    /// What changes between BASE and HEAD (folders, or git revisions with --repo).
    Diff(DiffArgs),
}

#[derive(clap::Args, Debug)]
pub(super) struct StatsArgs {
    /// Rule files, folders or glob patterns.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DocFormat::Markdown)]
    format: DocFormat,
    /// Write to a file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Length of the most/least covered lists.
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[command(flatten)]
    common: CoverageFilterArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DocFormat {
    Markdown,
    Json,
}

#[derive(clap::Args, Debug)]
pub(super) struct DiffArgs {
    /// The base: a folder, or a git revision when --repo is given.
    base: String,
    /// The head: a folder, or a git revision when --repo is given (`WORKTREE` = the working tree).
    head: String,
    /// Treat BASE and HEAD as revisions of this git repository.
    #[arg(long)]
    repo: Option<PathBuf>,
    /// Rule folders inside each side (default: the whole side).
    #[arg(long = "path")]
    paths: Vec<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = DocFormat::Markdown)]
    format: DocFormat,
    /// Write the summary to a file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also write a diff layer (gained / lost / changed colours).
    #[arg(long)]
    layer: Option<PathBuf>,
    /// Rows per table before "… and N more".
    #[arg(long, default_value_t = 20)]
    max_rows: usize,
    /// `.sigmaforge.yml` whose `validation:` section applies to both sides.
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    common: CoverageFilterArgs,
}

pub(super) fn stats(args: StatsArgs) -> Result<ExitCode> {
    use sigmaforge::attack;
    let data = load_attack_data(args.common.attack_data.as_deref())?;
    let scan = scan::scan(&args.paths)?;
    let rules = attack::coverage_rules(&scan, None);
    let stats = attack::coverage_stats(
        &rules,
        &attack::StatsOptions {
            domain: args.common.domain,
            filter: args.common.filter()?,
            top: args.top,
        },
        &data,
    )?;
    let text = match args.format {
        DocFormat::Markdown => stats.to_markdown(),
        DocFormat::Json => serde_json::to_string_pretty(&stats)? + "\n",
    };
    write_output(args.output.as_ref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn diff(args: DiffArgs) -> Result<ExitCode> {
    use sigmaforge::{attack, compare, config};
    let data = load_attack_data(args.common.attack_data.as_deref())?;
    let validation = match &args.config {
        Some(p) => config::Config::load(p)?.validation,
        None => config::ValidationConfig::default(),
    };
    let checks = sigmaforge::validate::attack_tags::validators(&data);
    let extra: Vec<&dyn sigmaforge::validate::Validator> = checks
        .iter()
        .map(|c| c as &dyn sigmaforge::validate::Validator)
        .collect();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut checkouts = Vec::new();
    let mut side = |spec: &str| -> Result<PathBuf> {
        match &args.repo {
            Some(repo) if spec == "WORKTREE" => Ok(repo.clone()),
            Some(repo) => {
                let c = compare::checkout_revision(repo, spec)?;
                let p = c.path().to_path_buf();
                checkouts.push(c);
                Ok(p)
            }
            None => {
                let p = PathBuf::from(spec);
                anyhow::ensure!(
                    p.is_dir(),
                    "{spec}: not a folder (pass --repo DIR to compare git revisions)"
                );
                Ok(p)
            }
        }
    };
    let base_root = side(&args.base)?;
    let head_root = side(&args.head)?;
    let base = compare::snapshot(&base_root, &paths, &validation, &extra)?;
    let head = compare::snapshot(&head_root, &paths, &validation, &extra)?;
    let options = attack::DiffOptions {
        domain: args.common.domain,
        filter: args.common.filter()?,
        score: args.common.score,
        max_rows: args.max_rows,
    };
    let diff = compare::diff(&base, &head, &options, &data)?;
    if let Some(p) = &args.layer {
        let layer = diff.layer(
            &attack::LayerOptions {
                name: "Sigma coverage change".into(),
                domain: args.common.domain,
                score: args.common.score,
                ..attack::LayerOptions::default()
            },
            &data,
        )?;
        write_file(p, &layer.to_json()?)?;
    }
    let text = match args.format {
        DocFormat::Markdown => diff.to_markdown(args.max_rows),
        DocFormat::Json => serde_json::to_string_pretty(&diff)? + "\n",
    };
    write_output(args.output.as_ref(), &text)?;
    Ok(ExitCode::SUCCESS)
}
