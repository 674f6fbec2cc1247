//! Applying a plan: one chunked `_import?overwrite=true` per space for creates and updates, one
//! `_bulk_action` for rules removed from the repository. Nothing is sent for an empty part, so
//! applying a plan with no changes writes nothing.

use std::collections::BTreeMap;

use super::client::KibanaClient;
use super::error::Result;
use super::kibana_rules::{self, Space};
use super::plan::Plan;

/// A rule Kibana refused, named by its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFailure {
    /// The space.
    pub space: Space,
    /// The rule id Kibana reported (or `(unknown)`).
    pub rule_id: String,
    /// The Sigma file it was rendered from, when the rule id is one of ours.
    pub path: Option<String>,
    /// Kibana's message.
    pub message: String,
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// Rules sent for import (created or updated), refused ones included.
    pub imported: usize,
    /// Rules disabled or deleted.
    pub removed: usize,
    /// Rules Kibana refused.
    pub failures: Vec<RuleFailure>,
}

/// Apply `plan` through `client`, `chunk` rules per import request.
pub async fn apply(client: &KibanaClient, plan: &Plan, chunk: usize) -> Result<ApplyOutcome> {
    let mut outcome = ApplyOutcome::default();
    for s in &plan.spaces {
        let bodies: Vec<serde_json::Value> = s
            .create
            .iter()
            .chain(&s.update)
            .filter_map(|r| r.deploy.clone())
            .collect();
        if !bodies.is_empty() {
            let paths: BTreeMap<&str, &str> = s
                .create
                .iter()
                .chain(&s.update)
                .filter_map(|r| Some((r.rule_id.as_str(), r.path.as_deref()?)))
                .collect();
            let errors = kibana_rules::import(client, &s.space, &bodies, chunk).await?;
            outcome.imported += bodies.len();
            outcome.failures.extend(errors.into_iter().map(|e| {
                RuleFailure {
                    space: s.space.clone(),
                    path: e
                        .rule_id
                        .as_deref()
                        .and_then(|id| paths.get(id))
                        .map(|p| p.to_string()),
                    rule_id: e.rule_id.unwrap_or_else(|| "(unknown)".to_string()),
                    message: e.message,
                }
            }));
        }
        let ids: Vec<String> = s.remove.iter().filter_map(|r| r.live_id.clone()).collect();
        if !ids.is_empty() {
            kibana_rules::bulk_action(client, &s.space, s.remove_action, &ids).await?;
            outcome.removed += ids.len();
        }
    }
    Ok(outcome)
}
