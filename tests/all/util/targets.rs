//! Helpers shared by the target tests: schema loading and validation, Python oracles.

use std::path::Path;

use serde_json::Value;

/// Runs a Python oracle over a JSON list; `None` (skip) when Python or its module is missing.
pub fn python_oracle(script: &str, items: &[&str]) -> Option<Vec<Value>> {
    python_oracle_json(script, &serde_json::json!(items))
}

/// Runs `tests/<script> INPUT.json` on any JSON input; `None` (printed reason) when python3 or its
/// module is missing (exit 3).
pub fn python_oracle_json(script: &str, input: &Value) -> Option<Vec<Value>> {
    let dir = tempfile::tempdir().ok()?;
    let list = dir.path().join("queries.json");
    std::fs::write(&list, serde_json::to_string(input).ok()?).ok()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let out = match std::process::Command::new("python3")
        .arg(&script)
        .arg(&list)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            println!("skipped {}: python3 not runnable: {e}", script.display());
            return None;
        }
    };
    if out.status.code() == Some(3) {
        println!(
            "skipped {}: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("oracle prints JSON"))
}

pub fn schema(path: &Path) -> jsonschema::Validator {
    let text = std::fs::read_to_string(path).expect("schema readable");
    let v: Value = if path.extension().is_some_and(|e| e == "yaml") {
        serde_yaml::from_str(&text).expect("schema YAML")
    } else {
        serde_json::from_str(&text).expect("schema JSON")
    };
    jsonschema::validator_for(&v).expect("schema compiles")
}

pub fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Validates detection rules against the 9.5 schema of `kind`, except `required_fields` and
/// `related_integrations`, whose nested items the 9.5 files define without `type` / `version`
/// (a generator regression, `elastic/schemas/README.md`): those two go against the complete 9.2
/// definitions. Plus what Kibana requires on import beyond the schema.
pub fn check_detection_rules(shared: &Path, lines: &[&str], kind: &str) -> usize {
    let v = schema(&shared.join(format!(
        "elastic/schemas/elastic-detection-rules-9.5/9.5.{kind}.json"
    )));
    let text = std::fs::read_to_string(shared.join(format!(
        "elastic/schemas/elastic-detection-rules-9.2/9.2.{kind}.json"
    )))
    .expect("9.2 schema readable");
    let v92: Value = serde_json::from_str(&text).expect("9.2 schema JSON");
    let nested: Vec<(&str, jsonschema::Validator)> = ["required_fields", "related_integrations"]
        .into_iter()
        .map(|k| {
            let sub = &v92["properties"][k];
            assert!(sub.is_object(), "9.2 {kind} schema defines {k}");
            (
                k,
                jsonschema::validator_for(sub).expect("9.2 sub-schema compiles"),
            )
        })
        .collect();
    let mut bad = Vec::new();
    for line in lines {
        let rule: Value = serde_json::from_str(line).expect("one JSON object per line");
        let mut top = rule.clone();
        let mut errs = Vec::new();
        for (k, sub) in &nested {
            if let Some(x) = top.as_object_mut().and_then(|o| o.remove(*k)) {
                errs.extend(
                    schema_errors(sub, &x)
                        .into_iter()
                        .map(|e| format!("{k}: {e}")),
                );
            }
        }
        errs.extend(schema_errors(&v, &top));
        for k in [
            "name",
            "description",
            "risk_score",
            "rule_id",
            "version",
            "severity",
        ] {
            if rule.get(k).is_none() {
                errs.push(format!("missing {k} (Kibana requires it on import)"));
            }
        }
        if !matches!(
            rule["severity"].as_str(),
            Some("low" | "medium" | "high" | "critical")
        ) {
            errs.push(format!("severity {}", rule["severity"]));
        }
        if rule["name"].as_str().is_none_or(str::is_empty)
            || rule["description"].as_str().is_none_or(str::is_empty)
        {
            errs.push("empty name or description".into());
        }
        if !errs.is_empty() {
            bad.push((rule["rule_id"].clone(), errs));
        }
    }
    assert!(
        bad.is_empty(),
        "{kind} rules failing: {:#?}",
        &bad[..bad.len().min(5)]
    );
    lines.len()
}
