//! Rule metadata shared by the wrapper formats (Elastic Security rules, saved searches, watches,
//! ElastAlert): titles, descriptions, index lists, stable UUIDs, provenance and ndjson bundles.
//! Keeping them here means no target imports another target.

use serde_json::{Value, json};

use crate::rule::{Meta, Rule, SourceDoc};

/// Parses a `keep=` option value for the target `name` (the `esql` target and `es-rule`'s ES|QL
/// flavour both take it).
pub fn parse_keep(v: &str, name: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{name}: keep must be true or false, not `{v}`")),
    }
}

/// Parses a positive number of minutes (`5` or `5m`).
pub fn parse_minutes(v: &str) -> Result<u32, String> {
    v.trim_end_matches('m')
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("an interval must be a positive number of minutes, not `{v}`"))
}

/// Joins one-line JSON artifacts into an ndjson file (each line ends with `\n`).
pub fn ndjson(outputs: &[&str]) -> String {
    let mut s = String::new();
    for o in outputs {
        s.push_str(o);
        s.push('\n');
    }
    s
}

/// Kibana's default Security data sources (`securitySolution:defaultIndex`), used when neither the
/// config nor the logsource names an index: the rule then searches where Kibana itself would.
pub const DEFAULT_INDICES: &[&str] = &[
    "apm-*-transaction*",
    "auditbeat-*",
    "endgame-*",
    "filebeat-*",
    "logs-*",
    "packetbeat-*",
    "traces-apm*",
    "winlogbeat-*",
    "-*elastic-cloud-logs-*",
];

/// The rule's index list, or [`DEFAULT_INDICES`].
pub fn rule_indices(indices: &[String]) -> Vec<String> {
    if indices.is_empty() {
        DEFAULT_INDICES.iter().map(|s| s.to_string()).collect()
    } else {
        indices.to_vec()
    }
}

/// Indices for an ES|QL `FROM`: the rule's, or the default list without its exclusion entry.
pub fn esql_indices(indices: &[String]) -> Vec<String> {
    rule_indices(indices)
        .into_iter()
        .filter(|i| !i.starts_with('-'))
        .collect()
}

/// Title, falling back to the id or path (a rule always has a title once validated).
pub fn title(doc: &SourceDoc, meta: &Meta) -> String {
    meta.title
        .as_ref()
        .map(|t| t.value.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| doc.id.clone().unwrap_or_else(|| doc.path.clone()))
}

/// Description, falling back to the title: Kibana requires a non-empty one.
pub fn description(doc: &SourceDoc, meta: &Meta) -> String {
    meta.description
        .as_ref()
        .map(|t| t.value.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| title(doc, meta))
}

/// Where the artifact came from, for `meta.sigma` / watch metadata / saved-search descriptions.
pub fn provenance(doc: &SourceDoc, rule: &Rule) -> Value {
    let t = |x: &Option<crate::rule::Text>| x.as_ref().map(|t| t.value.clone());
    let mut ls = serde_json::Map::new();
    for (k, v) in [
        ("category", t(&rule.logsource.category)),
        ("product", t(&rule.logsource.product)),
        ("service", t(&rule.logsource.service)),
    ] {
        if let Some(v) = v {
            ls.insert(k.into(), json!(v));
        }
    }
    json!({
        "id": doc.id,
        "file": doc.path,
        "document": doc.index,
        "level": rule.meta.level.as_ref().map(|l| l.value.name()),
        "status": rule.meta.status.as_ref().map(|s| s.value.name()),
        "logsource": ls,
    })
}

/// A stable lower-case UUID for a rule: its Sigma id when that is a UUID, else a UUID derived from
/// the id text (or, without an id, from the file path and document index).
pub fn rule_uuid(doc: &SourceDoc) -> String {
    if let Some(id) = &doc.id {
        let l = id.trim().to_ascii_lowercase();
        if is_uuid(&l) {
            return l;
        }
        return derived_uuid(&format!("sigma-id:{id}"));
    }
    derived_uuid(&format!("sigma-path:{}#{}", doc.path, doc.index))
}

/// A lower-case hyphenated UUID (`rule_id` must be one; a log-source `definition` that is one
/// says nothing to a reader).
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
}

/// A deterministic UUID (version 8, "custom") from two FNV-1a-64 hashes of `key`: stable across runs
/// and platforms, no extra dependency.
pub fn derived_uuid(key: &str) -> String {
    let h = |seed: u64| {
        key.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let a = h(0xcbf2_9ce4_8422_2325);
    let b = h(0x6c62_272e_07bb_0142);
    let x = (u128::from(a) << 64) | u128::from(b);
    // version 8 and the RFC 4122 variant bits
    let x = (x & !(0xf_u128 << 76)) | (0x8_u128 << 76);
    let x = (x & !(0x3_u128 << 62)) | (0x2_u128 << 62);
    let s = format!("{x:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &s[0..8],
        &s[8..12],
        &s[12..16],
        &s[16..20],
        &s[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_and_valid() {
        let a = derived_uuid("x");
        assert_eq!(a, derived_uuid("x"));
        assert_ne!(a, derived_uuid("y"));
        assert!(is_uuid(&a), "{a}");
        assert_eq!(&a[14..15], "8");
    }
}
