//! What an Elastic Security rule says about the data it needs, from the fields its query uses
//! and the field catalog: `required_fields`, `related_integrations`, `investigation_fields` and
//! `setup` (see `docs/targets.md`, "es-rule"). Kibana shows them on the rule's page (required
//! fields, integration status, highlighted alert fields, setup guide); none changes what the rule
//! matches.
//!
//! Without a field catalog (`--field-check off`) only `investigation_fields` and the rule's own
//! log-source requirement are known; the catalog-derived keys are left out rather than guessed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::meta::is_uuid;
use crate::mapping::catalog::{FieldCatalog, FieldView, IndexSource, Origin, Resolved};
use crate::rule::LogSource;

/// Context fields added to `investigation_fields` when an index of the rule declares them: who and
/// where, the first two things an analyst looks for in any alert.
pub const CONTEXT_FIELDS: &[&str] = &["host.name", "user.name"];

/// The field whose values Windows records only with PowerShell Script Block Logging on.
const SCRIPT_BLOCK_FIELD: &str = "powershell.file.script_block_text";

/// The field metadata of one rule: its query's fields looked up in the rule's indices.
pub struct RuleFields<'a> {
    fields: BTreeSet<&'a str>,
    catalog: Option<(&'a FieldCatalog, Resolved<'a>)>,
}

impl<'a> RuleFields<'a> {
    /// The query's `fields` in the rule's `indices` (the rule's own, not a target default: with
    /// no index the catalog answers nothing, as in the typing pass).
    pub fn new(
        fields: BTreeSet<&'a str>,
        indices: &[String],
        catalog: Option<&'a FieldCatalog>,
    ) -> RuleFields<'a> {
        RuleFields {
            fields,
            catalog: catalog.map(|c| (c, c.resolve_all(indices))),
        }
    }

    /// The four keys, each only when it has something to say, in a fixed order.
    pub fn keys(&self, logsource: &LogSource) -> Vec<(&'static str, Value)> {
        let mut out = Vec::new();
        if let Some(r) = self.required_fields() {
            out.push(("required_fields", r));
        }
        if let Some(r) = self.related_integrations() {
            out.push(("related_integrations", r));
        }
        if let Some(i) = self.investigation_fields() {
            out.push(("investigation_fields", i));
        }
        if let Some(s) = self.setup(logsource) {
            out.push(("setup", Value::String(s)));
        }
        out
    }

    fn views(&self) -> impl Iterator<Item = (&'a str, Option<FieldView<'a>>)> + '_ {
        self.fields.iter().map(|&f| {
            let view = self
                .catalog
                .as_ref()
                .filter(|(_, r)| !r.is_empty())
                .map(|(_, r)| r.field(f));
            (f, view)
        })
    }

    /// `[{name, type, ecs}]` for every field of the query. The type is the one the rule's indices
    /// map the field to; when they disagree, the ECS type if it is one of theirs, else the type
    /// of the first index (catalog order) that has the field; with no index that has it, the ECS
    /// type, else `unknown`. `ecs` is true for a field ECS defines (not its multi-fields).
    pub fn required_fields(&self) -> Option<Value> {
        let (catalog, _) = self.catalog.as_ref()?;
        if self.fields.is_empty() {
            return None;
        }
        let items: Vec<Value> = self
            .views()
            .map(|(name, view)| {
                let ecs = catalog
                    .ecs_field(name)
                    .filter(|i| i.origin == Origin::Ecs)
                    .map(|i| i.ty);
                let types = view.as_ref().map(FieldView::types).unwrap_or_default();
                let ty = match (&types[..], &ecs) {
                    ([one], _) => one.as_str().to_string(),
                    ([], Some(e)) => e.as_str().to_string(),
                    ([], None) => "unknown".to_string(),
                    (_, Some(e)) if types.contains(e) => e.as_str().to_string(),
                    _ => view
                        .as_ref()
                        .and_then(|v| v.per_index().iter().find_map(|(_, f)| f.as_ref()))
                        .map_or("unknown".to_string(), |f| f.ty.as_str().to_string()),
                };
                json!({ "name": name, "type": ty, "ecs": ecs.is_some() })
            })
            .collect();
        Some(Value::Array(items))
    }

    /// `[{package, version}]`: the Fleet packages of the rule's indices, by package name, with
    /// the version the catalog's fields come from as a caret range (`^1.46.0`). Indices without a
    /// package (beats, endgame, a user's mapping) or without a known version add nothing.
    /// `integration` (a package's policy template) is left out: the catalog records data streams,
    /// not policy templates, and a wrong name makes Kibana report the integration as not enabled.
    pub fn related_integrations(&self) -> Option<Value> {
        let (_, resolved) = self.catalog.as_ref()?;
        let mut packages: BTreeMap<&str, &str> = BTreeMap::new();
        for ix in resolved.indices() {
            if let IndexSource::Embedded {
                package: Some(p),
                version: Some(v),
                ..
            } = ix.source()
            {
                packages.entry(p).or_insert(v);
            }
        }
        if packages.is_empty() {
            return None;
        }
        let items: Vec<Value> = packages
            .into_iter()
            .map(|(p, v)| json!({ "package": p, "version": format!("^{}", v.trim_start_matches('v')) }))
            .collect();
        Some(Value::Array(items))
    }

    /// `{field_names}`: the query's fields (a multi-field such as `process.executable.caseless`
    /// as its parent, whose value the alert shows), then [`CONTEXT_FIELDS`] an index of the rule
    /// declares; no duplicates, in that order.
    pub fn investigation_fields(&self) -> Option<Value> {
        let mut names: Vec<String> = Vec::new();
        for (name, view) in self.views() {
            let parent = view.as_ref().and_then(|v| {
                v.per_index()
                    .iter()
                    .find_map(|(_, f)| match &f.as_ref()?.origin {
                        Origin::MultiField { parent } => Some(parent.clone()),
                        _ => None,
                    })
            });
            let shown = parent.unwrap_or_else(|| name.to_string());
            if !names.contains(&shown) {
                names.push(shown);
            }
        }
        if let Some((_, r)) = &self.catalog {
            for &c in CONTEXT_FIELDS {
                if !names.iter().any(|n| n == c) && r.field(c).is_declared() {
                    names.push(c.to_string());
                }
            }
        }
        (!names.is_empty()).then(|| json!({ "field_names": names }))
    }

    /// A Markdown setup guide when the data needs more than installing the integration: the
    /// rule's own log-source requirement (Sigma's `logsource.definition`), Script Block Logging
    /// for the PowerShell script text, the data streams whose channel carries the raw
    /// `winlog.event_data.*` keys the query uses, and fields no index declares (they exist only
    /// if the ingest pipeline writes them).
    pub fn setup(&self, logsource: &LogSource) -> Option<String> {
        let mut items = Vec::new();
        if let Some(d) = &logsource.definition {
            let text = d.value.trim();
            if !text.is_empty() && !is_uuid(&text.to_ascii_lowercase()) {
                items.push(format!(
                    "The Sigma rule's log source requires: {}",
                    text.replace('\n', " ")
                ));
            }
        }
        if self.catalog.is_some() {
            items.extend(self.catalog_setup());
        }
        if items.is_empty() {
            return None;
        }
        let mut s = String::from("## Setup\n");
        for i in items {
            s.push_str("\n- ");
            s.push_str(&i);
        }
        s.push('\n');
        Some(s)
    }

    fn catalog_setup(&self) -> Vec<String> {
        let mut items = Vec::new();
        let mut channels: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
        let mut undeclared = Vec::new();
        for (name, view) in self.views() {
            if name == SCRIPT_BLOCK_FIELD {
                items.push(format!(
                    "`{SCRIPT_BLOCK_FIELD}` is recorded only when PowerShell Script Block Logging \
                     is enabled on the Windows hosts."
                ));
            }
            let Some(view) = view else { continue };
            if view.exists() && !view.is_declared() {
                undeclared.push(name);
            }
            if !name.starts_with("winlog.event_data.") {
                continue;
            }
            for (ix, info) in view.per_index() {
                if let (
                    Some(_),
                    IndexSource::Embedded {
                        package: Some(p),
                        data_stream: Some(ds),
                        ..
                    },
                ) = (info, ix.source())
                {
                    let list = channels.entry((p.clone(), ds.clone())).or_default();
                    if !list.contains(&name) {
                        list.push(name);
                    }
                }
            }
        }
        for ((package, ds), fields) in channels {
            items.push(format!(
                "{} {} raw Windows event data: enable the `{ds}` data stream of the `{package}` \
                 integration in the agent policy so its event channel is collected.",
                code_list(&fields),
                if fields.len() == 1 { "is" } else { "are" },
            ));
        }
        if !undeclared.is_empty() {
            items.push(format!(
                "No index of the rule declares {}: the index's dynamic templates would map such a \
                 field on first use, so it exists only if the ingest pipeline writes it.",
                code_list(&undeclared),
            ));
        }
        items
    }
}

fn code_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> FieldCatalog {
        FieldCatalog::embedded().expect("embedded catalog")
    }

    fn keys(
        c: &FieldCatalog,
        fields: &[&'static str],
        index: &str,
    ) -> BTreeMap<&'static str, Value> {
        RuleFields::new(
            fields.iter().copied().collect(),
            &[index.to_string()],
            Some(c),
        )
        .keys(&LogSource::default())
        .into_iter()
        .collect()
    }

    fn required(v: &Value, name: &str) -> (String, bool) {
        let e = v
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {v}"));
        (
            e["type"].as_str().unwrap().to_string(),
            e["ecs"].as_bool().unwrap(),
        )
    }

    #[test]
    fn required_fields_types_sysmon_vs_endpoint() {
        let c = catalog();
        let f = [
            "process.executable.caseless",
            "process.command_line",
            "winlog.event_data.Hashes",
        ];
        let sysmon = keys(&c, &f, "logs-windows.sysmon_operational-*");
        let rf = &sysmon["required_fields"];
        assert_eq!(
            required(rf, "process.executable.caseless"),
            ("keyword".into(), false)
        );
        assert_eq!(
            required(rf, "process.command_line"),
            ("wildcard".into(), true)
        );
        // keyword through `winlog.event_data`'s object_type, not an ECS field
        assert_eq!(
            required(rf, "winlog.event_data.Hashes"),
            ("keyword".into(), false)
        );
        let endpoint = keys(&c, &f, "logs-endpoint.events.process-*");
        let rf = &endpoint["required_fields"];
        assert_eq!(
            required(rf, "process.executable.caseless"),
            ("keyword".into(), false)
        );
        // Elastic Defend is `dynamic: false`: no winlog keys, and no ECS type to fall back on
        assert_eq!(
            required(rf, "winlog.event_data.Hashes"),
            ("unknown".into(), false)
        );
        let port = keys(&c, &["source.port"], "logs-endpoint.events.network-*");
        assert_eq!(
            required(&port["required_fields"], "source.port"),
            ("long".into(), true)
        );
    }

    #[test]
    fn related_integrations_per_index() {
        let c = catalog();
        let ri = |index: &str| {
            keys(&c, &["process.name"], index)
                .get("related_integrations")
                .cloned()
        };
        assert_eq!(
            ri("logs-windows.sysmon_operational-*"),
            Some(json!([{ "package": "windows", "version": "^1.46.0" }]))
        );
        assert_eq!(
            ri("logs-endpoint.events.*"),
            Some(json!([{ "package": "endpoint", "version": "^9.5.0" }]))
        );
        assert_eq!(
            ri("logs-aws.cloudtrail-*"),
            Some(json!([{ "package": "aws", "version": "^2.21.0" }]))
        );
        assert_eq!(
            ri("logs-windows.*,logs-system.security-*"),
            Some(json!([
                { "package": "system", "version": "^1.59.2" },
                { "package": "windows", "version": "^1.46.0" },
            ]))
        );
        // beats indices belong to no Fleet package; an unknown index resolves to nothing
        assert_eq!(ri("winlogbeat-*"), None);
        assert_eq!(ri("my-own-logs-*"), None);
    }

    #[test]
    fn investigation_fields_parent_of_multi_fields_then_context() {
        let c = catalog();
        let k = keys(
            &c,
            &[
                "process.executable.caseless",
                "process.executable",
                "event.code",
            ],
            "logs-endpoint.events.process-*",
        );
        assert_eq!(
            k["investigation_fields"],
            json!({ "field_names": ["event.code", "process.executable", "host.name", "user.name"] })
        );
        // without a catalog: the query's own fields only, nothing catalog-derived
        let bare = RuleFields::new(["b", "a"].into_iter().collect(), &[], None);
        let k: BTreeMap<_, _> = bare.keys(&LogSource::default()).into_iter().collect();
        assert_eq!(
            k.keys().copied().collect::<Vec<_>>(),
            ["investigation_fields"]
        );
        assert_eq!(
            k["investigation_fields"],
            json!({ "field_names": ["a", "b"] })
        );
    }

    #[test]
    fn setup_names_channels_script_blocks_and_undeclared_fields() {
        let c = catalog();
        let k = keys(
            &c,
            &["winlog.event_data.Hashes", SCRIPT_BLOCK_FIELD],
            "logs-windows.sysmon_operational-*",
        );
        let s = k["setup"].as_str().unwrap();
        assert!(s.starts_with("## Setup\n\n- "), "{s}");
        assert!(s.contains("Script Block Logging"), "{s}");
        assert!(
            s.contains("enable the `sysmon_operational` data stream of the `windows` integration"),
            "{s}"
        );
        let plain = keys(
            &c,
            &["process.executable"],
            "logs-endpoint.events.process-*",
        );
        assert!(!plain.contains_key("setup"), "{plain:?}");
        let undeclared = keys(&c, &["some.raw.field"], "logs-windows.sysmon_operational-*");
        assert!(
            undeclared["setup"]
                .as_str()
                .unwrap()
                .contains("No index of the rule declares `some.raw.field`"),
            "{undeclared:?}"
        );
    }
}
