//! Output helpers shared by the subcommands.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Writes `text` to `path`, or to standard output when no path is given.
pub(super) fn write_output(path: Option<&PathBuf>, text: &str) -> Result<()> {
    match path {
        Some(p) => write_file(p, text),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(text.as_bytes())
                .context("writing to standard output")
        }
    }
}

/// The embedded ATT&CK tables, or a newer table / STIX bundle given on the command line.
pub(super) fn load_attack_data(path: Option<&Path>) -> Result<sigmaforge::attack::AttackData> {
    let data = sigmaforge::attack::AttackData::embedded();
    match path {
        None => Ok(data),
        Some(p) => data
            .with_table_file(p)
            // the error names the file
            .context("loading ATT&CK data"),
    }
}

/// Writes `text` to `path`, creating its folder first; atomically (temporary file and rename), so
/// an interrupted run leaves the old file or the new one, never a prefix.
pub(super) fn write_file(path: &Path, text: &str) -> Result<()> {
    sigmaforge::artifacts::write_file_atomic(path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Most inputs named one by one on stderr per status; the rest are counted.
const MAX_NAMED: usize = 20;

/// Names the inputs (path, reason) that ended `label` (failed, skipped) on stderr, so a summary
/// never hides which files were not converted; capped at [`MAX_NAMED`] lines, then points to
/// `full_list` (where every one is listed).
pub(super) fn name_inputs(label: &str, inputs: &[(String, String)], full_list: &str) {
    for (path, reason) in inputs.iter().take(MAX_NAMED) {
        eprintln!("  {label}: {path}: {reason}");
    }
    if inputs.len() > MAX_NAMED {
        eprintln!(
            "  … and {} more {label}; see {full_list}",
            inputs.len() - MAX_NAMED
        );
    }
}

/// Reports what a commit of an output folder did: counts (true ones: what was actually written),
/// then edited stale files left in place and any notes.
pub(super) fn report_written(w: &sigmaforge::artifacts::Written, dir: &Path) {
    for n in &w.notes {
        eprintln!("sigmaforge: warning: {n}");
    }
    for k in &w.kept {
        eprintln!(
            "sigmaforge: warning: {} is no longer produced but was edited since sigmaforge wrote it; left in place",
            k.display()
        );
    }
    eprintln!(
        "sigmaforge: {} file(s) written, {} unchanged, {} stale removed under {}",
        w.written.len(),
        w.unchanged.len(),
        w.removed.len(),
        dir.display()
    );
}

/// The process is about to exit: freeing a whole scan (YAML trees, rule models, diagnostics) node
/// by node frees nothing the OS would not reclaim anyway, and it is measurable: `check` over the
/// SigmaHQ corpus (4,044 documents) took a median 0.56 s of CPU with this and 0.62 s when dropping
/// (16 runs each, release build). Only values that own no resources beyond memory may be passed:
/// nothing is flushed or closed.
pub(super) fn exit_without_drop<T>(value: T) {
    std::mem::forget(value);
}

/// The process environment, as the lookup the library's resolvers take.
pub(super) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `--field-catalog` / `--field-check`, shared by `convert` and `check`.
#[derive(clap::Args, Debug, Default)]
pub(super) struct FieldArgs {
    /// A user's Elasticsearch mapping (`GET <index>/_mapping` or `GET _index_template/<name>`
    /// output) merged over the embedded field catalog; repeatable, later files win.
    #[arg(long = "field-catalog", value_name = "FILE")]
    pub(super) field_catalog: Vec<PathBuf>,
    /// Field findings: `off` (no catalog typing), `warn` (default) or `strict` (a field missing
    /// from an index is an error; `convert` skips the rule).
    #[arg(long, value_name = "MODE", value_parser = parse_field_check)]
    pub(super) field_check: Option<sigmaforge::fieldcheck::FieldCheck>,
}

fn parse_field_check(s: &str) -> Result<sigmaforge::fieldcheck::FieldCheck, String> {
    sigmaforge::fieldcheck::FieldCheck::parse(s)
        .ok_or_else(|| format!("unknown field check `{s}` (use off, warn or strict)"))
}

/// The field catalog for a run: `None` when the check is off, else the embedded catalog with the
/// user's mapping files merged over it (paths from the flag, else from `.sigmaforge.yml`).
pub(super) fn load_field_catalog(
    files: &[PathBuf],
    mode: sigmaforge::fieldcheck::FieldCheck,
) -> Result<Option<std::sync::Arc<sigmaforge::mapping::catalog::FieldCatalog>>> {
    if mode == sigmaforge::fieldcheck::FieldCheck::Off {
        return Ok(None);
    }
    let catalog = sigmaforge::mapping::catalog::FieldCatalog::with_user_files(files)
        .context("loading the field catalog")?;
    Ok(Some(std::sync::Arc::new(catalog)))
}

/// Findings as `check` prints them (code frames from the files, colour on a terminal unless
/// `NO_COLOR`), so `check` and a local `run` show the same thing.
pub(super) fn text_findings(
    diags: &[sigmaforge::diag::Diagnostic],
    summary: &sigmaforge::report::Summary,
    to_stdout: bool,
) -> String {
    use std::io::IsTerminal;
    let mut sources = std::collections::HashMap::new();
    for d in diags {
        if !sources.contains_key(&d.path)
            && let Ok(text) = sigmaforge::fsread::read_text(
                std::path::Path::new(&d.path),
                sigmaforge::scan::RULE_FILE,
            )
        {
            sources.insert(d.path.clone(), text);
        }
    }
    let color =
        to_stdout && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let sources: std::collections::HashMap<&str, &str> = sources
        .iter()
        .map(|(k, v): (&String, &String)| (k.as_str(), v.as_str()))
        .collect();
    sigmaforge::report::text::render(
        diags,
        summary,
        &sources,
        sigmaforge::report::text::TextOptions { color },
    )
}

/// The mapping chain of `-c` configs followed by `-p` pipelines (built-in names or files).
pub(super) fn config_set(
    configs: &[String],
    pipelines: &[String],
) -> Result<sigmaforge::mapping::ConfigSet> {
    let set = sigmaforge::mapping::ConfigSet::load(configs)?;
    if pipelines.is_empty() {
        return Ok(set);
    }
    let loaded = pipelines
        .iter()
        .map(|p| sigmaforge::mapping::pipeline::load_pipeline(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(set.with_pipelines(loaded))
}
