//! From a spanned YAML document to the typed model, collecting every problem with its position.

use super::codes;
use super::condition::{self, Cond};
use super::model::*;
use super::modifier::{self, ModifierError, RawValue};
use super::value::Number;
use super::yaml::{Key, Node, Yaml};
use crate::diag::{Diagnostic, Pos, Severity};

/// Collects diagnostics for one file.
pub struct Ctx<'a> {
    /// File path for diagnostics.
    pub path: &'a str,
    /// Collected diagnostics.
    pub diags: Vec<Diagnostic>,
    errors: usize,
}

impl<'a> Ctx<'a> {
    /// Starts an empty collection for a file.
    pub fn new(path: &'a str) -> Self {
        Ctx {
            path,
            diags: Vec::new(),
            errors: 0,
        }
    }

    /// Records a finding with the code's default severity.
    pub fn report(&mut self, pos: Pos, code: &str, message: impl Into<String>) {
        let severity = codes::ALL
            .iter()
            .find(|c| c.code == code)
            .map_or(Severity::Error, |c| c.severity);
        if severity == Severity::Error {
            self.errors += 1;
        }
        self.diags
            .push(Diagnostic::new(self.path, pos, code, severity, message));
    }

    /// Number of errors recorded so far.
    pub fn errors(&self) -> usize {
        self.errors
    }
}

const META_KEYS: &[&str] = &[
    "title",
    "id",
    "name",
    "related",
    "taxonomy",
    "status",
    "description",
    "license",
    "author",
    "references",
    "date",
    "modified",
    "fields",
    "falsepositives",
    "level",
    "tags",
    "scope",
];

const STATUSES: &[&str] = &[
    "stable",
    "test",
    "experimental",
    "deprecated",
    "unsupported",
];
const LEVELS: &[&str] = &["informational", "low", "medium", "high", "critical"];
const RELATION_TYPES: &[&str] = &["derived", "obsolete", "merged", "renamed", "similar"];

fn text(ctx: &mut Ctx, key: &Key, node: &Node) -> Option<Text> {
    match &node.value {
        Yaml::Str(s) => Some(Text::new(s.clone(), node.pos)),
        // Numbers and dates written unquoted are still meaningful text (e.g. `date: 2024-01-01` in YAML 1.2).
        Yaml::Int(_) | Yaml::Float(_) => Some(Text::new(node.as_scalar_string()?, node.pos)),
        _ => {
            ctx.report(
                node.pos,
                codes::WRONG_TYPE,
                format!(
                    "`{}` must be a string, found {}",
                    key.text,
                    node.type_name()
                ),
            );
            None
        }
    }
}

fn text_list(ctx: &mut Ctx, key: &Key, node: &Node) -> Vec<Text> {
    match &node.value {
        Yaml::Seq(items) => items
            .iter()
            .filter_map(|item| match item.as_scalar_string() {
                Some(s) if !matches!(item.value, Yaml::Bool(_)) => Some(Text::new(s, item.pos)),
                _ => {
                    ctx.report(
                        item.pos,
                        codes::WRONG_TYPE,
                        format!(
                            "`{}` entries must be strings, found {}",
                            key.text,
                            item.type_name()
                        ),
                    );
                    None
                }
            })
            .collect(),
        Yaml::Null => Vec::new(),
        _ => {
            ctx.report(
                node.pos,
                codes::WRONG_TYPE,
                format!(
                    "`{}` must be a list of strings, found {}; write `{}: ['…']`",
                    key.text,
                    node.type_name(),
                    key.text
                ),
            );
            Vec::new()
        }
    }
}

fn enum_text(ctx: &mut Ctx, key: &Key, node: &Node, allowed: &[&str]) -> Option<Text> {
    let t = text(ctx, key, node)?;
    if !allowed.contains(&t.value.as_str()) {
        ctx.report(
            t.pos,
            codes::BAD_ENUM,
            format!(
                "`{}: {}` is not allowed; use one of {}",
                key.text,
                t.value,
                allowed.join(", ")
            ),
        );
    }
    Some(t)
}

/// Reads the metadata keys; `extra` lists keys handled by the caller, which are not custom attributes.
fn parse_meta(ctx: &mut Ctx, root: &Node, extra: &[&str]) -> Meta {
    let mut meta = Meta::default();
    let Some(map) = root.as_map() else {
        return meta;
    };
    for (key, node) in map {
        match key.text.as_str() {
            "title" => meta.title = text(ctx, key, node),
            "id" => meta.id = text(ctx, key, node),
            "name" => meta.name = text(ctx, key, node),
            "taxonomy" => meta.taxonomy = text(ctx, key, node),
            "status" => meta.status = enum_text(ctx, key, node, STATUSES),
            "description" => meta.description = text(ctx, key, node),
            "license" => meta.license = text(ctx, key, node),
            "author" => meta.author = text(ctx, key, node),
            "date" => meta.date = text(ctx, key, node),
            "modified" => meta.modified = text(ctx, key, node),
            "level" => meta.level = enum_text(ctx, key, node, LEVELS),
            "references" => meta.references = text_list(ctx, key, node),
            "fields" => meta.fields = text_list(ctx, key, node),
            "falsepositives" => meta.falsepositives = text_list(ctx, key, node),
            "tags" => meta.tags = text_list(ctx, key, node),
            "scope" => meta.scope = text_list(ctx, key, node),
            "related" => meta.related = parse_related(ctx, node),
            k if extra.contains(&k) => {}
            _ => meta.custom.push((key.clone(), node.clone())),
        }
    }
    meta
}

fn parse_related(ctx: &mut Ctx, node: &Node) -> Vec<Related> {
    let Yaml::Seq(items) = &node.value else {
        ctx.report(
            node.pos,
            codes::WRONG_TYPE,
            format!(
                "`related` must be a list of {{id, type}} mappings, found {}",
                node.type_name()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let (Some((ik, id)), Some((tk, kind))) = (item.get("id"), item.get("type")) else {
            ctx.report(
                item.pos,
                codes::MISSING_FIELD,
                "each `related` entry needs both `id` and `type`",
            );
            continue;
        };
        let id = text(ctx, ik, id);
        let kind = enum_text(ctx, tk, kind, RELATION_TYPES);
        if let (Some(id), Some(kind)) = (id, kind) {
            out.push(Related { id, kind });
        }
    }
    out
}

fn parse_logsource(ctx: &mut Ctx, key: &Key, node: &Node) -> LogSource {
    let mut ls = LogSource {
        pos: key.pos,
        ..LogSource::default()
    };
    let Some(map) = node.as_map() else {
        ctx.report(
            node.pos,
            codes::WRONG_TYPE,
            format!("`logsource` must be a mapping, found {}", node.type_name()),
        );
        return ls;
    };
    for (k, v) in map {
        match k.text.as_str() {
            "category" => ls.category = text(ctx, k, v),
            "product" => ls.product = text(ctx, k, v),
            "service" => ls.service = text(ctx, k, v),
            "definition" => ls.definition = text(ctx, k, v),
            _ => ls.custom.push((k.clone(), v.clone())),
        }
    }
    ls
}

fn raw_value(node: &Node) -> Option<RawValue> {
    Some(match &node.value {
        Yaml::Str(s) => RawValue::Str(s.clone()),
        Yaml::Int(i) => RawValue::Number(Number::Int(*i)),
        Yaml::Float(f) => RawValue::Number(Number::Float(*f)),
        Yaml::Bool(b) => RawValue::Bool(*b),
        Yaml::Null => RawValue::Null,
        _ => return None,
    })
}

fn modifier_error(ctx: &mut Ctx, pos: Pos, e: ModifierError) {
    match e {
        ModifierError::Unknown(m) => {
            let hint = match m.as_str() {
                "endwith" => " (did you mean `endswith`?)",
                "startwith" => " (did you mean `startswith`?)",
                "contain" => " (did you mean `contains`?)",
                "regex" => " (did you mean `re`?)",
                "base64offsets" => " (did you mean `base64offset`?)",
                _ => "",
            };
            ctx.report(
                pos,
                codes::UNKNOWN_MODIFIER,
                format!("unknown modifier `{m}`{hint}"),
            )
        }
        ModifierError::IllegalChain(m) => ctx.report(pos, codes::ILLEGAL_MODIFIERS, m),
        ModifierError::BadValue(m) => ctx.report(pos, codes::BAD_VALUE, m),
    }
}

fn field_match(ctx: &mut Ctx, key: &Key, node: &Node, keyword: bool) -> Option<FieldMatch> {
    let mut parts = key.text.split('|');
    let field = parts.next().unwrap_or_default();
    let names: Vec<&str> = parts.collect();
    let chain = match modifier::parse_chain(&names) {
        Ok(c) => c,
        Err(e) => {
            modifier_error(ctx, key.pos, e);
            return None;
        }
    };
    let field = if keyword || field.is_empty() {
        None
    } else {
        Some(field.to_string())
    };
    let value_nodes: Vec<&Node> = match &node.value {
        Yaml::Seq(items) => {
            if items.is_empty() {
                ctx.report(
                    node.pos,
                    codes::BAD_SEARCH,
                    format!("`{}` has an empty value list", key.text),
                );
                return None;
            }
            items.iter().collect()
        }
        Yaml::Map(_) => {
            ctx.report(
                node.pos,
                codes::BAD_SEARCH,
                format!(
                    "`{}` has a mapping as its value; values must be scalars or a list of scalars",
                    key.text
                ),
            );
            return None;
        }
        _ => vec![node],
    };
    if chain.all && value_nodes.len() < 2 && !chain.modifiers.iter().any(|m| m.name() == "re") {
        // `all` on one value is pointless but harmless; the validators flag it.
    }
    let mut values = Vec::with_capacity(value_nodes.len());
    let mut ok = true;
    for v in value_nodes {
        let Some(raw) = raw_value(v) else {
            ctx.report(
                v.pos,
                codes::BAD_SEARCH,
                format!(
                    "a value of `{}` is a {}; values must be scalars",
                    key.text,
                    v.type_name()
                ),
            );
            ok = false;
            continue;
        };
        if field.is_none() && matches!(raw, RawValue::Null) {
            ctx.report(v.pos, codes::BAD_SEARCH, "a keyword search cannot be null");
            ok = false;
            continue;
        }
        match modifier::apply(&chain, &raw) {
            Ok(alternatives) => values.push(ValueMatch {
                raw,
                pos: v.pos,
                alternatives,
            }),
            Err(e) => {
                modifier_error(ctx, v.pos, e);
                ok = false;
            }
        }
    }
    ok.then_some(FieldMatch {
        field,
        pos: key.pos,
        chain,
        values,
    })
}

fn group(ctx: &mut Ctx, node: &Node) -> Option<Group> {
    let map = node.as_map()?;
    if map.is_empty() {
        ctx.report(node.pos, codes::BAD_SEARCH, "empty mapping in a search");
        return None;
    }
    let mut items = Vec::new();
    let mut ok = true;
    for (k, v) in map {
        match field_match(ctx, k, v, false) {
            Some(m) => items.push(m),
            None => ok = false,
        }
    }
    ok.then_some(Group {
        items,
        pos: node.pos,
    })
}

fn search(ctx: &mut Ctx, key: &Key, node: &Node) -> Option<Search> {
    let mut groups = Vec::new();
    match &node.value {
        Yaml::Map(_) => groups.push(group(ctx, node)?),
        Yaml::Seq(items) if items.is_empty() => {
            ctx.report(
                node.pos,
                codes::BAD_SEARCH,
                format!("search `{}` is an empty list", key.text),
            );
            return None;
        }
        Yaml::Seq(items) => {
            let mut keywords = Vec::new();
            let mut ok = true;
            for item in items {
                match &item.value {
                    Yaml::Map(_) => match group(ctx, item) {
                        Some(g) => groups.push(g),
                        None => ok = false,
                    },
                    Yaml::Seq(_) => {
                        ctx.report(
                            item.pos,
                            codes::BAD_SEARCH,
                            "nested lists are not allowed in a search",
                        );
                        ok = false;
                    }
                    _ => keywords.push(item.clone()),
                }
            }
            if !keywords.is_empty() {
                let list = Node {
                    value: Yaml::Seq(keywords),
                    pos: node.pos,
                    quoted: false,
                };
                let kw_key = Key {
                    text: String::new(),
                    pos: key.pos,
                };
                match field_match(ctx, &kw_key, &list, true) {
                    Some(m) => groups.push(Group {
                        items: vec![m],
                        pos: node.pos,
                    }),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
        }
        Yaml::Null => {
            ctx.report(
                key.pos,
                codes::BAD_SEARCH,
                format!("search `{}` has no value", key.text),
            );
            return None;
        }
        _ => {
            let kw_key = Key {
                text: String::new(),
                pos: key.pos,
            };
            let m = field_match(ctx, &kw_key, node, true)?;
            groups.push(Group {
                items: vec![m],
                pos: node.pos,
            });
        }
    }
    Some(Search {
        name: key.text.clone(),
        pos: key.pos,
        groups,
    })
}

fn condition_pos(node: &Node, offset: usize) -> Pos {
    Pos::new(
        node.pos.line,
        node.pos.col + offset as u32 + u32::from(node.quoted),
    )
}

fn parse_conditions(ctx: &mut Ctx, node: &Node, searches: &[Search]) -> Vec<Condition> {
    let nodes: Vec<&Node> = match &node.value {
        Yaml::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for n in nodes {
        let Some(text) = n.as_str() else {
            ctx.report(
                n.pos,
                codes::WRONG_TYPE,
                format!("`condition` must be a string, found {}", n.type_name()),
            );
            continue;
        };
        match condition::parse(text) {
            Ok(tree) => {
                let mut ok = true;
                tree.walk(&mut |c| match c {
                    Cond::Ident { name, offset } if !searches.iter().any(|s| s.name == *name) => {
                        let hint = if ["AND", "OR", "NOT", "And", "Or", "Not"].contains(&name.as_str()) {
                            " (condition keywords are lower case)".to_string()
                        } else {
                            let known: Vec<&str> =
                                searches.iter().map(|s| s.name.as_str()).collect();
                            format!(" (defined: {})", known.join(", "))
                        };
                        ctx.report(
                            condition_pos(n, *offset),
                            codes::UNKNOWN_IDENTIFIER,
                            format!("the condition uses `{name}`, which is not a search identifier{hint}"),
                        );
                        ok = false;
                    }
                    Cond::Of {
                        pattern, offset, ..
                    } if select(searches, pattern.as_deref()).is_empty() => {
                        ctx.report(
                            condition_pos(n, *offset),
                            codes::EMPTY_OF,
                            format!(
                                "`of {}` matches no search identifier",
                                pattern.as_deref().unwrap_or("them")
                            ),
                        );
                        ok = false;
                    }
                    _ => {}
                });
                if ok {
                    out.push(Condition {
                        text: text.to_string(),
                        pos: n.pos,
                        tree,
                    });
                }
            }
            Err(e) => {
                let code = if e.is_aggregation {
                    codes::AGGREGATION
                } else {
                    codes::CONDITION_SYNTAX
                };
                ctx.report(condition_pos(n, e.offset), code, e.message);
            }
        }
    }
    out
}

/// Parses a detection-like block (a rule's `detection`, a filter's `filter`); `skip` lists keys that are
/// not search identifiers.
fn parse_detection(ctx: &mut Ctx, key: &Key, node: &Node, skip: &[&str]) -> Option<Detection> {
    let Some(map) = node.as_map() else {
        ctx.report(
            node.pos,
            codes::WRONG_TYPE,
            format!(
                "`{}` must be a mapping, found {}",
                key.text,
                node.type_name()
            ),
        );
        return None;
    };
    let before = ctx.errors();
    let mut searches = Vec::new();
    let mut condition_node = None;
    let mut timeframe = None;
    for (k, v) in map {
        match k.text.as_str() {
            "condition" => condition_node = Some(v),
            "timeframe" => timeframe = text(ctx, k, v),
            s if skip.contains(&s) => {}
            _ => {
                if let Some(s) = search(ctx, k, v) {
                    searches.push(s);
                }
            }
        }
    }
    let Some(cnode) = condition_node else {
        ctx.report(
            key.pos,
            codes::MISSING_FIELD,
            format!("`{}` has no `condition`", key.text),
        );
        return None;
    };
    if ctx.errors() > before {
        // Identifier checks against a partial search list would only add noise.
        return None;
    }
    let conditions = parse_conditions(ctx, cnode, &searches);
    if ctx.errors() > before || conditions.is_empty() {
        return None;
    }
    for s in &searches {
        let used = conditions.iter().any(|c| {
            let mut used = false;
            c.tree.walk(&mut |n| match n {
                Cond::Ident { name, .. } if *name == s.name => used = true,
                Cond::Of { pattern, .. } => {
                    used |= !select(std::slice::from_ref(s), pattern.as_deref()).is_empty();
                }
                _ => {}
            });
            used
        });
        if !used {
            ctx.report(
                s.pos,
                codes::UNUSED_SEARCH,
                format!("search `{}` is not used by the condition", s.name),
            );
        }
    }
    Some(Detection {
        searches,
        conditions,
        pos: key.pos,
        timeframe,
    })
}

fn require<'n>(ctx: &mut Ctx, root: &'n Node, key: &str) -> Option<(&'n Key, &'n Node)> {
    let found = root.get(key);
    if found.is_none() {
        ctx.report(
            root.pos,
            codes::MISSING_FIELD,
            format!("required field `{key}` is missing"),
        );
    }
    found
}

/// Parses a rule document.
pub fn parse_rule(ctx: &mut Ctx, root: &Node) -> Option<Rule> {
    let before = ctx.errors();
    let meta = parse_meta(ctx, root, &["logsource", "detection"]);
    if meta.title.is_none() && root.get("title").is_none() {
        ctx.report(
            root.pos,
            codes::MISSING_FIELD,
            "required field `title` is missing",
        );
    }
    let logsource = require(ctx, root, "logsource").map(|(k, v)| parse_logsource(ctx, k, v));
    let detection =
        require(ctx, root, "detection").and_then(|(k, v)| parse_detection(ctx, k, v, &[]));
    if ctx.errors() > before {
        return None;
    }
    Some(Rule {
        meta,
        logsource: logsource?,
        detection: detection?,
    })
}

fn parse_timespan(text: &str) -> Option<u64> {
    let unit = text.chars().last()?;
    let n: u64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        'M' => 2_592_000,
        'y' => 31_536_000,
        _ => return None,
    };
    n.checked_mul(mult).filter(|s| *s > 0)
}

fn references(ctx: &mut Ctx, key: &Key, node: &Node) -> Vec<Text> {
    match &node.value {
        Yaml::Str(s) => vec![Text::new(s.clone(), node.pos)],
        _ => text_list(ctx, key, node),
    }
}

fn number(node: &Node) -> Option<f64> {
    match node.value {
        Yaml::Int(i) => Some(i as f64),
        Yaml::Float(f) if f.is_finite() => Some(f),
        _ => None,
    }
}

fn parse_corr_condition(ctx: &mut Ctx, node: &Node) -> Option<CorrCondition> {
    let Some(map) = node.as_map() else {
        ctx.report(
            node.pos,
            codes::CORRELATION,
            "the correlation `condition` must be a mapping such as `{gte: 10}`",
        );
        return None;
    };
    let mut cond = CorrCondition {
        pos: node.pos,
        ..CorrCondition::default()
    };
    for (k, v) in map {
        if let Some(op) = CorrOp::parse(&k.text) {
            match number(v) {
                Some(n) => cond.ops.push((op, n)),
                None => ctx.report(
                    v.pos,
                    codes::CORRELATION,
                    format!("`{}` needs a number, found {}", k.text, v.type_name()),
                ),
            }
        } else if k.text == "field" {
            cond.field = references(ctx, k, v);
        } else if k.text == "percentile" {
            cond.percentile = number(v);
        } else {
            ctx.report(
                k.pos,
                codes::CORRELATION,
                format!(
                    "unknown key `{}` in a correlation condition (use gt, gte, lt, lte, eq, neq, field)",
                    k.text
                ),
            );
        }
    }
    if cond.ops.is_empty() || cond.ops.len() > 2 {
        ctx.report(
            node.pos,
            codes::CORRELATION,
            "a correlation condition needs one comparison, or two for a range",
        );
    }
    Some(cond)
}

/// Parses a correlation document.
pub fn parse_correlation(ctx: &mut Ctx, root: &Node) -> Option<Correlation> {
    let before = ctx.errors();
    let meta = parse_meta(ctx, root, &["correlation", "generate"]);
    if root.get("title").is_none() {
        ctx.report(
            root.pos,
            codes::MISSING_FIELD,
            "required field `title` is missing",
        );
    }
    let (ckey, cnode) = root.get("correlation")?;
    if cnode.as_map().is_none() {
        ctx.report(
            cnode.pos,
            codes::CORRELATION,
            "`correlation` must be a mapping",
        );
        return None;
    }
    let mut kind = None;
    let mut rules = Vec::new();
    let mut group_by = Vec::new();
    let mut timespan = None;
    let mut condition = None;
    let mut aliases = Vec::new();
    let mut generate = root
        .get("generate")
        .is_some_and(|(_, v)| v.value == Yaml::Bool(true));
    for (k, v) in cnode.as_map().unwrap_or_default() {
        match k.text.as_str() {
            "type" => match v.as_str().and_then(CorrelationType::parse) {
                Some(t) => kind = Some(Spanned::new(t, v.pos)),
                None => ctx.report(
                    v.pos,
                    codes::CORRELATION,
                    format!(
                        "unknown correlation type {}; use event_count, value_count, temporal, \
                         temporal_ordered, value_sum, value_avg or value_percentile",
                        v.as_scalar_string().unwrap_or_else(|| v.type_name().into())
                    ),
                ),
            },
            "rules" => rules = references(ctx, k, v),
            "group-by" => group_by = references(ctx, k, v),
            "timespan" | "timeframe" => {
                match v.as_scalar_string().as_deref().and_then(parse_timespan) {
                    Some(s) => timespan = Some(Spanned::new(Timespan { seconds: s }, v.pos)),
                    None => ctx.report(
                        v.pos,
                        codes::CORRELATION,
                        "`timespan` must be a number with a unit s, m, h, d, w, M or y (e.g. `5m`)",
                    ),
                }
            }
            "condition" => condition = parse_corr_condition(ctx, v),
            "generate" => generate = v.value == Yaml::Bool(true),
            "aliases" => match v.as_map() {
                Some(map) => {
                    for (ak, av) in map {
                        let fields = av
                            .as_map()
                            .map(|m| {
                                m.iter()
                                    .filter_map(|(rk, rv)| {
                                        Some((
                                            Text::new(rk.text.clone(), rk.pos),
                                            Text::new(rv.as_scalar_string()?, rv.pos),
                                        ))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        aliases.push(CorrAlias {
                            name: Text::new(ak.text.clone(), ak.pos),
                            fields,
                        });
                    }
                }
                None => ctx.report(v.pos, codes::CORRELATION, "`aliases` must be a mapping"),
            },
            other => ctx.report(
                k.pos,
                codes::CORRELATION,
                format!("unknown key `{other}` in `correlation`"),
            ),
        }
    }
    let Some(kind) = kind else {
        if cnode.get("type").is_none() {
            ctx.report(ckey.pos, codes::CORRELATION, "`correlation` needs a `type`");
        }
        return None;
    };
    if rules.is_empty() {
        ctx.report(ckey.pos, codes::CORRELATION, "`correlation` needs `rules`");
    }
    if timespan.is_none() && cnode.get("timespan").is_none() {
        ctx.report(
            ckey.pos,
            codes::CORRELATION,
            "`correlation` needs a `timespan`",
        );
    }
    match (&condition, kind.value) {
        (None, CorrelationType::Temporal | CorrelationType::TemporalOrdered) => {}
        (None, t) => ctx.report(
            ckey.pos,
            codes::CORRELATION,
            format!("a `{}` correlation needs a `condition`", t.name()),
        ),
        (Some(c), t) if t.needs_field() && c.field.is_empty() => ctx.report(
            c.pos,
            codes::CORRELATION,
            format!("a `{}` correlation condition needs a `field`", t.name()),
        ),
        _ => {}
    }
    if ctx.errors() > before {
        return None;
    }
    Some(Correlation {
        meta,
        kind,
        rules,
        group_by,
        timespan: timespan?,
        condition,
        aliases,
        generate,
        pos: ckey.pos,
    })
}

/// Parses a filter document.
pub fn parse_filter(ctx: &mut Ctx, root: &Node) -> Option<Filter> {
    let before = ctx.errors();
    let meta = parse_meta(ctx, root, &["logsource", "filter"]);
    if root.get("title").is_none() {
        ctx.report(
            root.pos,
            codes::MISSING_FIELD,
            "required field `title` is missing",
        );
    }
    let logsource = require(ctx, root, "logsource").map(|(k, v)| parse_logsource(ctx, k, v));
    let (fkey, fnode) = root.get("filter")?;
    let rules = match fnode.get("rules") {
        Some((k, v)) => references(ctx, k, v),
        None => {
            ctx.report(
                fkey.pos,
                codes::FILTER,
                "`filter` needs `rules` (ids or names)",
            );
            Vec::new()
        }
    };
    let detection = parse_detection(ctx, fkey, fnode, &["rules"]);
    if ctx.errors() > before {
        return None;
    }
    Some(Filter {
        meta,
        logsource: logsource?,
        rules,
        detection: detection?,
    })
}

/// Whether a YAML document looks like Sigma at all (so workflow files and configs can be skipped).
pub fn looks_like_sigma(root: &Node) -> bool {
    if root.as_map().is_none() {
        return true;
    }
    ["detection", "correlation", "filter", "logsource", "action"]
        .iter()
        .any(|k| root.get(k).is_some())
        || (root.get("title").is_some()
            && ["id", "status", "level", "author", "date", "tags"]
                .iter()
                .any(|k| root.get(k).is_some()))
}

/// Parses one (already merged) document into the model.
pub fn parse_document(ctx: &mut Ctx, root: &Node) -> Option<Document> {
    if root.as_map().is_none() {
        ctx.report(
            root.pos,
            codes::NOT_A_MAPPING,
            format!(
                "a Sigma document must be a mapping, found {}",
                root.type_name()
            ),
        );
        return None;
    }
    if root.get("correlation").is_some() {
        parse_correlation(ctx, root).map(Document::Correlation)
    } else if root.get("filter").is_some() {
        parse_filter(ctx, root).map(Document::Filter)
    } else {
        parse_rule(ctx, root).map(Document::Rule)
    }
}

/// Keys every kind of document may carry; used by validators to tell custom attributes apart.
pub fn is_meta_key(key: &str) -> bool {
    META_KEYS.contains(&key)
}
