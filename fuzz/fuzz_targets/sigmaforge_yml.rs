//! `.sigmaforge.yml` (src/config.rs), which lives in the PR's tree. The library reads it from a
//! path only, so each input is written to one scratch file first.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigmaforge::config::Config;

fn scratch() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("scratch dir"))
        .path()
}

fuzz_target!(|data: &[u8]| {
    let path = scratch().join(".sigmaforge.yml");
    std::fs::write(&path, data).expect("write scratch file");
    let _ = Config::load(&path);
});
