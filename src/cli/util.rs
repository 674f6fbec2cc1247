//! Output helpers shared by the subcommands.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Writes `text` to `path`, or to standard output when no path is given.
pub(super) fn write_output(path: Option<&PathBuf>, text: &str) -> Result<()> {
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

/// The embedded ATT&CK tables, or a newer table / STIX bundle given on the command line.
pub(super) fn load_attack_data(path: Option<&Path>) -> Result<sigmaforge::attack::AttackData> {
    let data = sigmaforge::attack::AttackData::embedded();
    match path {
        None => Ok(data),
        Some(p) => data
            .with_table_file(p)
            .with_context(|| format!("loading ATT&CK data from {}", p.display())),
    }
}

/// Writes `text` to `path`, creating its folder first.
pub(super) fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
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
            && let Ok(text) = std::fs::read_to_string(&d.path)
        {
            sources.insert(d.path.clone(), text);
        }
    }
    let color =
        to_stdout && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    sigmaforge::report::text::render(
        diags,
        summary,
        &sources,
        sigmaforge::report::text::TextOptions { color },
    )
}
