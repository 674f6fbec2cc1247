//! `sigmaforge layer`: an ATT&CK Navigator layer (and SVG heatmap, statistics) of the rules.

use super::args::CoverageFilterArgs;
use super::util::{load_attack_data, name_inputs, process_env, write_file};
use anyhow::Result;
use sigmaforge::diag::Severity;
use sigmaforge::render::Status;
use sigmaforge::scan;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub(super) struct LayerArgs {
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
    /// Exit 1 when a tag adds no coverage (unknown, deprecated or malformed); error findings always
    /// exit 1.
    #[arg(long)]
    fail_on_unmapped: bool,
    #[command(flatten)]
    common: CoverageFilterArgs,
}

pub(super) fn layer(args: LayerArgs) -> Result<ExitCode> {
    use sigmaforge::attack;
    let data = load_attack_data(args.common.attack_data.as_deref())?;
    let filter = args.common.filter()?;
    let scan = scan::scan(&args.paths)?;
    let rules = attack::coverage_rules(&scan, None);
    let unusable = sigmaforge::render::convert::unusable_inputs(&scan);
    let options = attack::LayerOptions {
        name: args.name.clone(),
        description: args.description.clone(),
        domain: args.common.domain,
        score: args.common.score,
        filter: filter.clone(),
        github: sigmaforge::plan::github_context(process_env),
        max_rules_per_cell: args.max_rules_per_cell,
        gradient_max: args.gradient_max,
        ..attack::LayerOptions::default()
    };
    let out = attack::build_layer(&rules, &options, &data)?;
    write_file(&args.output, &out.layer.to_json()?)?;
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
    let mut errors = 0;
    for f in &out.findings {
        errors += usize::from(f.finding.kind.severity() == Severity::Error);
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
    let named = |status| {
        unusable
            .iter()
            .filter(|u| u.status == status)
            .map(|u| (u.path.clone(), u.reason.clone()))
            .collect::<Vec<_>>()
    };
    let (failed, skipped) = (named(Status::Failed), named(Status::Skipped));
    if !failed.is_empty() || !skipped.is_empty() {
        eprintln!(
            "sigmaforge: {} input(s) failed and {} skipped: not in the layer",
            failed.len(),
            skipped.len()
        );
        name_inputs("failed", &failed, "`sigmaforge check`");
        name_inputs("skipped", &skipped, "`sigmaforge check`");
    }
    // An `error:` line printed means the layer is wrong somewhere: never exit 0 after one.
    Ok(
        if errors > 0 || !failed.is_empty() || (args.fail_on_unmapped && out.unmapped_tags > 0) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}
