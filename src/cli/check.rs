//! `sigmaforge check`: parse and validate rules, report findings.

use super::util::{exit_without_drop, load_attack_data, text_findings, write_output};
use anyhow::{Context, Result};
use clap::ValueEnum;
use sigmaforge::diag::{FailLevel, Severity};
use sigmaforge::report::{self, Summary};
use sigmaforge::scan;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckFormat {
    Text,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(clap::Args, Debug)]
pub(super) struct CheckArgs {
    /// Rule files, folders or glob patterns.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Write the report to a file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1: error, warning, info or never (default: the
    /// `fail-level` of `.sigmaforge.yml`, else error).
    #[arg(long, value_parser = parse_fail_level)]
    fail_level: Option<FailLevel>,
    /// sigmaforge configuration (default: `.sigmaforge.yml` in the current folder or its parents, up to
    /// the repository root).
    #[arg(long)]
    config: Option<PathBuf>,
    /// A sigma-cli validation configuration (`validators`, `exclusions`, `config`); replaces the
    /// `validation:` section of `.sigmaforge.yml`.
    #[arg(long)]
    validation_config: Option<PathBuf>,
    /// Run only the parser, no validators.
    #[arg(long)]
    no_validate: bool,
    /// ATT&CK data to judge tags with (a sigmaforge table or a MITRE STIX bundle) instead of the
    /// embedded v19.1 tables.
    #[arg(long)]
    attack_data: Option<PathBuf>,
    /// The date date-dependent checks compare against (YYYY-MM-DD), for reproducible runs.
    #[arg(long, hide = true, value_parser = parse_date)]
    today: Option<sigmaforge::validate::date::Date>,
}

fn parse_date(s: &str) -> Result<sigmaforge::validate::date::Date, String> {
    sigmaforge::validate::date::Date::parse(s)
        .ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD"))
}

fn parse_fail_level(s: &str) -> Result<FailLevel, String> {
    FailLevel::parse(s)
        .ok_or_else(|| format!("unknown fail-level `{s}` (use {})", FailLevel::EXPECTED))
}

pub(super) fn check(args: CheckArgs) -> Result<ExitCode> {
    use sigmaforge::config::{Config, ValidationConfig};
    let config_path = match &args.config {
        Some(p) => Some(p.clone()),
        None => Config::find(&std::env::current_dir().context("reading the current folder")?),
    };
    let config = match &config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    // The flag wins; else the file's `fail-level` (validated when the file was loaded); else error.
    let fail_level = args
        .fail_level
        .or_else(|| config.run.fail_level.as_deref().and_then(FailLevel::parse))
        .unwrap_or(FailLevel::At(Severity::Error));
    let mut validation = match &args.validation_config {
        Some(p) => ValidationConfig::load_sigma_cli(p)?,
        None => config.validation,
    };
    if let Some(t) = args.today {
        validation.set_today(t);
    }
    let attack_data = load_attack_data(args.attack_data.as_deref())?;
    let attack_checks = sigmaforge::validate::attack_tags::validators(&attack_data);
    let extra: Vec<&dyn sigmaforge::validate::Validator> = attack_checks
        .iter()
        .map(|c| c as &dyn sigmaforge::validate::Validator)
        .collect();
    let scan = scan::scan(&args.paths)?;
    let validated;
    let diags = if args.no_validate {
        &scan.diagnostics
    } else {
        validated = sigmaforge::validate::run_with(&scan, &validation, &extra);
        &validated
    };
    let summary = Summary::new(
        scan.files.len(),
        scan.docs.len(),
        scan.parsed().count(),
        diags,
    );
    let catalogue = sigmaforge::validate::registry::catalogue(&extra);
    let rendered = match args.format {
        CheckFormat::Json => report::json::render(&summary, diags)?,
        CheckFormat::Sarif => report::sarif::render(diags, &catalogue, env!("CARGO_PKG_VERSION"))?,
        CheckFormat::Junit => report::junit::render(diags, &scan.files, &catalogue),
        CheckFormat::Github => report::github::render(diags, &summary, &catalogue),
        CheckFormat::Text => text_findings(diags, &summary, args.output.is_none()),
    };
    write_output(args.output.as_ref(), &rendered)?;
    let failing = diags.iter().any(|d| fail_level.fails(d.severity));
    exit_without_drop(scan);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
