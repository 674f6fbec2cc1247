//! Kibana's detection engine API, the three calls a deploy needs: list the rules sigmaforge owns
//! (`_find`, paginated), import rules (`_import?overwrite=true`, chunked ndjson), and disable or
//! delete rules (`_bulk_action`). Request shapes follow Kibana's published OpenAPI description
//! (`oas_docs/`, "Security Detections API").

use std::fmt;

use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{Body, KibanaClient};
use super::error::{DeployError, Result};
use super::version::OWNER_TAG;

/// Rules asked for per `_find` page (Kibana's maximum is 10 000; 100 keeps pages small).
pub const PER_PAGE: usize = 100;

/// At most this many `_find` pages are followed: a bound against a server whose `total` grows.
const MAX_PAGES: usize = 1000;

/// Ids per `_bulk_action` request (Kibana refuses more than 100 ids for some actions).
const BULK_IDS: usize = 100;

/// A Kibana space id, checked (`[a-z0-9_-]+`) so it can go into a URL path as is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Space(String);

impl Space {
    /// Parse a space id as Kibana defines them: lower-case letters, digits, `_` and `-`.
    pub fn parse(id: &str) -> Result<Space> {
        let ok = !id.is_empty()
            && id.len() <= 100
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok {
            Ok(Space(id.to_string()))
        } else {
            Err(DeployError::Config(format!(
                "space {id:?}: a Kibana space id has only lower-case letters, digits, `_` and `-`"
            )))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL path prefix of the space: none for `default` (Kibana's own URLs), else `/s/<id>`.
    pub fn prefix(&self) -> String {
        if self.0 == "default" {
            String::new()
        } else {
            format!("/s/{}", self.0)
        }
    }
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A rule as Kibana has it (the parts a plan needs, and the whole body for the field diff).
#[derive(Debug, Clone, PartialEq)]
pub struct LiveRule {
    /// Kibana's saved-object id (what `_bulk_action` takes).
    pub id: String,
    /// The stable rule id (ours: the Sigma id).
    pub rule_id: String,
    /// The live `version`.
    pub version: u64,
    /// Whether it runs.
    pub enabled: bool,
    /// Its tags (ownership and the content-hash tag).
    pub tags: Vec<String>,
    /// The rule as returned.
    pub body: Value,
}

#[derive(Deserialize)]
struct FindPage {
    #[serde(default)]
    total: usize,
    data: Vec<Value>,
}

#[derive(Deserialize)]
struct RawRule {
    id: String,
    rule_id: String,
    #[serde(default)]
    version: u64,
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    tags: Vec<String>,
}

/// Every rule of `space` tagged [`OWNER_TAG`], following `_find` pages to the end. Rules without
/// the tag are dropped even if the server returns them: sigmaforge never touches rules it does
/// not own.
pub async fn find_owned(client: &KibanaClient, space: &Space) -> Result<Vec<LiveRule>> {
    let mut out = Vec::new();
    let mut seen = 0usize;
    for page in 1..=MAX_PAGES {
        let path = format!(
            "{}/api/detection_engine/rules/_find?per_page={PER_PAGE}&page={page}\
             &sort_field=created_at&sort_order=asc&filter=alert.attributes.tags%3A%22{OWNER_TAG}%22",
            space.prefix()
        );
        let bytes = client.send(Method::GET, &path, None).await?;
        let decode = |message: String| DeployError::Decode {
            what: format!("GET {}/api/detection_engine/rules/_find", space.prefix()),
            message,
        };
        let parsed: FindPage =
            serde_json::from_slice(&bytes).map_err(|e| decode(format!("page {page}: {e}")))?;
        if parsed.data.len() > PER_PAGE {
            return Err(decode(format!(
                "page {page} has {} rules; {PER_PAGE} were asked for",
                parsed.data.len()
            )));
        }
        let count = parsed.data.len();
        seen += count;
        for body in parsed.data {
            let raw: RawRule = serde_json::from_value(body.clone())
                .map_err(|e| decode(format!("page {page}: a rule: {e}")))?;
            if raw.tags.iter().any(|t| t == OWNER_TAG) {
                out.push(LiveRule {
                    id: raw.id,
                    rule_id: raw.rule_id,
                    version: raw.version,
                    enabled: raw.enabled,
                    tags: raw.tags,
                    body,
                });
            }
        }
        if count == 0 || seen >= parsed.total {
            return Ok(out);
        }
    }
    Err(DeployError::Decode {
        what: format!("GET {}/api/detection_engine/rules/_find", space.prefix()),
        message: format!("more than {MAX_PAGES} pages"),
    })
}

/// A rule Kibana refused on import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The rule's `rule_id` as Kibana reports it (`None` when the error names no rule).
    pub rule_id: Option<String>,
    /// Kibana's message, with its status code.
    pub message: String,
}

#[derive(Deserialize)]
struct ImportReply {
    #[serde(default)]
    errors: Vec<RawImportError>,
}

#[derive(Deserialize)]
struct RawImportError {
    rule_id: Option<String>,
    #[serde(default)]
    error: Option<RawImportCause>,
}

#[derive(Deserialize)]
struct RawImportCause {
    status_code: Option<u16>,
    message: Option<String>,
}

/// Import `rules` (rendered rule objects) into `space` with `overwrite=true`, `chunk` rules per
/// request; the per-rule errors of every chunk (a refused rule does not stop the others).
pub async fn import(
    client: &KibanaClient,
    space: &Space,
    rules: &[Value],
    chunk: usize,
) -> Result<Vec<ImportError>> {
    let mut errors = Vec::new();
    for part in rules.chunks(chunk.max(1)) {
        let mut ndjson = String::new();
        for rule in part {
            ndjson.push_str(&rule.to_string());
            ndjson.push('\n');
        }
        let body = Body::multipart_file("rules.ndjson", "application/ndjson", ndjson.as_bytes());
        let path = format!(
            "{}/api/detection_engine/rules/_import?overwrite=true",
            space.prefix()
        );
        let bytes = client.send(Method::POST, &path, Some(&body)).await?;
        let reply: ImportReply =
            serde_json::from_slice(&bytes).map_err(|e| DeployError::Decode {
                what: format!("POST {}/api/detection_engine/rules/_import", space.prefix()),
                message: e.to_string(),
            })?;
        errors.extend(reply.errors.into_iter().map(|e| {
            let (code, message) = e
                .error
                .map(|c| (c.status_code, c.message))
                .unwrap_or((None, None));
            let message = message.unwrap_or_else(|| "no message".to_string());
            ImportError {
                rule_id: e.rule_id,
                message: match code {
                    Some(c) => format!("{message} (status {c})"),
                    None => message,
                },
            }
        }));
    }
    Ok(errors)
}

/// What `_bulk_action` does to rules deleted from the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    /// Keep the rule (and its alert history) but stop running it: the default.
    Disable,
    /// Remove it (`--delete-removed`).
    Delete,
}

impl BulkAction {
    /// The API's action name.
    pub fn name(self) -> &'static str {
        match self {
            BulkAction::Disable => "disable",
            BulkAction::Delete => "delete",
        }
    }
}

/// Run `action` on the rules with saved-object `ids` in `space`, [`BULK_IDS`] per request.
pub async fn bulk_action(
    client: &KibanaClient,
    space: &Space,
    action: BulkAction,
    ids: &[String],
) -> Result<()> {
    for part in ids.chunks(BULK_IDS) {
        let body = Body::json(&json!({ "action": action.name(), "ids": part }));
        let path = format!("{}/api/detection_engine/rules/_bulk_action", space.prefix());
        client.send(Method::POST, &path, Some(&body)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces() {
        assert_eq!(Space::parse("default").unwrap().prefix(), "");
        assert_eq!(
            Space::parse("soc-prod_2").unwrap().prefix(),
            "/s/soc-prod_2"
        );
        for bad in ["", "Prod", "a/b", "a b", "../x", "s?x"] {
            assert!(Space::parse(bad).is_err(), "{bad}");
        }
    }
}
