//! `sigmaforge convert`: rules into Elastic artifacts through mapping configs and overrides.

use super::util::{
    FieldArgs, exit_without_drop, load_attack_data, load_field_catalog, name_inputs,
    report_written, write_output,
};
use anyhow::Result;
use clap::ValueEnum;
use sigmaforge::scan;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ConvertFormat {
    /// The artifacts, one per converted rule.
    Text,
    /// One JSON object per document (rule, correlation or filter) and target: path, id, title, target, status, output, reason.
    Jsonl,
}

#[derive(clap::Args, Debug)]
pub(super) struct ConvertArgs {
    /// Rule files, folders or glob patterns.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Targets, comma-separated or repeated (`sigmaforge list targets`).
    #[arg(short, long = "target", required = true, value_delimiter = ',')]
    targets: Vec<String>,
    /// Mapping configs (built-in names or paths), applied in order (`sigmaforge list configs`).
    #[arg(short, long = "config")]
    configs: Vec<String>,
    /// pySigma processing pipelines (built-in names or files, `sigmaforge list pipelines`), run after
    /// the configs by priority, equal priorities in order (repeatable).
    #[arg(short = 'p', long = "pipeline", value_name = "NAME|FILE")]
    pipelines: Vec<String>,
    /// Target options as key=value for every target, or target.key=value for one (`docs/targets.md`).
    #[arg(short = 'O', long = "option", value_parser = parse_key_value)]
    options: Vec<(String, String)>,
    /// Write one file per rule and the bundles under DIR/<target>/ instead of printing.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = ConvertFormat::Text)]
    format: ConvertFormat,
    /// ATT&CK table or MITRE STIX bundle for es-rule `threat[]` (default: the embedded v19.1).
    #[arg(long, value_name = "FILE")]
    attack_data: Option<PathBuf>,
    #[command(flatten)]
    fields: FieldArgs,
}

pub(super) fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("`{s}` is not key=value"))
}

pub(super) fn convert(args: ConvertArgs) -> Result<ExitCode> {
    use sigmaforge::render::{self as target, convert};
    let mut set = super::util::config_set(&args.configs, &args.pipelines)?;
    if args.configs.is_empty() && args.pipelines.is_empty() {
        eprintln!(
            "sigmaforge: note: no mapping config (-c) or pipeline (-p): field names stay as written in the rules (built-in: `sigmaforge list configs`, `sigmaforge list pipelines`)"
        );
    }
    let mode = args.fields.field_check.unwrap_or_default();
    if let Some(catalog) = load_field_catalog(&args.fields.field_catalog, mode)? {
        set = set.with_catalog(catalog, mode == sigmaforge::fieldcheck::FieldCheck::Strict);
    }
    for w in set.configs().iter().flat_map(|c| c.warnings()) {
        eprintln!("sigmaforge: warning: {w}");
    }
    let options: std::collections::BTreeMap<String, String> = args.options.into_iter().collect();
    for name in &args.targets {
        set.check_target(name)?;
    }
    let targets = target::configured_all(&args.targets, &options).map_err(anyhow::Error::msg)?;
    let refs: Vec<&dyn target::Target> = targets.iter().map(|t| t.as_ref()).collect();
    let scan = scan::scan(&args.paths)?;
    let attack = load_attack_data(args.attack_data.as_deref())?;
    let outcomes = convert::convert(&scan, &set, &attack, &refs);
    if let Some(dir) = &args.output {
        let written = target::output::write_outputs(dir, &outcomes, &refs)?;
        report_written(&written, dir);
    }
    let mut out = String::new();
    match args.format {
        ConvertFormat::Jsonl => {
            for o in &outcomes {
                out.push_str(&serde_json::to_string(o)?);
                out.push('\n');
            }
        }
        ConvertFormat::Text if args.output.is_none() => {
            // Several artifacts: each is labelled with its file and target (on its own line, as
            // `head` does), so none is mistaken for another's.
            let label = outcomes.iter().filter(|o| o.output.is_some()).count() > 1;
            for o in &outcomes {
                if let Some(text) = &o.output {
                    if label {
                        out.push_str(&format!("==> {} [{}] <==\n", o.path, o.target));
                    }
                    out.push_str(text);
                    if !text.ends_with('\n') {
                        out.push('\n');
                    }
                }
            }
        }
        ConvertFormat::Text => {}
    }
    write_output(None, &out)?;
    // Every target of a rule renders the same IR: print each warning once per document.
    let mut shown = std::collections::HashSet::new();
    for o in &outcomes {
        for w in &o.warnings {
            if shown.insert((&o.path, o.index, w)) {
                eprintln!("{}: warning: {w}", o.path);
            }
        }
    }
    // Failures name their file (capped; `--format jsonl` has every one).
    let failures: Vec<_> = outcomes
        .iter()
        .filter(|o| o.status == target::Status::Failed)
        .collect();
    for o in failures.iter().take(20) {
        eprintln!(
            "{}: {}: failed: {}",
            o.path,
            o.target,
            o.reason.as_deref().unwrap_or("no reason given")
        );
    }
    if failures.len() > 20 {
        eprintln!(
            "… and {} more failure(s); see --format jsonl",
            failures.len() - 20
        );
    }
    let (converted, skipped, failed, reasons) = convert::summarize(&outcomes);
    let named = |status: target::Status| {
        let mut v: Vec<(String, String)> = outcomes
            .iter()
            .filter(|o| o.status == status)
            .map(|o| (o.path.clone(), o.reason.clone().unwrap_or_default()))
            .collect();
        v.dedup();
        v
    };
    let (failed_inputs, skipped_inputs) = (
        named(target::Status::Failed),
        named(target::Status::Skipped),
    );
    exit_without_drop((scan, outcomes));
    eprintln!(
        "sigmaforge: {converted} converted, {skipped} skipped, {failed} failed ({} target(s))",
        refs.len()
    );
    for (reason, count) in reasons.iter().take(10) {
        eprintln!("  {count:>5} × {reason}");
    }
    if reasons.len() > 10 {
        eprintln!(
            "  … and {} more reason(s); see --format jsonl",
            reasons.len() - 10
        );
    }
    name_inputs("failed", &failed_inputs, "--format jsonl");
    name_inputs("skipped", &skipped_inputs, "--format jsonl");
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
