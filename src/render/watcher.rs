//! `xpack-watcher`: Elasticsearch Watcher watches (`PUT _watcher/watch/<id>` bodies), one per rule.
//!
//! A watch runs every `interval` minutes, searches the rule's indices with its Lucene query inside
//! `bool.must[].query_string`, restricted by `bool.filter[].range.<date field>.gte: now-<interval>`
//! (the config's date field, `@timestamp` by default — sigmac's `timestamp` default matched nothing
//! on ECS data), and fires when `ctx.payload.hits.total > 0` (Watcher returns the total as an
//! integer by default). The action is `logging` by default, or `email` / `webhook` by option.
//! The watch id (file name in `-o DIR`, `id` in the bundle) is the rule's UUID; Sigma provenance is
//! kept in `metadata.sigma`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::meta::{description, parse_minutes, provenance, rule_indices, rule_uuid, title};
use super::{RuleInput, Target};
use crate::mapping::query_string;

/// Which action a watch takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchAction {
    /// Write a line to the Elasticsearch log.
    Logging,
    /// Send a mail to `email_to` (a mail account must be configured in Elasticsearch).
    Email,
    /// POST the hits to `webhook_url`.
    Webhook,
}

/// The `xpack-watcher` target and its options.
#[derive(Debug, Clone)]
pub struct Watcher {
    /// Schedule (and search window) in minutes.
    pub interval_minutes: u32,
    /// The action.
    pub action: WatchAction,
    /// Recipient for [`WatchAction::Email`].
    pub email_to: Option<String>,
    /// URL for [`WatchAction::Webhook`] (`scheme://host[:port]/path`).
    pub webhook_url: Option<String>,
}

impl Watcher {
    /// The registry default: every 5 minutes, logging action.
    pub const DEFAULT: Watcher = Watcher {
        interval_minutes: 5,
        action: WatchAction::Logging,
        email_to: None,
        webhook_url: None,
    };

    /// Applies `-O` options: `interval=<minutes>`, `action=logging|email|webhook`, `email_to=ADDR`,
    /// `webhook_url=URL`. Email needs `email_to`, webhook needs a valid `webhook_url`.
    pub fn with_options(mut self, opts: &BTreeMap<String, String>) -> Result<Watcher, String> {
        for (k, v) in opts {
            match k.as_str() {
                "interval" => self.interval_minutes = parse_minutes(v)?,
                "action" => {
                    self.action = match v.as_str() {
                        "logging" => WatchAction::Logging,
                        "email" => WatchAction::Email,
                        "webhook" => WatchAction::Webhook,
                        _ => {
                            return Err(format!(
                                "xpack-watcher: action must be logging, email or webhook, not `{v}`"
                            ));
                        }
                    }
                }
                "email_to" => self.email_to = Some(v.clone()),
                "webhook_url" => {
                    split_url(v)?;
                    self.webhook_url = Some(v.clone());
                }
                _ => {
                    return Err(format!(
                        "xpack-watcher: unknown option `{k}` (interval, action, email_to, webhook_url)"
                    ));
                }
            }
        }
        match self.action {
            WatchAction::Email if self.email_to.is_none() => {
                Err("xpack-watcher: action=email needs email_to=ADDRESS".into())
            }
            WatchAction::Webhook if self.webhook_url.is_none() => {
                Err("xpack-watcher: action=webhook needs webhook_url=URL".into())
            }
            _ => Ok(self),
        }
    }

    fn action(&self, name: &str) -> Result<Value, String> {
        let text = format!(
            "Sigma rule '{name}' matched {{{{ctx.payload.hits.total}}}} events in the last {}m",
            self.interval_minutes
        );
        Ok(match self.action {
            WatchAction::Logging => json!({ "logging": { "level": "warn", "text": text } }),
            WatchAction::Email => json!({
                "throttle_period": "15m",
                "email": {
                    "to": [self.email_to.as_deref().unwrap_or_default()],
                    "subject": format!("Sigma: {name}"),
                    "body": { "text": text },
                },
            }),
            WatchAction::Webhook => {
                let (scheme, host, port, path) =
                    split_url(self.webhook_url.as_deref().unwrap_or_default())?;
                json!({
                    "throttle_period": "15m",
                    "webhook": {
                        "scheme": scheme,
                        "host": host,
                        "port": port,
                        "method": "post",
                        "path": path,
                        "headers": { "Content-Type": "application/json" },
                        "body": "{{#toJson}}ctx.payload{{/toJson}}",
                    },
                })
            }
        })
    }
}

/// Splits `scheme://host[:port][/path]` into Watcher's webhook fields.
fn split_url(url: &str) -> Result<(String, String, u16, String), String> {
    let bad = || format!("xpack-watcher: webhook_url `{url}` is not http(s)://host[:port][/path]");
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return Err(bad()),
    };
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| bad())?),
        None => (hostport, default_port),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok((scheme.into(), host.into(), port, path.into()))
}

impl Target for Watcher {
    fn name(&self) -> &'static str {
        "xpack-watcher"
    }

    fn about(&self) -> &'static str {
        "Elasticsearch Watcher watches (query_string search, hits condition, logging/email/webhook)"
    }

    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        let (expr, indices) = input.queries.combined()?;
        let query = query_string::render(&expr, None)?;
        let name = title(input.doc, &input.rule.meta);
        let window = format!("now-{}m", self.interval_minutes);
        let mut range = serde_json::Map::new();
        range.insert(input.set.date_field().into(), json!({ "gte": window }));
        let watch = json!({
            "metadata": {
                "watch_id": rule_uuid(input.doc),
                "name": name,
                "description": description(input.doc, &input.rule.meta),
                "sigma": provenance(input.doc, input.rule),
            },
            "trigger": { "schedule": { "interval": format!("{}m", self.interval_minutes) } },
            "input": { "search": { "request": {
                "indices": rule_indices(&indices),
                "body": { "query": { "bool": {
                    "must": [{ "query_string": { "query": query, "analyze_wildcard": true } }],
                    "filter": [{ "range": range }],
                } } },
            } } },
            "condition": { "compare": { "ctx.payload.hits.total": { "gt": 0 } } },
            "actions": { "sigma_alert": self.action(&name)? },
        });
        Ok(watch.to_string())
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn bundle(&self, outputs: &[&str]) -> Option<(&'static str, String)> {
        // One `{"id", "watch"}` object per line: a loop of `PUT _watcher/watch/<id>` uploads it.
        let lines: Vec<String> = outputs
            .iter()
            .filter_map(|o| serde_json::from_str::<Value>(o).ok())
            .map(|w| {
                let id = w["metadata"]["watch_id"].clone();
                json!({ "id": id, "watch": w }).to_string()
            })
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        Some(("watches.ndjson", super::meta::ndjson(&refs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_options() {
        assert_eq!(
            split_url("https://h.example:8443/hook").unwrap(),
            ("https".into(), "h.example".into(), 8443, "/hook".into())
        );
        assert_eq!(split_url("http://h").unwrap().2, 80);
        assert!(split_url("ftp://h").is_err());
        let o = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert!(
            Watcher::DEFAULT
                .with_options(&o("action", "email"))
                .is_err()
        );
        assert!(Watcher::DEFAULT.with_options(&o("bogus", "1")).is_err());
        assert_eq!(
            Watcher::DEFAULT
                .with_options(&o("interval", "15m"))
                .unwrap()
                .interval_minutes,
            15
        );
    }
}
