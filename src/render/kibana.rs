//! `kibana`: Kibana saved searches (Discover) as saved-objects ndjson, 8.x shape.
//!
//! Each rule gives two lines: the data view (`index-pattern` object) its search needs, then the
//! saved search. The data view id is derived from the pattern text, so every rule over the same
//! indices shares one data view and re-imports overwrite instead of duplicating. The search follows
//! Kibana's own export: `searchSourceJSON` is a JSON *string* holding `{query, language: lucene}` and
//! an `indexRefName` resolved through `references[]` to the data view id (not the pattern text —
//! the mistake that makes peers' files need manual fixing). No `typeMigrationVersion` is written,
//! so Kibana runs every migration on import (8.x and 9.x alike).
//!
//! The bundle `saved_searches.ndjson` lists each data view once, before all searches, ready for
//! `POST /api/saved_objects/_import` or Stack Management → Saved objects → Import.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::meta::{derived_uuid, description, rule_indices, rule_uuid, title};
use super::{RuleInput, Target};
use crate::mapping::query_string;

/// The `kibana` target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kibana;

/// Prefix that marks a data view line (the first key is `type`), for bundling.
const DATA_VIEW_PREFIX: &str = "{\"type\":\"index-pattern\"";

impl Target for Kibana {
    fn name(&self) -> &'static str {
        "kibana"
    }

    fn about(&self) -> &'static str {
        "Kibana saved searches (saved-objects ndjson with their data view), Lucene query"
    }

    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        let (expr, indices) = input.queries.combined()?;
        let query = query_string::render(&expr, None)?;
        let pattern = rule_indices(&indices).join(",");
        let view_id = derived_uuid(&format!("index-pattern:{pattern}"));
        let view = json!({
            "type": "index-pattern",
            "id": view_id,
            "attributes": {
                "title": pattern,
                "timeFieldName": input.set.date_field(),
            },
            "references": [],
            "coreMigrationVersion": "8.8.0",
            "managed": false,
        });
        let source = json!({
            "query": { "query": query, "language": "lucene" },
            "filter": [],
            "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index",
        });
        let desc = format!(
            "{}\n\nSigma rule {} ({})",
            description(input.doc, &input.rule.meta),
            input.doc.id.as_deref().unwrap_or("without id"),
            input.doc.path
        );
        let search = json!({
            "type": "search",
            "id": rule_uuid(input.doc),
            "attributes": {
                "title": title(input.doc, &input.rule.meta),
                "description": desc,
                "columns": [],
                "sort": [[input.set.date_field(), "desc"]],
                "grid": {},
                "hideChart": false,
                "isTextBasedQuery": false,
                "timeRestore": false,
                "kibanaSavedObjectMeta": { "searchSourceJSON": source.to_string() },
            },
            "references": [{
                "id": view_id,
                "name": "kibanaSavedObjectMeta.searchSourceJSON.index",
                "type": "index-pattern",
            }],
            "coreMigrationVersion": "8.8.0",
            "managed": false,
        });
        Ok(format!("{view}\n{search}"))
    }

    fn extension(&self) -> &'static str {
        "ndjson"
    }

    fn bundle(&self, outputs: &[&str]) -> Option<(&'static str, String)> {
        let mut views = BTreeMap::new();
        let mut searches = Vec::new();
        for line in outputs.iter().flat_map(|o| o.lines()) {
            if line.starts_with(DATA_VIEW_PREFIX) {
                let id = serde_json::from_str::<Value>(line)
                    .ok()
                    .and_then(|v| v["id"].as_str().map(String::from))
                    .unwrap_or_else(|| line.to_string());
                views.insert(id, line);
            } else {
                searches.push(line);
            }
        }
        let lines: Vec<&str> = views.into_values().chain(searches).collect();
        Some(("saved_searches.ndjson", super::meta::ndjson(&lines)))
    }
}
