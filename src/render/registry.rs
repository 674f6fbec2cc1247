//! The built-in targets by CLI name, with their `-O key=value` options.

use std::collections::BTreeMap;

use super::target::{RuleInput, Target};
use super::{elastalert, eql, es_qs, es_rule, esql, kibana, watcher};
use crate::attack::AttackData;
use crate::mapping::correlation::CorrelationInput;

/// Every built-in target, in `list targets` order.
pub fn targets() -> Vec<&'static dyn Target> {
    static ES_QS: es_qs::EsQs = es_qs::EsQs { case: None };
    static ES_RULE: es_rule::EsRule = es_rule::EsRule::DEFAULT;
    static KIBANA: kibana::Kibana = kibana::Kibana;
    static WATCHER: watcher::Watcher = watcher::Watcher::DEFAULT;
    static ELASTALERT: elastalert::ElastAlert = elastalert::ElastAlert::DEFAULT;
    static EQL: eql::Eql = eql::Eql;
    static ESQL: esql::Esql = esql::Esql::DEFAULT;
    vec![
        &ES_QS,
        &ES_RULE,
        &KIBANA,
        &WATCHER,
        &ELASTALERT,
        &EQL,
        &ESQL,
    ]
}

/// A target configured with `-O key=value` options (see `docs/targets.md`); targets without options
/// accept none, so a typo is an error rather than silently ignored.
pub fn configured(name: &str, opts: &BTreeMap<String, String>) -> Result<Box<dyn Target>, String> {
    Ok(match name {
        "es-rule" => Box::new(es_rule::EsRule::DEFAULT.with_options(opts)?),
        "xpack-watcher" => Box::new(watcher::Watcher::DEFAULT.with_options(opts)?),
        "elastalert" => Box::new(elastalert::ElastAlert::DEFAULT.with_options(opts)?),
        "esql" => Box::new(esql::Esql::DEFAULT.with_options(opts)?),
        _ => {
            let t = target(name).ok_or_else(|| {
                format!(
                    "unknown target `{name}` (targets: {})",
                    targets()
                        .iter()
                        .map(|t| t.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            if let Some(k) = opts.keys().next() {
                return Err(format!(
                    "{name}: unknown option `{k}` (this target has none)"
                ));
            }
            Box::new(Fixed(t))
        }
    })
}

/// Configures each of `names` with its share of `-O` options: `key=value` applies to every target,
/// `target.key=value` only to that target (and wins over the unscoped key), so
/// `-t es-qs,es-rule -O es-rule.language=eql` gives es-rule its language without es-qs rejecting it.
pub fn configured_all(
    names: &[String],
    opts: &BTreeMap<String, String>,
) -> Result<Vec<Box<dyn Target>>, String> {
    for key in opts.keys() {
        if let Some((scope, _)) = key.split_once('.')
            && !names.iter().any(|n| n == scope)
        {
            return Err(format!(
                "option `{key}` is scoped to `{scope}`, which is not among the targets ({})",
                names.join(", ")
            ));
        }
    }
    names
        .iter()
        .map(|name| {
            let mut own: BTreeMap<String, String> = opts
                .iter()
                .filter(|(k, _)| !k.contains('.'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (k, v) in opts {
                if let Some(key) = k
                    .strip_prefix(name.as_str())
                    .and_then(|k| k.strip_prefix('.'))
                {
                    own.insert(key.to_string(), v.clone());
                }
            }
            configured(name, &own).map_err(|e| {
                if names.len() > 1 && own.keys().any(|k| !k.contains('.')) {
                    format!("{e}; scope an option to one target with `-O {name}.KEY=VALUE`")
                } else {
                    e
                }
            })
        })
        .collect()
}

/// A registry target behind a box, so [`configured`] returns one type for every target.
struct Fixed(&'static dyn Target);

impl Target for Fixed {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn about(&self) -> &'static str {
        self.0.about()
    }
    fn render(&self, input: &RuleInput<'_>) -> Result<String, String> {
        self.0.render(input)
    }
    fn render_correlation_rules(
        &self,
        input: &CorrelationInput<'_>,
        attack: &AttackData,
    ) -> Result<String, String> {
        self.0.render_correlation_rules(input, attack)
    }
    fn extension(&self) -> &'static str {
        self.0.extension()
    }
    fn bundle(&self, outputs: &[&str]) -> Option<(&'static str, String)> {
        self.0.bundle(outputs)
    }
}

/// Looks a target up by CLI name.
pub fn target(name: &str) -> Option<&'static dyn Target> {
    targets().into_iter().find(|t| t.name() == name)
}
