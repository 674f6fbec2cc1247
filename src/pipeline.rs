//! `sigmaforge run`: the whole job in one process — scan, validate, convert every configured target,
//! build the ATT&CK layer and statistics, compare with a base tree, and write every artifact plus the
//! Markdown report. GitHub side effects (annotations, outputs, the PR comment) stay with the caller.

use crate::artifacts::{self, ArtifactError, ArtifactSet, Phase, Written};
use crate::attack::{self, AttackData, CoverageDiff, CoverageStats, LayerOutput};
use crate::compare::{self, CompareError, Snapshot};
use crate::config::{Config, TargetSettings};
use crate::diag::{Diagnostic, Severity};
use crate::eval::EvalOptions;
use crate::eval::suite::{self, TestRun};
use crate::mapping::{ConfigSet, MappingConfigError as MappingError};
use crate::render::convert::Unusable;
use crate::render::{self as target, Outcome, Status, Target};
use crate::report::{self, Summary};
use crate::validate::{self, Validator};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a run could not be carried out (configuration or I/O problems: exit code 2).
#[derive(Debug, Error)]
pub enum RunError {
    /// A mapping config could not be loaded or does not fit a target.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// A processing pipeline could not be loaded.
    #[error(transparent)]
    Pipeline(#[from] crate::mapping::pipeline::LoadPipelineError),
    /// A target or its options are unknown.
    #[error("target `{name}`: {message}")]
    Target {
        /// Target name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// Scanning or comparing failed.
    #[error(transparent)]
    Compare(#[from] CompareError),
    /// Layer options or ATT&CK data were unusable.
    #[error(transparent)]
    Coverage(#[from] attack::CoverageError),
    /// An artifact could not be serialised (never written as an empty file instead).
    #[error("cannot serialise an artifact: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The rule-test folders could not be read.
    #[error("reading rule tests: {0}")]
    Tests(#[from] suite::SuiteError),
    /// Planning or writing the artifact folder failed (I/O, a name clash, a symlinked folder).
    #[error(transparent)]
    Write(#[from] ArtifactError),
    /// Converted rules could not be laid out as files.
    #[error(transparent)]
    Output(#[from] target::output::OutputError),
}

/// Everything `run` needs, resolved by the caller from the command line, the action inputs and
/// `.sigmaforge.yml`.
pub struct RunInputs<'a> {
    /// Repository root; rule paths and artifact paths are relative to it.
    pub root: PathBuf,
    /// The loaded `.sigmaforge.yml` (or defaults).
    pub config: &'a Config,
    /// Rule paths, relative to the root.
    pub rules: Vec<PathBuf>,
    /// Artifact folder (relative paths are relative to the current directory).
    pub output: PathBuf,
    /// Targets with their configs and options.
    pub targets: Vec<TargetSettings>,
    /// ATT&CK data.
    pub attack: &'a AttackData,
    /// A checkout of the base revision to compare with (pull requests).
    pub base: Option<PathBuf>,
    /// Links to rule files in the layer.
    pub github: Option<attack::GithubContext>,
    /// Link to this run, for the report.
    pub run_url: Option<String>,
    /// Rule-test folders, relative to the root (none: no tests are run).
    pub tests: Vec<PathBuf>,
    /// The field catalog conversion types queries against (`None`: `field-check: off`).
    pub fields: Option<std::sync::Arc<crate::mapping::catalog::FieldCatalog>>,
    /// `field-check: strict`: rules with a field missing from an index are skipped.
    pub strict_fields: bool,
    /// Markdown the caller appends to the report (the deploy plan section), or empty.
    pub extra_markdown: String,
}

/// Per-target conversion counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TargetCounts {
    /// Converted documents.
    pub converted: usize,
    /// Skipped documents (with reasons in `conversion.jsonl`).
    pub skipped: usize,
    /// Failed documents.
    pub failed: usize,
}

/// What a run produced.
pub struct RunReport {
    /// Head snapshot (scan + findings).
    pub head: Snapshot,
    /// Counts for the summary.
    pub summary: Summary,
    /// Every conversion outcome, all targets.
    pub outcomes: Vec<Outcome>,
    /// Counts per target, in configured order.
    pub per_target: Vec<(String, TargetCounts)>,
    /// Inputs no target could convert (files that do not parse or hold no Sigma, rejected documents).
    pub unusable: Vec<Unusable>,
    /// The layer, when enabled.
    pub layer: Option<LayerOutput>,
    /// Coverage statistics.
    pub stats: CoverageStats,
    /// Coverage and findings diff against the base, when a base was given.
    pub diff: Option<CoverageDiff>,
    /// The rule tests, when the repository has test folders.
    pub tests: Option<TestRun>,
    /// The Markdown report (step summary and PR comment body).
    pub markdown: String,
    /// Artifacts written, by role (`sarif`, `layer`, `report`, …) and path.
    pub artifacts: BTreeMap<&'static str, PathBuf>,
    /// What the commit of the output folder did (written, unchanged, stale removed).
    pub written: Written,
}

impl RunReport {
    /// Whether a finding reaches `level`; a failed rule test is an error.
    pub fn fails_at(&self, level: Severity) -> bool {
        self.head.diagnostics.iter().any(|d| d.severity >= level)
            || self.tests.as_ref().is_some_and(TestRun::failed)
    }
}

/// Adds a run-level file (reports, layers: [`Phase::Whole`]) to the set; returns its path under `out`.
fn add(set: &mut ArtifactSet, out: &Path, name: &str, text: String) -> Result<PathBuf, RunError> {
    set.add(name, Phase::Whole, text)?;
    Ok(out.join(name))
}

/// The built-in ECS configs a target gets when nothing configures it. Each applies only to the log
/// sources it knows (`applies_to`), so chaining all of them maps every rule by its logsource and
/// leaves the rest as written.
pub const DEFAULT_CONFIGS: [&str; 4] = ["ecs-windows", "ecs-linux", "ecs-proxy", "ecs-cloudtrail"];

/// A target nothing configures: the built-in ECS configs ([`DEFAULT_CONFIGS`]), no options.
pub fn default_target(name: &str) -> TargetSettings {
    TargetSettings {
        name: name.to_string(),
        configs: DEFAULT_CONFIGS.iter().map(|c| c.to_string()).collect(),
        ..TargetSettings::default()
    }
}

/// The default targets when `.sigmaforge.yml` names none: the query string and the detection rules.
pub fn default_targets() -> Vec<TargetSettings> {
    ["es-qs", "es-rule"]
        .iter()
        .map(|n| default_target(n))
        .collect()
}

/// Runs the job. Findings never make this fail; the caller decides the exit code with
/// [`RunReport::fails_at`]. Every input file appears in the conversion outcomes (a file that does not
/// parse is `failed`, and is also an error finding). Nothing is written until every artifact is
/// computed; then the output folder is committed in one go ([`artifacts::commit`]: per-rule files,
/// then bundles and reports, stale files of earlier runs removed, the manifest last).
pub fn run(inputs: &RunInputs<'_>) -> Result<RunReport, RunError> {
    let checks = validate::attack_tags::validators(inputs.attack);
    let extra: Vec<&dyn Validator> = checks.iter().map(|c| c as &dyn Validator).collect();

    // Configure targets first: a bad config or option is a usage error before any work is done.
    let mut groups: Vec<(ConfigSet, Vec<Box<dyn Target>>)> = Vec::new();
    let mut keys: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for t in &inputs.targets {
        let mut set = ConfigSet::load(&t.configs)?;
        if !t.pipelines.is_empty() {
            let pipelines = t
                .pipelines
                .iter()
                .map(|p| crate::mapping::pipeline::load_pipeline(p))
                .collect::<Result<Vec<_>, _>>()?;
            set = set.with_pipelines(pipelines);
        }
        if let Some(catalog) = &inputs.fields {
            set = set.with_catalog(catalog.clone(), inputs.strict_fields);
        }
        set.check_target(&t.name)?;
        let configured =
            target::configured(&t.name, &t.options).map_err(|message| RunError::Target {
                name: t.name.clone(),
                message,
            })?;
        let key = (t.configs.clone(), t.pipelines.clone());
        match keys.iter().position(|k| *k == key) {
            Some(i) => groups[i].1.push(configured),
            None => {
                keys.push(key);
                groups.push((set, vec![configured]));
            }
        }
    }

    // Never read our own artifacts or the base checkout as rules (a repository without `rules/`
    // is scanned whole).
    let mut excluded = vec![inputs.output.clone()];
    excluded.extend(inputs.base.clone());
    let head = compare::snapshot_excluding(
        &inputs.root,
        &inputs.rules,
        &excluded,
        &inputs.config.validation,
        &extra,
    )?;
    let summary = Summary::new(&head.scan, &head.diagnostics);
    let out = &inputs.output;
    let mut artifacts = BTreeMap::new();
    let mut files = ArtifactSet::new();

    // Findings.
    let catalogue = validate::registry::catalogue(&extra);
    let json = report::json::render(&summary, &head.diagnostics)?;
    artifacts.insert("findings", add(&mut files, out, "findings.json", json)?);
    let sarif = report::sarif::render(&head.diagnostics, &catalogue, env!("CARGO_PKG_VERSION"))?;
    artifacts.insert("sarif", add(&mut files, out, "sigmaforge.sarif", sarif)?);

    // Rule tests, when the repository has them.
    let tests = if inputs.tests.is_empty() {
        None
    } else {
        let mut test_files = Vec::new();
        for d in &inputs.tests {
            test_files.extend(suite::discover(&inputs.root.join(d))?);
        }
        let run = suite::run(
            &head.scan,
            &test_files,
            &EvalOptions::default(),
            crate::eval::DEFAULT_MAX_EVENT_BYTES,
        );
        let text = serde_json::to_string_pretty(&run)? + "\n";
        artifacts.insert("tests", add(&mut files, out, "tests.json", text)?);
        let junit = report::tests::junit(&run);
        artifacts.insert(
            "tests-junit",
            add(&mut files, out, "tests.junit.xml", junit)?,
        );
        Some(run)
    };

    // Conversion: one mapping per config set, every target of the set rendering the same IR.
    let mut outcomes = Vec::new();
    let mut per_target = Vec::new();
    for (set, targets) in &groups {
        let refs: Vec<&dyn Target> = targets.iter().map(|t| t.as_ref()).collect();
        let got = crate::render::convert::convert(&head.scan, set, inputs.attack, &refs);
        target::output::plan_outputs(&mut files, "convert", &got, &refs)?;
        outcomes.extend(got);
    }
    for t in &inputs.targets {
        let mut c = TargetCounts::default();
        for o in outcomes.iter().filter(|o| o.target == t.name) {
            match o.status {
                Status::Converted => c.converted += 1,
                Status::Skipped => c.skipped += 1,
                Status::Failed => c.failed += 1,
            }
        }
        per_target.push((t.name.clone(), c));
    }
    let mut jsonl = String::new();
    for o in &outcomes {
        jsonl.push_str(&serde_json::to_string(o)?);
        jsonl.push('\n');
    }
    artifacts.insert(
        "conversion",
        add(&mut files, out, "conversion.jsonl", jsonl)?,
    );

    // ATT&CK coverage.
    let ls = &inputs.config.run.layer;
    let filter = attack::RuleFilter {
        statuses: ls.statuses.clone(),
        min_level: ls.min_level.clone(),
        min_status: ls.min_status.clone(),
        include_folders: ls.include.clone(),
        exclude_folders: ls.exclude.clone(),
    };
    filter.validate()?;
    let score = match &ls.score {
        Some(s) => attack::ScoreMode::parse(s).ok_or_else(|| {
            attack::CoverageError::Option(format!(
                "unknown layer score `{s}` (use count, level or status)"
            ))
        })?,
        None => attack::ScoreMode::Count,
    };
    let name = ls
        .name
        .clone()
        .unwrap_or_else(|| "Sigma rule coverage".to_string());
    let stats = attack::coverage_stats(
        &head.rules,
        &attack::StatsOptions {
            filter: filter.clone(),
            ..attack::StatsOptions::default()
        },
        inputs.attack,
    )?;
    add(
        &mut files,
        out,
        "coverage.json",
        serde_json::to_string_pretty(&stats)? + "\n",
    )?;
    let layer = if ls.enabled {
        let options = attack::LayerOptions {
            name: name.clone(),
            score,
            filter: filter.clone(),
            github: inputs.github.clone(),
            ..attack::LayerOptions::default()
        };
        let layer = attack::build_layer(&head.rules, &options, inputs.attack)?;
        artifacts.insert(
            "layer",
            add(&mut files, out, "layer.json", layer.layer.to_json()?)?,
        );
        if ls.svg {
            let svg = attack::render_svg(
                &head.rules,
                &attack::SvgOptions {
                    title: name.clone(),
                    filter: filter.clone(),
                    score,
                    ..attack::SvgOptions::default()
                },
                inputs.attack,
            )?;
            artifacts.insert("svg", add(&mut files, out, "heatmap.svg", svg)?);
        }
        Some(layer)
    } else {
        None
    };

    // Base comparison (pull requests).
    let diff = match &inputs.base {
        Some(base_root) => {
            let base = compare::snapshot_excluding(
                base_root,
                &inputs.rules,
                &excluded,
                &inputs.config.validation,
                &extra,
            )?;
            let diff = compare::diff(
                &base,
                &head,
                &attack::DiffOptions {
                    filter,
                    score,
                    ..attack::DiffOptions::default()
                },
                inputs.attack,
            )?;
            add(
                &mut files,
                out,
                "coverage-diff.json",
                serde_json::to_string_pretty(&diff)? + "\n",
            )?;
            let diff_layer = diff.layer(
                &attack::LayerOptions {
                    name: format!("{name}: change"),
                    score,
                    ..attack::LayerOptions::default()
                },
                inputs.attack,
            )?;
            artifacts.insert(
                "layer-diff",
                add(&mut files, out, "layer-diff.json", diff_layer.to_json()?)?,
            );
            Some(diff)
        }
        None => None,
    };

    let unusable = target::convert::unusable_inputs(&head.scan);
    let mut markdown = render_markdown(
        &summary,
        &head.diagnostics,
        &Conversion {
            per_target: &per_target,
            outcomes: &outcomes,
        },
        &stats,
        diff.as_ref(),
        tests.as_ref(),
        inputs.run_url.as_deref(),
    );
    markdown.push_str(&never_matching(&outcomes));
    markdown.push_str(&inputs.extra_markdown);
    artifacts.insert(
        "report",
        add(&mut files, out, "report.md", markdown.clone())?,
    );
    let written = artifacts::commit(out, &files)?;

    Ok(RunReport {
        head,
        summary,
        outcomes,
        per_target,
        unusable,
        layer,
        stats,
        diff,
        tests,
        markdown,
        artifacts,
        written,
    })
}

/// The rules the field catalog says can never match (fields they require are missing from every
/// index they search), per target, as a Markdown section; empty when there are none. At most 30
/// rows, so the PR comment stays bounded.
pub fn never_matching(outcomes: &[Outcome]) -> String {
    let rows: Vec<&Outcome> = outcomes.iter().filter(|o| o.never_matches).collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut md = format!(
        "\n### Rules that would never match ({})\n\nFields they require do not exist in the \
         indices they search (`SF203`; see `sigmaforge check` for the fields).\n\n",
        rows.len()
    );
    for o in rows.iter().take(30) {
        let title = o.title.as_deref().unwrap_or("(untitled)");
        let _ = writeln!(md, "- `{}` ({}): {title}", o.path, o.target);
    }
    if rows.len() > 30 {
        let _ = writeln!(md, "- … and {} more", rows.len() - 30);
    }
    md
}

/// At most this many not-converted documents are listed in the report.
const MISSED_CAP: usize = 30;

/// What the report says about conversion: counts per target and every outcome (for the list of
/// documents that were not converted).
pub struct Conversion<'a> {
    /// Counts per target, in target order.
    pub per_target: &'a [(String, TargetCounts)],
    /// Every outcome of every target.
    pub outcomes: &'a [crate::render::Outcome],
}

/// The Markdown report: headline, findings by code, conversion per target, then either the coverage
/// change (pull requests) or the coverage statistics. Bounded in size: long tables are capped.
pub fn render_markdown(
    summary: &Summary,
    diags: &[Diagnostic],
    conversion: &Conversion<'_>,
    stats: &CoverageStats,
    diff: Option<&CoverageDiff>,
    tests: Option<&TestRun>,
    run_url: Option<&str>,
) -> String {
    let (per_target, outcomes) = (conversion.per_target, conversion.outcomes);
    let mut md = String::new();
    let verdict = if summary.errors > 0 { "❌" } else { "✅" };
    let _ = writeln!(
        md,
        "## {verdict} sigmaforge: {}, {} error(s), {} warning(s)\n",
        summary.documents_text(),
        summary.errors,
        summary.warnings
    );
    if !diags.is_empty() {
        let mut by_code: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
        for d in diags {
            *by_code.entry((d.code.as_str(), d.severity)).or_default() += 1;
        }
        let mut rows: Vec<_> = by_code.into_iter().collect();
        rows.sort_by(|a, b| b.0.1.cmp(&a.0.1).then(b.1.cmp(&a.1)).then(a.0.0.cmp(b.0.0)));
        md.push_str("| code | severity | findings |\n|---|---|---:|\n");
        for ((code, sev), n) in rows.iter().take(20) {
            let _ = writeln!(md, "| {code} | {sev} | {n} |");
        }
        if rows.len() > 20 {
            let _ = writeln!(md, "| … | | {} more code(s) |", rows.len() - 20);
        }
        md.push('\n');
        let errors: Vec<&Diagnostic> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if !errors.is_empty() {
            md.push_str("<details><summary>Errors</summary>\n\n");
            for d in errors.iter().take(50) {
                let _ = writeln!(
                    md,
                    "- `{}:{}:{}` **{}** {}",
                    d.path,
                    d.line,
                    d.col,
                    d.code,
                    d.message.replace('\n', " ")
                );
            }
            if errors.len() > 50 {
                let _ = writeln!(md, "- … and {} more", errors.len() - 50);
            }
            md.push_str("\n</details>\n\n");
        }
    }
    if !per_target.is_empty() {
        md.push_str("| target | converted | skipped | failed |\n|---|---:|---:|---:|\n");
        for (name, c) in per_target {
            let _ = writeln!(
                md,
                "| {name} | {} | {} | {} |",
                c.converted, c.skipped, c.failed
            );
        }
        md.push('\n');
    }
    if let Some(t) = tests {
        tests_markdown(&mut md, t);
    }
    // Which documents were not converted, and why (capped; conversion.jsonl has every one).
    let missed: Vec<_> = outcomes
        .iter()
        .filter(|o| o.status != Status::Converted)
        .collect();
    if !missed.is_empty() {
        let _ = writeln!(
            md,
            "<details><summary>Not converted ({})</summary>\n",
            missed.len()
        );
        for o in missed.iter().take(MISSED_CAP) {
            let _ = writeln!(
                md,
                "- `{}` {}: {} — {}",
                o.path,
                o.target,
                if o.status == Status::Failed {
                    "failed"
                } else {
                    "skipped"
                },
                o.reason
                    .as_deref()
                    .unwrap_or("no reason given")
                    .replace('\n', " ")
            );
        }
        if missed.len() > MISSED_CAP {
            let _ = writeln!(
                md,
                "- … and {} more: every one is in `conversion.jsonl`",
                missed.len() - MISSED_CAP
            );
        }
        md.push_str("\n</details>\n\n");
    }
    match diff {
        Some(d) => md.push_str(&d.to_markdown(20)),
        None => md.push_str(&stats.to_markdown()),
    }
    if let Some(url) = run_url {
        let _ = writeln!(md, "\n[Full report and artifacts]({url})");
    }
    md
}

/// The tests section of the report: totals, then the failed and unrunnable tests (capped).
fn tests_markdown(md: &mut String, run: &TestRun) {
    let s = &run.summary;
    let mark = if run.failed() { "❌" } else { "✅" };
    let _ = writeln!(
        md,
        "### {mark} Rule tests: {} passed, {} failed, {} not run\n\n{} of {} rules have tests; {} without tests.\n",
        s.passed, s.failed, s.errors, s.tested, s.rules, s.untested
    );
    let bad: Vec<_> = run
        .tests
        .iter()
        .filter(|t| t.verdict != suite::Verdict::Passed)
        .collect();
    if !bad.is_empty() {
        for t in bad.iter().take(20) {
            let _ = writeln!(
                md,
                "- `{}` on `{}`: {}",
                t.rule_path.as_deref().unwrap_or(&t.rule),
                t.file,
                t.detail.as_deref().unwrap_or("").replace('\n', " ")
            );
        }
        if bad.len() > 20 {
            let _ = writeln!(md, "- … and {} more", bad.len() - 20);
        }
        md.push('\n');
    }
}
