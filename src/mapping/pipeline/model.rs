//! pySigma processing-pipeline YAML read into typed items, every error with `file:line:col`.
//!
//! sigma-cli users keep their field mappings in this format; reading it ourselves (with the positioned
//! YAML reader the rule parser uses) means a type we do not implement is reported where it is written,
//! never skipped. The meaning of each item is in `transform.rs`; here is only its shape.

use std::collections::BTreeMap;

use regex::Regex;

use crate::diag::Pos;
use crate::rule::value::Number;
use crate::rule::yaml::{Key, Limits, Node, Yaml, parse_documents};

/// Why a pipeline file could not be used: the file, the position and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct PipelineError {
    /// The file (or built-in name) the pipeline came from.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// What is wrong.
    pub message: String,
}

/// A scalar from the pipeline (a value to add, set or compare), typed as YAML wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// Text.
    Str(String),
    /// A number.
    Num(Number),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// One pipeline: pySigma's `name`, `priority`, `vars` and processing items, plus the indices our
/// built-in pipelines declare (an extension: pySigma leaves indices to the backend).
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// `name` (or the file name when absent).
    pub name: String,
    /// `priority`: lower runs first, equal priorities keep the command-line order (as sigma-cli).
    pub priority: i64,
    /// `vars`: values for `value_placeholders`.
    pub vars: BTreeMap<String, Vec<String>>,
    /// The processing items, in file order.
    pub items: Vec<Item>,
    /// *ext* `indices`: index patterns per logsource, for targets that name indices.
    pub indices: Vec<IndexRule>,
    /// Where it came from (file path or `builtin:NAME`), for messages.
    pub source: String,
}

/// *ext*: the indices searched for rules of one logsource.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRule {
    /// Logsource the rule must have (after `change_logsource`); unset keys match anything.
    pub logsource: Logsource,
    /// Index patterns.
    pub index: Vec<String>,
}

/// A logsource pattern (`category`, `product`, `service`); an unset key matches anything.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Logsource {
    /// Category.
    pub category: Option<String>,
    /// Product.
    pub product: Option<String>,
    /// Service.
    pub service: Option<String>,
}

/// One processing item: a transformation and when it applies.
#[derive(Debug, Clone)]
pub struct Item {
    /// `id`, recorded on what it changed for `processing_item_applied` conditions.
    pub id: Option<String>,
    /// What it does.
    pub transform: Transform,
    /// Conditions on the rule (`rule_conditions`, `rule_cond_op`, `rule_cond_not`).
    pub rule_conds: Conds<RuleCond>,
    /// Conditions on each detection item (`detection_item_conditions`, `_op`, `_not`).
    pub item_conds: Conds<ItemCond>,
    /// Conditions on each field name (`field_name_conditions`, `_op`, `_not`).
    pub field_conds: Conds<FieldCond>,
    /// Where the item starts, for messages.
    pub pos: Pos,
}

/// A condition list with its linking (`and` by default, `or`) and negation.
#[derive(Debug, Clone)]
pub struct Conds<T> {
    /// The conditions; an empty list always holds.
    pub list: Vec<T>,
    /// Linked with `or` instead of `and`.
    pub any: bool,
    /// The result is negated (`_not: true`).
    pub negate: bool,
}

/// A rule condition.
#[derive(Debug, Clone)]
pub enum RuleCond {
    /// `logsource`: the rule's (current) logsource has every key the condition sets.
    Logsource(Logsource),
    /// `contains_detection_item`: a detection item on `field` (with `value`, when given).
    ContainsDetectionItem {
        /// Field name.
        field: String,
        /// Value the item must hold (as text), or any.
        value: Option<String>,
    },
    /// `processing_item_applied`: an item with this id was applied to the rule.
    ItemApplied(String),
    /// `processing_state`: a state key set by `set_state` holds this value.
    State(String, String),
    /// `tag`: the rule has this tag.
    Tag(String),
    /// `is_sigma_rule`: always true here (correlations are not processed by pipelines).
    IsSigmaRule,
    /// `is_sigma_correlation_rule`: always false here.
    IsSigmaCorrelationRule,
    /// `rule_attribute`: a rule attribute (`level`, `status`, `id`, `title`, …) equals a value.
    RuleAttribute {
        /// Attribute name.
        attribute: String,
        /// Expected value as text.
        value: String,
    },
}

/// A detection-item condition, evaluated on each value of a detection item.
#[derive(Debug, Clone)]
pub enum ItemCond {
    /// `match_string`: the value is a string matching `pattern` (unanchored regex search).
    MatchString {
        /// The pattern.
        pattern: Regex,
        /// Result negated (`negate: true`).
        negate: bool,
    },
    /// `match_value`: the value equals this scalar (same type).
    MatchValue(Scalar),
    /// `is_null`: the value is `null`.
    IsNull,
    /// `processing_item_applied`: the item was changed by the item with this id.
    ItemApplied(String),
    /// `processing_state`: a state key holds this value.
    State(String, String),
}

/// A field-name condition.
#[derive(Debug, Clone)]
pub enum FieldCond {
    /// `include_fields`: the field is one of these (plain names or regexes).
    Include(Vec<FieldPattern>),
    /// `exclude_fields`: the field is none of these.
    Exclude(Vec<FieldPattern>),
    /// `processing_item_applied`: the field was changed by the item with this id.
    ItemApplied(String),
    /// `processing_state`: a state key holds this value.
    State(String, String),
}

/// A field name as written, or a regex (`mode: re`) matched from the start of the name.
#[derive(Debug, Clone)]
pub enum FieldPattern {
    /// Exact name.
    Plain(String),
    /// Regex anchored at the start (Python's `re.match`).
    Re(Regex),
}

impl FieldPattern {
    /// Whether `field` matches.
    pub fn matches(&self, field: &str) -> bool {
        match self {
            FieldPattern::Plain(p) => p == field,
            FieldPattern::Re(r) => r.is_match(field),
        }
    }
}

/// Where a placeholder transformation applies: `include` names only, all but `exclude`, or all.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Only these placeholders (when set).
    pub include: Option<Vec<String>>,
    /// Not these.
    pub exclude: Vec<String>,
}

impl Names {
    /// Whether the placeholder `name` is selected.
    pub fn selects(&self, name: &str) -> bool {
        self.include
            .as_ref()
            .is_none_or(|i| i.iter().any(|x| x == name))
            && !self.exclude.iter().any(|x| x == name)
    }
}

/// A transformation (pySigma's `type`).
#[derive(Debug, Clone)]
pub enum Transform {
    /// `field_name_mapping`: rename; a list fans out as an OR.
    FieldNameMapping(BTreeMap<String, Vec<String>>),
    /// `field_name_prefix_mapping`: replace a leading prefix (the first that fits, in file order).
    FieldNamePrefixMapping(Vec<(String, String)>),
    /// `field_name_prefix`: prepend.
    FieldNamePrefix(String),
    /// `field_name_suffix`: append.
    FieldNameSuffix(String),
    /// `add_condition`: AND `field: value(s)` items into the rule (`negated`: AND NOT).
    AddCondition {
        /// Field and its values (OR-ed).
        conditions: Vec<(String, Vec<Scalar>)>,
        /// Add the negation.
        negated: bool,
    },
    /// `change_logsource`: what later conditions and index rules see.
    ChangeLogsource(Logsource),
    /// `replace_string`: regex substitution in string values (literal runs; wildcards kept).
    ReplaceString {
        /// The regex.
        regex: Regex,
        /// Replacement (`\1` / `$1` groups allowed).
        replacement: String,
    },
    /// `map_string`: replace whole plain string values; a list fans out as an OR.
    MapString(BTreeMap<String, Vec<String>>),
    /// `set_value`: replace the value.
    SetValue(Scalar),
    /// `convert_type`: values to `str` or `num`.
    ConvertType {
        /// `true`: to number, `false`: to string.
        to_num: bool,
    },
    /// `drop_detection_item`: remove the item from the rule.
    DropDetectionItem,
    /// `add_field`: add names to the rule's `fields` list.
    AddField(Vec<String>),
    /// `remove_field`: remove names from the rule's `fields` list.
    RemoveField(Vec<String>),
    /// `set_field`: replace the rule's `fields` list.
    SetField(Vec<String>),
    /// `value_placeholders`: `%name%` replaced by the pipeline's `vars` (several: OR).
    ValuePlaceholders(Names),
    /// `wildcard_placeholders`: `%name%` replaced by `*`.
    WildcardPlaceholders(Names),
    /// `query_expression_placeholders`: `%name%` replaced by raw backend query text.
    QueryExpressionPlaceholders {
        /// The expression template.
        expression: String,
        /// Which placeholders.
        names: Names,
    },
    /// `case`: string values to `lower`, `upper` or `snake_case`.
    Case(CaseMethod),
    /// `rule_failure`: the rule fails with the message.
    RuleFailure(String),
    /// `detection_item_failure`: the rule fails with the message when an item matches.
    DetectionItemFailure(String),
    /// `set_state`: sets a key for `processing_state` conditions.
    SetState(String, String),
}

/// `case` transformation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseMethod {
    /// Lower case.
    Lower,
    /// Upper case.
    Upper,
    /// `CamelCase` → `camel_case`.
    Snake,
}

/// pySigma's transformation types this reader knows but does not implement, with the reason printed.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "field_name_transform",
        "it calls a Python function, which a YAML file cannot carry",
    ),
    (
        "hashes_fields",
        "splitting `Hashes` values into per-algorithm fields is not implemented",
    ),
    (
        "regex",
        "rewriting regexes for case folding is each target's job here (docs/mapping.md)",
    ),
    ("nest", "nested processing items are not implemented"),
    (
        "add_fieldname_suffix",
        "a deprecated alias; use `field_name_suffix`",
    ),
    ("strip_field_name", "not implemented"),
];

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, pos: Pos, message: impl Into<String>) -> PipelineError {
        PipelineError {
            file: self.file.to_string(),
            line: pos.line,
            col: pos.col,
            message: message.into(),
        }
    }

    fn string(&self, node: &Node, what: &str) -> Result<String, PipelineError> {
        match &node.value {
            Yaml::Str(_) | Yaml::Int(_) | Yaml::Float(_) | Yaml::Bool(_) => {
                Ok(node.as_scalar_string().unwrap_or_default())
            }
            _ => Err(self.err(
                node.pos,
                format!("`{what}` must be a string, not a {}", node.type_name()),
            )),
        }
    }

    fn strings(&self, node: &Node, what: &str) -> Result<Vec<String>, PipelineError> {
        match &node.value {
            Yaml::Seq(v) => v.iter().map(|n| self.string(n, what)).collect(),
            _ => Ok(vec![self.string(node, what)?]),
        }
    }

    fn bool(&self, node: &Node, what: &str) -> Result<bool, PipelineError> {
        match node.value {
            Yaml::Bool(b) => Ok(b),
            _ => Err(self.err(
                node.pos,
                format!("`{what}` must be true or false, not a {}", node.type_name()),
            )),
        }
    }

    fn scalar(&self, node: &Node) -> Result<Scalar, PipelineError> {
        Ok(match &node.value {
            Yaml::Str(s) => Scalar::Str(s.clone()),
            Yaml::Int(i) => Scalar::Num(Number::Int(*i)),
            Yaml::Float(f) => Scalar::Num(Number::Float(*f)),
            Yaml::Bool(b) => Scalar::Bool(*b),
            Yaml::Null => Scalar::Null,
            _ => {
                return Err(self.err(
                    node.pos,
                    format!("expected a single value, not a {}", node.type_name()),
                ));
            }
        })
    }

    fn regex(&self, node: &Node, anchored: bool) -> Result<Regex, PipelineError> {
        let text = self.string(node, "regex")?;
        let text = if anchored {
            format!("^(?:{text})")
        } else {
            text
        };
        Regex::new(&text).map_err(|e| self.err(node.pos, format!("invalid regex: {e}")))
    }

    fn map<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [(Key, Node)], PipelineError> {
        node.as_map().ok_or_else(|| {
            self.err(
                node.pos,
                format!("`{what}` must be a mapping, not a {}", node.type_name()),
            )
        })
    }

    /// The parameters of a condition or transformation: every key but `type` (and the item keys),
    /// each used once; an unknown one is an error rather than a silent default.
    fn params<'n>(
        &self,
        node: &'n Node,
        skip: &[&str],
        allowed: &[&str],
        what: &str,
    ) -> Result<BTreeMap<&'n str, &'n Node>, PipelineError> {
        let mut out = BTreeMap::new();
        for (k, v) in self.map(node, what)? {
            if k.text == "type" || skip.contains(&k.text.as_str()) {
                continue;
            }
            if !allowed.contains(&k.text.as_str()) {
                return Err(self.err(
                    k.pos,
                    format!(
                        "unknown key `{}` for {what} (known: {})",
                        k.text,
                        allowed.join(", ")
                    ),
                ));
            }
            out.insert(k.text.as_str(), v);
        }
        Ok(out)
    }

    fn required<'n>(
        &self,
        p: &BTreeMap<&str, &'n Node>,
        key: &str,
        at: &Node,
        what: &str,
    ) -> Result<&'n Node, PipelineError> {
        p.get(key)
            .copied()
            .ok_or_else(|| self.err(at.pos, format!("{what} needs `{key}`")))
    }

    fn kind<'n>(&self, node: &'n Node, what: &str) -> Result<&'n str, PipelineError> {
        let (_, t) = node
            .get("type")
            .ok_or_else(|| self.err(node.pos, format!("{what} without `type`")))?;
        t.as_str()
            .ok_or_else(|| self.err(t.pos, format!("`type` of {what} must be a string")))
    }

    fn logsource(&self, p: &BTreeMap<&str, &Node>) -> Result<Logsource, PipelineError> {
        let get = |k: &str| p.get(k).map(|n| self.string(n, k)).transpose();
        Ok(Logsource {
            category: get("category")?,
            product: get("product")?,
            service: get("service")?,
        })
    }

    fn state(
        &self,
        p: &BTreeMap<&str, &Node>,
        at: &Node,
    ) -> Result<(String, String), PipelineError> {
        let key = self.string(self.required(p, "key", at, "processing_state")?, "key")?;
        let val = self.string(self.required(p, "val", at, "processing_state")?, "val")?;
        Ok((key, val))
    }

    fn rule_cond(&self, node: &Node) -> Result<RuleCond, PipelineError> {
        let kind = self.kind(node, "a rule condition")?;
        let what = format!("rule condition `{kind}`");
        Ok(match kind {
            "logsource" => RuleCond::Logsource(self.logsource(&self.params(
                node,
                &[],
                &["category", "product", "service"],
                &what,
            )?)?),
            "contains_detection_item" => {
                let p = self.params(node, &[], &["field", "value"], &what)?;
                RuleCond::ContainsDetectionItem {
                    field: self.string(self.required(&p, "field", node, &what)?, "field")?,
                    value: p
                        .get("value")
                        .map(|v| self.string(v, "value"))
                        .transpose()?,
                }
            }
            "processing_item_applied" => {
                let p = self.params(node, &[], &["processing_item_id"], &what)?;
                RuleCond::ItemApplied(self.string(
                    self.required(&p, "processing_item_id", node, &what)?,
                    "processing_item_id",
                )?)
            }
            "processing_state" => {
                let p = self.params(node, &[], &["key", "val"], &what)?;
                let (k, v) = self.state(&p, node)?;
                RuleCond::State(k, v)
            }
            "tag" => {
                let p = self.params(node, &[], &["tag"], &what)?;
                RuleCond::Tag(self.string(self.required(&p, "tag", node, &what)?, "tag")?)
            }
            "is_sigma_rule" => {
                self.params(node, &[], &[], &what)?;
                RuleCond::IsSigmaRule
            }
            "is_sigma_correlation_rule" => {
                self.params(node, &[], &[], &what)?;
                RuleCond::IsSigmaCorrelationRule
            }
            "rule_attribute" => {
                let p = self.params(node, &[], &["attribute", "value", "op"], &what)?;
                if let Some(op) = p.get("op")
                    && self.string(op, "op")? != "eq"
                {
                    return Err(self.err(op.pos, "rule_attribute: only `op: eq` is supported"));
                }
                RuleCond::RuleAttribute {
                    attribute: self
                        .string(self.required(&p, "attribute", node, &what)?, "attribute")?,
                    value: self.string(self.required(&p, "value", node, &what)?, "value")?,
                }
            }
            other => {
                return Err(self.err(
                    node.pos,
                    format!("unsupported rule condition type `{other}` (docs/pipelines.md lists the supported ones)"),
                ));
            }
        })
    }

    fn item_cond(&self, node: &Node) -> Result<ItemCond, PipelineError> {
        let kind = self.kind(node, "a detection item condition")?;
        let what = format!("detection item condition `{kind}`");
        // `cond: any|all` is over the values of one item; an IR leaf holds one value, so both agree.
        let check_cond = |p: &BTreeMap<&str, &Node>| -> Result<(), PipelineError> {
            if let Some(c) = p.get("cond") {
                let c_text = self.string(c, "cond")?;
                if c_text != "any" && c_text != "all" {
                    return Err(self.err(c.pos, "`cond` must be `any` or `all`"));
                }
            }
            Ok(())
        };
        Ok(match kind {
            "match_string" => {
                let p = self.params(node, &[], &["pattern", "cond", "negate"], &what)?;
                check_cond(&p)?;
                ItemCond::MatchString {
                    pattern: self.regex(self.required(&p, "pattern", node, &what)?, false)?,
                    negate: p
                        .get("negate")
                        .map(|n| self.bool(n, "negate"))
                        .transpose()?
                        .unwrap_or(false),
                }
            }
            "match_value" => {
                let p = self.params(node, &[], &["value", "cond"], &what)?;
                check_cond(&p)?;
                ItemCond::MatchValue(self.scalar(self.required(&p, "value", node, &what)?)?)
            }
            "is_null" => {
                let p = self.params(node, &[], &["cond"], &what)?;
                check_cond(&p)?;
                ItemCond::IsNull
            }
            "processing_item_applied" => {
                let p = self.params(node, &[], &["processing_item_id"], &what)?;
                ItemCond::ItemApplied(self.string(
                    self.required(&p, "processing_item_id", node, &what)?,
                    "processing_item_id",
                )?)
            }
            "processing_state" => {
                let p = self.params(node, &[], &["key", "val"], &what)?;
                let (k, v) = self.state(&p, node)?;
                ItemCond::State(k, v)
            }
            other => {
                return Err(self.err(
                    node.pos,
                    format!("unsupported detection item condition type `{other}` (docs/pipelines.md lists the supported ones)"),
                ));
            }
        })
    }

    fn field_cond(&self, node: &Node) -> Result<FieldCond, PipelineError> {
        let kind = self.kind(node, "a field name condition")?;
        let what = format!("field name condition `{kind}`");
        let patterns = |p: &BTreeMap<&str, &Node>| -> Result<Vec<FieldPattern>, PipelineError> {
            let re = match p.get("mode") {
                None => false,
                Some(m) => match self.string(m, "mode")?.as_str() {
                    "plain" => false,
                    "re" => true,
                    _ => return Err(self.err(m.pos, "`mode` must be `plain` or `re`")),
                },
            };
            let fields = self.required(p, "fields", node, &what)?;
            let list: Vec<&Node> = match &fields.value {
                Yaml::Seq(v) => v.iter().collect(),
                _ => vec![fields],
            };
            list.into_iter()
                .map(|n| {
                    Ok(if re {
                        FieldPattern::Re(self.regex(n, true)?)
                    } else {
                        FieldPattern::Plain(self.string(n, "fields")?)
                    })
                })
                .collect()
        };
        Ok(match kind {
            "include_fields" => {
                let p = self.params(node, &[], &["fields", "mode"], &what)?;
                FieldCond::Include(patterns(&p)?)
            }
            "exclude_fields" => {
                let p = self.params(node, &[], &["fields", "mode"], &what)?;
                FieldCond::Exclude(patterns(&p)?)
            }
            "processing_item_applied" => {
                let p = self.params(node, &[], &["processing_item_id"], &what)?;
                FieldCond::ItemApplied(self.string(
                    self.required(&p, "processing_item_id", node, &what)?,
                    "processing_item_id",
                )?)
            }
            "processing_state" => {
                let p = self.params(node, &[], &["key", "val"], &what)?;
                let (k, v) = self.state(&p, node)?;
                FieldCond::State(k, v)
            }
            other => {
                return Err(self.err(
                    node.pos,
                    format!("unsupported field name condition type `{other}` (docs/pipelines.md lists the supported ones)"),
                ));
            }
        })
    }

    fn conds<T>(
        &self,
        item: &Node,
        list_key: &str,
        op_key: &str,
        not_key: &str,
        one: impl Fn(&Node) -> Result<T, PipelineError>,
    ) -> Result<Conds<T>, PipelineError> {
        let list = match item.get(list_key) {
            None => Vec::new(),
            Some((_, n)) => match &n.value {
                Yaml::Seq(v) => v.iter().map(&one).collect::<Result<_, _>>()?,
                Yaml::Null => Vec::new(),
                _ => return Err(self.err(n.pos, format!("`{list_key}` must be a list"))),
            },
        };
        let any = match item.get(op_key) {
            None => false,
            Some((_, n)) => match self.string(n, op_key)?.as_str() {
                "and" => false,
                "or" => true,
                _ => return Err(self.err(n.pos, format!("`{op_key}` must be `and` or `or`"))),
            },
        };
        let negate = match item.get(not_key) {
            None => false,
            Some((_, n)) => self.bool(n, not_key)?,
        };
        Ok(Conds { list, any, negate })
    }

    fn names(&self, p: &BTreeMap<&str, &Node>) -> Result<Names, PipelineError> {
        Ok(Names {
            include: p
                .get("include")
                .map(|n| self.strings(n, "include"))
                .transpose()?,
            exclude: p
                .get("exclude")
                .map(|n| self.strings(n, "exclude"))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    fn str_map(
        &self,
        node: &Node,
        what: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, PipelineError> {
        let mut out = BTreeMap::new();
        for (k, v) in self.map(node, what)? {
            out.insert(k.text.clone(), self.strings(v, what)?);
        }
        Ok(out)
    }

    fn transform(
        &self,
        item: &Node,
        kind: &str,
        kind_pos: Pos,
    ) -> Result<Transform, PipelineError> {
        const ITEM_KEYS: &[&str] = &[
            "id",
            "rule_conditions",
            "rule_cond_op",
            "rule_cond_not",
            "detection_item_conditions",
            "detection_item_cond_op",
            "detection_item_cond_not",
            "field_name_conditions",
            "field_name_cond_op",
            "field_name_cond_not",
        ];
        let what = format!("transformation `{kind}`");
        let p = |allowed: &[&str]| self.params(item, ITEM_KEYS, allowed, &what);
        Ok(match kind {
            "field_name_mapping" => {
                let p = p(&["mapping"])?;
                Transform::FieldNameMapping(
                    self.str_map(self.required(&p, "mapping", item, &what)?, "mapping")?,
                )
            }
            "field_name_prefix_mapping" => {
                let p = p(&["mapping"])?;
                let mut v = Vec::new();
                for (k, n) in self.map(self.required(&p, "mapping", item, &what)?, "mapping")? {
                    v.push((k.text.clone(), self.string(n, "mapping")?));
                }
                Transform::FieldNamePrefixMapping(v)
            }
            "field_name_prefix" => {
                let p = p(&["prefix"])?;
                Transform::FieldNamePrefix(
                    self.string(self.required(&p, "prefix", item, &what)?, "prefix")?,
                )
            }
            "field_name_suffix" => {
                let p = p(&["suffix"])?;
                Transform::FieldNameSuffix(
                    self.string(self.required(&p, "suffix", item, &what)?, "suffix")?,
                )
            }
            "add_condition" => {
                let p = p(&["conditions", "negated", "template"])?;
                if let Some(t) = p.get("template")
                    && self.bool(t, "template")?
                {
                    return Err(self.err(
                        t.pos,
                        "add_condition with `template: true` (Jinja templates) is not supported",
                    ));
                }
                let mut conditions = Vec::new();
                for (k, v) in
                    self.map(self.required(&p, "conditions", item, &what)?, "conditions")?
                {
                    let values = match &v.value {
                        Yaml::Seq(list) => list
                            .iter()
                            .map(|n| self.scalar(n))
                            .collect::<Result<_, _>>()?,
                        _ => vec![self.scalar(v)?],
                    };
                    conditions.push((k.text.clone(), values));
                }
                Transform::AddCondition {
                    conditions,
                    negated: p
                        .get("negated")
                        .map(|n| self.bool(n, "negated"))
                        .transpose()?
                        .unwrap_or(false),
                }
            }
            "change_logsource" => Transform::ChangeLogsource(
                self.logsource(&p(&["category", "product", "service"])?)?,
            ),
            "replace_string" => {
                let p = p(&["regex", "replacement", "skip_special", "interpret_special"])?;
                for k in ["skip_special", "interpret_special"] {
                    if let Some(n) = p.get(k) {
                        self.bool(n, k)?;
                    }
                }
                Transform::ReplaceString {
                    regex: self.regex(self.required(&p, "regex", item, &what)?, false)?,
                    replacement: python_groups(&self.string(
                        self.required(&p, "replacement", item, &what)?,
                        "replacement",
                    )?),
                }
            }
            "map_string" => {
                let p = p(&["mapping"])?;
                Transform::MapString(
                    self.str_map(self.required(&p, "mapping", item, &what)?, "mapping")?,
                )
            }
            "set_value" => {
                let p = p(&["value", "force_type"])?;
                if let Some(n) = p.get("force_type") {
                    return Err(self.err(n.pos, "set_value: `force_type` is not supported; write the value with its YAML type"));
                }
                Transform::SetValue(self.scalar(self.required(&p, "value", item, &what)?)?)
            }
            "convert_type" => {
                let p = p(&["target_type"])?;
                let n = self.required(&p, "target_type", item, &what)?;
                Transform::ConvertType {
                    to_num: match self.string(n, "target_type")?.as_str() {
                        "str" => false,
                        "num" => true,
                        _ => return Err(self.err(n.pos, "`target_type` must be `str` or `num`")),
                    },
                }
            }
            "drop_detection_item" => {
                p(&[])?;
                Transform::DropDetectionItem
            }
            "add_field" => {
                let p = p(&["field"])?;
                Transform::AddField(
                    self.strings(self.required(&p, "field", item, &what)?, "field")?,
                )
            }
            "remove_field" => {
                let p = p(&["field"])?;
                Transform::RemoveField(
                    self.strings(self.required(&p, "field", item, &what)?, "field")?,
                )
            }
            "set_field" => {
                let p = p(&["fields"])?;
                Transform::SetField(
                    self.strings(self.required(&p, "fields", item, &what)?, "fields")?,
                )
            }
            "value_placeholders" => {
                Transform::ValuePlaceholders(self.names(&p(&["include", "exclude"])?)?)
            }
            "wildcard_placeholders" => {
                Transform::WildcardPlaceholders(self.names(&p(&["include", "exclude"])?)?)
            }
            "query_expression_placeholders" => {
                let p = p(&["expression", "include", "exclude", "mapping"])?;
                Transform::QueryExpressionPlaceholders {
                    expression: self
                        .string(self.required(&p, "expression", item, &what)?, "expression")?,
                    names: self.names(&p)?,
                }
            }
            "case" => {
                let p = p(&["method"])?;
                let n = self.required(&p, "method", item, &what)?;
                Transform::Case(match self.string(n, "method")?.as_str() {
                    "lower" => CaseMethod::Lower,
                    "upper" => CaseMethod::Upper,
                    "snake_case" => CaseMethod::Snake,
                    _ => {
                        return Err(
                            self.err(n.pos, "`method` must be `lower`, `upper` or `snake_case`")
                        );
                    }
                })
            }
            "rule_failure" => {
                let p = p(&["message"])?;
                Transform::RuleFailure(
                    self.string(self.required(&p, "message", item, &what)?, "message")?,
                )
            }
            "detection_item_failure" => {
                let p = p(&["message"])?;
                Transform::DetectionItemFailure(
                    self.string(self.required(&p, "message", item, &what)?, "message")?,
                )
            }
            "set_state" => {
                let p = p(&["key", "val"])?;
                Transform::SetState(
                    self.string(self.required(&p, "key", item, &what)?, "key")?,
                    self.string(self.required(&p, "val", item, &what)?, "val")?,
                )
            }
            other => {
                let why = UNSUPPORTED
                    .iter()
                    .find(|(n, _)| *n == other)
                    .map_or("unknown to sigmaforge", |(_, w)| *w);
                return Err(self.err(
                    kind_pos,
                    format!("unsupported transformation type `{other}`: {why} (docs/pipelines.md lists the supported ones)"),
                ));
            }
        })
    }

    fn item(&self, node: &Node) -> Result<Item, PipelineError> {
        self.map(node, "a transformation")?;
        let (_, t) = node
            .get("type")
            .ok_or_else(|| self.err(node.pos, "a transformation without `type`"))?;
        let kind = t
            .as_str()
            .ok_or_else(|| self.err(t.pos, "`type` must be a string"))?;
        for key in [
            "rule_cond_expr",
            "detection_item_cond_expr",
            "field_name_cond_expr",
        ] {
            if let Some((k, _)) = node.get(key) {
                return Err(self.err(
                    k.pos,
                    format!("`{key}` (condition expressions) is not supported; use the list with `_op`/`_not`"),
                ));
            }
        }
        let transform = self.transform(node, kind, t.pos)?;
        let rule_level = matches!(
            transform,
            Transform::AddCondition { .. }
                | Transform::ChangeLogsource(_)
                | Transform::AddField(_)
                | Transform::RemoveField(_)
                | Transform::SetField(_)
                | Transform::RuleFailure(_)
                | Transform::SetState(..)
        );
        if rule_level {
            for key in ["detection_item_conditions", "field_name_conditions"] {
                if let Some((k, _)) = node.get(key) {
                    return Err(self.err(
                        k.pos,
                        format!("`{kind}` acts on the whole rule, so `{key}` cannot apply to it"),
                    ));
                }
            }
        }
        Ok(Item {
            id: node
                .get("id")
                .map(|(_, n)| self.string(n, "id"))
                .transpose()?,
            transform,
            rule_conds: self.conds(
                node,
                "rule_conditions",
                "rule_cond_op",
                "rule_cond_not",
                |n| self.rule_cond(n),
            )?,
            item_conds: self.conds(
                node,
                "detection_item_conditions",
                "detection_item_cond_op",
                "detection_item_cond_not",
                |n| self.item_cond(n),
            )?,
            field_conds: self.conds(
                node,
                "field_name_conditions",
                "field_name_cond_op",
                "field_name_cond_not",
                |n| self.field_cond(n),
            )?,
            pos: node.pos,
        })
    }
}

/// Python's `\1` group references in a replacement, in the `regex` crate's `${1}` syntax.
fn python_groups(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|d| d.is_ascii_digit()) => {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(|d| d.is_ascii_digit()) {
                    n.push(d);
                    chars.next();
                }
                out.push_str(&format!("${{{n}}}"));
            }
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

impl Pipeline {
    /// Reads a pipeline from YAML text; `source` names it in errors (a path or `builtin:NAME`).
    pub fn parse(source: &str, text: &str) -> Result<Pipeline, PipelineError> {
        let cx = Ctx { file: source };
        let docs = parse_documents(text, Limits::default()).map_err(|e| {
            let pos = e.pos();
            cx.err(pos, e.to_string())
        })?;
        let [doc] = docs.as_slice() else {
            return Err(cx.err(
                Pos::new(1, 1),
                "a pipeline file holds exactly one YAML document",
            ));
        };
        let root = &doc.root;
        let mut pipeline = Pipeline {
            name: source.to_string(),
            priority: 0,
            vars: BTreeMap::new(),
            items: Vec::new(),
            indices: Vec::new(),
            source: source.to_string(),
        };
        for (k, v) in cx.map(root, "a pipeline")? {
            match k.text.as_str() {
                "name" => pipeline.name = cx.string(v, "name")?,
                "priority" => {
                    pipeline.priority = match v.value {
                        Yaml::Int(i) => i,
                        _ => return Err(cx.err(v.pos, "`priority` must be an integer")),
                    }
                }
                "vars" => {
                    for (name, vals) in cx.map(v, "vars")? {
                        pipeline
                            .vars
                            .insert(name.text.clone(), cx.strings(vals, "vars")?);
                    }
                }
                "allowed_backends" => {
                    cx.strings(v, "allowed_backends")?;
                }
                "transformations" => match &v.value {
                    Yaml::Seq(items) => {
                        pipeline.items =
                            items.iter().map(|n| cx.item(n)).collect::<Result<_, _>>()?
                    }
                    Yaml::Null => {}
                    _ => return Err(cx.err(v.pos, "`transformations` must be a list")),
                },
                "postprocessing" | "finalizers" => {
                    let empty = matches!(&v.value, Yaml::Null)
                        || matches!(&v.value, Yaml::Seq(s) if s.is_empty());
                    if !empty {
                        return Err(cx.err(
                            k.pos,
                            format!("`{}` is not supported: it rewrites the backend's query text, and each sigmaforge target writes its own format", k.text),
                        ));
                    }
                }
                "indices" => {
                    let Yaml::Seq(list) = &v.value else {
                        return Err(cx.err(v.pos, "`indices` must be a list"));
                    };
                    for n in list {
                        let p = cx.params(
                            n,
                            &[],
                            &["category", "product", "service", "index"],
                            "an `indices` entry",
                        )?;
                        pipeline.indices.push(IndexRule {
                            logsource: cx.logsource(&p)?,
                            index: cx.strings(
                                cx.required(&p, "index", n, "an `indices` entry")?,
                                "index",
                            )?,
                        });
                    }
                }
                other => {
                    return Err(cx.err(k.pos, format!("unknown pipeline key `{other}` (known: name, priority, vars, allowed_backends, transformations, postprocessing, finalizers, indices)")));
                }
            }
        }
        Ok(pipeline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Pipeline::parse("p.yml", text).unwrap_err().to_string()
    }

    #[test]
    fn reads_items_and_conditions() {
        let p = Pipeline::parse(
            "p.yml",
            "name: t\npriority: 30\nvars:\n  admins: [a, b]\ntransformations:\n  - id: m\n    type: field_name_mapping\n    mapping:\n      Image: [process.executable, file.path]\n    rule_conditions:\n      - type: logsource\n        product: windows\n      - type: tag\n        tag: attack.t1059\n    rule_cond_op: or\n    field_name_conditions:\n      - type: include_fields\n        fields: ['Im.*']\n        mode: re\n    field_name_cond_not: true\n",
        )
        .unwrap();
        assert_eq!((p.name.as_str(), p.priority), ("t", 30));
        assert_eq!(p.vars["admins"], vec!["a", "b"]);
        let it = &p.items[0];
        assert_eq!(it.id.as_deref(), Some("m"));
        assert!(it.rule_conds.any && !it.rule_conds.negate && it.rule_conds.list.len() == 2);
        assert!(it.field_conds.negate);
        match &it.field_conds.list[0] {
            FieldCond::Include(v) => assert!(v[0].matches("Image") && !v[0].matches("xImage")),
            other => panic!("{other:?}"),
        }
        match &it.transform {
            Transform::FieldNameMapping(m) => {
                assert_eq!(m["Image"], vec!["process.executable", "file.path"])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unsupported_types_are_errors_with_position() {
        assert_eq!(
            err("transformations:\n  - type: hashes_fields\n"),
            "p.yml:2:11: unsupported transformation type `hashes_fields`: splitting `Hashes` values into per-algorithm fields is not implemented (docs/pipelines.md lists the supported ones)"
        );
        assert!(
            err("transformations:\n  - type: frobnicate\n")
                .starts_with("p.yml:2:11: unsupported transformation type `frobnicate`")
        );
        assert!(err("transformations:\n  - type: drop_detection_item\n    rule_conditions:\n      - type: weird\n").starts_with("p.yml:4:9: unsupported rule condition type `weird`"));
        assert!(err("transformations:\n  - type: drop_detection_item\n    detection_item_conditions:\n      - type: weird\n").starts_with("p.yml:4:9: unsupported detection item condition"));
        assert!(err("transformations:\n  - type: drop_detection_item\n    field_name_conditions:\n      - type: weird\n").starts_with("p.yml:4:9: unsupported field name condition"));
        assert!(
            err("transformations:\n  - type: field_name_prefix\n    prefx: a\n")
                .starts_with("p.yml:3:5: unknown key `prefx`")
        );
        assert!(
            err("finalizers:\n  - type: concat\n")
                .starts_with("p.yml:1:1: `finalizers` is not supported")
        );
        assert!(err("nme: x\n").starts_with("p.yml:1:1: unknown pipeline key `nme`"));
        assert!(err("transformations:\n  - type: field_name_prefix\n").contains("needs `prefix`"));
    }

    #[test]
    fn python_group_references() {
        assert_eq!(python_groups(r"a\1b$"), "a${1}b$$");
    }
}
