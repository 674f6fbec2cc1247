//! es-rule `threat[]` follows the ATT&CK data the user passes (`--attack-data`), not a built-in copy:
//! a team pinned to ATT&CK v18 gets v18 tactic names.

use std::process::Command;

use crate::util::{present, shared};

const RULE: &str = "title: Clear event logs
id: 3f1c2d9e-6a55-4c1e-9d3a-2f1e0c6b7a11
status: test
level: high
tags:
    - attack.t1070.001
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        CommandLine|contains: 'wevtutil cl'
    condition: sel
";

fn tactics(extra: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let rule = dir.path().join("rule.yml");
    std::fs::write(&rule, RULE).expect("write rule");
    let out = Command::new(env!("CARGO_BIN_EXE_sigmaforge"))
        .args(["convert", "-t", "es-rule"])
        .args(extra)
        .arg(&rule)
        .output()
        .expect("run sigmaforge");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one es-rule JSON document");
    json["threat"]
        .as_array()
        .expect("threat[]")
        .iter()
        .map(|t| t["tactic"]["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn threat_uses_the_embedded_v19_tables_by_default() {
    assert_eq!(tactics(&[]), ["Defense Impairment"]);
}

#[test]
fn threat_follows_attack_data_v18() {
    let Some(v18) = present(shared().join("attack/attack-enterprise-v18.1.json")) else {
        return;
    };
    let v18 = v18.display().to_string();
    assert_eq!(tactics(&["--attack-data", &v18]), ["Defense Evasion"]);
}
