//! Sigma correlations through every Elastic target: threshold and EQL-sequence detection rules,
//! EQL sequences, ES|QL aggregations, ElastAlert frequency/cardinality rules — snapshots of the
//! artifacts, the same oracles as the corpus test, and the skip reasons for what cannot be expressed.
//! (The SigmaHQ corpus holds no correlation rules, so these are written here.)

use std::collections::BTreeMap;

use serde_json::Value;
use sigmaforge::mapping::ConfigSet;
use sigmaforge::render::{self as target, Target, correlation};
use sigmaforge::rule::Document;

mod targets_support;
use targets_support::{check_detection_rules, python_oracle, schema, schema_errors};

const BASE: &str = r#"title: Whoami Execution
id: 0b9f7a5e-2f6e-4a0c-9a57-1f5c1e6f0a01
name: whoami_exec
status: test
description: whoami.exe ran
author: sigmaforge tests
date: 2026-11-26
tags:
    - attack.discovery
    - attack.t1033
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
level: low
---
title: Net User Execution
id: 0b9f7a5e-2f6e-4a0c-9a57-1f5c1e6f0a02
name: net_user
status: test
description: net user ran
author: sigmaforge tests
date: 2026-11-26
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        CommandLine|contains: 'net user'
    condition: selection
level: low
"#;

fn corr(id: u8, title: &str, body: &str) -> String {
    format!(
        "title: {title}\nid: 6f1d2c3b-0000-4000-8000-0000000000{id:02}\nstatus: test\nauthor: sigmaforge tests\ndate: 2026-11-26\nlevel: high\ntags:\n    - attack.discovery\ncorrelation:\n{body}"
    )
}

fn correlations() -> String {
    [
        corr(
            1,
            "Many whoami per user",
            "    type: event_count\n    rules:\n        - whoami_exec\n    group-by:\n        - User\n    timespan: 5m\n    condition:\n        gte: 10\n",
        ),
        corr(
            2,
            "Many distinct commands per host",
            "    type: value_count\n    rules:\n        - whoami_exec\n        - net_user\n    group-by:\n        - Computer\n    timespan: 1h\n    condition:\n        gt: 3\n        field: CommandLine\n",
        ),
        corr(
            3,
            "Whoami then net user",
            "    type: temporal_ordered\n    rules:\n        - whoami_exec\n        - net_user\n    group-by:\n        - User\n    timespan: 90s\n",
        ),
        corr(
            4,
            "Whoami and net user in any order",
            "    type: temporal\n    rules:\n        - whoami_exec\n        - net_user\n    group-by:\n        - User\n    timespan: 10m\n",
        ),
        corr(
            5,
            "Few whoami",
            "    type: event_count\n    rules:\n        - whoami_exec\n    timespan: 1d\n    condition:\n        lt: 3\n",
        ),
        corr(
            6,
            "Dangling reference",
            "    type: event_count\n    rules:\n        - no_such_rule\n    timespan: 5m\n    condition:\n        gte: 2\n",
        ),
    ]
    .join("---\n")
}

#[test]
fn correlations_through_every_target() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.yml"), BASE).unwrap();
    std::fs::write(dir.path().join("correlations.yml"), correlations()).unwrap();
    let scan = sigmaforge::scan::scan(&[dir.path().to_path_buf()]).expect("scan");
    let set = ConfigSet::load(&["ecs-windows"]).expect("config");
    let opts = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
    let esql_rule = target::configured("es-rule", &opts("language", "esql")).unwrap();
    let mut all: Vec<&dyn Target> = target::targets();
    all.push(esql_rule.as_ref());

    let mut docs: Vec<_> = scan
        .docs
        .iter()
        .filter_map(|d| match &d.doc {
            Some(Document::Correlation(c)) => Some((d, c)),
            _ => None,
        })
        .collect();
    docs.sort_by_key(|(d, _)| d.index);
    assert_eq!(docs.len(), 6, "all correlations parsed");

    let mut text = String::new();
    let mut rules_by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut eql, mut esql, mut ea) = (Vec::new(), Vec::new(), Vec::new());
    for (doc, c) in &docs {
        text.push_str(&format!("##### {}\n", doc.title.as_deref().unwrap_or("")));
        for (i, t) in all.iter().enumerate() {
            let label = if i == all.len() - 1 {
                "es-rule language=esql".to_string()
            } else {
                t.name().to_string()
            };
            match correlation::convert_correlation(&scan, doc, c, &set, *t) {
                Ok(out) => {
                    text.push_str(&format!("===== {label}\n{out}\n"));
                    match t.name() {
                        "es-rule" => {
                            let v: Value = serde_json::from_str(&out).unwrap();
                            let ty = v["type"].as_str().unwrap().to_string();
                            let q = v["query"].as_str().unwrap().to_string();
                            if ty == "eql" {
                                eql.push(q);
                            } else if ty == "esql" {
                                esql.push(q);
                            }
                            rules_by_type.entry(ty).or_default().push(out);
                        }
                        "eql" => eql.push(out),
                        "esql" => esql.push(out),
                        "elastalert" => ea.push(out),
                        _ => {}
                    }
                }
                Err(reason) => text.push_str(&format!("===== {label} (skipped)\n{reason}\n")),
            }
        }
    }
    // the temporary folder differs per run
    let text = text.replace(&dir.path().display().to_string(), "<tmp>");
    insta::assert_snapshot!("correlations", text);

    // what must convert
    assert_eq!(rules_by_type.get("threshold").map(Vec::len), Some(2));
    assert!(rules_by_type.contains_key("eql") && rules_by_type.contains_key("esql"));
    assert_eq!(ea.len(), 2, "frequency + cardinality");

    // oracles (the schemas live in ../shared)
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if shared.join("elastic/schemas").is_dir() {
        for (ty, lines) in &rules_by_type {
            let kind = if ty == "query" { "query" } else { ty.as_str() };
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            check_detection_rules(&shared, &refs, kind);
        }
        let v = schema(&shared.join("elastic/schemas/elastalert2-2.31.0/schema.yaml"));
        for y in &ea {
            let doc: Value = serde_yaml::from_str(y).unwrap();
            assert_eq!(schema_errors(&v, &doc), Vec::<String>::new(), "{y}");
        }
    } else {
        println!("skipped schema checks: ../shared is not present");
    }
    let refs: Vec<&str> = eql.iter().map(String::as_str).collect();
    if let Some(errs) = python_oracle("oracle_eql.py", &refs) {
        assert!(errs.is_empty(), "{errs:#?}");
    }
    let refs: Vec<&str> = esql.iter().map(String::as_str).collect();
    if let Some(errs) = python_oracle("oracle_esql.py", &refs) {
        assert!(errs.is_empty(), "{errs:#?}");
    }
}
