//! The deploy plan: per space, which rules to create, update, leave alone, and disable or delete,
//! computed from the rendered rules (the repository) and the live rules sigmaforge owns.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::error::{DeployError, Result};
use super::kibana_rules::{BulkAction, LiveRule, Space};
use super::version::{content, content_hash, live_hash, stamp};

/// A rule the repository wants deployed: its `es-rule` rendering and the file it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    /// The Sigma file (for messages: an import error names it).
    pub path: String,
    /// The rendered detection rule (one `es-rule` object).
    pub rule: Value,
}

impl Desired {
    /// The rule's `rule_id`.
    pub fn rule_id(&self) -> Option<&str> {
        self.rule.get("rule_id").and_then(Value::as_str)
    }
}

/// Check the desired rules: each has a `rule_id`, and no two share one (two Sigma files with
/// the same id would overwrite each other in Kibana).
pub fn check_desired(desired: &[Desired]) -> Result<()> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for d in desired {
        let id = d.rule_id().ok_or_else(|| {
            DeployError::Config(format!("{}: the rendered rule has no rule_id", d.path))
        })?;
        if let Some(first) = seen.insert(id, &d.path) {
            return Err(DeployError::Config(format!(
                "{}: rule_id {id} is also the rule_id of {first}; Sigma ids must be unique to deploy",
                d.path
            )));
        }
    }
    Ok(())
}

/// One field that differs between the live rule and the one to deploy.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDiff {
    /// Top-level field name.
    pub field: String,
    /// The live value (`None`: the live rule has no such field).
    pub live: Option<Value>,
    /// The value to deploy.
    pub desired: Value,
}

/// One rule of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRule {
    /// The rule id.
    pub rule_id: String,
    /// The rule name (for people).
    pub name: String,
    /// The Sigma file (none for a rule removed from the repository).
    pub path: Option<String>,
    /// The version it will have (create/update) or has (unchanged/remove).
    pub version: u64,
    /// The live version, when there is a live rule.
    pub live_version: Option<u64>,
    /// Kibana's saved-object id of the live rule, when there is one.
    pub live_id: Option<String>,
    /// The body to import (create/update), versioned and tagged.
    pub deploy: Option<Value>,
    /// What changes (update only).
    pub diff: Vec<FieldDiff>,
}

/// The plan of one space.
#[derive(Debug, Clone, PartialEq)]
pub struct SpacePlan {
    /// The space.
    pub space: Space,
    /// Rules not in Kibana yet.
    pub create: Vec<PlannedRule>,
    /// Rules whose content changed.
    pub update: Vec<PlannedRule>,
    /// Rules deployed as they are.
    pub unchanged: Vec<PlannedRule>,
    /// Rules deleted from the repository that are still live (enabled, or present when deleting).
    pub remove: Vec<PlannedRule>,
    /// What happens to `remove`.
    pub remove_action: BulkAction,
    /// Rules deleted from the repository and already disabled: nothing to do (listed for people).
    pub retired: Vec<String>,
}

impl SpacePlan {
    /// Rules this plan writes (create + update + remove).
    pub fn changes(&self) -> usize {
        self.create.len() + self.update.len() + self.remove.len()
    }
}

/// A plan over every space.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// One plan per space, in the order given.
    pub spaces: Vec<SpacePlan>,
}

fn name_of(rule: &Value) -> String {
    rule.get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The fields of `desired` whose values differ on `live` (our own tags left out of both sides,
/// keys compared in canonical order; fields Kibana adds on its side are not ours to diff).
fn field_diff(live: &Value, desired: &Value) -> Vec<FieldDiff> {
    let (live, desired) = (content(live), content(desired));
    let (Some(l), Some(d)) = (live.as_object(), desired.as_object()) else {
        return Vec::new();
    };
    d.iter()
        .filter(|(k, v)| l.get(*k) != Some(*v))
        .map(|(k, v)| FieldDiff {
            field: k.clone(),
            live: l.get(k).cloned(),
            desired: v.clone(),
        })
        .collect()
}

/// Plan one space: `desired` (checked with [`check_desired`]) against `live` (the owned rules).
pub fn plan_space(
    space: Space,
    desired: &[Desired],
    live: &[LiveRule],
    remove_action: BulkAction,
) -> SpacePlan {
    let by_id: BTreeMap<&str, &LiveRule> = live.iter().map(|r| (r.rule_id.as_str(), r)).collect();
    let mut plan = SpacePlan {
        space,
        create: Vec::new(),
        update: Vec::new(),
        unchanged: Vec::new(),
        remove: Vec::new(),
        remove_action,
        retired: Vec::new(),
    };
    let mut wanted = BTreeSet::new();
    let mut sorted: Vec<&Desired> = desired.iter().collect();
    sorted.sort_by(|a, b| a.rule_id().cmp(&b.rule_id()));
    for d in sorted {
        let Some(rule_id) = d.rule_id() else { continue };
        wanted.insert(rule_id);
        let hash = content_hash(&d.rule);
        let mut entry = PlannedRule {
            rule_id: rule_id.to_string(),
            name: name_of(&d.rule),
            path: Some(d.path.clone()),
            version: 1,
            live_version: None,
            live_id: None,
            deploy: None,
            diff: Vec::new(),
        };
        match by_id.get(rule_id) {
            None => {
                entry.deploy = Some(stamp(&d.rule, &hash, 1));
                plan.create.push(entry);
            }
            Some(l) => {
                entry.live_version = Some(l.version);
                entry.live_id = Some(l.id.clone());
                if live_hash(&l.tags) == Some(hash.as_str()) {
                    entry.version = l.version;
                    plan.unchanged.push(entry);
                } else {
                    entry.version = l.version.max(1) + 1;
                    let body = stamp(&d.rule, &hash, entry.version);
                    entry.diff = field_diff(&l.body, &body);
                    entry.deploy = Some(body);
                    plan.update.push(entry);
                }
            }
        }
    }
    let mut gone: Vec<&LiveRule> = live
        .iter()
        .filter(|l| !wanted.contains(l.rule_id.as_str()))
        .collect();
    gone.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    for l in gone {
        if remove_action == BulkAction::Disable && !l.enabled {
            plan.retired.push(l.rule_id.clone());
            continue;
        }
        plan.remove.push(PlannedRule {
            rule_id: l.rule_id.clone(),
            name: name_of(&l.body),
            path: None,
            version: l.version,
            live_version: Some(l.version),
            live_id: Some(l.id.clone()),
            deploy: None,
            diff: Vec::new(),
        });
    }
    plan
}

impl Plan {
    /// Rules the plan writes, over every space.
    pub fn changes(&self) -> usize {
        self.spaces.iter().map(SpacePlan::changes).sum()
    }

    /// The machine-readable plan: `{"spaces": {"<space>": {"create": [rule_id…], "update": […],
    /// "unchanged": […], "remove": […]}}}` (what `run --deploy-plan` reads).
    pub fn to_json(&self) -> Value {
        fn ids(rules: &[PlannedRule]) -> Vec<&str> {
            rules.iter().map(|r| r.rule_id.as_str()).collect()
        }
        let mut spaces = serde_json::Map::new();
        for s in &self.spaces {
            spaces.insert(
                s.space.to_string(),
                json!({
                    "create": ids(&s.create),
                    "update": ids(&s.update),
                    "unchanged": ids(&s.unchanged),
                    "remove": ids(&s.remove),
                }),
            );
        }
        json!({ "spaces": spaces })
    }

    /// The plan for people: per space a summary line, then each change with its field diff.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for s in &self.spaces {
            let verb = s.remove_action.name();
            out.push_str(&format!(
                "space {}: {} to create, {} to update, {} unchanged, {} to {verb}\n",
                s.space,
                s.create.len(),
                s.update.len(),
                s.unchanged.len(),
                s.remove.len()
            ));
            let line = |out: &mut String, mark: &str, r: &PlannedRule, extra: String| {
                let from = r
                    .path
                    .as_deref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  {mark} {} {:?}{from}{extra}\n",
                    r.rule_id, r.name
                ));
            };
            for r in &s.create {
                line(&mut out, "+ create ", r, format!(" version {}", r.version));
            }
            for r in &s.update {
                let from = r.live_version.unwrap_or_default();
                line(
                    &mut out,
                    "~ update ",
                    r,
                    format!(" version {from} → {}", r.version),
                );
                for d in &r.diff {
                    let live = d.live.as_ref().map_or("(absent)".to_string(), short);
                    out.push_str(&format!(
                        "      {}: {live} → {}\n",
                        d.field,
                        short(&d.desired)
                    ));
                }
            }
            for r in &s.remove {
                line(&mut out, &format!("- {verb:<7}"), r, String::new());
            }
            if !s.retired.is_empty() {
                out.push_str(&format!(
                    "  ({} rule(s) removed from the repository are already disabled; \
                     --delete-removed deletes them)\n",
                    s.retired.len()
                ));
            }
        }
        out
    }
}

/// A JSON value on one line, cut to a readable length.
fn short(v: &Value) -> String {
    const MAX: usize = 120;
    let text = v.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(id: &str, query: &str) -> Desired {
        Desired {
            path: format!("rules/{id}.yml"),
            rule: json!({"rule_id": id, "version": 1, "name": format!("R {id}"),
                         "query": query, "enabled": true, "tags": ["attack.t1059"]}),
        }
    }

    fn live(d: &Desired, version: u64, enabled: bool) -> LiveRule {
        let hash = content_hash(&d.rule);
        let mut body = stamp(&d.rule, &hash, version);
        body["id"] = json!(format!("so-{}", d.rule_id().unwrap()));
        body["enabled"] = json!(enabled);
        body["created_at"] = json!("2026-01-01T00:00:00Z");
        LiveRule {
            id: format!("so-{}", d.rule_id().unwrap()),
            rule_id: d.rule_id().unwrap().to_string(),
            version,
            enabled,
            tags: serde_json::from_value(body["tags"].clone()).unwrap(),
            body,
        }
    }

    #[test]
    fn create_update_unchanged_remove() {
        let (a, b, c) = (
            desired("a", "x:1"),
            desired("b", "x:2"),
            desired("c", "x:3"),
        );
        let old_b = desired("b", "x:old");
        let gone = desired("z", "x:9");
        let live_rules = [
            live(&a, 3, true),
            live(&old_b, 2, true),
            live(&gone, 1, true),
        ];
        let space = Space::parse("default").unwrap();
        let plan = plan_space(
            space,
            &[c.clone(), b.clone(), a.clone()],
            &live_rules,
            BulkAction::Disable,
        );
        let ids = |v: &[PlannedRule]| v.iter().map(|r| r.rule_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&plan.create), ["c"]);
        assert_eq!(ids(&plan.update), ["b"]);
        assert_eq!(ids(&plan.unchanged), ["a"]);
        assert_eq!(ids(&plan.remove), ["z"]);
        assert_eq!(plan.create[0].deploy.as_ref().unwrap()["version"], 1);
        let upd = &plan.update[0];
        assert_eq!((upd.live_version, upd.version), (Some(2), 3));
        assert_eq!(upd.deploy.as_ref().unwrap()["version"], 3);
        assert_eq!(upd.diff.len(), 1, "{:?}", upd.diff);
        assert_eq!(upd.diff[0].field, "query");
        assert_eq!(plan.unchanged[0].version, 3);
        assert_eq!(plan.changes(), 3);
        let full = Plan { spaces: vec![plan] };
        assert_eq!(
            full.to_json(),
            json!({"spaces": {"default": {"create": ["c"], "update": ["b"], "unchanged": ["a"], "remove": ["z"]}}})
        );
        let text = full.to_text();
        assert!(
            text.contains("1 to create, 1 to update, 1 unchanged, 1 to disable"),
            "{text}"
        );
        assert!(text.contains("version 2 → 3"), "{text}");
        assert!(text.contains("query: \"x:old\" → \"x:2\""), "{text}");
    }

    #[test]
    fn disabled_leftovers_are_retired_unless_deleting() {
        let gone = desired("z", "x:9");
        let live_rules = [live(&gone, 1, false)];
        let space = Space::parse("default").unwrap();
        let keep = plan_space(space.clone(), &[], &live_rules, BulkAction::Disable);
        assert!(keep.remove.is_empty());
        assert_eq!(keep.retired, ["z"]);
        let delete = plan_space(space, &[], &live_rules, BulkAction::Delete);
        assert_eq!(delete.remove.len(), 1);
    }

    #[test]
    fn duplicate_rule_ids_name_both_files() {
        let a = desired("a", "x:1");
        let mut b = desired("a", "x:2");
        b.path = "rules/other.yml".into();
        let err = check_desired(&[a, b]).unwrap_err().to_string();
        assert!(
            err.contains("rules/other.yml") && err.contains("rules/a.yml"),
            "{err}"
        );
    }
}
