//! `sigmaforge comment`: post a comment request written earlier by `run` (fork-safe flow).

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub(super) struct CommentArgs {
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

pub(super) fn comment(args: CommentArgs) -> Result<ExitCode> {
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
