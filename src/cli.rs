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
    /// Post a pull-request comment computed earlier (`workflow_run` half of the fork-safe flow).
    Comment(CommentArgs),
}

#[derive(clap::Args, Debug)]
struct CommentArgs {
    /// The comment-request JSON written by `sigmaforge run` in the `pull_request` workflow.
    #[arg(long)]
    from: PathBuf,
    /// Login whose comments count as ours (the token's bot or user).
    #[arg(
        long,
        env = "INPUT_COMMENT-AUTHOR",
        default_value = "github-actions[bot]"
    )]
    author: String,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckFormat {
    Text,
    Json,
    Sarif,
    Github,
    Junit,
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
    /// The date date-dependent checks compare against (YYYY-MM-DD), for reproducible runs.
    #[arg(long, hide = true, value_parser = parse_date)]
    today: Option<sigmaforge::validate::date::Date>,
}

fn parse_date(s: &str) -> Result<sigmaforge::validate::date::Date, String> {
    sigmaforge::validate::date::Date::parse(s)
        .ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD"))
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ListWhat {
    /// Parser diagnostic codes.
    Codes,
    /// Validators with their pySigma equivalents.
    Validators,
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
        Command::Comment(a) => comment(a),
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
    use sigmaforge::config::{Config, ValidationConfig};
    let mut validation = match (&args.validation_config, &args.config) {
        (Some(p), _) => ValidationConfig::load_sigma_cli(p)?,
        (None, Some(p)) => Config::load(p)?.validation,
        (None, None) => {
            let cwd = std::env::current_dir().context("reading the current folder")?;
            match Config::find(&cwd) {
                Some(p) => Config::load(&p)?.validation,
                None => ValidationConfig::default(),
            }
        }
    };
    if let Some(t) = args.today {
        validation.set_today(t);
    }
    let scan = scan::scan(&args.paths)?;
    let validated;
    let diags = if args.no_validate {
        &scan.diagnostics
    } else {
        validated = sigmaforge::validate::run(&scan, &validation);
        &validated
    };
    let summary = Summary::new(
        scan.files.len(),
        scan.docs.len(),
        scan.parsed().count(),
        diags,
    );
    let catalogue = sigmaforge::validate::registry::catalogue(&[]);
    let rendered = match args.format {
        CheckFormat::Json => report::json::render(&summary, diags),
        CheckFormat::Sarif => report::sarif::render(diags, &catalogue, env!("CARGO_PKG_VERSION")),
        CheckFormat::Junit => report::junit::render(diags, &scan.files, &catalogue),
        CheckFormat::Github => report::github::render(diags, &summary, &catalogue),
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
        ListWhat::Validators => {
            let mut out = String::new();
            for v in sigmaforge::validate::registry::builtin() {
                let i = v.info();
                let py = if i.pysigma.is_empty() {
                    format!("({})", i.origin.label())
                } else {
                    i.pysigma.join(", ")
                };
                out.push_str(&format!(
                    "{}  {:<40} {:<8} {:<48} {}\n",
                    i.code,
                    i.name,
                    i.severity.as_str(),
                    py,
                    i.doc
                ));
            }
            for (py, sf) in sigmaforge::validate::registry::PARSER_EQUIVALENTS {
                out.push_str(&format!(
                    "{sf}  (parser){:<32} {:<8} {py:<48} checked while parsing\n",
                    "", "-"
                ));
            }
            for (py, owner) in sigmaforge::validate::registry::DELEGATED {
                out.push_str(&format!(
                    "-      ({owner}){:<32} {:<8} {py:<48} ATT&CK data checks\n",
                    "", "-"
                ));
            }
            write_output(None, &out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn comment(args: CommentArgs) -> Result<ExitCode> {
    use sigmaforge::github::{self, ActionsEnv, CommentAction, StickyOptions};
    let env = ActionsEnv::from_process();
    let options = StickyOptions {
        bot_login: args.author,
        ..StickyOptions::default()
    };
    let outcome = github::post_comment_request_file(&env, &args.from, &options)
        .with_context(|| format!("posting the comment request {}", args.from.display()))?;
    match &outcome.action {
        CommentAction::Created | CommentAction::Updated | CommentAction::Unchanged => {
            eprintln!(
                "sigmaforge: comment {:?}{}",
                outcome.action,
                outcome
                    .url
                    .as_deref()
                    .map(|u| format!(": {u}"))
                    .unwrap_or_default()
            );
        }
        _ => {}
    }
    if let Some(w) = outcome.warning() {
        println!(
            "::warning title=sigmaforge comment::{}",
            github::commands::escape_data(&w)
        );
    }
    Ok(ExitCode::SUCCESS)
}
