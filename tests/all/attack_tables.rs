//! The embedded tables are reproducible with `scripts/gen_attack_tables.py`, and the script's STIX
//! conversion agrees with the built-in STIX reader used by `--attack-data`.
//! Skips when python3 or ../shared is missing.

use sigmaforge::attack::{AttackData, Domain};
use std::path::Path;
use std::process::Command;

fn python() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_script(args: &[&str]) -> std::process::Output {
    Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen_attack_tables.py"))
        .args(args)
        .output()
        .expect("run gen_attack_tables.py")
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn embedded_tables_are_reproducible() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/attack");
    if !python() || !shared.is_dir() {
        eprintln!("skip: python3 or {} missing", shared.display());
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for domain in ["enterprise", "ics", "mobile"] {
        let out = dir.path().join(format!("{domain}.json"));
        let src = shared.join(format!("attack-{domain}.json"));
        let o = run_script(&[
            "--compact",
            &src.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let made = std::fs::read(&out).expect("generated table");
        let shipped = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("data/attack/{domain}.json")),
        )
        .expect("shipped table");
        assert!(
            made == shipped,
            "data/attack/{domain}.json differs from the script's output"
        );
    }
}

#[test]
fn script_and_builtin_stix_reader_agree() {
    if !python() {
        eprintln!("skip: python3 missing");
        return;
    }
    let bundle_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/attack_fixtures/mini-enterprise-stix.json");
    let bundle = std::fs::read_to_string(&bundle_path).expect("fixture bundle");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("table.json");
    let o = run_script(&[
        "--stix",
        &bundle_path.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = std::fs::read_to_string(&out).expect("table");
    let from_script = AttackData::from_tables(&[&table]).expect("script table loads");
    let from_bundle = AttackData::from_tables(&[&bundle]).expect("bundle loads");
    let a = from_script.matrix(Domain::Enterprise).expect("a");
    let b = from_bundle.matrix(Domain::Enterprise).expect("b");
    assert_eq!(a.version, b.version);
    let tactics = |m: &sigmaforge::attack::Matrix| {
        m.tactics
            .iter()
            .map(|t| (t.id.clone(), t.shortname.clone(), t.is_active()))
            .collect::<Vec<_>>()
    };
    assert_eq!(tactics(a), tactics(b));
    let techniques = |m: &sigmaforge::attack::Matrix| {
        m.techniques
            .iter()
            .map(|t| {
                (
                    t.id.clone(),
                    t.tactics.clone(),
                    t.platforms.clone(),
                    t.deprecated,
                    t.revoked,
                    t.revoked_by.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(techniques(a), techniques(b));
    assert!(!techniques(a).is_empty());
}
