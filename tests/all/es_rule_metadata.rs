//! es-rule metadata from the field catalog (`required_fields`, `related_integrations`,
//! `investigation_fields`, `setup`, `timestamp_override`) and ES|QL `KEEP`: through the CLI as a
//! user runs it, and every example rule under its config with the catalog, checked against
//! Elastic's detection-rules schemas and the ES|QL grammar.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use sigmaforge::attack::AttackData;
use sigmaforge::mapping::ConfigSet;
use sigmaforge::mapping::catalog::FieldCatalog;
use sigmaforge::render::{self as target, Status, Target};

use crate::util::targets::{check_detection_rules, python_oracle};

const CERTUTIL: &str =
    "examples/rules/windows/process_creation/proc_creation_win_certutil_download.yml";

fn convert_cli(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sigmaforge"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("convert")
        .args(args)
        .output()
        .expect("sigmaforge runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn cli_es_rule_carries_the_metadata_keys() {
    let text = convert_cli(&["-t", "es-rule", "-c", "ecs-windows", CERTUTIL]);
    let rule: Value = serde_json::from_str(text.trim()).expect("one JSON rule");
    let required = rule["required_fields"].as_array().expect("required_fields");
    let cmd = required
        .iter()
        .find(|f| f["name"] == "process.command_line")
        .expect("the query's command-line field");
    assert_eq!(cmd["type"], "wildcard");
    assert_eq!(cmd["ecs"], true);
    assert!(required.iter().all(|f| f["type"] != "unknown"), "{rule}");
    let packages: Vec<&str> = rule["related_integrations"]
        .as_array()
        .expect("related_integrations")
        .iter()
        .map(|i| i["package"].as_str().unwrap())
        .collect();
    assert_eq!(packages, ["system", "windows"]);
    assert!(
        rule["related_integrations"][1]["version"]
            .as_str()
            .unwrap()
            .starts_with('^')
    );
    let fields = &rule["investigation_fields"]["field_names"];
    assert_eq!(fields[0], "process.command_line");
    assert!(fields.as_array().unwrap().iter().any(|f| f == "host.name"));
    assert!(
        rule.get("timestamp_override").is_none(),
        "absent by default"
    );

    let with = convert_cli(&[
        "-t",
        "es-rule",
        "-c",
        "ecs-windows",
        "-O",
        "timestamp_override=event.ingested",
        CERTUTIL,
    ]);
    let rule: Value = serde_json::from_str(with.trim()).unwrap();
    assert_eq!(rule["timestamp_override"], "event.ingested");

    // --field-check off: no catalog, so nothing catalog-derived is guessed
    let off = convert_cli(&[
        "-t",
        "es-rule",
        "-c",
        "ecs-windows",
        "--field-check",
        "off",
        CERTUTIL,
    ]);
    let rule: Value = serde_json::from_str(off.trim()).unwrap();
    assert!(rule.get("required_fields").is_none(), "{rule}");
    assert!(rule.get("related_integrations").is_none(), "{rule}");
    assert!(rule.get("investigation_fields").is_some(), "{rule}");
}

#[test]
fn cli_esql_keep_and_its_option() {
    let on = convert_cli(&["-t", "esql", "-c", "ecs-windows", CERTUTIL]);
    assert!(
        on.trim_end().ends_with(
            "| KEEP _id, _version, _index, process.command_line, process.executable, process.pe.original_file_name"
        ),
        "{on}"
    );
    let off = convert_cli(&[
        "-t",
        "esql",
        "-c",
        "ecs-windows",
        "-O",
        "keep=false",
        CERTUTIL,
    ]);
    assert!(!off.contains("KEEP"), "{off}");
    let rule = convert_cli(&[
        "-t",
        "es-rule",
        "-c",
        "ecs-windows",
        "-O",
        "language=esql",
        "-O",
        "keep=false",
        CERTUTIL,
    ]);
    let rule: Value = serde_json::from_str(rule.trim()).unwrap();
    assert!(!rule["query"].as_str().unwrap().contains("KEEP"), "{rule}");
}

/// Every example rule under its config, typed by the embedded catalog, as es-rule in all three
/// languages: the new keys pass the detection-rules schemas (9.5, with the two nested arrays
/// against 9.2's complete definitions) and the ES|QL queries with `KEEP` parse.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn example_rules_with_catalog_pass_the_schemas() {
    let shared = crate::util::shared();
    if crate::util::present(shared.join("elastic/schemas")).is_none() {
        return;
    }
    let catalog = Arc::new(FieldCatalog::embedded().expect("embedded catalog"));
    let scan = sigmaforge::scan::scan(&[Path::new("examples/rules").to_path_buf()]).unwrap();
    let opts = |lang: &str| BTreeMap::from([("language".to_string(), lang.to_string())]);
    let rules: Vec<Box<dyn Target>> = ["lucene", "eql", "esql"]
        .iter()
        .map(|l| target::configured("es-rule", &opts(l)).unwrap())
        .collect();
    let esql = target::configured("esql", &BTreeMap::new()).unwrap();
    let mut refs: Vec<&dyn Target> = rules.iter().map(|t| t.as_ref()).collect();
    refs.push(esql.as_ref());
    let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut queries = Vec::new();
    for config in [
        "ecs-windows",
        "ecs-endpoint",
        "ecs-linux",
        "ecs-cloudtrail",
        "ecs-proxy",
    ] {
        let set = ConfigSet::load(&[config])
            .unwrap()
            .with_catalog(catalog.clone(), false);
        for o in sigmaforge::render::convert::convert(&scan, &set, &AttackData::embedded(), &refs) {
            if o.status != Status::Converted {
                continue;
            }
            let out = o.output.unwrap();
            if o.target == "esql" {
                queries.push(out);
                continue;
            }
            let v: Value = serde_json::from_str(&out).unwrap();
            if let Some(q) = v["query"].as_str().filter(|_| v["type"] == "esql") {
                queries.push(q.to_string());
            }
            by_type
                .entry(v["type"].as_str().unwrap().to_string())
                .or_default()
                .push(out);
        }
    }
    let mut with_keys = 0;
    for (kind, lines) in &by_type {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        check_detection_rules(&shared, &lines, kind);
        with_keys += lines
            .iter()
            .filter(|l| l.contains("\"required_fields\"") && l.contains("\"related_integrations\""))
            .count();
    }
    assert!(
        with_keys > 50,
        "rules carrying the catalog keys: {with_keys}"
    );
    let keep = queries
        .iter()
        .filter(|q| q.contains("\n| KEEP _id, _version, _index"))
        .count();
    assert!(keep > 20, "ES|QL queries with KEEP: {keep}");
    let refs: Vec<&str> = queries.iter().map(String::as_str).collect();
    if let Some(errors) = python_oracle("oracle_esql.py", &refs) {
        assert!(errors.is_empty(), "ES|QL parse errors: {errors:#?}");
        println!("{} ES|QL queries parse ({keep} with KEEP)", refs.len());
    }
}
