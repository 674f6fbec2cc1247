//! `sigmaforge test`: rule tests (events a rule must or must not match), backtests over event files
//! (`--events`), witness events (`--witness`). See `docs/testing.md`.

use super::util::{FieldArgs, exit_without_drop, load_field_catalog, write_output};
use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use sigmaforge::eval::suite::{self, DEFAULT_TEST_DIRS};
use sigmaforge::eval::{DEFAULT_MAX_EVENT_BYTES, EvalOptions, backtest};
use sigmaforge::report;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TestFormat {
    Text,
    Json,
    Junit,
    Sarif,
}

#[derive(clap::Args, Debug)]
pub(super) struct TestArgs {
    /// Rule files, folders or glob patterns (default: the current folder).
    paths: Vec<PathBuf>,
    /// Test folders: `<rule>/match/*.json` and `<rule>/nomatch/*.json`, or SigmaHQ's
    /// `regression_data/` (`info.yml`). Default: `sigma-tests/` and `regression_data/` when present.
    #[arg(long = "tests")]
    tests: Vec<PathBuf>,
    /// Backtest instead: evaluate every rule on these event files or folders (JSON, JSON array,
    /// NDJSON) and report the matching events per rule.
    #[arg(long = "events")]
    events: Vec<PathBuf>,
    /// Write witness events (generated events each rule must match, near misses it must not) into
    /// this folder in the test layout, then run them as the tests.
    #[arg(long, conflicts_with_all = ["events", "tests"])]
    witness: Option<PathBuf>,
    /// Elastic view: compare each rule's witness events with what its Lucene query would match in
    /// Elasticsearch given the field catalog's types (needs `-c`); reports "would miss in Elastic"
    /// and "would over-match" (docs/testing.md).
    #[arg(long, requires = "configs", conflicts_with_all = ["events", "tests", "witness"])]
    elastic_view: bool,
    /// Mapping configs for `--elastic-view` (built-in names or paths), applied in order.
    #[arg(short = 'c', long = "config", requires = "elastic_view")]
    configs: Vec<String>,
    #[command(flatten)]
    fields: FieldArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    format: TestFormat,
    /// Write the report to a file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// A value of an `expand` placeholder, `name=value` (repeatable; a name may take several).
    #[arg(long = "placeholder", value_parser = parse_placeholder)]
    placeholders: Vec<(String, String)>,
    /// Fields holding an event's time for correlations, first found wins (repeatable; default
    /// `@timestamp`, `timestamp`, `TimeCreated_SystemTime`, …).
    #[arg(long = "timestamp-field")]
    timestamp_fields: Vec<String>,
    /// Largest event file read (a test event file or a JSON array), or largest single event of an
    /// NDJSON stream (`--events`), in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_EVENT_BYTES)]
    max_event_bytes: u64,
}

fn parse_placeholder(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((n, v)) if !n.trim().is_empty() => {
            Ok((n.trim().trim_matches('%').to_string(), v.to_string()))
        }
        _ => Err(format!("`{s}` is not name=value")),
    }
}

fn options(args: &TestArgs) -> EvalOptions {
    let mut opts = EvalOptions::default();
    for (name, value) in &args.placeholders {
        opts.placeholders
            .entry(name.clone())
            .or_default()
            .push(value.clone());
    }
    if !args.timestamp_fields.is_empty() {
        opts.timestamp_fields = args.timestamp_fields.clone();
    }
    opts
}

/// The test folders: the given ones (which must exist), else the defaults that exist.
fn test_dirs(given: &[PathBuf], base: &Path) -> Result<Vec<PathBuf>> {
    if given.is_empty() {
        return Ok(DEFAULT_TEST_DIRS
            .iter()
            .map(|d| base.join(d))
            .filter(|d| d.is_dir())
            .collect());
    }
    for d in given {
        if !d.is_dir() {
            bail!("test folder {} does not exist", d.display());
        }
    }
    Ok(given.to_vec())
}

pub(super) fn test(args: TestArgs) -> Result<ExitCode> {
    let opts = options(&args);
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let scan = sigmaforge::scan::scan(&paths)?;
    if !args.events.is_empty() {
        let report = backtest::backtest(&scan, &args.events, &opts, args.max_event_bytes)?;
        let text = match args.format {
            TestFormat::Json => {
                let mut s = serde_json::to_string_pretty(&report)?;
                s.push('\n');
                s
            }
            TestFormat::Text => report::tests::backtest_text(&report),
            other => bail!("--events reports as text or json, not {other:?}"),
        };
        write_output(args.output.as_ref(), &text)?;
        exit_without_drop(scan);
        return Ok(ExitCode::SUCCESS);
    }
    if args.elastic_view {
        return elastic_view(&args, scan);
    }
    let dirs = match &args.witness {
        Some(w) => {
            let written = sigmaforge::eval::witness::write_witnesses(&scan, w)
                .with_context(|| format!("writing witness events into {}", w.display()))?;
            eprintln!(
                "witness events: {} matching and {} near misses for {} rules in {}; {} rules without witnesses",
                written.matching,
                written.near_misses,
                written.rules,
                w.display(),
                written.skipped.len()
            );
            for (path, why) in &written.skipped {
                eprintln!("  no witness: {path}: {why}");
            }
            vec![w.clone()]
        }
        None => test_dirs(&args.tests, Path::new("."))?,
    };
    let mut tests = Vec::new();
    for d in &dirs {
        tests.extend(
            suite::discover(d).with_context(|| format!("reading tests in {}", d.display()))?,
        );
    }
    let run = suite::run(&scan, &tests, &opts, args.max_event_bytes);
    let text = match args.format {
        TestFormat::Text => {
            let mut t = report::tests::text(&run);
            if dirs.is_empty() {
                t.push_str(&format!(
                    "no test folder: pass --tests DIR or create {}/\n",
                    DEFAULT_TEST_DIRS[0]
                ));
            }
            t
        }
        TestFormat::Json => {
            let mut s = serde_json::to_string_pretty(&run)?;
            s.push('\n');
            s
        }
        TestFormat::Junit => report::tests::junit(&run),
        TestFormat::Sarif => report::sarif::render(
            &report::tests::diagnostics(&run),
            &report::tests::catalogue(),
            env!("CARGO_PKG_VERSION"),
        )?,
    };
    write_output(args.output.as_ref(), &text)?;
    let failed = run.failed();
    exit_without_drop(scan);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--elastic-view`: the witness events of every rule against the Elastic prediction; exit 1 when a
/// rule would miss or over-match in Elastic.
fn elastic_view(args: &TestArgs, scan: sigmaforge::scan::Scan) -> Result<ExitCode> {
    let mode = args
        .fields
        .field_check
        .unwrap_or(sigmaforge::fieldcheck::FieldCheck::Warn);
    let Some(catalog) = load_field_catalog(&args.fields.field_catalog, mode)? else {
        bail!("--elastic-view needs the field catalog (not --field-check off)");
    };
    let set =
        sigmaforge::mapping::ConfigSet::load(&args.configs)?.with_catalog(catalog.clone(), false);
    let report = sigmaforge::eval::elastic_view::elastic_view(&scan, &set, &catalog);
    let text = match args.format {
        TestFormat::Text => sigmaforge::eval::elastic_view::render_text(&report),
        TestFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report)?;
            s.push('\n');
            s
        }
        other => bail!("--elastic-view reports as text or json, not {other:?}"),
    };
    write_output(args.output.as_ref(), &text)?;
    let diverges = report.summary.rules_with_findings > 0;
    exit_without_drop(scan);
    Ok(if diverges {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
