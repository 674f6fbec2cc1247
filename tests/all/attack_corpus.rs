//! ATT&CK coverage on the real SigmaHQ corpus, read with the project's parser: tag census facts,
//! the pySigma layer comparison, and the SVG/statistics of the whole corpus. Skips when ../shared is
//! absent.

use sigmaforge::attack::compare::compare_layers;
use sigmaforge::attack::{
    AttackData, LayerOptions, RuleFilter, StatsOptions, SvgOptions, build_layer, coverage_stats,
    render_svg,
};
use std::collections::BTreeMap;
use std::path::Path;

/// SigmaHQ's CI folders (the 3,780 "active" rules).
const ACTIVE: [&str; 6] = [
    "rules",
    "rules-compliance",
    "rules-dfir",
    "rules-emerging-threats",
    "rules-placeholder",
    "rules-threat-hunting",
];

/// Parses the given corpus folders with the project's parser; paths become corpus-relative.
fn load(root: &Path, folders: &[&str]) -> Vec<sigmaforge::attack::CoverageRule> {
    let inputs = crate::util::rule_folders(root, folders);
    let scan = sigmaforge::scan::scan(&inputs).expect("scan corpus");
    let prefix = sigmaforge::discover::display_path(root);
    sigmaforge::attack::coverage_rules(&scan, Some(&prefix))
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn census_facts_hold_on_active_rules() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let data = AttackData::embedded();
    let rules = load(&root, &ACTIVE);
    assert_eq!(rules.len(), 3780);
    let out = build_layer(&rules, &LayerOptions::default(), &data).expect("layer");
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &out.findings {
        *by_code.entry(f.finding.kind.code()).or_default() += 1;
    }
    // tag-census.md: every active tag is valid in v19.1 except the deprecated data source ds0005
    assert_eq!(by_code.get("attack-deprecated-id"), Some(&1), "{by_code:?}");
    assert_eq!(by_code.get("attack-missing-tactics"), None, "{by_code:?}");
    for code in [
        "attack-unknown-technique",
        "attack-unknown-tactic",
        "attack-revoked",
        "attack-deprecated",
        "attack-underscore-tactic",
        "attack-retired-tactic",
        "attack-duplicate",
        "attack-malformed",
    ] {
        assert_eq!(by_code.get(code), None, "{code}: {by_code:?}");
    }
    // 348 rules tag a tactic that none of their techniques implies (census, per rule)
    let rules_not_implied: std::collections::BTreeSet<&str> = out
        .findings
        .iter()
        .filter(|f| f.finding.kind.code() == "attack-tactic-not-implied")
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(rules_not_implied.len(), 348);
    // the example summary: 171/222 techniques, 243/475 sub-techniques
    let stats = coverage_stats(&rules, &StatsOptions::default(), &data).expect("stats");
    assert_eq!(
        (stats.techniques_covered, stats.techniques_total),
        (171, 222)
    );
    assert_eq!(
        (stats.subtechniques_covered, stats.subtechniques_total),
        (243, 475)
    );
    let stealth = stats
        .tactics
        .iter()
        .find(|t| t.shortname == "stealth")
        .expect("stealth");
    assert_eq!(
        (stealth.techniques_covered, stealth.techniques_total),
        (23, 30)
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn census_negative_cases_in_old_folders() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let data = AttackData::embedded();
    let inputs = [root.join("deprecated"), root.join("unsupported")];
    let scan = sigmaforge::scan::scan(&inputs).expect("scan");
    let prefix = sigmaforge::discover::display_path(&root);
    let rules = sigmaforge::attack::coverage_rules(&scan, Some(&prefix));
    // the census read every file with PyYAML; our parser rejects a few unsupported/ rules (Sigma v1
    // pipe aggregations), whose tags are then not checked: count those per tag to reconcile
    let rejected_texts: Vec<String> = scan
        .docs
        .iter()
        .filter(|d| d.doc.is_none())
        .filter_map(|d| std::fs::read_to_string(&d.path).ok())
        .collect();
    let out = build_layer(&rules, &LayerOptions::default(), &data).expect("layer");
    let count = |code: &str, text: &str| {
        out.findings
            .iter()
            .filter(|f| f.finding.kind.code() == code && f.finding.tag.text == text)
            .count()
    };
    // (code, tag, rules in deprecated/ + unsupported/ per tag-census.md); `attack.defense_evasion`
    // gets the retired-tactic finding only (one finding per problem), checked below.
    let census = [
        ("attack-retired-tactic", "attack.defense_evasion", 78),
        ("attack-retired-tactic", "attack.defense-evasion", 3),
        (
            "attack-underscore-tactic",
            "attack.privilege_escalation",
            38,
        ),
        ("attack-underscore-tactic", "attack.credential_access", 28),
        ("attack-underscore-tactic", "attack.command_and_control", 22),
        ("attack-underscore-tactic", "attack.initial_access", 13),
        ("attack-underscore-tactic", "attack.lateral_movement", 10),
        ("attack-underscore-tactic", "attack.resource_development", 1),
        ("attack-revoked", "attack.t1562.001", 7),
        ("attack-revoked", "attack.t1562.002", 1),
        ("attack-revoked", "attack.t1070.001", 1),
        ("attack-revoked", "attack.t1086", 1),
        ("attack-revoked", "attack.t1050", 2),
        ("attack-revoked", "attack.t1035", 1),
        ("attack-deprecated", "attack.t1043", 1),
    ];
    // and the census counted a Sigma v1 collection (`action: global` + N documents) as one rule,
    // while the parser expands it into N rules, as sigma-cli does
    let collection_extra = |tag: &str| {
        let mut per_path: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &rules {
            if r.tags.iter().any(|t| t.text == tag) {
                *per_path.entry(r.path.as_str()).or_default() += 1;
            }
        }
        per_path.values().map(|n| n - 1).sum::<usize>()
    };
    assert_eq!(
        count("attack-underscore-tactic", "attack.defense_evasion"),
        0
    );
    for (code, tag, want) in census {
        let in_rejected = rejected_texts
            .iter()
            .filter(|t| {
                t.lines().any(|l| {
                    let item = l.split(" #").next().unwrap_or(l).trim();
                    item.strip_prefix('-').map(str::trim) == Some(tag)
                })
            })
            .count();
        let extra = collection_extra(tag);
        assert_eq!(
            count(code, tag),
            want - in_rejected + extra,
            "{code} {tag}: census {want}, {in_rejected} in rejected rules, {extra} from collections"
        );
    }
    // positions point at the tag line
    let f = out
        .findings
        .iter()
        .find(|f| f.finding.tag.text == "attack.t1562.001")
        .expect("t1562.001 finding");
    let text = std::fs::read_to_string(root.join(&f.path)).expect("rule file");
    let line = text
        .lines()
        .nth(f.finding.tag.line as usize - 1)
        .expect("line exists");
    let col = f.finding.tag.col as usize - 1;
    assert_eq!(line.get(col..col + 16), Some("attack.t1562.001"), "{line}");
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn matches_pysigma_layer_except_for_v19_changes() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let reference_path =
        root.join("../../pysigma/ref/attack/sigma_analyze_attack_count_rules.json");
    let Ok(text) = std::fs::read_to_string(&reference_path) else {
        eprintln!("skip: {} not present", reference_path.display());
        return;
    };
    let reference: serde_json::Value = serde_json::from_str(&text).expect("reference JSON");
    let data = AttackData::embedded();
    let rules = load(&root, &["rules"]);
    let layer = build_layer(&rules, &LayerOptions::default(), &data)
        .expect("layer")
        .layer;
    let cmp = compare_layers(&layer, &reference);
    eprintln!(
        "same {} / different {} / only ours {} / only pySigma {}",
        cmp.same,
        cmp.different.len(),
        cmp.only_ours.len(),
        cmp.only_reference.len()
    );
    // pySigma's layer was made with ATT&CK 18.1 data; every difference must be a v18 -> v19 change
    let v18_path = root.join("../../attack/attack-enterprise-v18.1.json");
    let Ok(v18_text) = std::fs::read_to_string(&v18_path) else {
        eprintln!("skip: {} not present", v18_path.display());
        return;
    };
    let v18 = AttackData::from_tables(&[&v18_text]).expect("v18.1 table");
    let m18 = v18.enterprise().expect("v18");
    let m19 = data.enterprise().expect("v19");
    let has = |m: &sigmaforge::attack::Matrix, t: &str, x: &str| {
        m.technique(t)
            .is_some_and(|t| t.is_active() && t.tactics.iter().any(|y| y == x))
    };
    assert!(cmp.different.is_empty(), "{:?}", cmp.different);
    for c in &cmp.only_reference {
        assert!(
            has(m18, &c.technique, &c.tactic) && !has(m19, &c.technique, &c.tactic),
            "pySigma-only cell not explained by v19: {c:?}"
        );
    }
    for c in &cmp.only_ours {
        assert!(
            has(m19, &c.technique, &c.tactic) && !has(m18, &c.technique, &c.tactic),
            "our-only cell not explained by v19: {c:?}"
        );
    }
    // a technique moved from defense-evasion keeps its rule count under its v19 tactic
    let reference_cells: BTreeMap<(String, String), f64> = cmp
        .only_reference
        .iter()
        .filter_map(|c| Some(((c.technique.clone(), c.tactic.clone()), c.reference?)))
        .collect();
    let mut moved = 0;
    for c in &cmp.only_ours {
        if (c.tactic == "stealth" || c.tactic == "defense-impairment")
            && let Some(r) = reference_cells.get(&(c.technique.clone(), "defense-evasion".into()))
        {
            assert_eq!(Some(*r), c.ours, "{c:?}");
            moved += 1;
        }
    }
    eprintln!(
        "{moved} defense-evasion cells moved to stealth/defense-impairment with equal scores"
    );
    assert_eq!(cmp.same, 375);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn corpus_svg_and_markdown() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let data = AttackData::embedded();
    let rules = load(&root, &ACTIVE);
    let svg = render_svg(
        &rules,
        &SvgOptions {
            title: "SigmaHQ rule coverage".into(),
            ..SvgOptions::default()
        },
        &data,
    )
    .expect("svg");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("attack-corpus.svg");
    std::fs::write(&out, &svg).expect("write svg");
    eprintln!("wrote {} ({} bytes)", out.display(), svg.len());
    let stats = coverage_stats(
        &rules,
        &StatsOptions {
            filter: RuleFilter::default(),
            ..StatsOptions::default()
        },
        &data,
    )
    .expect("stats");
    let md = stats.to_markdown();
    std::fs::write(out.with_extension("md"), &md).expect("write md");
}
