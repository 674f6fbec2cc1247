//! The release machinery, run as its users run it: the setup action's installer against a
//! release laid out in a folder (file:// URLs), the action-image pinning script, and the
//! consistency of the release workflow, the setup action, the cross-build script and the two
//! Dockerfiles (one list of targets, one final image stage).

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A release folder `v1.2.3/` holding `asset` (a small stand-in executable: the real binary is
/// hundreds of MB in a debug build) and a SHA256SUMS line for it, optionally with a wrong checksum.
fn fake_release(dir: &Path, asset: &str, corrupt: bool) -> String {
    let rel = dir.join("v1.2.3");
    std::fs::create_dir_all(&rel).expect("mkdir");
    let bytes = b"#!/bin/sh\necho 'sigmaforge 1.2.3 (stand-in)'\n".to_vec();
    std::fs::write(rel.join(asset), &bytes).expect("asset");
    let mut sum = hex(&bytes);
    if corrupt {
        sum = hex(b"something else");
    }
    std::fs::write(rel.join("SHA256SUMS"), format!("{sum}  {asset}\n")).expect("sums");
    format!("file://{}", dir.display())
}

fn install(base: &str, dest: &Path, os: &str, arch: &str, version: &str, gh: &Path) -> Output {
    Command::new("bash")
        .arg(root().join("setup/install.sh"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SIGMAFORGE_VERSION", version)
        .env("SIGMAFORGE_REPOSITORY", "acme/sigmaforge")
        .env("SIGMAFORGE_DEST", dest)
        .env("SIGMAFORGE_BASE_URL", base)
        .env("SIGMAFORGE_OS", os)
        .env("SIGMAFORGE_ARCH", arch)
        .env("GITHUB_OUTPUT", gh.join("output"))
        .env("GITHUB_PATH", gh.join("path"))
        .output()
        .expect("bash runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn setup_installs_the_runners_binary_after_checking_its_sum() {
    let tmp = tempfile::tempdir().expect("tmp");
    let base = fake_release(tmp.path(), "sigmaforge-x86_64-unknown-linux-musl", false);
    let dest = tmp.path().join("bin");
    let out = install(&base, &dest, "Linux", "x86_64", "v1.2.3", tmp.path());
    assert!(out.status.success(), "{}", text(&out));
    let installed = dest.join("sigmaforge");
    let version = Command::new(&installed)
        .arg("--version")
        .output()
        .expect("runs");
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("sigmaforge "));
    let output = std::fs::read_to_string(tmp.path().join("output")).expect("GITHUB_OUTPUT");
    assert!(
        output.contains(&format!("path={}", installed.display())),
        "{output}"
    );
    assert!(output.contains("version=v1.2.3"), "{output}");
    let path = std::fs::read_to_string(tmp.path().join("path")).expect("GITHUB_PATH");
    assert_eq!(path.trim(), dest.display().to_string());
}

#[test]
fn setup_names_the_windows_and_macos_assets() {
    for (os, arch, asset, bin) in [
        (
            "MINGW64_NT-10.0-20348",
            "x86_64",
            "sigmaforge-x86_64-pc-windows-gnu.exe",
            "sigmaforge.exe",
        ),
        (
            "Darwin",
            "arm64",
            "sigmaforge-aarch64-apple-darwin",
            "sigmaforge",
        ),
        (
            "Darwin",
            "x86_64",
            "sigmaforge-x86_64-apple-darwin",
            "sigmaforge",
        ),
        (
            "Linux",
            "aarch64",
            "sigmaforge-aarch64-unknown-linux-musl",
            "sigmaforge",
        ),
    ] {
        let tmp = tempfile::tempdir().expect("tmp");
        let base = fake_release(tmp.path(), asset, false);
        let dest = tmp.path().join("bin");
        let out = install(&base, &dest, os, arch, "v1.2.3", tmp.path());
        assert!(out.status.success(), "{os}/{arch}: {}", text(&out));
        assert!(dest.join(bin).is_file(), "{os}/{arch}: {bin} not installed");
    }
}

#[test]
fn setup_refuses_a_binary_whose_sum_differs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let base = fake_release(tmp.path(), "sigmaforge-x86_64-unknown-linux-musl", true);
    let dest = tmp.path().join("bin");
    let out = install(&base, &dest, "Linux", "x86_64", "v1.2.3", tmp.path());
    assert!(!out.status.success());
    assert!(text(&out).contains("checksum mismatch"), "{}", text(&out));
    assert!(!dest.join("sigmaforge").exists(), "nothing installed");
}

#[test]
fn setup_refuses_unknown_platforms_and_versions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let base = fake_release(tmp.path(), "sigmaforge-x86_64-unknown-linux-musl", false);
    let dest = tmp.path().join("bin");
    let out = install(&base, &dest, "SunOS", "sparc64", "v1.2.3", tmp.path());
    assert!(!out.status.success());
    assert!(text(&out).contains("no sigmaforge release binary for SunOS/sparc64"));
    let out = install(&base, &dest, "Linux", "x86_64", "../../etc", tmp.path());
    assert!(!out.status.success());
    assert!(
        text(&out).contains("is not a release tag"),
        "{}",
        text(&out)
    );
    let out = install(&base, &dest, "Linux", "x86_64", "v9.9.9", tmp.path());
    assert!(!out.status.success(), "a missing release fails");
    assert!(text(&out).contains("cannot download"), "{}", text(&out));
}

#[test]
fn pinning_rewrites_the_image_line_to_a_digest_only() {
    let tmp = tempfile::tempdir().expect("tmp");
    let action = tmp.path().join("action.yml");
    std::fs::write(&action, read("action.yml")).expect("copy");
    let script = root().join("scripts/pin-action-image.sh");
    let digest = format!("ghcr.io/acme/sigmaforge@sha256:{}", "ab".repeat(32));
    let bad = Command::new("bash")
        .arg(&script)
        .args(["ghcr.io/acme/sigmaforge:v1.2.3"])
        .arg(&action)
        .output()
        .expect("runs");
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a tag is refused: {}",
        text(&bad)
    );
    assert_eq!(
        std::fs::read_to_string(&action).expect("read"),
        read("action.yml")
    );
    let ok = Command::new("bash")
        .arg(&script)
        .arg(&digest)
        .arg(&action)
        .output()
        .expect("runs");
    assert!(ok.status.success(), "{}", text(&ok));
    let pinned = std::fs::read_to_string(&action).expect("read");
    let value: serde_yaml::Value = serde_yaml::from_str(&pinned).expect("still YAML");
    assert_eq!(
        value["runs"]["image"].as_str(),
        Some(format!("docker://{digest}").as_str())
    );
    assert_eq!(value["runs"]["using"].as_str(), Some("docker"));
}

/// The targets named in a shell `case` line or a YAML matrix, in order of appearance.
fn targets_in(text: &str) -> Vec<String> {
    const ALL: [&str; 5] = [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-pc-windows-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
    ];
    let mut found: Vec<String> = ALL
        .iter()
        .filter(|t| text.contains(*t))
        .map(|t| t.to_string())
        .collect();
    found.sort();
    found
}

#[test]
fn one_list_of_release_targets() {
    let workflow: serde_yaml::Value =
        serde_yaml::from_str(&read(".github/workflows/release.yml")).expect("release.yml");
    let matrix: Vec<String> = workflow["jobs"]["binaries"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("matrix include")
        .iter()
        .map(|m| m["target"].as_str().expect("target").to_string())
        .collect();
    let mut sorted = matrix.clone();
    sorted.sort();
    assert_eq!(sorted.len(), 5, "{matrix:?}");
    assert_eq!(sorted, targets_in(&read("setup/install.sh")));
    assert_eq!(sorted, targets_in(&read("scripts/cross-build.sh")));
    let tags = &workflow["on"]["push"]["tags"];
    assert!(
        tags.as_sequence().is_some_and(|t| !t.is_empty()),
        "tag trigger"
    );
    let all = read(".github/workflows/release.yml");
    for needed in [
        "SHA256SUMS",
        "actions/attest-build-provenance",
        "spdx-json",
        "platforms: linux/amd64,linux/arm64",
        "scripts/pin-action-image.sh",
        "Dockerfile.release",
    ] {
        assert!(all.contains(needed), "release.yml lacks {needed}");
    }
}

/// The lines of the last stage (from the last `FROM`), comments and blank lines dropped.
fn final_stage(dockerfile: &str) -> Vec<String> {
    let lines: Vec<&str> = dockerfile.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| l.starts_with("FROM "))
        .expect("a FROM line");
    lines[start..]
        .iter()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn the_release_image_is_the_dockerfiles_final_stage() {
    let built = final_stage(&read("Dockerfile"));
    let release: Vec<String> = final_stage(&read("Dockerfile.release"))
        .into_iter()
        .filter(|l| l != "ARG TARGETARCH")
        .collect();
    assert_eq!(built.len(), release.len(), "{built:?}\n{release:?}");
    for (b, r) in built.iter().zip(&release) {
        if b.starts_with("COPY ") {
            assert_eq!(b, "COPY --from=build /out/root/ /");
            assert_eq!(r, "COPY rootfs-${TARGETARCH}/ /");
        } else {
            assert_eq!(b, r);
        }
    }
}
