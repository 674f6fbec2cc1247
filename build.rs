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
    deflate_catalog();
}

/// Stores the embedded field catalog deflated: the JSON is 1.5 MB and compresses about 10:1, which
/// keeps the static binary under its 10 MB budget. `FieldCatalog::embedded` inflates it once.
fn deflate_catalog() {
    const SOURCE: &str = "data/fields/catalog.json";
    println!("cargo::rerun-if-changed={SOURCE}");
    let json = std::fs::read(SOURCE).expect("data/fields/catalog.json is part of the source tree");
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("catalog.json.deflate"), packed).expect("OUT_DIR is writable");
}
