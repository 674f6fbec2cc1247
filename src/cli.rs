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
    /// The whole job (check, convert, layer, coverage, reports, PR comment), as the GitHub Action runs it.
    Run(RunArgs),
    /// Convert rules into Elastic artifacts through mapping configs and overrides.
    Convert(ConvertArgs),
    /// Write an ATT&CK Navigator layer (and optionally an SVG heatmap) of the rules' coverage.
    Layer(LayerArgs),
    /// Coverage statistics, and the coverage/findings diff between two trees or revisions.
    #[command(subcommand)]
    Coverage(CoverageCommand),
}

/// Options shared by every ATT&CK coverage command.
#[derive(clap::Args, Debug, Clone)]
struct CoverageFilterArgs {
    /// ATT&CK data (a sigmaforge table or a MITRE STIX bundle) instead of the embedded v19.1 tables.
    #[arg(long)]
    attack_data: Option<PathBuf>,
    /// Matrix: enterprise, ics or mobile.
    #[arg(long, default_value = "enterprise", value_parser = parse_domain)]
    domain: sigmaforge::attack::Domain,
    /// Score of a technique: count (rules), level (weighted by level) or status (weighted by status).
    #[arg(long, default_value = "count", value_parser = parse_score)]
    score: sigmaforge::attack::ScoreMode,
    /// Only rules with one of these statuses (repeatable).
    #[arg(long = "status")]
    statuses: Vec<String>,
    /// Only rules at least this mature (experimental < test < stable).
    #[arg(long)]
    min_status: Option<String>,
    /// Only rules at this level or above.
    #[arg(long)]
    min_level: Option<String>,
    /// Only rules under these folders (repeatable, repository-relative).
    #[arg(long = "include")]
    include: Vec<String>,
    /// Drop rules under these folders (repeatable).
    #[arg(long = "exclude")]
    exclude: Vec<String>,
}

impl CoverageFilterArgs {
    fn filter(&self) -> Result<sigmaforge::attack::RuleFilter> {
        let f = sigmaforge::attack::RuleFilter {
            statuses: self.statuses.clone(),
            min_level: self.min_level.clone(),
            min_status: self.min_status.clone(),
            include_folders: self.include.clone(),
            exclude_folders: self.exclude.clone(),
        };
        f.validate()?;
        Ok(f)
    }
}

fn parse_domain(s: &str) -> Result<sigmaforge::attack::Domain, String> {
    sigmaforge::attack::Domain::parse(s)
        .ok_or_else(|| format!("unknown domain `{s}` (use enterprise, ics or mobile)"))
}

fn parse_score(s: &str) -> Result<sigmaforge::attack::ScoreMode, String> {
    sigmaforge::attack::ScoreMode::parse(s)
        .ok_or_else(|| format!("unknown score `{s}` (use count, level or status)"))
}

/// `run` options. Each also reads the GitHub Action input of the same name (`INPUT_*`); an empty
/// value means "not given", so `.sigmaforge.yml` and the built-in defaults apply.
#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Repository root.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// `.sigmaforge.yml` to use (default: found from the repository root).
    #[arg(long, env = "INPUT_CONFIG")]
    config: Option<String>,
    /// Rule paths, separated by spaces or newlines (default: `rules:` of the config, else `rules/`).
    #[arg(long, env = "INPUT_RULES")]
    rules: Option<String>,
    /// Comma-separated targets (default: `targets:` of the config, else es-qs,es-rule).
    #[arg(long, env = "INPUT_TARGETS")]
    targets: Option<String>,
    /// Artifact folder (default: `output:` of the config, else `sigmaforge-out`).
    #[arg(long, env = "INPUT_OUTPUT-DIR")]
    output_dir: Option<String>,
    /// Lowest severity that fails the run: error, warning, info or never.
    #[arg(long, env = "INPUT_FAIL-LEVEL")]
    fail_level: Option<String>,
    /// Post the sticky PR comment on pull_request events: true or false.
    #[arg(long, env = "INPUT_COMMENT")]
    comment: Option<String>,
    /// Sticky comment instance id.
    #[arg(long, env = "INPUT_COMMENT-ID")]
    comment_id: Option<String>,
    /// Login whose comments count as ours.
    #[arg(long, env = "INPUT_COMMENT-AUTHOR")]
    comment_author: Option<String>,
    /// Write the comment as a request file here instead of posting (fork-safe flow).
    #[arg(long, env = "INPUT_COMMENT-REQUEST")]
    comment_request: Option<String>,
    /// A checkout of the base revision to compare with (default on pull requests: the event's base
    /// commit, extracted with git).
    #[arg(long, env = "INPUT_BASE-DIR")]
    base_dir: Option<String>,
    /// Compare with this git revision of the repository instead.
    #[arg(long)]
    base_ref: Option<String>,
    /// ATT&CK data instead of the embedded v19.1 tables.
    #[arg(long)]
    attack_data: Option<PathBuf>,
}

/// An option that is unset or empty (action inputs are always set, possibly to "").
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ConvertFormat {
    /// The artifacts, one per converted rule.
    Text,
    /// One JSON object per rule document and target: path, id, title, target, status, output, reason.
    Jsonl,
}

#[derive(clap::Args, Debug)]
struct ConvertArgs {
    /// Rule files, folders or glob patterns.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Targets, comma-separated or repeated (`sigmaforge list targets`).
    #[arg(short, long = "target", required = true, value_delimiter = ',')]
    targets: Vec<String>,
    /// Mapping configs (built-in names or paths), applied in order (`sigmaforge list configs`).
    #[arg(short, long = "config")]
    configs: Vec<String>,
    /// Target options as key=value (`docs/targets.md`).
    #[arg(short = 'O', long = "option", value_parser = parse_key_value)]
    options: Vec<(String, String)>,
    /// Write one file per rule and the bundles under DIR/<target>/ instead of printing.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = ConvertFormat::Text)]
    format: ConvertFormat,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("`{s}` is not key=value"))
}

#[derive(clap::Args, Debug)]
struct LayerArgs {
    /// Rule files, folders or glob patterns.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Where to write the layer JSON.
    #[arg(short, long)]
    output: PathBuf,
    /// Also write a self-contained SVG heatmap of the matrix.
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Also write coverage statistics as JSON.
    #[arg(long)]
    stats_json: Option<PathBuf>,
    /// Also write coverage statistics as Markdown.
    #[arg(long)]
    stats_markdown: Option<PathBuf>,
    /// Layer name.
    #[arg(long, default_value = "Sigma rule coverage")]
    name: String,
    /// Layer description (default: rule count, score and ATT&CK version).
    #[arg(long)]
    description: Option<String>,
    /// At most this many rules listed per technique.
    #[arg(long, default_value_t = 20)]
    max_rules_per_cell: usize,
    /// Cap the colour gradient at this score (default: the real maximum).
    #[arg(long)]
    gradient_max: Option<u32>,
    /// Exit 1 when a tag adds no coverage (unknown, deprecated or malformed).
    #[arg(long)]
    fail_on_unmapped: bool,
    #[command(flatten)]
    common: CoverageFilterArgs,
}

#[derive(Subcommand, Debug)]
enum CoverageCommand {
    /// Per-tactic and per-platform coverage, most and least covered techniques.
    Stats(StatsArgs),
    /// What changes between BASE and HEAD (folders, or git revisions with --repo).
    Diff(DiffArgs),
}

#[derive(clap::Args, Debug)]
struct StatsArgs {
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
struct DiffArgs {
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

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ListWhat {
    /// Parser diagnostic codes.
    Codes,
    /// Validators with their pySigma equivalents.
    Validators,
    /// Conversion targets.
    Targets,
    /// Built-in mapping configs.
    Configs,
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
        Command::Run(a) => run(a),
        Command::Convert(a) => convert(a),
        Command::Layer(a) => layer(a),
        Command::Coverage(CoverageCommand::Stats(a)) => coverage_stats(a),
        Command::Coverage(CoverageCommand::Diff(a)) => coverage_diff(a),
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
    exit_without_drop(scan);
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
            let attack_infos = sigmaforge::validate::attack_tags::INFOS.iter();
            let builtin = sigmaforge::validate::registry::builtin()
                .iter()
                .map(|v| v.info());
            let mut infos: Vec<_> = builtin.chain(attack_infos).collect();
            infos.sort_by_key(|i| i.code);
            for i in infos {
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
            write_output(None, &out)?;
        }
        ListWhat::Targets => {
            let mut out = String::new();
            for t in sigmaforge::render::targets() {
                out.push_str(&format!("{:<14} {}\n", t.name(), t.about()));
            }
            write_output(None, &out)?;
        }
        ListWhat::Configs => {
            let mut out = String::new();
            for (name, _) in sigmaforge::mapping::builtin_configs() {
                let config = sigmaforge::mapping::load_config(name)?;
                out.push_str(&format!(
                    "{:<16} {}\n",
                    name,
                    config.title.as_deref().unwrap_or("")
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

/// The embedded ATT&CK tables, or a newer table / STIX bundle given on the command line.
fn load_attack_data(path: Option<&std::path::Path>) -> Result<sigmaforge::attack::AttackData> {
    let data = sigmaforge::attack::AttackData::embedded();
    match path {
        None => Ok(data),
        Some(p) => data
            .with_table_file(p)
            .with_context(|| format!("loading ATT&CK data from {}", p.display())),
    }
}

fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Links to rule files when running in GitHub Actions.
fn github_context() -> Option<sigmaforge::attack::GithubContext> {
    let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
    Some(sigmaforge::attack::GithubContext {
        server_url: var("GITHUB_SERVER_URL")?,
        repository: var("GITHUB_REPOSITORY")?,
        sha: var("GITHUB_SHA")?,
    })
}

fn layer(args: LayerArgs) -> Result<ExitCode> {
    use sigmaforge::attack;
    let data = load_attack_data(args.common.attack_data.as_deref())?;
    let filter = args.common.filter()?;
    let scan = scan::scan(&args.paths)?;
    let rules = attack::coverage_rules(&scan, None);
    let options = attack::LayerOptions {
        name: args.name.clone(),
        description: args.description.clone(),
        domain: args.common.domain,
        score: args.common.score,
        filter: filter.clone(),
        github: github_context(),
        max_rules_per_cell: args.max_rules_per_cell,
        gradient_max: args.gradient_max,
        ..attack::LayerOptions::default()
    };
    let out = attack::build_layer(&rules, &options, &data)?;
    write_file(&args.output, &out.layer.to_json())?;
    if let Some(svg) = &args.svg {
        let text = attack::render_svg(
            &rules,
            &attack::SvgOptions {
                title: args.name.clone(),
                domain: args.common.domain,
                filter: filter.clone(),
                score: args.common.score,
            },
            &data,
        )?;
        write_file(svg, &text)?;
    }
    if args.stats_json.is_some() || args.stats_markdown.is_some() {
        let stats = attack::coverage_stats(
            &rules,
            &attack::StatsOptions {
                domain: args.common.domain,
                filter,
                top: 10,
            },
            &data,
        )?;
        if let Some(p) = &args.stats_json {
            write_file(p, &(serde_json::to_string_pretty(&stats)? + "\n"))?;
        }
        if let Some(p) = &args.stats_markdown {
            write_file(p, &stats.to_markdown())?;
        }
    }
    for f in &out.findings {
        if f.finding.kind.severity() >= Severity::Warning {
            eprintln!(
                "{}:{}:{}: {}: {}",
                f.path,
                f.finding.tag.line,
                f.finding.tag.col,
                f.finding.kind.severity(),
                f.finding.kind.message(&out.attack_version)
            );
        }
    }
    eprintln!(
        "sigmaforge: layer of {} rule(s) written to {} (ATT&CK {}); {} tag(s) added no coverage",
        rules.len(),
        args.output.display(),
        out.attack_version,
        out.unmapped_tags
    );
    Ok(if args.fail_on_unmapped && out.unmapped_tags > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn coverage_stats(args: StatsArgs) -> Result<ExitCode> {
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

fn coverage_diff(args: DiffArgs) -> Result<ExitCode> {
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
        write_file(p, &layer.to_json())?;
    }
    let text = match args.format {
        DocFormat::Markdown => diff.to_markdown(args.max_rows),
        DocFormat::Json => serde_json::to_string_pretty(&diff)? + "\n",
    };
    write_output(args.output.as_ref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

fn convert(args: ConvertArgs) -> Result<ExitCode> {
    use sigmaforge::mapping;
    use sigmaforge::render::{self as target, convert};
    let set = mapping::ConfigSet::load(&args.configs)?;
    for w in set.configs().iter().flat_map(|c| c.warnings()) {
        eprintln!("sigmaforge: warning: {w}");
    }
    let options: std::collections::BTreeMap<String, String> = args.options.into_iter().collect();
    let mut targets: Vec<Box<dyn target::Target>> = Vec::new();
    for name in &args.targets {
        set.check_target(name)?;
        targets.push(target::configured(name, &options).map_err(anyhow::Error::msg)?);
    }
    let refs: Vec<&dyn target::Target> = targets.iter().map(|t| t.as_ref()).collect();
    let scan = scan::scan(&args.paths)?;
    let outcomes = convert::convert(&scan, &set, &refs);
    if let Some(dir) = &args.output {
        let written = target::output::write_outputs(dir, &outcomes, &refs)?;
        eprintln!(
            "sigmaforge: {} file(s) written under {}",
            written.len(),
            dir.display()
        );
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
            for o in &outcomes {
                if let Some(text) = &o.output {
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
    for o in &outcomes {
        for w in &o.warnings {
            eprintln!("{}: warning: {w}", o.path);
        }
    }
    let (converted, skipped, failed, reasons) = convert::summarize(&outcomes);
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
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run(args: RunArgs) -> Result<ExitCode> {
    use sigmaforge::config::{Config, TargetSettings};
    use sigmaforge::github::{self, ActionsEnv, CommentAction, StickyOptions, commands};
    use sigmaforge::{compare, pipeline};

    let env = ActionsEnv::from_process();
    let root = args.repo.clone();
    let config = match given(&args.config) {
        Some(p) => Config::load(&root.join(p))?,
        None => match Config::find(&root) {
            Some(p) => Config::load(&p)?,
            None => Config::default(),
        },
    };
    let settings = &config.run;
    let rules: Vec<PathBuf> = match given(&args.rules) {
        Some(r) => r.split_whitespace().map(PathBuf::from).collect(),
        None if !settings.rules.is_empty() => settings.rules.clone(),
        None if root.join("rules").is_dir() => vec![PathBuf::from("rules")],
        None => vec![PathBuf::from(".")],
    };
    let configured = settings.targets.clone();
    let targets: Vec<TargetSettings> = match given(&args.targets) {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|name| {
                configured
                    .iter()
                    .flatten()
                    .find(|t| t.name == name)
                    .cloned()
                    .unwrap_or_else(|| TargetSettings {
                        name: name.to_string(),
                        ..TargetSettings::default()
                    })
            })
            .collect(),
        None => configured.unwrap_or_else(pipeline::default_targets),
    };
    let output = match given(&args.output_dir) {
        Some(o) => root.join(o),
        None => root.join(
            settings
                .output
                .clone()
                .unwrap_or_else(|| PathBuf::from("sigmaforge-out")),
        ),
    };
    let fail_level = match given(&args.fail_level).or(settings.fail_level.as_deref()) {
        None => Some(Severity::Error),
        Some("never") => None,
        Some(l) => Some(Severity::parse(l).with_context(|| {
            format!("unknown fail-level `{l}` (use error, warning, info or never)")
        })?),
    };
    let comment_on = match given(&args.comment) {
        Some(v) => !matches!(
            v.to_ascii_lowercase().as_str(),
            "false" | "no" | "0" | "off"
        ),
        None => settings.comment.enabled,
    };
    let attack_data = load_attack_data(
        args.attack_data
            .as_deref()
            .or(settings.layer.attack_data.as_deref()),
    )?;

    // The base to compare with: an explicit folder or revision, else the pull request's base commit.
    let mut checkout = None;
    let mut notes: Vec<String> = Vec::new();
    let base = if let Some(dir) = given(&args.base_dir) {
        Some(root.join(dir))
    } else {
        let rev = match &args.base_ref {
            Some(r) => Some(r.clone()),
            None if env.is_pull_request_event() => env
                .event_path
                .as_deref()
                .and_then(|p| github::event::read_pull_request_event(p).ok())
                .map(|e| e.base_sha),
            None => None,
        };
        match rev {
            Some(rev) => match compare::checkout_revision(&root, &rev) {
                Ok(c) => {
                    let p = c.path().to_path_buf();
                    checkout = Some(c);
                    Some(p)
                }
                Err(e) => {
                    notes.push(format!(
                        "no coverage diff: {e} (check out with `fetch-depth: 0`, or pass base-dir)"
                    ));
                    None
                }
            },
            None => None,
        }
    };

    let github_ctx = github_context();
    let report = pipeline::run(&pipeline::RunInputs {
        root: root.clone(),
        config: &config,
        rules,
        output: output.clone(),
        targets,
        attack: &attack_data,
        base,
        github: github_ctx,
        run_url: env.run_url(),
    })?;
    drop(checkout);

    // Human summary on stderr.
    let s = &report.summary;
    eprintln!(
        "sigmaforge: {} file(s), {} document(s): {} error(s), {} warning(s), {} info",
        s.files, s.documents, s.errors, s.warnings, s.infos
    );
    for (name, c) in &report.per_target {
        eprintln!(
            "sigmaforge: {name}: {} converted, {} skipped, {} failed",
            c.converted, c.skipped, c.failed
        );
    }
    eprintln!(
        "sigmaforge: ATT&CK {}: {} technique(s) covered; artifacts in {}",
        report.stats.attack_version,
        report.stats.techniques_covered,
        output.display()
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
        ("rules", s.documents.to_string()),
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
        ("output-dir", output.display().to_string()),
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

    if comment_on && env.is_pull_request_event() {
        let marker = given(&args.comment_id)
            .map(str::to_string)
            .or_else(|| settings.comment.id.clone())
            .unwrap_or_else(|| "default".to_string());
        if let Some(path) = given(&args.comment_request) {
            let path = root.join(path);
            let req = github::CommentRequest::for_current_pr(&env, &marker, &report.markdown)?;
            github::request::write_comment_request(&path, &req)?;
            outputs.push(("comment-request-path", path.display().to_string()));
        } else {
            let options = StickyOptions {
                marker_id: marker,
                bot_login: given(&args.comment_author)
                    .map(str::to_string)
                    .or_else(|| settings.comment.author.clone())
                    .unwrap_or_else(|| StickyOptions::default().bot_login),
                ..StickyOptions::default()
            };
            // The comment is a convenience: any failure is a warning, never the exit code.
            match github::post_sticky_for_current_pr(&env, &report.markdown, &options) {
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
    }
    if let Some(p) = &env.output_path {
        for (k, v) in &outputs {
            commands::append_output(p, k, v)?;
        }
    }
    let failing = fail_level.is_some_and(|level| report.fails_at(level));
    exit_without_drop(report);
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The process is about to exit: freeing a whole scan node by node costs tens of milliseconds on a
/// large repository and frees nothing the OS would not reclaim anyway.
fn exit_without_drop<T>(value: T) {
    std::mem::forget(value);
}
