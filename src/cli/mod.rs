//! Argument parsing and command wiring (binary side: errors carry context via `anyhow`).
//!
//! One module per subcommand, each holding its clap arguments and the function that runs it; this
//! file only defines the command tree and maps results to exit codes.

mod args;
mod check;
mod comment;
mod convert;
mod coverage;
mod deploy;
mod layer;
mod list;
mod run;
mod test;
mod util;

use clap::{Parser, Subcommand};
use coverage::CoverageCommand;
use std::process::ExitCode;

/// Sigma detection-as-code for Elastic: validate, convert, cover.
#[derive(Parser, Debug)]
#[command(name = "sigmaforge", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// In pipeline order: what a user meets first comes first in `--help`.
#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and validate rules, reporting findings with file:line:col.
    Check(check::CheckArgs),
    /// Run rule tests (events each rule must or must not match), or backtest rules over event files.
    Test(test::TestArgs),
    /// Convert rules into Elastic artifacts through mapping configs and overrides.
    Convert(convert::ConvertArgs),
    /// Write an ATT&CK Navigator layer (and optionally an SVG heatmap) of the rules' coverage.
    Layer(layer::LayerArgs),
    /// Coverage statistics, and the coverage/findings diff between two trees or revisions.
    #[command(subcommand)]
    Coverage(CoverageCommand),
    /// The whole job (check, convert, layer, coverage, reports, PR comment), as the GitHub Action runs it.
    Run(run::RunArgs),
    /// Post a pull-request comment computed earlier (`workflow_run` half of the fork-safe flow).
    Comment(comment::CommentArgs),
    /// Deploy Elastic Security rules to Kibana: `plan` shows the changes, `apply` makes them.
    #[command(subcommand)]
    Deploy(deploy::DeployCommand),
    /// List built-in validators, parser codes, targets and mapping configs.
    List(list::ListArgs),
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
        Command::Check(a) => check::check(a),
        Command::Test(a) => test::test(a),
        Command::List(a) => list::list(a),
        Command::Comment(a) => comment::comment(a),
        Command::Run(a) => run::run(a),
        Command::Convert(a) => convert::convert(a),
        Command::Layer(a) => layer::layer(a),
        Command::Deploy(c) => deploy::deploy(c),
        Command::Coverage(CoverageCommand::Stats(a)) => coverage::stats(a),
        Command::Coverage(CoverageCommand::Diff(a)) => coverage::diff(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sigmaforge: error: {}", error_text(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes joined by `: ` (as `{:#}` does), leaving out a cause the text so far
/// already says: library errors embed their source in their own message, and printing it again
/// would show a location or an OS error twice.
fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
