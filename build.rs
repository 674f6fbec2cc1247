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
}
