//! Tells the test suite whether `../shared` (the read-only reference data next to the repository:
//! SigmaHQ corpus, schemas, pySigma outputs) is present. Tests that need it carry
//! `#[cfg_attr(not(shared_data), ignore = "needs ../shared")]`, so a fresh clone's `cargo test`
//! lists them as ignored with the reason instead of passing after returning early.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    let shared = std::path::Path::new("../shared");
    if shared.exists() {
        println!("cargo::rustc-cfg=shared_data");
        // Re-run when the data goes away (a file: cheap, unlike watching the whole tree).
        println!("cargo::rerun-if-changed=../shared/README.md");
    }
    // When it is absent, watching a missing path would re-run this script (and rebuild the crate)
    // on every build; after adding ../shared, `touch build.rs` (or `cargo clean -p sigmaforge`).
    println!("cargo::rerun-if-changed=build.rs");
    deflate_data();
}

/// The JSON data files compiled into the binary, stored deflated in OUT_DIR under the name
/// `<path with '/' as '-'>.deflate`: the field catalog is 1.5 MB and the ATT&CK and SigmaHQ tables
/// 0.36 MB, all compressing about 10:1, which keeps the static binary under its 10 MB budget.
/// `crate::embedded::inflate` restores them once, when first used.
const DEFLATED: [&str; 8] = [
    "data/fields/catalog.json",
    "data/attack/enterprise.json",
    "data/attack/ics.json",
    "data/attack/mobile.json",
    "data/validate/sigmahq_filename.json",
    "data/validate/sigmahq_logsource.json",
    "data/validate/sigmahq_taxonomy.json",
    "data/validate/sigmahq_windows_validator.json",
];

fn deflate_data() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for source in DEFLATED {
        println!("cargo::rerun-if-changed={source}");
        let json = std::fs::read(source).expect("the embedded data files are in the source tree");
        let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
        let name = format!("{}.deflate", source.replace('/', "-"));
        std::fs::write(out.join(name), packed).expect("OUT_DIR is writable");
    }
}
