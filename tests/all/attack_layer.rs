//! Navigator layers validate against the strict 4.5 schema and against the ATT&CK data itself.

use sigmaforge::attack::{
    AttackData, CoverageRule, DiffOptions, GithubContext, Layer, LayerOptions, ScoreMode, TagRef,
    build_layer, diff,
};
use std::path::Path;

fn rule(path: &str, level: &str, tags: &[&str]) -> CoverageRule {
    CoverageRule {
        path: path.to_string(),
        title: format!("Rule {path}"),
        id: Some(format!("id-{path}")),
        level: Some(sigmaforge::rule::Level::parse(level).expect("level")),
        status: Some(sigmaforge::rule::Status::Stable),
        tags: tags.iter().map(|t| TagRef::new(*t, 1, 1)).collect(),
        product: None,
    }
}

fn fixture() -> Vec<CoverageRule> {
    vec![
        rule(
            "rules/a.yml",
            "high",
            &["attack.execution", "attack.t1059.001", "attack.g0016"],
        ),
        rule("rules/b.yml", "medium", &["attack.t1078"]),
        rule(
            "rules/c.yml",
            "low",
            &["attack.defense-impairment", "attack.t1562.001"],
        ),
        rule(
            "rules/d.yml",
            "critical",
            &["attack.t9999", "attack.defense_evasion", "attack.t1027"],
        ),
        rule(
            "rules/e yml.yml",
            "informational",
            &[
                "attack.credential-access",
                "attack.t1003.001",
                "attack.t1003",
            ],
        ),
    ]
}

fn schema_validator() -> Option<jsonschema::Validator> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/attack/schema/navigator-layer-4.5.schema.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skip: {} not present", path.display());
        return None;
    };
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    Some(jsonschema::validator_for(&schema).expect("schema compiles"))
}

/// Checks the schema cannot express: gradient order, and that every cell exists in the data.
fn check_against_data(layer: &Layer, data: &AttackData) {
    assert!(layer.gradient.max_value > layer.gradient.min_value);
    let m = data.enterprise().expect("enterprise");
    for e in &layer.techniques {
        let t = m
            .technique(&e.technique_id)
            .unwrap_or_else(|| panic!("{} not in data", e.technique_id));
        assert!(t.is_active(), "{} is not active", e.technique_id);
        assert!(
            t.tactics.contains(&e.tactic),
            "{} is not in tactic {}",
            e.technique_id,
            e.tactic
        );
        if e.show_subtechniques {
            assert!(!t.is_sub());
            assert!(
                m.active_techniques()
                    .any(|s| s.id.starts_with(&format!("{}.", t.id)))
            );
        }
    }
}

fn assert_valid(validator: &jsonschema::Validator, layer: &Layer) {
    let value = serde_json::to_value(layer).expect("serialises");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

#[test]
fn layer_is_valid_navigator_4_5() {
    let data = AttackData::embedded();
    let opts = LayerOptions {
        github: Some(GithubContext {
            server_url: "https://github.com".into(),
            repository: "org/rules".into(),
            sha: "0123456789abcdef".into(),
        }),
        platforms: vec!["Windows".into(), "Linux".into()],
        score: ScoreMode::Level,
        extra_metadata: vec![("run".into(), "https://example.invalid/run/1".into())],
        ..LayerOptions::default()
    };
    let out = build_layer(&fixture(), &opts, &data).expect("layer");
    check_against_data(&out.layer, &data);
    // unknown technique and the underscore/retired tactic are reported, not dropped silently
    let codes: Vec<&str> = out.findings.iter().map(|f| f.finding.kind.code()).collect();
    assert!(codes.contains(&"attack-unknown-technique"));
    assert!(codes.contains(&"attack-retired-tactic"));
    assert!(codes.contains(&"attack-revoked"));
    assert_eq!(out.unmapped_tags, 1);
    if let Some(v) = schema_validator() {
        assert_valid(&v, &out.layer);
        // the diff layer too
        let head = fixture();
        let base = &head[..2];
        let d = diff(base, &head, &[], &[], &DiffOptions::default(), &data).expect("diff");
        let dl = d
            .layer(&LayerOptions::default(), &data)
            .expect("diff layer");
        check_against_data(&dl, &data);
        assert_valid(&v, &dl);
    }
}

#[test]
fn layer_json_snapshot() {
    let data = AttackData::embedded();
    let out = build_layer(&fixture(), &LayerOptions::default(), &data).expect("layer");
    let json = out.layer.to_json().expect("layer serialises");
    // the generator row carries the crate version; keep the snapshot stable across releases
    let json = json.replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("attack_layer_fixture", json);
}

#[test]
fn empty_rule_set_gives_a_valid_layer() {
    let data = AttackData::embedded();
    let out = build_layer(&[], &LayerOptions::default(), &data).expect("layer");
    assert!(out.layer.techniques.is_empty());
    if let Some(v) = schema_validator() {
        assert_valid(&v, &out.layer);
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn schema_rejects_the_defects_of_older_tools() {
    let Some(v) = schema_validator() else { return };
    let data = AttackData::embedded();
    let out = build_layer(&fixture(), &LayerOptions::default(), &data).expect("layer");
    let good = serde_json::to_value(&out.layer).expect("serialises");
    // S2AN: legacy `version` key and pre-4.0 domain; sigma-cli: layer 4.4
    for (pointer, bad) in [
        ("/domain", serde_json::json!("mitre-enterprise")),
        ("/versions/layer", serde_json::json!("4.4")),
        ("/techniques/0/score", serde_json::json!("3")),
    ] {
        let mut layer = good.clone();
        *layer.pointer_mut(pointer).expect("pointer exists") = bad;
        assert!(!v.is_valid(&layer), "{pointer} should be rejected");
    }
    let mut legacy = good.clone();
    legacy
        .as_object_mut()
        .expect("object")
        .insert("version".into(), serde_json::json!("4.2"));
    assert!(!v.is_valid(&legacy));
}

#[test]
fn ics_layer_uses_ics_tactics() {
    let data = AttackData::embedded();
    let rules = vec![
        // T0858 is execution + evasion in ICS; the rule names one of them
        rule(
            "rules/ics/a.yml",
            "high",
            &["attack.evasion", "attack.t0858"],
        ),
        // T0859 without tactic tags: both of its tactics
        rule("rules/ics/b.yml", "high", &["attack.t0859"]),
        // an Enterprise technique is reported as belonging to another domain, not drawn
        rule("rules/ics/c.yml", "high", &["attack.t1059"]),
    ];
    let opts = LayerOptions {
        domain: sigmaforge::attack::Domain::Ics,
        ..LayerOptions::default()
    };
    let out = build_layer(&rules, &opts, &data).expect("layer");
    let cells: Vec<(&str, &str)> = out
        .layer
        .techniques
        .iter()
        .map(|e| (e.technique_id.as_str(), e.tactic.as_str()))
        .collect();
    assert_eq!(
        cells,
        vec![
            ("T0858", "evasion"),
            ("T0859", "persistence"),
            ("T0859", "lateral-movement"),
        ]
    );
    assert_eq!(out.layer.domain, "ics-attack");
    assert!(
        out.layer
            .metadata
            .iter()
            .any(|m| serde_json::to_string(m).is_ok_and(|s| s.contains("other ATT&CK domains")))
    );
    if let Some(v) = schema_validator() {
        assert_valid(&v, &out.layer);
    }
}
