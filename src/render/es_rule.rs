//! `es-rule`: Elastic Security detection rules (the `_import` API body), one per Sigma rule.
//!
//! The output is one compact JSON object per rule — one line of the `.ndjson` file that
//! `POST /api/detection_engine/rules/_import` and the Rules UI accept — so the bundle is simply the
//! lines joined. Choices made here, each because Kibana or Elastic's own schemas demand it:
//! * `rule_id` is the Sigma id (lower-cased) so re-imports overwrite instead of duplicating; rules
//!   without a usable UUID get a stable UUID derived from the id text or the file path.
//! * `severity` is never `informational` (Kibana rejects it): informational → `low` with
//!   `risk_score` 1, so it still sorts below real `low` rules (21/47/73/99 otherwise).
//! * `threat[]` is built from the embedded ATT&CK v19.1 tables: each technique tag goes under the
//!   tactic(s) ATT&CK assigns to it (narrowed to the rule's own tactic tags when they overlap), with
//!   names and trailing-slash reference URLs; sub-techniques nest under their parent.
//! * Sigma provenance (id, file, document index, level, status, logsource) lives in
//!   `meta.sigma`, a free-form object Kibana keeps on export and the detection-rules schema allows.
//! * A Sigma condition list (several queries) becomes one rule whose query ORs them: the rule fires
//!   when any of them matches, which is what the list means.
//! * Correlations: `event_count` / `value_count` with a `gt`/`gte` condition become `threshold`
//!   rules (group-by → `threshold.field`, distinct values → `threshold.cardinality`),
//!   `temporal_ordered` becomes an EQL `sequence` rule, and with `language=esql` every type the
//!   `esql` target can aggregate becomes an ES|QL rule; the look-back (`from`) is the correlation
//!   timespan. Anything else is skipped with the reason.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::es_rule_fields::RuleFields;
use super::lang::{eql, esql};
use super::meta::{
    description, esql_indices, ndjson, parse_keep, parse_minutes, provenance, rule_indices,
    rule_uuid, title,
};
use super::text::{condition_text, field_names, span};
use super::{RuleInput, Target};
use crate::attack::AttackData;
use crate::attack::tags::{AttackTag, parse_attack_tag};
use crate::mapping::correlation::CorrelationInput;
use crate::mapping::query_string;
use crate::rule::{CorrelationType, Level, Meta, SourceDoc, Status};

/// Which query language the detection rule carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleLanguage {
    /// `type: query`, `language: lucene` (the default: the es-qs string).
    #[default]
    Lucene,
    /// `type: eql`, `language: eql` (the `eql` target's query).
    Eql,
    /// `type: esql`, `language: esql` (the `esql` target's query; no `index`, it is in `FROM`).
    Esql,
}

/// The `es-rule` target and its options.
#[derive(Debug, Clone)]
pub struct EsRule {
    /// Query language of the generated rules.
    pub language: RuleLanguage,
    /// Schedule in minutes; the look-back (`from`) is one minute longer, Kibana's own convention.
    pub interval_minutes: u32,
    /// Which imported rules start enabled.
    pub enabled: Enabled,
    /// With `language=esql`, end the query with `| KEEP _id, _version, _index, <fields>`.
    pub keep: bool,
    /// `timestamp_override`: the field Kibana's look-back runs on instead of `@timestamp`
    /// (`event.ingested` in Elastic's own rules, so late-arriving events are not missed); absent by
    /// default, as the field must exist in the user's indices.
    pub timestamp_override: Option<String>,
}

/// Which imported rules start enabled (`-O enabled=…`): an `experimental` Sigma rule has not been
/// tested for noise, so by default it is imported disabled and turned on by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enabled {
    /// `true`: every rule.
    All,
    /// `false`: none.
    None,
    /// `tested` (the default): every rule except `experimental`, `deprecated` and `unsupported` ones.
    Tested,
}

impl Enabled {
    /// Whether a rule of this status starts enabled (a rule without status counts as experimental,
    /// Sigma's default).
    pub fn for_status(self, status: Option<Status>) -> bool {
        match self {
            Enabled::All => true,
            Enabled::None => false,
            Enabled::Tested => matches!(status, Some(Status::Test | Status::Stable)),
        }
    }
}

impl Default for EsRule {
    fn default() -> Self {
        EsRule::DEFAULT
    }
}

impl EsRule {
    /// The registry default: Lucene, every 5 minutes, enabled unless experimental, `KEEP` in
    /// ES|QL queries, no timestamp override.
    pub const DEFAULT: EsRule = EsRule {
        language: RuleLanguage::Lucene,
        interval_minutes: 5,
        enabled: Enabled::Tested,
        keep: true,
        timestamp_override: None,
    };

    /// Applies `-O key=value` options: `language=lucene|eql|esql`, `interval=<minutes>`,
    /// `enabled=true|false|tested`, `keep=true|false` (ES|QL only), `timestamp_override=<field>`.
    /// Unknown keys, and `keep` without `language=esql`, are errors so typos do not pass silently.
    pub fn with_options(mut self, opts: &BTreeMap<String, String>) -> Result<EsRule, String> {
        for (k, v) in opts {
            match k.as_str() {
                "keep" => self.keep = parse_keep(v, "es-rule")?,
                "timestamp_override" => {
                    let f = v.trim();
                    if f.is_empty() || f.contains(char::is_whitespace) {
                        return Err(format!(
                            "es-rule: timestamp_override must be a field name such as event.ingested, not `{v}`"
                        ));
                    }
                    self.timestamp_override = Some(f.to_string());
                }
                "language" => {
                    self.language = match v.as_str() {
                        "lucene" => RuleLanguage::Lucene,
                        "eql" => RuleLanguage::Eql,
                        "esql" => RuleLanguage::Esql,
                        _ => {
                            return Err(format!(
                                "es-rule: language must be lucene, eql or esql, not `{v}`"
                            ));
                        }
                    }
                }
                "interval" => self.interval_minutes = parse_minutes(v)?,
                "enabled" => {
                    self.enabled = match v.as_str() {
                        "true" => Enabled::All,
                        "false" => Enabled::None,
                        "tested" => Enabled::Tested,
                        _ => {
                            return Err(format!(
                                "es-rule: enabled must be true, false or tested, not `{v}`"
                            ));
                        }
                    }
                }
                _ => {
                    return Err(format!(
                        "es-rule: unknown option `{k}` (language, interval, enabled, keep, timestamp_override)"
                    ));
                }
            }
        }
        if opts.contains_key("keep") && self.language != RuleLanguage::Esql {
            return Err("es-rule: keep applies to ES|QL rules only (with language=esql)".into());
        }
        Ok(self)
    }
}

impl Target for EsRule {
    fn name(&self) -> &'static str {
        "es-rule"
    }

    fn about(&self) -> &'static str {
        "Elastic Security detection rules (import ndjson), Lucene by default, EQL or ES|QL on request"
    }

    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        let (expr, indices) = input.queries.combined()?;
        let (kind, query) = match self.language {
            RuleLanguage::Lucene => ("query", query_string::render(&expr, None)?),
            RuleLanguage::Eql => ("eql", eql::query(&expr)?),
            RuleLanguage::Esql => (
                "esql",
                esql::query(&expr, &esql_indices(&indices), self.keep)?,
            ),
        };
        let origin = Origin {
            doc: input.doc,
            meta: &input.rule.meta,
            provenance: provenance(input.doc, input.rule),
            attack: input.attack,
        };
        let mut rule = detection_rule(self, origin, kind, &query, &indices);
        let fields = RuleFields::new(field_names(&expr), &indices, input.set.catalog());
        let obj = rule.as_object_mut().expect("json! object");
        for (k, v) in fields.keys(&input.rule.logsource) {
            obj.insert(k.into(), v);
        }
        Ok(rule.to_string())
    }

    fn render_correlation_rules(
        &self,
        c: &CorrelationInput<'_>,
        attack: &AttackData,
    ) -> Result<String, String> {
        let origin = || Origin {
            doc: c.doc,
            meta: &c.correlation.meta,
            provenance: correlation_provenance(c),
            attack,
        };
        let indices = c.indices();
        let window = span(c.seconds());
        let mut rule = match (c.kind(), self.language) {
            (_, RuleLanguage::Esql) => {
                let q = esql::correlation_query(c)?;
                detection_rule(self, origin(), "esql", &q, &indices)
            }
            (CorrelationType::EventCount | CorrelationType::ValueCount, _) => {
                let n = c.at_least().ok_or_else(|| {
                    format!(
                        "Kibana threshold rules fire at or above a count; the condition `{}` is not one",
                        condition_text(c.correlation)
                    )
                })?;
                if c.group_by.len() > 5 {
                    return Err("Kibana threshold rules group by at most 5 fields".into());
                }
                let q = query_string::render(&c.any_rule(), None)?;
                let mut r = detection_rule(self, origin(), "threshold", &q, &indices);
                r["threshold"] = if c.kind() == CorrelationType::EventCount {
                    json!({ "field": c.group_by, "value": n })
                } else {
                    let f = c.field.clone().ok_or("value_count needs a field")?;
                    json!({ "field": c.group_by, "value": 1, "cardinality": [{ "field": f, "value": n }] })
                };
                r
            }
            (CorrelationType::TemporalOrdered, _) | (_, RuleLanguage::Eql) => {
                let q = eql::correlation_query(c)?;
                detection_rule(self, origin(), "eql", &q, &indices)
            }
            (k, _) => {
                return Err(format!(
                    "{} correlations have no Kibana threshold or EQL sequence form; use -O language=esql",
                    k.name()
                ));
            }
        };
        // the look-back is the correlation window; run at least that often
        rule["from"] = json!(format!("now-{window}"));
        if c.seconds() < u64::from(self.interval_minutes) * 60 {
            rule["interval"] = json!(window);
        }
        Ok(rule.to_string())
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn bundle(&self, outputs: &[&str]) -> Option<(&'static str, String)> {
        Some(("rules.ndjson", ndjson(outputs)))
    }
}

/// Where a detection rule comes from: the Sigma document, its metadata and provenance, and the ATT&CK
/// tables its `threat[]` is resolved against.
struct Origin<'a> {
    doc: &'a SourceDoc,
    meta: &'a Meta,
    provenance: Value,
    attack: &'a AttackData,
}

fn detection_rule(
    t: &EsRule,
    origin: Origin<'_>,
    kind: &str,
    query: &str,
    indices: &[String],
) -> Value {
    let Origin {
        doc,
        meta,
        provenance,
        attack,
    } = origin;
    let (severity, risk) = severity(meta);
    let mut v = json!({
        "rule_id": rule_uuid(doc),
        "version": 1,
        "name": title(doc, meta),
        "description": description(doc, meta),
        "author": authors(meta),
        "severity": severity,
        "risk_score": risk,
        "type": kind,
        "language": if kind == "query" || kind == "threshold" { "lucene" } else { kind },
        "query": query,
    });
    let obj = v.as_object_mut().expect("json! object");
    if kind != "esql" {
        obj.insert("index".into(), json!(rule_indices(indices)));
    }
    obj.insert(
        "enabled".into(),
        json!(t.enabled.for_status(meta.status.as_ref().map(|s| s.value))),
    );
    obj.insert("interval".into(), json!(format!("{}m", t.interval_minutes)));
    obj.insert(
        "from".into(),
        json!(format!("now-{}m", t.interval_minutes.saturating_add(1))),
    );
    obj.insert("to".into(), json!("now"));
    if let Some(f) = &t.timestamp_override {
        obj.insert("timestamp_override".into(), json!(f));
    }
    obj.insert("max_signals".into(), json!(100));
    obj.insert("tags".into(), json!(tags(meta)));
    obj.insert("references".into(), json!(texts(&meta.references)));
    obj.insert("false_positives".into(), json!(texts(&meta.falsepositives)));
    // Only a licence the rule declares: guessing one (e.g. SigmaHQ's DRL) would misstate the user's terms.
    if let Some(l) = &meta.license {
        obj.insert("license".into(), json!(l.value));
    }
    obj.insert("threat".into(), Value::Array(threat(meta, attack)));
    obj.insert("meta".into(), json!({ "sigma": provenance }));
    v
}

/// Authors split on commas, as Kibana shows one chip per author.
fn authors(meta: &Meta) -> Vec<String> {
    meta.author
        .as_ref()
        .map(|a| {
            a.value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn texts(v: &[crate::rule::Text]) -> Vec<String> {
    v.iter().map(|t| t.value.clone()).collect()
}

/// Tags as written, de-duplicated in order (the `attack.*` ones stay too: they are searchable in the
/// Rules UI, and `threat[]` carries the structured form).
fn tags(meta: &Meta) -> Vec<String> {
    let mut seen = BTreeSet::new();
    meta.tags
        .iter()
        .filter(|t| seen.insert(t.value.clone()))
        .map(|t| t.value.clone())
        .collect()
}

/// Sigma level → (Kibana severity, risk score).
pub(crate) fn severity(meta: &Meta) -> (&'static str, u8) {
    match meta.level.as_ref().map(|l| l.value) {
        Some(Level::Informational) => ("low", 1),
        Some(Level::Medium) => ("medium", 47),
        Some(Level::High) => ("high", 73),
        Some(Level::Critical) => ("critical", 99),
        Some(Level::Low) | None => ("low", 21),
    }
}

/// Provenance of a correlation: its own document plus the ids of the rules it references.
fn correlation_provenance(c: &CorrelationInput<'_>) -> Value {
    let meta = &c.correlation.meta;
    json!({
        "id": c.doc.id,
        "file": c.doc.path,
        "document": c.doc.index,
        "level": meta.level.as_ref().map(|l| l.value.name()),
        "status": meta.status.as_ref().map(|s| s.value.name()),
        "correlation": c.kind().name(),
        "rules": c.rules.iter().map(|r| json!({ "id": r.doc.id, "file": r.doc.path })).collect::<Vec<_>>(),
    })
}

const ATTACK_URL: &str = "https://attack.mitre.org";

/// `threat[]` from the rule's `attack.*` tags (see the module docs for the pairing rule). Unknown,
/// deprecated or malformed tags contribute nothing (the validator reports them); a revoked technique
/// is replaced by the technique ATT&CK names as its successor.
pub(crate) fn threat(meta: &Meta, attack: &AttackData) -> Vec<Value> {
    let Ok(m) = attack.enterprise() else {
        return Vec::new();
    };
    let mut techs = BTreeSet::new();
    let mut tactic_tags = BTreeSet::new();
    for t in &meta.tags {
        match parse_attack_tag(&t.value) {
            Some(AttackTag::Technique(id)) => {
                let Some(tech) = m.technique(&id) else {
                    continue;
                };
                let id = match (&tech.revoked_by, tech.is_active()) {
                    (_, true) => id,
                    (Some(r), false) if m.technique(r).is_some_and(|x| x.is_active()) => r.clone(),
                    _ => continue,
                };
                techs.insert(id);
            }
            Some(AttackTag::Tactic(name)) => {
                let name = name.replace('_', "-");
                if m.tactic(&name).is_some_and(|t| t.is_active()) {
                    tactic_tags.insert(name);
                }
            }
            _ => {}
        }
    }
    // tactic shortname → parent technique id → sub-technique ids
    let mut by_tactic: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for id in &techs {
        let Some(tech) = m.technique(id) else {
            continue;
        };
        let own: Vec<&String> = tech.tactics.iter().collect();
        let narrowed: Vec<&String> = own
            .iter()
            .copied()
            .filter(|t| tactic_tags.contains(*t))
            .collect();
        let chosen = if narrowed.is_empty() { own } else { narrowed };
        for ta in chosen {
            let subs = by_tactic
                .entry(ta.clone())
                .or_default()
                .entry(tech.parent_id().to_string())
                .or_default();
            if tech.is_sub() {
                subs.insert(id.clone());
            }
        }
    }
    for ta in &tactic_tags {
        by_tactic.entry(ta.clone()).or_default();
    }
    let mut tactics: Vec<_> = by_tactic.into_iter().collect();
    tactics.sort_by_key(|(ta, _)| m.tactic_rank(ta));
    let mut out = Vec::new();
    for (ta, parents) in tactics {
        let Some(tactic) = m.tactic(&ta) else {
            continue;
        };
        let mut entry = json!({
            "framework": "MITRE ATT&CK",
            "tactic": {
                "id": tactic.id,
                "name": tactic.name,
                "reference": format!("{ATTACK_URL}/tactics/{}/", tactic.id),
            },
        });
        let mut techniques = Vec::new();
        for (parent, subs) in parents {
            let Some(p) = m.technique(&parent) else {
                continue;
            };
            let mut t = json!({
                "id": p.id,
                "name": p.name,
                "reference": format!("{ATTACK_URL}/techniques/{}/", p.id),
            });
            let subs: Vec<Value> = subs
                .iter()
                .filter_map(|s| m.technique(s))
                .map(|s| {
                    json!({
                        "id": s.id,
                        "name": s.name,
                        "reference": format!("{ATTACK_URL}/techniques/{}/", s.id.replace('.', "/")),
                    })
                })
                .collect();
            if !subs.is_empty() {
                t["subtechnique"] = Value::Array(subs);
            }
            techniques.push(t);
        }
        if !techniques.is_empty() {
            entry["technique"] = Value::Array(techniques);
        }
        out.push(entry);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Pos;
    use crate::rule::Text;

    fn tag(s: &str) -> Text {
        Text::new(s.into(), Pos::default())
    }

    #[test]
    fn threat_pairs_by_technique_not_position() {
        let meta = Meta {
            tags: vec![
                tag("attack.t1059.001"),
                tag("attack.persistence"),
                tag("attack.execution"),
                tag("attack.t1033"),
            ],
            ..Default::default()
        };
        let t = threat(&meta, &AttackData::embedded());
        let ids: Vec<&str> = t
            .iter()
            .map(|e| e["tactic"]["id"].as_str().unwrap_or(""))
            .collect();
        // T1059.001 is Execution; T1033 is Discovery only, so it keeps its own tactic; the
        // persistence tag has no technique under it and stays as a tactic-only entry; tactics
        // come in matrix order.
        assert_eq!(ids, ["TA0002", "TA0003", "TA0007"]);
        let exec = &t[0];
        assert_eq!(exec["technique"][0]["id"], "T1059");
        assert_eq!(
            exec["technique"][0]["subtechnique"][0]["reference"],
            "https://attack.mitre.org/techniques/T1059/001/"
        );
        assert_eq!(
            exec["tactic"]["reference"],
            "https://attack.mitre.org/tactics/TA0002/"
        );
        assert!(t[1].get("technique").is_none());
    }

    #[test]
    fn keep_and_timestamp_override_options() {
        let o = |pairs: &[(&str, &str)]| {
            let m: BTreeMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            EsRule::DEFAULT.with_options(&m)
        };
        let t = o(&[("timestamp_override", "event.ingested")]).unwrap();
        assert_eq!(t.timestamp_override.as_deref(), Some("event.ingested"));
        assert!(EsRule::DEFAULT.timestamp_override.is_none());
        assert!(o(&[("timestamp_override", "a b")]).is_err());
        let esql = o(&[("language", "esql"), ("keep", "false")]).unwrap();
        assert!(!esql.keep);
        // `keep` without ES|QL would do nothing: refused instead of ignored
        let err = o(&[("keep", "false")]).unwrap_err();
        assert!(err.contains("language=esql"), "{err}");
    }

    #[test]
    fn severity_never_informational() {
        let lvl = |l: &str| Meta {
            level: Level::parse(l).map(|l| crate::rule::Spanned::new(l, Pos::default())),
            ..Default::default()
        };
        assert_eq!(severity(&lvl("informational")), ("low", 1));
        assert_eq!(severity(&lvl("low")), ("low", 21));
        assert_eq!(severity(&lvl("critical")), ("critical", 99));
        assert_eq!(severity(&Meta::default()), ("low", 21));
    }
}
