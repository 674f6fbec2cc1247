//! `sigmaforge run`: the whole job as the GitHub Action runs it.
//!
//! The settings come from [`sigmaforge::plan`]: this module only gathers the flags, the process
//! environment and `.sigmaforge.yml`, then carries out the plan and reports to the runner.

use super::util::{
    exit_without_drop, load_attack_data, load_field_catalog, name_inputs, process_env,
    report_written, text_findings,
};
use anyhow::Result;
use sigmaforge::github::{self, CommentAction, StickyOptions, commands};
use sigmaforge::plan::{self, Base, RunFlags, RunPlan};
use sigmaforge::{compare, pipeline};
use std::path::PathBuf;
use std::process::ExitCode;

/// `run` options. Each also reads the GitHub Action input of the same name (`INPUT_*`); an empty
/// value means "not given", so `.sigmaforge.yml` and the built-in defaults apply.
#[derive(clap::Args, Debug)]
pub(super) struct RunArgs {
    /// Repository root.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// `.sigmaforge.yml` to use (default: found from the repository root) [env: INPUT_CONFIG]
    #[arg(long)]
    config: Option<String>,
    /// Rule paths, separated by spaces or newlines (default: `rules:` of the config, else `rules/`) [env: INPUT_RULES]
    #[arg(long)]
    rules: Option<String>,
    /// Comma-separated targets (default: `targets:` of the config, else es-qs,es-rule) [env: INPUT_TARGETS]
    #[arg(long)]
    targets: Option<String>,
    /// Artifact folder (default: `output:` of the config, else `sigmaforge-out`) [env: INPUT_OUTPUT-DIR]
    #[arg(long)]
    output_dir: Option<String>,
    /// Lowest severity that fails the run: error, warning, info or never [env: INPUT_FAIL-LEVEL]
    #[arg(long)]
    fail_level: Option<String>,
    /// Post the sticky PR comment on pull_request events: true or false [env: INPUT_COMMENT]
    #[arg(long)]
    comment: Option<String>,
    /// Sticky comment instance id [env: INPUT_COMMENT-ID]
    #[arg(long)]
    comment_id: Option<String>,
    /// Login whose comments count as ours [env: INPUT_COMMENT-AUTHOR]
    #[arg(long)]
    comment_author: Option<String>,
    /// Write the comment as a request file here instead of posting (fork-safe flow) [env: INPUT_COMMENT-REQUEST]
    #[arg(long)]
    comment_request: Option<String>,
    /// A checkout of the base revision to compare with (default on pull requests: the event's base
    /// commit, extracted with git) [env: INPUT_BASE-DIR]
    #[arg(long)]
    base_dir: Option<String>,
    /// Compare with this git revision of the repository instead.
    #[arg(long)]
    base_ref: Option<String>,
    /// ATT&CK data instead of the embedded v19.1 tables.
    #[arg(long)]
    attack_data: Option<PathBuf>,
    /// `deploy plan --format json` output: adds a "deploy plan" section to the report and PR comment [env: INPUT_DEPLOY-PLAN]
    #[arg(long)]
    deploy_plan: Option<String>,
}

impl RunArgs {
    /// The flags as the library's resolver takes them.
    fn into_flags(self) -> RunFlags {
        RunFlags {
            repo: self.repo,
            config: self.config,
            rules: self.rules,
            targets: self.targets,
            output_dir: self.output_dir,
            fail_level: self.fail_level,
            comment: self.comment,
            comment_id: self.comment_id,
            comment_author: self.comment_author,
            comment_request: self.comment_request,
            deploy_plan: self.deploy_plan,
            base_dir: self.base_dir,
            base_ref: self.base_ref,
            attack_data: self.attack_data,
        }
    }
}

pub(super) fn run(args: RunArgs) -> Result<ExitCode> {
    let flags = args.into_flags();
    let config = plan::load_config(&flags, process_env)?;
    let plan = RunPlan::resolve(&flags, process_env, &config)?;
    let env = &plan.actions;
    let attack_data = load_attack_data(plan.attack_data.as_deref())?;

    // The base to compare with: an explicit folder or revision, else the pull request's base commit.
    let mut notes: Vec<String> = Vec::new();
    let revision = match &plan.base {
        Base::None | Base::Folder(_) => None,
        Base::Revision(rev) => Some(rev.clone()),
        Base::PullRequestEvent(event) => github::event::read_pull_request_event(event)
            .ok()
            .map(|e| e.base_sha),
    };
    let checkout = match revision {
        Some(rev) => match compare::checkout_revision(&plan.root, &rev) {
            Ok(c) => Some(c),
            Err(e) => {
                notes.push(base_hint(&e));
                None
            }
        },
        None => None,
    };
    let base = match &plan.base {
        Base::Folder(dir) => Some(dir.clone()),
        _ => checkout.as_ref().map(|c| c.path().to_path_buf()),
    };

    // Say which mapping a target gets when nothing configured it.
    let defaulted: Vec<&str> = plan
        .targets
        .iter()
        .filter(|t| {
            t.configs
                .iter()
                .map(String::as_str)
                .eq(pipeline::DEFAULT_CONFIGS)
        })
        .map(|t| t.name.as_str())
        .collect();
    if !defaulted.is_empty() && config.run.targets.is_none() {
        eprintln!(
            "sigmaforge: note: {} with the built-in configs {}, each applied to the log sources it knows (set `targets:` in .sigmaforge.yml to choose)",
            defaulted.join(", "),
            pipeline::DEFAULT_CONFIGS.join(", ")
        );
    }
    let field_mode = config
        .run
        .field_check
        .as_deref()
        .and_then(sigmaforge::fieldcheck::FieldCheck::parse)
        .unwrap_or_default();
    let field_files: Vec<std::path::PathBuf> = config
        .run
        .field_catalog
        .iter()
        .map(|p| plan.root.join(p))
        .collect();
    let fields = load_field_catalog(&field_files, field_mode)?;
    let extra_markdown = super::deploy::plan_section(plan.deploy_plan.as_deref())?;
    let report = pipeline::run(&pipeline::RunInputs {
        root: plan.root.clone(),
        config: &config,
        rules: plan.rules.clone(),
        output: plan.output_dir.clone(),
        targets: plan.targets.clone(),
        attack: &attack_data,
        base,
        github: plan.github.clone(),
        run_url: env.run_url(),
        tests: plan.tests.clone(),
        fields,
        strict_fields: field_mode == sigmaforge::fieldcheck::FieldCheck::Strict,
        extra_markdown,
    })?;
    drop(checkout);

    // Outside Actions (where annotations show them), the findings as `check` prints them.
    if !env.in_actions {
        print!(
            "{}",
            text_findings(&report.head.diagnostics, &report.summary, true)
        );
    }
    // Human summary on stderr (the findings' text above ends with the same counts).
    let s = &report.summary;
    if env.in_actions {
        eprintln!(
            "sigmaforge: {} file(s), {}: {} error(s), {} warning(s), {} info",
            s.files,
            s.documents_text(),
            s.errors,
            s.warnings,
            s.infos
        );
    }
    for (name, c) in &report.per_target {
        eprintln!(
            "sigmaforge: {name}: {} converted, {} skipped, {} failed",
            c.converted, c.skipped, c.failed
        );
    }
    if let Some(t) = &report.tests {
        let t = &t.summary;
        eprintln!(
            "sigmaforge: rule tests: {} passed, {} failed, {} not run; {} rule(s) without tests",
            t.passed, t.failed, t.errors, t.untested
        );
    }
    for (status, label) in [
        (sigmaforge::render::Status::Failed, "failed"),
        (sigmaforge::render::Status::Skipped, "skipped"),
    ] {
        let list: Vec<(String, String)> = report
            .unusable
            .iter()
            .filter(|u| u.status == status)
            .map(|u| (u.path.clone(), u.reason.clone()))
            .collect();
        name_inputs(label, &list, "conversion.jsonl");
    }
    report_written(&report.written, &plan.output_dir);
    eprintln!(
        "sigmaforge: ATT&CK {}: {} technique(s) covered; artifacts in {}",
        report.stats.attack_version,
        report.stats.techniques_covered,
        plan.output_dir.display()
    );
    for n in &notes {
        eprintln!("sigmaforge: warning: {n}");
    }

    if env.in_actions {
        let annotations: Vec<commands::Annotation> = report
            .head
            .diagnostics
            .iter()
            .map(commands::Annotation::from)
            .collect();
        print!(
            "{}",
            commands::render_annotations(&annotations, "the step summary and the SARIF report")
        );
        for n in &notes {
            println!("::warning title=sigmaforge::{}", commands::escape_data(n));
        }
        if let Some(p) = &env.step_summary_path {
            commands::append_summary(p, &report.markdown, "the report.md artifact")?;
        }
    }

    let mut outputs: Vec<(&str, String)> = vec![
        ("rules", s.rules.to_string()),
        ("documents", s.documents.to_string()),
        ("errors", s.errors.to_string()),
        ("warnings", s.warnings.to_string()),
        ("techniques", report.stats.techniques_covered.to_string()),
        (
            "coverage-percent",
            format!(
                "{:.1}",
                100.0 * report.stats.techniques_covered as f64
                    / report.stats.techniques_total.max(1) as f64
            ),
        ),
        ("output-dir", plan.output_dir.display().to_string()),
    ];
    for (role, key) in [
        ("sarif", "sarif-path"),
        ("layer", "layer-path"),
        ("report", "report-path"),
    ] {
        if let Some(p) = report.artifacts.get(role) {
            outputs.push((key, p.display().to_string()));
        }
    }

    // A comment request is written whenever one is asked for: fork pull requests set
    // `comment: false` (their token cannot post) together with `comment-request`, and the trusted
    // `workflow_run` half posts it.
    if env.is_pull_request_event() {
        if let Some(path) = &plan.comment_request {
            let req =
                github::CommentRequest::for_current_pr(env, &plan.comment_id, &report.markdown)?;
            github::request::write_comment_request(path, &req)?;
            outputs.push(("comment-request-path", path.display().to_string()));
        } else if plan.comment {
            let options = StickyOptions {
                marker_id: plan.comment_id.clone(),
                bot_login: plan.comment_author.clone(),
                ..StickyOptions::default()
            };
            post_comment(&plan, &report.markdown, &options, &mut outputs);
        }
    }
    if let Some(p) = &env.output_path {
        for (k, v) in &outputs {
            commands::append_output(p, k, v)?;
        }
    }
    let failing = plan.fail_level.is_some_and(|level| report.fails_at(level));
    exit_without_drop(report);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Posts or updates the sticky comment. The comment is a convenience: any failure is a warning,
/// never the exit code.
fn post_comment(
    plan: &RunPlan,
    markdown: &str,
    options: &StickyOptions,
    outputs: &mut Vec<(&str, String)>,
) {
    match github::post_sticky_for_current_pr(&plan.actions, markdown, options) {
        Ok(outcome) => {
            if matches!(
                outcome.action,
                CommentAction::Created | CommentAction::Updated | CommentAction::Unchanged
            ) && let Some(url) = &outcome.url
            {
                outputs.push(("comment-url", url.clone()));
            }
            if let Some(w) = outcome.warning() {
                println!(
                    "::warning title=sigmaforge comment::{}",
                    commands::escape_data(&w)
                );
            }
        }
        Err(e) => println!(
            "::warning title=sigmaforge comment::{}",
            commands::escape_data(&e.to_string())
        ),
    }
}

/// What to do when the pull request's base revision cannot be checked out: without git (the
/// action's image has none) a deeper fetch cannot help, a base checkout passed as a folder can.
fn base_hint(e: &compare::CompareError) -> String {
    match e {
        compare::CompareError::ToolMissing { .. } => format!(
            "no coverage diff: {e} (check out the base branch with actions/checkout, `ref: ${{{{ github.base_ref }}}}` and `path: base`, and pass `base-dir: base`)"
        ),
        _ => format!("no coverage diff: {e} (check out with `fetch-depth: 0`, or pass base-dir)"),
    }
}
