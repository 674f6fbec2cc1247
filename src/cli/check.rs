//! `sigmaforge check`: parse and validate rules, report findings.

use super::util::{
    FieldArgs, exit_without_drop, load_attack_data, load_field_catalog, write_output,
};
use anyhow::{Context, Result};
use clap::ValueEnum;
use sigmaforge::diag::{FailLevel, Severity};
use sigmaforge::report::{self, Summary};
use sigmaforge::{fsread, scan};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
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
    /// A mapping config chain to check fields under (repeatable, in order), in addition to the
    /// chains of the targets `.sigmaforge.yml` configures.
    #[arg(long = "map-config", value_name = "NAME")]
    map_configs: Vec<String>,
    /// pySigma processing pipelines (built-in names or files, `sigmaforge list pipelines`) to check
    /// fields under, after the `--map-config` chain, by priority (repeatable).
    #[arg(short = 'p', long = "pipeline", value_name = "NAME|FILE")]
    pipelines: Vec<String>,
    #[command(flatten)]
    fields: FieldArgs,
}

/// `SF2xx` field findings under every configured target's config chain (and `--map-config`),
/// with the catalog and mode from the flags, else from `.sigmaforge.yml`.
fn field_findings(
    scan: &scan::Scan,
    args: &CheckArgs,
    file: Option<&sigmaforge::config::Config>,
) -> Result<Vec<sigmaforge::diag::Diagnostic>> {
    use sigmaforge::fieldcheck::{self, FieldCheck, NamedSet};
    let run = file.map(|c| &c.run);
    let mode = match (
        args.fields.field_check,
        run.and_then(|r| r.field_check.as_deref()),
    ) {
        (Some(m), _) => m,
        (None, Some(m)) => FieldCheck::parse(m).unwrap_or_default(),
        (None, None) => FieldCheck::default(),
    };
    let files: Vec<PathBuf> = if !args.fields.field_catalog.is_empty() {
        args.fields.field_catalog.clone()
    } else {
        let base = file
            .and_then(|c| c.path.as_deref())
            .and_then(|p| p.parent())
            .unwrap_or(std::path::Path::new(""));
        run.map_or_else(Vec::new, |r| {
            r.field_catalog.iter().map(|p| base.join(p)).collect()
        })
    };
    let Some(catalog) = load_field_catalog(&files, mode)? else {
        return Ok(Vec::new());
    };
    let mut chains: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    if !args.map_configs.is_empty() || !args.pipelines.is_empty() {
        chains.push((args.map_configs.clone(), args.pipelines.clone()));
    }
    for t in run.and_then(|r| r.targets.as_ref()).into_iter().flatten() {
        let key = (t.configs.clone(), t.pipelines.clone());
        let maps = !t.configs.is_empty() || !t.pipelines.is_empty();
        if maps && !chains.contains(&key) {
            chains.push(key);
        }
    }
    let mut sets = Vec::new();
    for (c, p) in &chains {
        let set = super::util::config_set(c, p)?.with_catalog(catalog.clone(), false);
        let label: Vec<String> = c
            .iter()
            .cloned()
            .chain(p.iter().map(|p| format!("-p {p}")))
            .collect();
        sets.push((label.join(" + "), set));
    }
    let named: Vec<NamedSet<'_>> = sets
        .iter()
        .map(|(label, set)| NamedSet {
            label: label.clone(),
            set,
        })
        .collect();
    Ok(fieldcheck::check(scan, &named, mode))
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
    let file = match &args.config {
        Some(p) => Some(Config::load(p)?),
        None => {
            let cwd = std::env::current_dir().context("reading the current folder")?;
            Config::find(&cwd).map(|p| Config::load(&p)).transpose()?
        }
    };
    // The flag wins; else the file's `fail-level` (validated when the file was loaded); else error.
    let fail_level = args
        .fail_level
        .or_else(|| {
            file.as_ref()
                .and_then(|c| c.run.fail_level.as_deref())
                .and_then(FailLevel::parse)
        })
        .unwrap_or(FailLevel::At(Severity::Error));
    let mut validation = match (&args.validation_config, &file) {
        (Some(p), _) => ValidationConfig::load_sigma_cli(p)?,
        (None, Some(c)) => c.validation.clone(),
        (None, None) => ValidationConfig::default(),
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
        let findings = field_findings(&scan, &args, file.as_ref())?;
        validated = sigmaforge::validate::run_with_findings(&scan, &validation, &extra, findings);
        &validated
    };
    let summary = Summary::new(&scan, diags);
    let catalogue = sigmaforge::validate::registry::catalogue(&extra);
    let rendered = match args.format {
        CheckFormat::Json => report::json::render(&summary, diags)?,
        CheckFormat::Sarif => report::sarif::render(diags, &catalogue, env!("CARGO_PKG_VERSION"))?,
        CheckFormat::Junit => report::junit::render(diags, &scan.files, &catalogue),
        CheckFormat::Github => report::github::render(diags, &summary, &catalogue),
        CheckFormat::Text => {
            // Frames show the text the scan read (UTF-8 files only); a file a diagnostic names
            // outside the scan is read through the same bounded reader, once.
            let mut sources: HashMap<&str, &str> = scan
                .files
                .iter()
                .zip(&scan.sources)
                .filter_map(|(f, s)| Some((f.as_str(), s.text.as_deref()?)))
                .collect();
            let mut others: HashMap<&str, String> = HashMap::new();
            for d in diags {
                if !sources.contains_key(d.path.as_str())
                    && !others.contains_key(d.path.as_str())
                    && let Ok(text) = fsread::read_text(Path::new(&d.path), scan::RULE_FILE)
                {
                    others.insert(&d.path, text);
                }
            }
            sources.extend(others.iter().map(|(k, v)| (*k, v.as_str())));
            let color = args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            report::text::render(
                diags,
                &summary,
                &sources,
                report::text::TextOptions { color },
            )
        }
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
