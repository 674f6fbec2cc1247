//! One small rule per validator: the base rule is clean, each variant triggers the code at a known line.

use sigmaforge::diag::Diagnostic;
use sigmaforge::validate::config::{Profile, ValidationConfig};
use sigmaforge::validate::date::Date;
use std::path::Path;

const BASE: &str = "title: Suspicious Whoami Execution
id: 0b9ba5d2-6c4e-4c7b-9a4e-0c7a1e4b9f10
status: experimental
description: Finds whoami started by an interactive user.
references:
    - https://example.com/whoami
author: Tester
date: 2026-01-01
tags:
    - attack.execution
    - attack.t1033
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
falsepositives:
    - Administrators
level: medium
";

const NAME: &str = "proc_creation_win_whoami_fixture.yml";

fn check_files(files: &[(&str, &str)], today: &str) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }
    let scan = sigmaforge::scan::scan(&[dir.path().to_path_buf()]).expect("scan");
    // These fixtures follow pySigma-validators-sigmahq: SigmaHQ's conventions are on.
    let mut cfg = ValidationConfig::default().with_profile(Profile::Sigmahq);
    cfg.set_today(Date::parse(today).expect("date"));
    sigmaforge::validate::run(&scan, &cfg)
        .into_iter()
        .map(|mut d| {
            d.path = Path::new(&d.path)
                .strip_prefix(dir.path())
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or(d.path);
            d
        })
        .collect()
}

fn check(name: &str, text: &str) -> Vec<Diagnostic> {
    check_files(&[(name, text)], "2026-08-05")
}

fn variant(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "fixture base lacks {from:?}");
    BASE.replacen(from, to, 1)
}

#[test]
fn base_rule_is_clean() {
    let d = check(NAME, BASE);
    assert!(d.is_empty(), "{d:#?}");
}

/// (code, replace this, with this, expected line)
const CASES: &[(&str, &str, &str, u32)] = &[
    ("SV101", "id: 0b9ba5d2-6c4e-4c7b-9a4e-0c7a1e4b9f10\n", "", 1),
    (
        "SV107",
        "    - https://example.com/whoami\n",
        "    - https://example.com/whoami\n    - https://example.com/whoami\n",
        7,
    ),
    (
        "SV108",
        "    - attack.t1033\n",
        "    - attack.t1033\n    - attack.t1033\n",
        12,
    ),
    ("SV110", "author: Tester\n", "", 1),
    ("SV111", "date: 2026-01-01\n", "", 1),
    (
        "SV112",
        "date: 2026-01-01\n",
        "date: 2026-01-01\nmodified: 2025-01-01\n",
        9,
    ),
    ("SV113", "date: 2026-01-01\n", "modified: 2026-01-01\n", 8),
    (
        "SV114",
        "date: 2026-01-01\n",
        "date: 2026-01-01\nmodified: 2026-01-01\n",
        9,
    ),
    (
        "SV115",
        "description: Finds whoami started by an interactive user.\n",
        "",
        1,
    ),
    (
        "SV116",
        "Finds whoami started by an interactive user.",
        "Whoami.",
        4,
    ),
    ("SV118", "level: medium\n", "", 1),
    ("SV119", "status: experimental\n", "", 1),
    (
        "SV120",
        "status: experimental\ndescription: Finds whoami started by an interactive user.\nreferences:\n    - https://example.com/whoami\nauthor: Tester\ndate: 2026-01-01",
        "status: test\ndescription: Finds whoami started by an interactive user.\nreferences:\n    - https://example.com/whoami\nauthor: Tester\ndate: 2026-07-30",
        3,
    ),
    ("SV121", "status: experimental", "status: deprecated", 3),
    (
        "SV122",
        "level: medium\n",
        "level: medium\nfields:\n    - Image\n",
        22,
    ),
    ("SV123", "level: medium\n", "level: medium\nnotes: x\n", 22),
    (
        "SV124",
        "level: medium\n",
        "level: medium\nreference: x\n",
        22,
    ),
    (
        "SV125",
        "https://example.com/whoami",
        "https://github.com/a/b/blob/master/c.py",
        6,
    ),
    (
        "SV126",
        "https://example.com/whoami",
        "https://attack.mitre.org/techniques/T1033/",
        6,
    ),
    ("SV127", "    - Administrators", "    - None", 20),
    ("SV128", "    - Administrators", "    - administrators", 20),
    ("SV129", "    - Administrators", "    - Unkown admins", 20),
    (
        "SV130",
        "Suspicious Whoami Execution",
        "Suspicious whoami Execution",
        1,
    ),
    (
        "SV131",
        "Suspicious Whoami Execution",
        "Suspicious Whoami Execution.",
        1,
    ),
    (
        "SV132",
        "Suspicious Whoami Execution",
        "Suspicious Whoami Execution With A Title That Goes On And On And On And On And On And On And On And On And On And On And On And On And Never Ends",
        1,
    ),
    (
        "SV133",
        "Suspicious Whoami Execution",
        "Detects Whoami Execution",
        1,
    ),
    (
        "SV134",
        "    product: windows\n",
        "    product: windows\n    foo: bar\n",
        15,
    ),
    (
        "SV201",
        "    - attack.execution",
        "    - attack.Execution",
        10,
    ),
    ("SV202", "    - attack.execution", "    - foo.bar", 10),
    ("SV203", "    - attack.execution", "    - car.2016-3-1", 10),
    ("SV204", "    - attack.execution", "    - cve.2021.1", 10),
    ("SV205", "    - attack.execution", "    - stp.9", 10),
    ("SV206", "    - attack.execution", "    - detection.foo", 10),
    ("SV207", "    - attack.execution", "    - tlp.purple", 10),
    ("SV208", "    - attack.execution", "    - tlp.clear", 10),
    ("SV209", "    - attack.execution", "    - tlp.white", 10),
    (
        "SV210",
        "    - attack.execution",
        "    - d3fend.whatever",
        10,
    ),
    (
        "SV212",
        "    - attack.execution\n    - attack.t1033",
        "    - detection.dfir\n    - detection.threat-hunting",
        11,
    ),
    (
        "SV213",
        "    - attack.execution\n    - attack.t1033",
        "    - tlp.clear\n    - tlp.white",
        11,
    ),
    ("SV214", "    - attack.execution", "    - tlp.red", 10),
    (
        "SV301",
        "    condition: selection",
        "    condition: all of them",
        18,
    ),
    (
        "SV302",
        "    condition: selection",
        "    condition: 1 of them",
        18,
    ),
    (
        "SV303",
        "    condition: selection",
        "    condition: 1 of selection",
        18,
    ),
    (
        "SV304",
        "    condition: selection",
        "    condition: 1 of sel*",
        18,
    ),
    (
        "SV305",
        "    condition: selection",
        "    condition: 1 of them",
        18,
    ),
    (
        "SV401",
        "    condition:",
        "        CommandLine|all:\n            - 'a'\n            - 'b'\n    condition:",
        18,
    ),
    (
        "SV402",
        "    condition:",
        "        CommandLine|windash|contains|all:\n            - '-a'\n            - '-b'\n    condition:",
        18,
    ),
    (
        "SV403",
        "    condition:",
        "        CommandLine|contains|all: 'a'\n    condition:",
        18,
    ),
    (
        "SV404",
        "    condition:",
        "        CommandLine|contains:\n            - 'abc'\n            - 'ABC'\n    condition:",
        20,
    ),
    (
        "SV405",
        "Image|endswith: '\\whoami.exe'",
        "Image: '*\\whoami.exe'",
        17,
    ),
    (
        "SV406",
        "Image|endswith: '\\whoami.exe'",
        "Image|endswith: \"\\twhoami.exe\"",
        17,
    ),
    (
        "SV407",
        "Image|endswith: '\\whoami.exe'",
        "Image|endswith: '\\who**ami.exe'",
        17,
    ),
    (
        "SV408",
        "Image|endswith: '\\whoami.exe'",
        "Image|endswith: '\\who\\*ami.exe'",
        17,
    ),
    (
        "SV409",
        "    condition:",
        "        IntegrityLevel: '4'\n    condition:",
        18,
    ),
    (
        "SV411",
        "    condition:",
        "        EventID: 4688\n    condition:",
        18,
    ),
    (
        "SV412",
        "    condition:",
        "        Provider_Name: Microsoft-Windows-Sysmon\n    condition:",
        18,
    ),
    (
        "SV413",
        "    condition:",
        "        User: 'AUTORITE NT\\SYSTEM'\n    condition:",
        18,
    ),
    ("SV414", "Image|endswith", "image|endswith", 17),
    (
        "SV415",
        "    condition:",
        "        NoSuchField: x\n    condition:",
        18,
    ),
    (
        "SV416",
        "    condition:",
        "        Hashes|contains: 'MD5=1234'\n    condition:",
        18,
    ),
    (
        "SV418",
        "    condition:",
        "        Some Field: x\n    condition:",
        18,
    ),
    (
        "SV420",
        "    condition:",
        "        CommandLine|re: 'a\\x41'\n    condition:",
        18,
    ),
    (
        "SV421",
        "Image|endswith: '\\whoami.exe'",
        "Image|endswith:\n            - '\\whoami.exe'",
        17,
    ),
    (
        "SV422",
        "    condition:",
        "        Source: Eventlog\n    condition:",
        18,
    ),
    (
        "SV501",
        "    category: process_creation\n",
        "    category: process_creation_x\n",
        12,
    ),
    (
        "SV502",
        "    category: process_creation\n",
        "    category: process_creation_x\n",
        12,
    ),
    (
        "SV503",
        "    condition:",
        "        NoSuchField: x\n    condition:",
        18,
    ),
    (
        "SV701",
        "tags:\n    - attack.execution\n    - attack.t1033",
        "tags:\n  - attack.execution\n  - attack.t1033",
        10,
    ),
    ("SV702", "level: medium", "level: medium  ", 21),
    ("SV703", "level: medium\n", "level: medium", 21),
    ("SV704", "title:", "---\ntitle:", 1),
    ("SV705", "level: medium\n", "level: medium\n#comment\n", 22),
    ("SV706", "level: medium\n", "\n\n\nlevel: medium\n", 23),
    (
        "SV707",
        "title: Suspicious Whoami Execution\nid: 0b9ba5d2-6c4e-4c7b-9a4e-0c7a1e4b9f10\n",
        "id: 0b9ba5d2-6c4e-4c7b-9a4e-0c7a1e4b9f10\ntitle: Suspicious Whoami Execution\n",
        1,
    ),
    ("SV708", "Finds whoami", "Finds ATT&CK whoami", 4),
];

/// Checks with SigmaHQ's profile and `disabled` switched off (through a `.sigmaforge.yml`).
fn check_without(name: &str, text: &str, disabled: &str) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(name), text).expect("write");
    let conf = dir.path().join(".sigmaforge.yml");
    std::fs::write(
        &conf,
        format!("validation:\n    profile: sigmahq\n    disable: [{disabled}]\n"),
    )
    .expect("write");
    let cfg = sigmaforge::config::Config::load(&conf).expect("config");
    let mut cfg = cfg.validation;
    cfg.set_today(Date::parse("2026-08-05").expect("date"));
    let scan = sigmaforge::scan::scan(&[dir.path().join(name)]).expect("scan");
    sigmaforge::validate::run(&scan, &cfg)
}

#[test]
fn each_validator_fires_at_the_right_line() {
    let mut failures = Vec::new();
    for (code, from, to, line) in CASES {
        let text = variant(from, to);
        // A check superseded by another (one finding per problem) is seen alone only when the
        // other is off; with both on, only the other is reported.
        let superseding = sigmaforge::validate::registry::SUPERSEDES
            .iter()
            .find(|(_, dropped)| dropped == code);
        let diags = match superseding {
            Some((kept, _)) => {
                let both = check(NAME, &text);
                if both.iter().any(|d| d.code == *code) || !both.iter().any(|d| d.code == *kept) {
                    failures.push(format!("{code}: expected {kept} alone, got {both:?}"));
                }
                check_without(NAME, &text, kept)
            }
            None => check(NAME, &text),
        };
        if !diags.iter().any(|d| d.code == *code && d.line == *line) {
            failures.push(format!("{code}: expected at line {line}, got {diags:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sysmon_rules() {
    let sysmon = variant(
        "    category: process_creation\n    product: windows\n",
        "    product: windows\n    service: sysmon\n",
    );
    let d = check("sysmon_whoami_fixture.yml", &sysmon);
    assert!(d.iter().any(|d| d.code == "SV419" && d.line == 14), "{d:?}");
    let with_id = sysmon.replacen("    condition:", "        EventID: 1\n    condition:", 1);
    let d = check("sysmon_whoami_fixture.yml", &with_id);
    assert!(d.iter().any(|d| d.code == "SV410" && d.line == 18), "{d:?}");
    assert!(!d.iter().any(|d| d.code == "SV419"), "{d:?}");
    let provider = variant(
        "    condition:",
        "        EventID: 1\n        Provider_Name: Microsoft-Windows-Sysmon\n    condition:",
    );
    let d = check(NAME, &provider);
    assert!(d.iter().any(|d| d.code == "SV423" && d.line == 18), "{d:?}");
}

#[test]
fn file_names() {
    let d = check("Bad-Name.yml", BASE);
    assert!(d.iter().any(|d| d.code == "SV511"), "{d:?}");
    assert!(d.iter().any(|d| d.code == "SV105"), "{d:?}");
    let d = check("something_else_rule.yml", BASE);
    assert!(d.iter().any(|d| d.code == "SV512" && d.line == 1), "{d:?}");
}

#[test]
fn repository_checks() {
    let other = BASE.replace(
        "Image|endswith: '\\whoami.exe'",
        "Image|endswith: '\\other.exe'",
    );
    let d = check_files(
        &[
            ("a/proc_creation_win_whoami_fixture.yml", BASE),
            ("b/proc_creation_win_whoami_fixture.yml", &other),
        ],
        "2026-08-05",
    );
    for code in ["SV102", "SV103", "SV104"] {
        assert_eq!(
            d.iter().filter(|d| d.code == code).count(),
            2,
            "{code}: {d:?}"
        );
    }
    let same_logic = BASE
        .replace("0b9ba5d2", "1b9ba5d2")
        .replace("Suspicious Whoami", "Another Whoami");
    let d = check_files(
        &[
            (NAME, BASE),
            ("proc_creation_win_whoami_copy.yml", &same_logic),
        ],
        "2026-08-05",
    );
    assert_eq!(d.iter().filter(|d| d.code == "SV306").count(), 2, "{d:?}");
    let related = variant(
        "level: medium\n",
        "level: medium\nrelated:\n    - id: 9b9ba5d2-6c4e-4c7b-9a4e-0c7a1e4b9f10\n      type: derived\n",
    );
    let d = check(NAME, &related);
    assert!(d.iter().any(|d| d.code == "SV106" && d.line == 23), "{d:?}");
    let obsolete = related.replace("type: derived", "type: obsolete");
    assert!(!check(NAME, &obsolete).iter().any(|d| d.code == "SV106"));
}

#[test]
fn detection_folders_need_their_tag() {
    let d = check_files(
        &[(
            "rules-threat-hunting/proc_creation_win_whoami_fixture.yml",
            BASE,
        )],
        "2026-08-05",
    );
    assert!(d.iter().any(|d| d.code == "SV211"), "{d:?}");
    let tagged = variant(
        "    - attack.t1033\n",
        "    - attack.t1033\n    - detection.threat-hunting\n",
    );
    let d = check_files(
        &[(
            "rules-threat-hunting/proc_creation_win_whoami_fixture.yml",
            &tagged,
        )],
        "2026-08-05",
    );
    assert!(!d.iter().any(|d| d.code == "SV211"), "{d:?}");
}

#[test]
fn correlations() {
    let corr = "title: Many Whoami Runs
id: 5e1d0f52-5a40-4d0e-9a3c-33a4b6d0a9aa
status: experimental
description: Several whoami runs by one user in a short time.
author: Tester
date: 2026-01-01
correlation:
    type: temporal
    rules:
        - 0b9ba5d2-6c4e-4c7b-9a4e-0c7a1e4b9f10
    timespan: 5m
level: high
";
    let d = check_files(
        &[(NAME, BASE), ("whoami_runs_fixture.yml", corr)],
        "2026-08-05",
    );
    for (code, line) in [("SV513", 1), ("SV601", 7), ("SV602", 8)] {
        assert!(
            d.iter().any(|d| d.code == code && d.line == line),
            "{code}: {d:?}"
        );
    }
}
