//! Coverage diff on small fixture rule sets: gained, lost, renamed, retagged, findings, caps.

use sigmaforge::attack::{
    AttackData, CoverageRule, DiffOptions, FindingKey, LayerOptions, TagRef, diff,
};

fn rule(path: &str, id: Option<&str>, title: &str, tags: &[&str]) -> CoverageRule {
    CoverageRule {
        path: path.to_string(),
        title: title.to_string(),
        id: id.map(str::to_string),
        level: Some(sigmaforge::rule::Level::High),
        status: Some(sigmaforge::rule::Status::Test),
        tags: tags
            .iter()
            .enumerate()
            .map(|(i, t)| TagRef::new(*t, 5 + i as u32, 7))
            .collect(),
        product: None,
    }
}

fn base() -> Vec<CoverageRule> {
    vec![
        rule(
            "rules/windows/ps.yml",
            Some("11111111-0000-0000-0000-000000000001"),
            "PowerShell",
            &["attack.execution", "attack.t1059.001"],
        ),
        rule(
            "rules/windows/lsass.yml",
            Some("11111111-0000-0000-0000-000000000002"),
            "LSASS access",
            &["attack.credential-access", "attack.t1003.001"],
        ),
        rule(
            "rules/windows/old_name.yml",
            Some("11111111-0000-0000-0000-000000000003"),
            "Scheduled task",
            &[
                "attack.execution",
                "attack.persistence",
                "attack.privilege-escalation",
                "attack.t1053.005",
            ],
        ),
        rule(
            "rules/linux/noid.yml",
            None,
            "No id rule",
            &["attack.discovery", "attack.t1082"],
        ),
        rule(
            "rules/windows/retag.yml",
            Some("11111111-0000-0000-0000-000000000004"),
            "Retagged",
            &["attack.stealth", "attack.t1027"],
        ),
    ]
}

fn head() -> Vec<CoverageRule> {
    vec![
        // unchanged
        rule(
            "rules/windows/ps.yml",
            Some("11111111-0000-0000-0000-000000000001"),
            "PowerShell",
            &["attack.execution", "attack.t1059.001"],
        ),
        // LSASS rule removed: T1003.001 lost
        // renamed file, same id
        rule(
            "rules/windows/new_name.yml",
            Some("11111111-0000-0000-0000-000000000003"),
            "Scheduled task",
            &[
                "attack.execution",
                "attack.persistence",
                "attack.privilege-escalation",
                "attack.t1053.005",
            ],
        ),
        // rule without id keeps its path
        rule(
            "rules/linux/noid.yml",
            None,
            "No id rule",
            &["attack.discovery", "attack.t1082"],
        ),
        // retagged: T1027 → T1685
        rule(
            "rules/windows/retag.yml",
            Some("11111111-0000-0000-0000-000000000004"),
            "Retagged",
            &["attack.defense-impairment", "attack.t1685"],
        ),
        // new rule adding a second PowerShell rule (score change) and T1218.011 (gained)
        rule(
            "rules/windows/new.yml",
            Some("11111111-0000-0000-0000-000000000005"),
            "New rule",
            &[
                "attack.execution",
                "attack.stealth",
                "attack.t1059.001",
                "attack.t1218.011",
            ],
        ),
    ]
}

fn ids(v: &[sigmaforge::attack::diff::TechniqueChange]) -> Vec<&str> {
    v.iter().map(|t| t.id.as_str()).collect()
}

#[test]
fn gained_lost_renamed_retagged() {
    let data = AttackData::embedded();
    let bf = vec![FindingKey {
        rule: "11111111-0000-0000-0000-000000000004".into(),
        code: "attack-missing-tactics".into(),
        message: "x".into(),
    }];
    let hf = vec![FindingKey {
        rule: "rules/linux/noid.yml".into(),
        code: "title-length".into(),
        message: "title too long".into(),
    }];
    let d = diff(&base(), &head(), &bf, &hf, &DiffOptions::default(), &data).expect("diff");
    assert_eq!(ids(&d.gained), vec!["T1218.011", "T1685"]);
    assert_eq!(ids(&d.lost), vec!["T1003.001", "T1027"]);
    assert_eq!(ids(&d.changed), vec!["T1059.001"]);
    assert_eq!(d.changed[0].base_rules, 1);
    assert_eq!(d.changed[0].head_rules, 2);
    assert_eq!(d.rules_added.len(), 1);
    assert_eq!(d.rules_added[0].path, "rules/windows/new.yml");
    assert_eq!(d.rules_removed.len(), 1);
    assert_eq!(d.rules_removed[0].title, "LSASS access");
    assert_eq!(d.rules_modified.len(), 2);
    let renamed = d
        .rules_modified
        .iter()
        .find(|r| r.renamed_from.is_some())
        .expect("renamed rule");
    assert_eq!(
        renamed.renamed_from.as_deref(),
        Some("rules/windows/old_name.yml")
    );
    assert_eq!(renamed.path, "rules/windows/new_name.yml");
    assert!(renamed.tags_added.is_empty());
    let retag = d
        .rules_modified
        .iter()
        .find(|r| r.title == "Retagged")
        .expect("retagged rule");
    assert_eq!(
        retag.tags_added,
        vec!["attack.defense-impairment", "attack.t1685"]
    );
    assert_eq!(retag.tags_removed, vec!["attack.stealth", "attack.t1027"]);
    assert_eq!(d.findings_introduced, hf);
    assert_eq!(d.findings_fixed, bf);
    assert!(
        d.tactics
            .iter()
            .any(|t| t.shortname == "defense-impairment" && t.head_covered == 1)
    );

    let md = d.to_markdown(20);
    assert!(md.starts_with("### ATT&CK coverage change (enterprise-attack 19.1)"));
    assert!(
        md.contains("**+2 techniques, −2 techniques, 1 score change**"),
        "{md}"
    );
    assert!(md.contains("renamed from `rules/windows/old_name.yml`"));
    assert!(md.contains("tags +attack.defense-impairment +attack.t1685"));
    insta::assert_snapshot!("attack_diff_markdown", md);
}

#[test]
fn id_gained_matches_by_path() {
    let data = AttackData::embedded();
    let b = vec![rule("rules/a.yml", None, "A", &["attack.t1082"])];
    let h = vec![rule(
        "rules/a.yml",
        Some("22222222-0000-0000-0000-000000000001"),
        "A",
        &["attack.t1082"],
    )];
    let d = diff(&b, &h, &[], &[], &DiffOptions::default(), &data).expect("diff");
    assert!(d.rules_added.is_empty() && d.rules_removed.is_empty());
    assert!(d.is_empty(), "{d:?}");
    assert!(d.to_markdown(20).contains("No change in ATT&CK coverage"));
}

#[test]
fn diff_layer_colours_and_legend() {
    let data = AttackData::embedded();
    let d = diff(&base(), &head(), &[], &[], &DiffOptions::default(), &data).expect("diff");
    let layer = d.layer(&LayerOptions::default(), &data).expect("layer");
    let colour = |t: &str| {
        layer
            .techniques
            .iter()
            .find(|e| e.technique_id == t)
            .and_then(|e| e.color.clone())
    };
    assert_eq!(
        colour("T1685").as_deref(),
        Some(sigmaforge::attack::diff::GAINED_COLOR)
    );
    assert_eq!(
        colour("T1003.001").as_deref(),
        Some(sigmaforge::attack::diff::LOST_COLOR)
    );
    assert_eq!(
        colour("T1059.001").as_deref(),
        Some(sigmaforge::attack::diff::CHANGED_COLOR)
    );
    assert_eq!(
        colour("T1082").as_deref(),
        Some(sigmaforge::attack::diff::UNCHANGED_COLOR)
    );
    assert_eq!(layer.legend_items.len(), 4);
    assert_eq!(layer.versions.attack, "19");
}

#[test]
fn big_diffs_stay_under_the_comment_limit() {
    let data = AttackData::embedded();
    let e = data.enterprise().expect("enterprise");
    // one rule per active technique, each with a long title, all added
    let head: Vec<CoverageRule> = e
        .active_techniques()
        .enumerate()
        .map(|(i, t)| {
            rule(
                &format!(
                    "rules/generated/some/deep/folder/rule_number_{i:04}_for_{}.yml",
                    t.id
                ),
                Some(&format!("00000000-0000-0000-0000-{i:012}")),
                &format!(
                    "{} detection with a deliberately long title to fill the table {}",
                    t.name,
                    "x".repeat(80)
                ),
                &[&format!("attack.{}", t.id.to_ascii_lowercase())],
            )
        })
        .collect();
    let findings: Vec<FindingKey> = (0..5000)
        .map(|i| FindingKey {
            rule: format!("rules/generated/r{i}.yml"),
            code: "some-code".into(),
            message: "m".repeat(200),
        })
        .collect();
    let d = diff(&[], &head, &[], &findings, &DiffOptions::default(), &data).expect("diff");
    assert_eq!(d.gained.len(), 697);
    let md = d.to_markdown(1000);
    assert!(
        md.chars().count() < sigmaforge::attack::diff::COMMENT_LIMIT,
        "{}",
        md.len()
    );
    assert!(md.contains("… and "));
    let small = d.to_markdown(20);
    assert!(small.len() < 30_000, "{}", small.len());
}
