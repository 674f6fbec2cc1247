//! `elastalert`: ElastAlert 2 rule files (YAML), one per Sigma rule.
//!
//! Shape: `name` (the title; ElastAlert needs names unique per rules folder, which SigmaHQ's title
//! uniqueness gives), `description`, `index` (comma-joined patterns), `timestamp_field` (the config's
//! date field), `type: any`, `filter: [query_string …]` with the Lucene query, `priority` and an
//! `alert` — which ElastAlert 2's schema requires and pySigma's output lacks. The alerter is
//! `debug` (log only) by default, or `email` / `post` by option. Correlations: `event_count` with
//! `gt`/`gte` → `type: frequency` (`num_events`, `timeframe`, `query_key` from group-by);
//! `value_count` → `type: cardinality` (`max_cardinality` / `min_cardinality`); others skipped. Sigma provenance is a YAML comment
//! at the top, which ElastAlert ignores.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::meta::{description, rule_indices, title};
use super::text::condition_text;
use super::{RuleInput, Target};
use crate::attack::AttackData;
use crate::mapping::ConfigSet;
use crate::mapping::correlation::CorrelationInput;
use crate::mapping::query_string;
use crate::rule::{CorrOp, CorrelationType, Level, Meta, SourceDoc};

/// Which ElastAlert alerter the rules use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alerter {
    /// Log the match (ElastAlert's `debug` alerter).
    Debug,
    /// Mail to `email_to`.
    Email,
    /// HTTP POST to `post_url`.
    Post,
}

/// The `elastalert` target and its options.
#[derive(Debug, Clone)]
pub struct ElastAlert {
    /// The alerter.
    pub alert: Alerter,
    /// Recipient(s), comma-separated, for [`Alerter::Email`].
    pub email_to: Option<String>,
    /// URL for [`Alerter::Post`].
    pub post_url: Option<String>,
}

impl ElastAlert {
    /// The registry default: `alert: [debug]`.
    pub const DEFAULT: ElastAlert = ElastAlert {
        alert: Alerter::Debug,
        email_to: None,
        post_url: None,
    };

    /// Applies `-O` options: `alert=debug|email|post`, `email_to=A[,B]`, `post_url=URL`.
    pub fn with_options(mut self, opts: &BTreeMap<String, String>) -> Result<ElastAlert, String> {
        for (k, v) in opts {
            match k.as_str() {
                "alert" => {
                    self.alert = match v.as_str() {
                        "debug" => Alerter::Debug,
                        "email" => Alerter::Email,
                        "post" => Alerter::Post,
                        _ => {
                            return Err(format!(
                                "elastalert: alert must be debug, email or post, not `{v}`"
                            ));
                        }
                    }
                }
                "email_to" => self.email_to = Some(v.clone()),
                "post_url" => self.post_url = Some(v.clone()),
                _ => {
                    return Err(format!(
                        "elastalert: unknown option `{k}` (alert, email_to, post_url)"
                    ));
                }
            }
        }
        match self.alert {
            Alerter::Email if self.email_to.is_none() => {
                Err("elastalert: alert=email needs email_to=ADDRESS".into())
            }
            Alerter::Post if self.post_url.is_none() => {
                Err("elastalert: alert=post needs post_url=URL".into())
            }
            _ => Ok(self),
        }
    }
}

impl Default for ElastAlert {
    fn default() -> Self {
        ElastAlert::DEFAULT
    }
}

/// ElastAlert `priority` (1 = most urgent) from the Sigma level.
fn priority(level: Option<Level>) -> u8 {
    match level {
        Some(Level::Critical) => 1,
        Some(Level::High) => 2,
        Some(Level::Medium) => 3,
        _ => 4,
    }
}

impl Target for ElastAlert {
    fn name(&self) -> &'static str {
        "elastalert"
    }

    fn about(&self) -> &'static str {
        "ElastAlert 2 rule YAML (type any, query_string filter, configurable alerter)"
    }

    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        let (expr, indices) = input.queries.combined()?;
        let query = query_string::render(&expr, None)?;
        let rule = self.rule(input.doc, &input.rule.meta, &query, &indices, input.set);
        self.finish(input.doc, rule)
    }

    fn render_correlation_rules(
        &self,
        c: &CorrelationInput<'_>,
        _attack: &AttackData,
    ) -> Result<String, String> {
        let query = query_string::render(&c.any_rule(), None)?;
        let mut rule = self.rule(c.doc, &c.correlation.meta, &query, &c.indices(), c.set);
        let obj = rule.as_object_mut().expect("json! object");
        match c.kind() {
            CorrelationType::EventCount => {
                let at_least = c.at_least().ok_or_else(|| {
                    format!(
                        "ElastAlert frequency rules fire at or above a count, not `{}`",
                        condition_text(c.correlation)
                    )
                })?;
                obj.insert("type".into(), json!("frequency"));
                obj.insert("num_events".into(), json!(at_least));
            }
            CorrelationType::ValueCount => {
                let (op, n) = c.single_op().ok_or_else(|| {
                    format!(
                        "ElastAlert compares one bound, not `{}`",
                        condition_text(c.correlation)
                    )
                })?;
                let n = if n.fract() == 0.0 && (0.0..1e12).contains(&n) {
                    n as u64
                } else {
                    return Err(format!("the count {n} is not a whole number"));
                };
                let f = c.field.clone().ok_or("value_count needs a field")?;
                obj.insert("type".into(), json!("cardinality"));
                obj.insert("cardinality_field".into(), json!(f));
                // ElastAlert fires when the distinct count goes above max / below min
                let (key, bound) = match op {
                    CorrOp::Gt => ("max_cardinality", n),
                    CorrOp::Gte if n >= 1 => ("max_cardinality", n - 1),
                    CorrOp::Lt => ("min_cardinality", n),
                    CorrOp::Lte => ("min_cardinality", n + 1),
                    _ => {
                        return Err(format!(
                            "ElastAlert cardinality rules cannot express `{}`",
                            condition_text(c.correlation)
                        ));
                    }
                };
                obj.insert(key.into(), json!(bound));
            }
            k => {
                return Err(format!(
                    "{} correlations have no ElastAlert rule type",
                    k.name()
                ));
            }
        }
        obj.insert("timeframe".into(), timeframe(c.seconds()));
        if !c.group_by.is_empty() {
            let key = if c.group_by.len() == 1 {
                json!(c.group_by[0])
            } else {
                json!(c.group_by)
            };
            obj.insert("query_key".into(), key);
        }
        self.finish(c.doc, rule)
    }

    fn extension(&self) -> &'static str {
        "yaml"
    }
}

/// `timeframe` in the largest whole unit ElastAlert accepts.
fn timeframe(seconds: u64) -> Value {
    let s = seconds.max(1);
    if s.is_multiple_of(3600) {
        json!({ "hours": s / 3600 })
    } else if s.is_multiple_of(60) {
        json!({ "minutes": s / 60 })
    } else {
        json!({ "seconds": s })
    }
}

impl ElastAlert {
    /// The common body: names, index, filter, priority.
    fn rule(
        &self,
        doc: &SourceDoc,
        meta: &Meta,
        query: &str,
        indices: &[String],
        set: &ConfigSet,
    ) -> Value {
        json!({
            "name": title(doc, meta),
            "description": description(doc, meta),
            "index": rule_indices(indices).join(","),
            "timestamp_field": set.date_field(),
            "type": "any",
            "filter": [{ "query_string": { "query": query, "analyze_wildcard": true } }],
            "priority": priority(meta.level.as_ref().map(|l| l.value)),
        })
    }

    /// Adds the alerter and writes the YAML with its provenance comment.
    fn finish(&self, doc: &SourceDoc, mut rule: Value) -> Result<String, String> {
        let obj = rule.as_object_mut().expect("json! object");
        match self.alert {
            Alerter::Debug => {
                obj.insert("alert".into(), json!(["debug"]));
            }
            Alerter::Email => {
                obj.insert("alert".into(), json!(["email"]));
                let to: Vec<&str> = self
                    .email_to
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                obj.insert("email".into(), json!(to));
            }
            Alerter::Post => {
                obj.insert("alert".into(), json!(["post"]));
                obj.insert("http_post_url".into(), json!(self.post_url));
            }
        }
        let yaml = serde_yaml::to_string(&Value::Object(obj.clone()))
            .map_err(|e| format!("cannot write YAML: {e}"))?;
        Ok(format!(
            "# Sigma rule {} ({})\n{yaml}",
            doc.id.as_deref().unwrap_or("without id"),
            doc.path
        ))
    }
}
