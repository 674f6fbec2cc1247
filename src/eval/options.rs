//! What evaluation needs besides rules and events: placeholder values and timestamp fields.

use std::collections::BTreeMap;

/// Where correlations look for an event's time when the caller names no field: ECS and common log
/// shapes first, then Windows event JSON (flattened and as rendered).
pub const DEFAULT_TIMESTAMP_FIELDS: [&str; 5] = [
    "@timestamp",
    "timestamp",
    "TimeCreated_SystemTime",
    "Event.System.TimeCreated.#attributes.SystemTime",
    "UtcTime",
];

/// What evaluation needs besides rules and events.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Values of `%name%` placeholders for the `expand` modifier; a rule using a placeholder without
    /// values is reported as not evaluable.
    pub placeholders: BTreeMap<String, Vec<String>>,
    /// Fields holding an event's time (first one found wins), for correlations.
    pub timestamp_fields: Vec<String>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            placeholders: BTreeMap::new(),
            timestamp_fields: DEFAULT_TIMESTAMP_FIELDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}
