//! Chaining several configs (`-c generic -c backend`) with sigmac's precedence, minus its bugs:
//! field names flow through every config in order (lists fan out), logsource rewrites are seen by
//! later configs only, indices are unioned and sorted, `defaultindex` comes from the last config that
//! sets one, and overrides of all configs apply in order (sigmac kept only the last config's list).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::catalog::FieldCatalog;
use super::typing::NearestCache;

use super::config::{Config, LogsourceDef, Mapping, MappingConfigError, UnmappedPrefix};
use super::ir::{CaseStrategy, Expr, FieldKind, FieldTest};
use super::lower::detection_pairs;
use super::overrides::Override;
use super::pipeline::Pipeline;
use crate::rule::Rule;

/// A rule's logsource triple as one config of the chain sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Triple {
    pub(crate) category: Option<String>,
    pub(crate) product: Option<String>,
    pub(crate) service: Option<String>,
}

/// Per-rule context for mapping decisions; built fresh for each rule so nothing leaks between rules.
#[derive(Debug, Clone)]
pub(crate) struct RuleCtx {
    /// Logsource seen by config `i` (after rewrites of configs before it).
    pub(crate) stages: Vec<Triple>,
    /// Logsource definitions matched per config.
    pub(crate) matched: Vec<Vec<usize>>,
    /// Detection `(field, value)` pairs.
    pub(crate) pairs: Vec<(String, String)>,
}

/// An ordered chain of configs; immutable once built and shareable across threads.
#[derive(Debug, Clone, Default)]
pub struct ConfigSet {
    configs: Vec<Config>,
    /// The field catalog queries are typed against (see `mapping::typing`); `None`: untyped.
    catalog: Option<Arc<FieldCatalog>>,
    /// Refuse rules with a field missing from one of their indices (`--field-check strict`).
    strict_fields: bool,
    /// Nearest-name answers of the typing pass, shared by clones.
    nearest: Arc<NearestCache>,
    /// pySigma processing pipelines in run order (priority, then given order), applied after the
    /// configs' mapping and before overrides (docs/pipelines.md).
    pipelines: Arc<Vec<Pipeline>>,
}

fn opt_eq(want: &Option<String>, have: &Option<String>) -> bool {
    match want {
        None => true,
        Some(w) => have.as_deref() == Some(w.as_str()),
    }
}

fn def_matches(d: &LogsourceDef, t: &Triple) -> bool {
    opt_eq(&d.category, &t.category)
        && opt_eq(&d.product, &t.product)
        && opt_eq(&d.service, &t.service)
}

fn config_applies(c: &Config, t: &Triple) -> bool {
    c.applies_to.as_ref().is_none_or(|list| {
        list.iter().any(|a| {
            opt_eq(&a.category, &t.category)
                && opt_eq(&a.product, &t.product)
                && opt_eq(&a.service, &t.service)
        })
    })
}

fn prefix_applies(p: &UnmappedPrefix, t: &Triple) -> bool {
    opt_eq(&p.category, &t.category)
        && opt_eq(&p.product, &t.product)
        && opt_eq(&p.service, &t.service)
}

impl ConfigSet {
    /// Chains configs in the given order. Fails when a config with a lower `order` follows one with a
    /// higher order (a generic config after a backend config would map already-mapped names).
    pub fn new(configs: Vec<Config>) -> Result<ConfigSet, MappingConfigError> {
        let mut last: Option<(&Config, i64)> = None;
        for c in &configs {
            if let Some(o) = c.order {
                if let Some((prev, po)) = last
                    && o < po
                {
                    return Err(MappingConfigError::Order {
                        earlier: prev.name.clone(),
                        earlier_order: po,
                        later: c.name.clone(),
                        later_order: o,
                    });
                }
                last = Some((c, o));
            }
        }
        Ok(ConfigSet {
            configs,
            catalog: None,
            strict_fields: false,
            nearest: Arc::default(),
            pipelines: Arc::default(),
        })
    }

    /// Loads and chains configs by built-in name or path.
    pub fn load<S: AsRef<str>>(names: &[S]) -> Result<ConfigSet, MappingConfigError> {
        let configs = names
            .iter()
            .map(|n| super::config::load_config(n.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        ConfigSet::new(configs)
    }

    /// The same chain, typing every query against `catalog` (the embedded catalog, with a user's
    /// mappings merged over it): field kinds, numbers, case and field findings. Passed in by the
    /// caller so a test, a run and a user's `--field-catalog` each see exactly their data.
    /// With `strict`, a rule using a field that is missing from one of its indices is refused
    /// (skipped with the finding as reason) instead of converted with a warning.
    pub fn with_catalog(mut self, catalog: Arc<FieldCatalog>, strict: bool) -> ConfigSet {
        self.catalog = Some(catalog);
        self.strict_fields = strict;
        self
    }

    /// The same chain followed by pySigma processing pipelines, ordered as sigma-cli orders them
    /// (by `priority`, equal priorities in the given order).
    pub fn with_pipelines(mut self, pipelines: Vec<Pipeline>) -> ConfigSet {
        self.pipelines = Arc::new(super::pipeline::order_pipelines(pipelines));
        self
    }

    /// The pipelines, in run order.
    pub fn pipelines(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// The typing pass's nearest-name cache.
    pub(crate) fn nearest_cache(&self) -> &NearestCache {
        &self.nearest
    }

    /// Rules with a field missing from one of their indices are refused.
    pub fn strict_fields(&self) -> bool {
        self.strict_fields
    }

    /// The field catalog queries are typed against, if any.
    pub fn catalog(&self) -> Option<&FieldCatalog> {
        self.catalog.as_deref()
    }

    /// The configs in chain order.
    pub fn configs(&self) -> &[Config] {
        &self.configs
    }

    /// Checks every config's `backends` list admits `target` (sigmac's guard against using, say, a
    /// Splunk config for Elastic).
    pub fn check_target(&self, target: &str) -> Result<(), MappingConfigError> {
        for c in &self.configs {
            if let Some(b) = &c.backends
                && !b.iter().any(|x| x == target)
            {
                return Err(MappingConfigError::Backend {
                    name: c.name.clone(),
                    target: target.to_string(),
                    backends: b.join(", "),
                });
            }
        }
        Ok(())
    }

    /// How a target should make matching on `field` case-insensitive for one rule: among the configs
    /// that map this rule (its `applies_to` admits the rule and, when it defines logsources, one of
    /// them matched), the last that names the field (glob) wins, else the last one's `case.default`,
    /// else [`CaseStrategy::Regex`] (always correct, never silently case-sensitive). A config that
    /// does not map the rule never changes it, wherever it stands in the chain.
    pub(crate) fn case_strategy(&self, ctx: &RuleCtx, field: &str) -> CaseStrategy {
        let mapping: Vec<&Config> = self
            .configs
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                config_applies(c, &ctx.stages[*i])
                    && (c.logsources.is_empty() || !ctx.matched[*i].is_empty())
            })
            .map(|(_, c)| c)
            .collect();
        for c in mapping.iter().rev() {
            if let Some((_, s)) = c.case_fields.iter().rev().find(|(g, _)| g.is_match(field)) {
                return *s;
            }
        }
        mapping
            .iter()
            .rev()
            .find_map(|c| c.case_default)
            .unwrap_or_default()
    }

    /// Time field for range filters (sigmac `dateField`), last config wins; `@timestamp` by default
    /// because every ECS source has it (sigmac's `timestamp` default matched nothing on ECS data).
    pub fn date_field(&self) -> &str {
        self.configs
            .iter()
            .rev()
            .find_map(|c| c.date_field.as_deref())
            .unwrap_or("@timestamp")
    }

    /// All overrides of the chain, in order.
    pub fn overrides(&self) -> Vec<&Override> {
        self.configs
            .iter()
            .flat_map(|c| c.overrides.iter())
            .collect()
    }

    /// The overrides of the configs that apply to this rule, in chain order.
    pub(crate) fn overrides_for(&self, ctx: &RuleCtx) -> Vec<&Override> {
        self.configs
            .iter()
            .zip(&ctx.stages)
            .filter(|(c, t)| config_applies(c, t))
            .flat_map(|(c, _)| c.overrides.iter())
            .collect()
    }

    /// Placeholder values, later configs replacing earlier ones per name.
    pub(crate) fn placeholders(&self) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for c in &self.configs {
            for (k, v) in &c.placeholders {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }

    pub(crate) fn rule_ctx(&self, rule: &Rule) -> RuleCtx {
        let text = |t: &Option<crate::rule::Text>| t.as_ref().map(|t| t.value.clone());
        let mut cur = Triple {
            category: text(&rule.logsource.category),
            product: text(&rule.logsource.product),
            service: text(&rule.logsource.service),
        };
        let mut stages = Vec::with_capacity(self.configs.len());
        let mut matched = Vec::with_capacity(self.configs.len());
        for c in &self.configs {
            let m: Vec<usize> = if config_applies(c, &cur) {
                c.logsources
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| def_matches(d, &cur))
                    .map(|(i, _)| i)
                    .collect()
            } else {
                Vec::new()
            };
            stages.push(cur.clone());
            for &i in &m {
                if let Some(r) = &c.logsources[i].rewrite {
                    if r.category.is_some() {
                        cur.category = r.category.clone();
                    }
                    if r.product.is_some() {
                        cur.product = r.product.clone();
                    }
                    if r.service.is_some() {
                        cur.service = r.service.clone();
                    }
                }
            }
            matched.push(m);
        }
        RuleCtx {
            stages,
            matched,
            pairs: detection_pairs(rule),
        }
    }

    fn map_from(&self, start: usize, field: &str, ctx: &RuleCtx) -> Vec<String> {
        let mut cur = vec![field.to_string()];
        for (i, c) in self.configs.iter().enumerate().skip(start) {
            let stage = &ctx.stages[i];
            if !config_applies(c, stage) {
                continue;
            }
            let mut next = Vec::new();
            for f in &cur {
                let mapped = match c.fieldmappings.get(f) {
                    Some(Mapping::Fixed(t)) => Some(t.clone()),
                    Some(Mapping::Conditional(cm)) => {
                        let mut hit = Vec::new();
                        for (k, v, t) in &cm.cases {
                            let ok = match k.as_str() {
                                "category" => stage.category.as_deref() == Some(v.as_str()),
                                "product" => stage.product.as_deref() == Some(v.as_str()),
                                "service" => stage.service.as_deref() == Some(v.as_str()),
                                _ => ctx.pairs.iter().any(|(pf, pv)| pf == k && pv == v),
                            };
                            if ok {
                                hit.extend(t.iter().cloned());
                            }
                        }
                        if hit.is_empty() {
                            cm.default.clone()
                        } else {
                            Some(hit)
                        }
                    }
                    None => None,
                };
                // Unmapped (or no conditional case and no default): keep the name, or add the
                // config's prefix to dot-less names of its logsource.
                let targets = mapped.unwrap_or_else(|| match &c.unmapped_prefix {
                    Some(p) if !f.contains('.') && prefix_applies(p, stage) => {
                        vec![format!("{}{f}", p.prefix)]
                    }
                    _ => vec![f.clone()],
                });
                for t in targets {
                    if !next.contains(&t) {
                        next.push(t);
                    }
                }
            }
            cur = next;
        }
        cur
    }

    /// Maps a rule field through the whole chain (one-to-many mappings fan out; order kept).
    pub(crate) fn map_field(&self, field: &str, ctx: &RuleCtx) -> Vec<String> {
        self.map_from(0, field, ctx)
    }

    fn map_expr(&self, start: usize, e: &Expr, ctx: &RuleCtx) -> Expr {
        match e {
            Expr::And(v) => Expr::and(v.iter().map(|x| self.map_expr(start, x, ctx)).collect()),
            Expr::Or(v) => Expr::or(v.iter().map(|x| self.map_expr(start, x, ctx)).collect()),
            Expr::Not(x) => Expr::not(self.map_expr(start, x, ctx)),
            Expr::Keyword(k) => Expr::Keyword(k.clone()),
            Expr::Test(t) => Expr::or(
                self.map_from(start, &t.field, ctx)
                    .into_iter()
                    .map(|field| {
                        Expr::Test(FieldTest {
                            kind: FieldKind::default(),
                            case: CaseStrategy::default(),
                            field,
                            time_part: t.time_part,
                            test: t.test.clone(),
                        })
                    })
                    .collect(),
            ),
        }
    }

    /// Logsource conditions (mapped from their defining config onwards) and the sorted index list.
    pub(crate) fn logsource(&self, ctx: &RuleCtx) -> (Option<Expr>, Vec<String>) {
        let mut conds = Vec::new();
        let mut indices = Vec::new();
        for (i, c) in self.configs.iter().enumerate() {
            for &d in &ctx.matched[i] {
                let def = &c.logsources[d];
                indices.extend(def.index.iter().cloned());
                if let Some(e) = &def.conditions {
                    conds.push(self.map_expr(i, e, ctx));
                }
            }
        }
        if indices.is_empty()
            && let Some(d) = self
                .configs
                .iter()
                .zip(&ctx.stages)
                .rev()
                .filter(|(c, t)| config_applies(c, t))
                .find_map(|(c, _)| c.defaultindex.as_ref())
        {
            indices = d.clone();
        }
        indices.sort();
        indices.dedup();
        let merge_or = self
            .configs
            .iter()
            .find_map(|c| c.merge_or)
            .unwrap_or(false);
        let cond = if conds.is_empty() {
            None
        } else if merge_or {
            Some(Expr::or(conds))
        } else {
            Some(Expr::and(conds))
        };
        (cond, indices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(name: &str, text: &str) -> Config {
        Config::parse(name, text).unwrap()
    }

    #[test]
    fn order_must_not_decrease_but_equal_is_fine() {
        let a = cfg("a", "order: 20\n");
        let b = cfg("b", "order: 10\n");
        let c = cfg("c", "order: 20\n");
        assert!(ConfigSet::new(vec![a.clone(), b]).is_err());
        assert!(ConfigSet::new(vec![a, c]).is_ok());
    }

    fn rule(text: &str) -> crate::rule::Rule {
        let parsed = crate::rule::file::parse_bytes("r.yml", text.as_bytes());
        match parsed.docs[0].doc.clone() {
            Some(crate::rule::Document::Rule(r)) => r,
            other => panic!("{other:?} {:?}", parsed.diags),
        }
    }

    const PROC: &str = "title: t\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image: x\n    condition: sel\n";

    #[test]
    fn rewrite_is_seen_by_later_configs_and_conditions_are_mapped() {
        let generic = cfg(
            "generic",
            "order: 10\nlogsources:\n  p:\n    category: process_creation\n    product: windows\n    conditions:\n      EventID: 1\n    rewrite:\n      product: windows\n      service: sysmon\n",
        );
        let backend = cfg(
            "backend",
            "order: 20\nlogsources:\n  s:\n    product: windows\n    service: sysmon\n    index: b-*\n    conditions:\n      Channel: Sysmon\nfieldmappings:\n  EventID: event.code\n  Channel: winlog.channel\n  Image: process.executable\ndefaultindex: d-*\n",
        );
        let set = ConfigSet::new(vec![generic, backend]).unwrap();
        let q = set.build(&rule(PROC)).unwrap();
        let text =
            super::super::query_string::render(&q.queries[0].expr, Some(CaseStrategy::Exact))
                .unwrap();
        assert_eq!(
            text,
            "(event.code:1 AND winlog.channel:Sysmon AND process.executable:x)"
        );
        assert_eq!(q.queries[0].indices, vec!["b-*".to_string()]);
    }

    #[test]
    fn defaultindex_last_setter_wins_and_applies_to_limits() {
        let a = cfg("a", "defaultindex: a-*\n");
        let b = cfg("b", "title: no index here\n");
        let set = ConfigSet::new(vec![a, b]).unwrap();
        assert_eq!(
            set.build(&rule(PROC)).unwrap().queries[0].indices,
            vec!["a-*".to_string()]
        );
        let linux = cfg(
            "l",
            "applies_to:\n  product: linux\nfieldmappings:\n  Image: process.executable\ndefaultindex: l-*\n",
        );
        let set = ConfigSet::new(vec![linux]).unwrap();
        let q = set.build(&rule(PROC)).unwrap();
        assert!(q.queries[0].indices.is_empty());
        let text =
            super::super::query_string::render(&q.queries[0].expr, Some(CaseStrategy::Exact))
                .unwrap();
        assert_eq!(
            text, "Image:x",
            "a Windows rule passes a Linux-only config unchanged"
        );
    }

    #[test]
    fn conditional_mapping_is_per_rule() {
        let c = cfg(
            "c",
            "fieldmappings:\n  Image:\n    category=process_creation: process.executable\n    default: file.path\n",
        );
        let set = ConfigSet::new(vec![c]).unwrap();
        let other = PROC.replace("process_creation", "image_load");
        for (text, want) in [
            (PROC, "process.executable:x"),
            (other.as_str(), "file.path:x"),
            (PROC, "process.executable:x"),
        ] {
            let q = set.build(&rule(text)).unwrap();
            let out =
                super::super::query_string::render(&q.queries[0].expr, Some(CaseStrategy::Exact))
                    .unwrap();
            assert_eq!(out, want);
        }
    }

    #[test]
    fn backends_guard() {
        let s = ConfigSet::new(vec![cfg("a", "backends: [es-qs]\n")]).unwrap();
        assert!(s.check_target("es-qs").is_ok());
        assert!(s.check_target("eql").is_err());
    }

    #[test]
    fn case_strategy_precedence() {
        let s = ConfigSet::new(vec![
            cfg(
                "a",
                "case:\n  default: exact\n  fields:\n    '*.caseless': lowercase\n",
            ),
            cfg("b", "case:\n  fields:\n    x: regex\n"),
        ])
        .unwrap();
        let ctx = s.rule_ctx(&rule(PROC));
        assert_eq!(
            s.case_strategy(&ctx, "process.executable.caseless"),
            CaseStrategy::Lowercase
        );
        assert_eq!(s.case_strategy(&ctx, "x"), CaseStrategy::Regex);
        assert_eq!(s.case_strategy(&ctx, "y"), CaseStrategy::Exact);
        let none = ConfigSet::default();
        assert_eq!(
            none.case_strategy(&none.rule_ctx(&rule(PROC)), "y"),
            CaseStrategy::Regex
        );
    }

    #[test]
    fn case_settings_only_touch_the_rules_a_config_maps() {
        let windows = cfg(
            "w",
            "applies_to:\n  product: windows\ncase:\n  default: regex\n",
        );
        let cloud = cfg(
            "c",
            "applies_to:\n  service: cloudtrail\ncase:\n  default: exact\n",
        );
        let proxy = cfg(
            "p",
            "logsources:\n  proxy:\n    category: proxy\ncase:\n  default: lowercase\n",
        );
        for order in [
            vec![windows.clone(), cloud.clone(), proxy.clone()],
            vec![cloud.clone(), proxy.clone(), windows.clone()],
            vec![proxy, windows, cloud],
        ] {
            let s = ConfigSet::new(order).unwrap();
            let ctx = s.rule_ctx(&rule(PROC));
            assert_eq!(s.case_strategy(&ctx, "x"), CaseStrategy::Regex);
        }
    }
}
