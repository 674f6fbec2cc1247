//! Content hashes and versions of deployed rules.
//!
//! Design (docs/deploy.md): the state lives on the deployed rule itself, so there is no lock
//! file to commit and re-runs from any checkout agree. Each rule sigmaforge deploys carries two
//! tags: [`OWNER_TAG`] (which rules sigmaforge owns) and `sigmaforge-hash:<hex>`, the hash of
//! the rule's content as rendered (everything but `version` and these two tags). A plan compares
//! the hash it computes with the live tag: equal means unchanged; different means update with
//! `version` = the live version + 1; absent live rule means create with version 1. Tags survive
//! Kibana's export/import and edits in the UI, and Kibana requires `version` never to decrease,
//! which holds since it only ever grows from the live value.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The tag on every rule sigmaforge deploys; `_find` is filtered on it, and rules without it
/// are never touched.
pub const OWNER_TAG: &str = "sigmaforge";

/// Prefix of the tag recording the deployed content hash.
pub const HASH_TAG_PREFIX: &str = "sigmaforge-hash:";

/// Hex digits of the hash kept in the tag (64 bits: collisions between two versions of one
/// rule are not a practical concern, and the tag stays short in the Rules UI).
const HASH_HEX_LEN: usize = 16;

/// Whether a tag is one sigmaforge manages (and so is left out of the content hash).
fn is_own_tag(tag: &str) -> bool {
    tag == OWNER_TAG || tag.starts_with(HASH_TAG_PREFIX)
}

/// A copy of `v` with object keys sorted at every level, so the hash does not depend on key
/// order (ours is stable, but a reordering refactor must not redeploy every rule).
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The content of a rendered rule that its hash covers: all but `version` and our own tags.
pub fn content(rule: &Value) -> Value {
    let mut v = rule.clone();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("version");
        if let Some(Value::Array(tags)) = obj.get_mut("tags") {
            tags.retain(|t| !t.as_str().is_some_and(is_own_tag));
        }
    }
    canonical(&v)
}

/// The content hash of a rendered rule (hex, [`HASH_HEX_LEN`] digits).
pub fn content_hash(rule: &Value) -> String {
    let digest = Sha256::digest(content(rule).to_string().as_bytes());
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..HASH_HEX_LEN]
        .to_string()
}

/// The hash recorded on a live rule's tags, if any.
pub fn live_hash(tags: &[String]) -> Option<&str> {
    tags.iter().find_map(|t| t.strip_prefix(HASH_TAG_PREFIX))
}

/// The rule as deployed: `version` set, our tags appended (after the rule's own, replacing any
/// stale ones).
pub fn stamp(rule: &Value, hash: &str, version: u64) -> Value {
    let mut v = rule.clone();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("version".into(), Value::from(version));
        let mut tags: Vec<Value> = match obj.get("tags") {
            Some(Value::Array(t)) => t
                .iter()
                .filter(|t| !t.as_str().is_some_and(is_own_tag))
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        tags.push(Value::from(OWNER_TAG));
        tags.push(Value::from(format!("{HASH_TAG_PREFIX}{hash}")));
        obj.insert("tags".into(), Value::Array(tags));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_ignores_version_own_tags_and_key_order() {
        let a = json!({"rule_id": "x", "version": 1, "query": "a:1", "tags": ["attack.t1059"]});
        let b = json!({"query": "a:1", "tags": ["attack.t1059", "sigmaforge", "sigmaforge-hash:00"],
                       "version": 9, "rule_id": "x"});
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_eq!(content_hash(&a).len(), 16);
        let c = json!({"rule_id": "x", "version": 1, "query": "a:2", "tags": ["attack.t1059"]});
        assert_ne!(content_hash(&a), content_hash(&c));
        let d = json!({"rule_id": "x", "version": 1, "query": "a:1", "tags": ["attack.t1003"]});
        assert_ne!(content_hash(&a), content_hash(&d));
    }

    #[test]
    fn stamped_rules_hash_like_their_source() {
        let rule = json!({"rule_id": "x", "version": 1, "tags": ["t", "sigmaforge-hash:old"]});
        let hash = content_hash(&rule);
        let stamped = stamp(&rule, &hash, 4);
        assert_eq!(stamped["version"], 4);
        assert_eq!(
            stamped["tags"],
            json!(["t", "sigmaforge", format!("sigmaforge-hash:{hash}")])
        );
        assert_eq!(content_hash(&stamped), hash);
        let tags: Vec<String> = serde_json::from_value(stamped["tags"].clone()).unwrap();
        assert_eq!(live_hash(&tags), Some(hash.as_str()));
        assert_eq!(live_hash(&["t".to_string()]), None);
    }
}
