//! Helpers shared by the test modules: where the reference data lives, the Lucene oracle
//! ([`oracle`]) and the Elastic schema/Python oracles ([`targets`]).

pub mod oracle;
pub mod targets;

use std::path::{Path, PathBuf};

/// `../shared` next to the repository (read-only reference data: SigmaHQ corpus, schemas, legacy
/// golden files, pySigma outputs). Absent in a fresh clone, so tests go through [`present`].
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// `Some(path)` when it exists, else `None` with a printed reason, so tests needing reference data
/// skip visibly instead of failing on machines without `../shared`.
pub fn present(path: PathBuf) -> Option<PathBuf> {
    if path.exists() {
        Some(path)
    } else {
        println!("skipping: {} not found", path.display());
        None
    }
}

/// The SigmaHQ corpus (`../shared/corpus/sigmahq`), or `None` with a printed reason.
pub fn corpus() -> Option<PathBuf> {
    present(shared().join("corpus/sigmahq"))
}

/// The folders among `names` under `root` that hold at least one rule file. Scanning a folder
/// without any is an error (a mistyped path must not pass as a green run), and the corpus snapshot
/// has empty folders (`rules-dfir`).
pub fn rule_folders(root: &Path, names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|f| root.join(f))
        .filter(|p| sigmaforge::discover::discover(std::slice::from_ref(p)).is_ok())
        .collect()
}
