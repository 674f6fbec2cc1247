//! Argument parsing and command wiring (binary side: errors carry context via `anyhow`).

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use sigmaforge::diag::Severity;
use sigmaforge::report::{self, Summary};
use sigmaforge::scan;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Sigma detection-as-code for Elastic: validate, convert, cover.
#[derive(Parser, Debug)]
#[command(name = "sigmaforge", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and validate rules, reporting findings with file:line:col.
    Check(CheckArgs),
    /// List built-in items (parser codes).
    List(ListArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Rule files, folders or glob patterns.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Write the report to a file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, default_value = "error", value_parser = parse_severity)]
    fail_level: Severity,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ListWhat {
    /// Parser diagnostic codes.
    Codes,
}

#[derive(clap::Args, Debug)]
struct ListArgs {
    /// What to list.
    #[arg(value_enum)]
    what: ListWhat,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| format!("unknown severity `{s}` (use info, warning, error)"))
}

/// Exit codes: 0 clean, 1 findings at the fail level, 2 usage or configuration error.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Check(a) => check(a),
        Command::List(a) => list(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sigmaforge: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn write_output(path: Option<&PathBuf>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(text.as_bytes())
                .context("writing to standard output")
        }
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let scan = scan::scan(&args.paths)?;
    let diags = &scan.diagnostics;
    let summary = Summary::new(
        scan.files.len(),
        scan.docs.len(),
        scan.parsed().count(),
        diags,
    );
    let rendered = match args.format {
        CheckFormat::Json => report::json::render(&summary, diags),
        CheckFormat::Text => {
            let mut sources = HashMap::new();
            for d in diags {
                if !sources.contains_key(&d.path)
                    && let Ok(text) = std::fs::read_to_string(&d.path)
                {
                    sources.insert(d.path.clone(), text);
                }
            }
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
    let failing = diags.iter().any(|d| d.severity >= args.fail_level);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn list(args: ListArgs) -> Result<ExitCode> {
    match args.what {
        ListWhat::Codes => {
            let mut out = String::new();
            for c in sigmaforge::rule::codes::ALL {
                out.push_str(&format!(
                    "{}  {:<24} {:<8} {}\n",
                    c.code, c.name, c.severity, c.doc
                ));
            }
            write_output(None, &out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
