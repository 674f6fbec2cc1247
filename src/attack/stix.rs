//! Reads a MITRE ATT&CK STIX 2.x bundle into a table, so `--attack-data` accepts MITRE's official
//! `enterprise-attack.json` directly and users can move to a new ATT&CK release the day it ships.
//!
//! Same rules as `scripts/gen_attack_tables.py`: tactics in `x-mitre-matrix` order, technique
//! tactics from `kill_chain_phases`, `revoked_by` following `revoked-by` chains to the end.

use super::table::{AttackDataError, AttackObject, RawTable, Tactic, Technique};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

const ATTACK_SOURCES: [&str; 3] = ["mitre-attack", "mitre-mobile-attack", "mitre-ics-attack"];

#[derive(Deserialize)]
struct Bundle {
    #[serde(default)]
    objects: Vec<StixObject>,
}

#[derive(Deserialize)]
struct ExternalRef {
    #[serde(default)]
    source_name: String,
    #[serde(default)]
    external_id: Option<String>,
}

#[derive(Deserialize)]
struct Phase {
    #[serde(default)]
    kill_chain_name: String,
    #[serde(default)]
    phase_name: String,
}

#[derive(Deserialize)]
struct StixObject {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    external_references: Vec<ExternalRef>,
    #[serde(default)]
    kill_chain_phases: Vec<Phase>,
    #[serde(default)]
    x_mitre_platforms: Vec<String>,
    #[serde(default)]
    x_mitre_deprecated: bool,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    x_mitre_shortname: Option<String>,
    #[serde(default)]
    tactic_refs: Vec<String>,
    #[serde(default)]
    x_mitre_version: Option<String>,
    #[serde(default)]
    relationship_type: Option<String>,
    #[serde(default)]
    source_ref: Option<String>,
    #[serde(default)]
    target_ref: Option<String>,
}

impl StixObject {
    fn attack_id(&self) -> Option<&str> {
        self.external_references
            .iter()
            .find(|r| ATTACK_SOURCES.contains(&r.source_name.as_str()))
            .and_then(|r| r.external_id.as_deref())
    }
}

fn object_kind(stix_type: &str) -> Option<(&'static str, &'static str)> {
    // (table list, ID prefix); the prefix also drops pre-2019 courses of action with T-numbers
    match stix_type {
        "intrusion-set" => Some(("groups", "G")),
        "malware" | "tool" => Some(("software", "S")),
        "campaign" => Some(("campaigns", "C")),
        "course-of-action" => Some(("mitigations", "M")),
        "x-mitre-data-source" => Some(("data_sources", "DS")),
        "x-mitre-asset" => Some(("assets", "A")),
        _ => None,
    }
}

/// Converts a STIX bundle (text) into a table.
pub(crate) fn table_from_bundle(text: &str, origin: &str) -> Result<RawTable, AttackDataError> {
    let bundle: Bundle = serde_json::from_str(text).map_err(|source| AttackDataError::Json {
        origin: origin.to_string(),
        source,
    })?;
    let err = |message: &str| AttackDataError::Stix {
        origin: origin.to_string(),
        message: message.to_string(),
    };
    let objs = bundle.objects;
    let by_ref: HashMap<&str, &StixObject> = objs.iter().map(|o| (o.id.as_str(), o)).collect();

    let collection = objs.iter().find(|o| o.kind == "x-mitre-collection");
    let version = collection
        .and_then(|c| c.x_mitre_version.clone())
        .ok_or_else(|| {
            err("no x-mitre-collection with x_mitre_version: cannot name the ATT&CK version")
        })?;
    let name = collection
        .and_then(|c| c.name.as_deref())
        .unwrap_or("")
        .to_ascii_lowercase();
    let chain = objs
        .iter()
        .flat_map(|o| o.kill_chain_phases.iter())
        .map(|p| p.kill_chain_name.as_str())
        .next()
        .unwrap_or("");
    let domain = if name.contains("enterprise") || chain == "mitre-attack" {
        "enterprise-attack"
    } else if name.contains("mobile") || chain == "mitre-mobile-attack" {
        "mobile-attack"
    } else if name.contains("ics") || chain == "mitre-ics-attack" {
        "ics-attack"
    } else {
        return Err(err(
            "cannot tell the ATT&CK domain (no collection name or kill chain)",
        ));
    };

    // tactics: matrix order first, then tactics missing from every matrix, flagged as retired
    let mut order: Vec<&str> = Vec::new();
    for m in objs
        .iter()
        .filter(|o| o.kind == "x-mitre-matrix" && !o.revoked)
    {
        for r in &m.tactic_refs {
            if !order.contains(&r.as_str()) {
                order.push(r);
            }
        }
    }
    let tactic_row = |o: &StixObject, retired: bool| -> Option<Tactic> {
        Some(Tactic {
            id: o.attack_id()?.to_string(),
            shortname: o.x_mitre_shortname.clone()?,
            name: o.name.clone().unwrap_or_default(),
            deprecated: retired || o.x_mitre_deprecated,
            revoked: o.revoked,
        })
    };
    let mut tactics: Vec<Tactic> = order
        .iter()
        .filter_map(|r| by_ref.get(r))
        .filter_map(|o| tactic_row(o, false))
        .collect();
    let listed: HashSet<&str> = order.iter().copied().collect();
    let mut retired: Vec<Tactic> = objs
        .iter()
        .filter(|o| o.kind == "x-mitre-tactic" && !listed.contains(o.id.as_str()))
        .filter_map(|o| tactic_row(o, true))
        .collect();
    retired.sort_by(|a, b| a.id.cmp(&b.id));
    tactics.extend(retired);
    let rank = |s: &str| {
        tactics
            .iter()
            .position(|t| t.shortname == s)
            .unwrap_or(usize::MAX)
    };

    let revoked_by: HashMap<&str, &str> = objs
        .iter()
        .filter(|o| {
            o.kind == "relationship" && o.relationship_type.as_deref() == Some("revoked-by")
        })
        .filter_map(|o| Some((o.source_ref.as_deref()?, o.target_ref.as_deref()?)))
        .collect();
    let final_replacement = |start: &str| -> Option<String> {
        let mut cur = start;
        let mut seen = HashSet::new();
        while let Some(next) = revoked_by.get(cur) {
            if !seen.insert(cur) {
                break;
            }
            cur = next;
        }
        by_ref
            .get(cur)
            .and_then(|o| o.attack_id())
            .map(str::to_string)
    };

    let mut techniques: BTreeMap<String, Technique> = BTreeMap::new();
    for o in objs.iter().filter(|o| o.kind == "attack-pattern") {
        let Some(id) = o.attack_id().filter(|i| i.starts_with('T')) else {
            continue;
        };
        let mut phases: Vec<String> = o
            .kill_chain_phases
            .iter()
            .filter(|p| ATTACK_SOURCES.contains(&p.kill_chain_name.as_str()))
            .map(|p| p.phase_name.clone())
            .collect();
        phases.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
        phases.dedup();
        let mut platforms = o.x_mitre_platforms.clone();
        platforms.sort();
        platforms.dedup();
        let row = Technique {
            id: id.to_string(),
            name: o.name.clone().unwrap_or_default(),
            tactics: phases,
            platforms,
            deprecated: o.x_mitre_deprecated,
            revoked: o.revoked,
            revoked_by: if o.revoked {
                final_replacement(&o.id)
            } else {
                None
            },
        };
        // a bundle may hold an old revoked object and its current namesake: keep the current one
        let keep_old = techniques
            .get(id)
            .is_some_and(|prev| prev.is_active() || !row.is_active());
        if !keep_old {
            techniques.insert(id.to_string(), row);
        }
    }

    let mut lists: BTreeMap<&str, BTreeMap<String, AttackObject>> = BTreeMap::new();
    for o in &objs {
        let Some((list, prefix)) = object_kind(&o.kind) else {
            continue;
        };
        let Some(id) = o.attack_id().filter(|i| i.starts_with(prefix)) else {
            continue;
        };
        let row = AttackObject {
            id: id.to_string(),
            name: o.name.clone().unwrap_or_default(),
            deprecated: o.x_mitre_deprecated,
            revoked: o.revoked,
        };
        let map = lists.entry(list).or_default();
        let keep_old = map
            .get(id)
            .is_some_and(|prev| prev.is_active() || !row.is_active());
        if !keep_old {
            map.insert(id.to_string(), row);
        }
    }
    let mut take = |k: &str| -> Vec<AttackObject> {
        lists
            .remove(k)
            .map(|m| m.into_values().collect())
            .unwrap_or_default()
    };
    Ok(RawTable {
        schema: None,
        domain: domain.to_string(),
        attack_version: version,
        tactics,
        techniques: techniques.into_values().collect(),
        groups: take("groups"),
        software: take("software"),
        campaigns: take("campaigns"),
        mitigations: take("mitigations"),
        data_sources: take("data_sources"),
        assets: take("assets"),
    })
}

#[cfg(test)]
mod tests {
    use crate::attack::data::{AttackData, Domain, ObjectKind};

    const BUNDLE: &str = r#"{"type":"bundle","id":"bundle--1","objects":[
{"type":"x-mitre-collection","id":"x-mitre-collection--1","name":"Enterprise ATT&CK","x_mitre_version":"20.0"},
{"type":"x-mitre-matrix","id":"x-mitre-matrix--1","tactic_refs":["x-mitre-tactic--b","x-mitre-tactic--a"]},
{"type":"x-mitre-tactic","id":"x-mitre-tactic--a","name":"Stealth","x_mitre_shortname":"stealth","external_references":[{"source_name":"mitre-attack","external_id":"TA0005"}]},
{"type":"x-mitre-tactic","id":"x-mitre-tactic--b","name":"Execution","x_mitre_shortname":"execution","external_references":[{"source_name":"mitre-attack","external_id":"TA0002"}]},
{"type":"x-mitre-tactic","id":"x-mitre-tactic--c","name":"Defense Evasion","x_mitre_shortname":"defense-evasion","external_references":[{"source_name":"mitre-attack","external_id":"TA0099"}]},
{"type":"attack-pattern","id":"attack-pattern--1","name":"PowerShell","x_mitre_platforms":["Windows"],"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"stealth"},{"kill_chain_name":"mitre-attack","phase_name":"execution"}],"external_references":[{"source_name":"mitre-attack","external_id":"T1059.001"}]},
{"type":"attack-pattern","id":"attack-pattern--2","name":"Old","revoked":true,"external_references":[{"source_name":"mitre-attack","external_id":"T1086"}]},
{"type":"attack-pattern","id":"attack-pattern--3","name":"Older","revoked":true,"external_references":[{"source_name":"mitre-attack","external_id":"T1000"}]},
{"type":"relationship","id":"relationship--1","relationship_type":"revoked-by","source_ref":"attack-pattern--3","target_ref":"attack-pattern--2"},
{"type":"relationship","id":"relationship--2","relationship_type":"revoked-by","source_ref":"attack-pattern--2","target_ref":"attack-pattern--1"},
{"type":"intrusion-set","id":"intrusion-set--1","name":"APT1","external_references":[{"source_name":"mitre-attack","external_id":"G0006"}]},
{"type":"course-of-action","id":"course-of-action--1","name":"old coa","external_references":[{"source_name":"mitre-attack","external_id":"T1086"}]},
{"type":"tool","id":"tool--1","name":"PsExec","x_mitre_deprecated":true,"external_references":[{"source_name":"mitre-attack","external_id":"S0029"}]}
]}"#;

    #[test]
    fn bundle_replaces_the_enterprise_table() {
        let data = AttackData::embedded()
            .with_table(BUNDLE, "mini bundle")
            .expect("bundle loads");
        let e = data.enterprise().expect("enterprise");
        assert_eq!(e.version, "20.0");
        let order: Vec<(&str, bool)> = e
            .tactics
            .iter()
            .map(|t| (t.shortname.as_str(), t.is_active()))
            .collect();
        assert_eq!(
            order,
            vec![
                ("execution", true),
                ("stealth", true),
                ("defense-evasion", false)
            ]
        );
        let ps = e.technique("T1059.001").expect("T1059.001");
        assert_eq!(ps.tactics, vec!["execution", "stealth"]);
        // revocation chains are followed to the end
        assert_eq!(
            e.technique("T1000").and_then(|t| t.revoked_by.as_deref()),
            Some("T1059.001")
        );
        assert!(e.object(ObjectKind::Group, "G0006").is_some());
        assert!(e.object(ObjectKind::Mitigation, "T1086").is_none());
        assert!(
            e.object(ObjectKind::Software, "S0029")
                .is_some_and(|s| !s.is_active())
        );
        // other domains keep the embedded data
        assert_eq!(data.matrix(Domain::Ics).expect("ics").version, "19.1");
    }

    #[test]
    fn bundle_without_version_is_an_error() {
        let text = r#"{"type":"bundle","objects":[{"type":"x-mitre-matrix","id":"m"}]}"#;
        let e = AttackData::embedded()
            .with_table(text, "bad")
            .expect_err("no version");
        assert!(e.to_string().contains("x_mitre_version"), "{e}");
    }
}
