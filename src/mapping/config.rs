//! Mapping configs: sigmac's conversion-config format (plus a few documented extensions), read with
//! serde and checked up front so a bad config fails before any rule is converted.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::ir::{CaseStrategy, Expr};
use super::overrides::{CheckedOverride, Override};
use super::pattern;

/// Why a config could not be used. Every variant names the config so the CLI can print it and exit 2.
#[derive(Debug, thiserror::Error)]
pub enum MappingConfigError {
    /// YAML or schema error, with the position yaml_serde reported.
    #[error("{name}:{line}:{column}: {message}")]
    Syntax {
        /// Config path or built-in name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A problem without a position (e.g. an empty file).
    #[error("{name}: {message}")]
    Invalid {
        /// Config path or built-in name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] crate::fsread::ReadError),
    /// Neither a built-in name nor an existing file.
    #[error(
        "unknown config `{0}`: not a built-in config ({names}) and no such file",
        names = builtin_configs().iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    )]
    NotFound(String),
    /// Chained configs with a decreasing `order`.
    #[error(
        "config {later} (order {later_order}) cannot follow {earlier} (order {earlier_order}): generic configs (lower order) come first"
    )]
    Order {
        /// Earlier config.
        earlier: String,
        /// Its order.
        earlier_order: i64,
        /// Later config.
        later: String,
        /// Its order.
        later_order: i64,
    },
    /// The config lists `backends` and the target is not among them.
    #[error("config {name} is not meant for target {target} (its backends: {backends})")]
    Backend {
        /// Config.
        name: String,
        /// Requested target.
        target: String,
        /// Allowed targets.
        backends: String,
    },
}

/// A scalar or a list of them, as sigmac accepts in most places.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany<T> {
    /// One.
    One(T),
    /// Several.
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A field mapping target: rename, fan-out (OR), or conditional.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum RawMapping {
    /// `Field: target` or `Field: [a, b]`.
    Plain(OneOrMany<String>),
    /// `Field: {category=process_creation: x, EventID=1: y, default: z}`.
    Conditional(BTreeMap<String, OneOrMany<String>>),
}

/// Conditional field mapping after validation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conditional {
    /// `(key, value) → targets`, where key is `category`, `product`, `service` or a rule field.
    pub(crate) cases: Vec<(String, String, Vec<String>)>,
    /// Targets when no case matches (the field itself when absent).
    pub(crate) default: Option<Vec<String>>,
}

/// One field mapping.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawMapping")]
pub(crate) enum Mapping {
    /// Always these targets (one = rename, several = OR over them).
    Fixed(Vec<String>),
    /// Depends on the rule.
    Conditional(Conditional),
}

impl TryFrom<RawMapping> for Mapping {
    type Error = String;

    /// Checked while reading, so a bad entry is reported at its line.
    fn try_from(m: RawMapping) -> Result<Mapping, String> {
        match m {
            RawMapping::Plain(t) => {
                let t = t.to_vec();
                if t.is_empty() {
                    return Err("a field mapping needs at least one target field".into());
                }
                Ok(Mapping::Fixed(t))
            }
            RawMapping::Conditional(map) => {
                let mut cases = Vec::new();
                let mut default = None;
                for (key, targets) in map {
                    if key == "default" {
                        default = Some(targets.to_vec());
                    } else if let Some((k, v)) = key.split_once('=') {
                        cases.push((k.trim().to_string(), v.trim().to_string(), targets.to_vec()));
                    } else {
                        return Err(format!(
                            "conditional mapping key `{key}` is neither `default` nor `name=value`"
                        ));
                    }
                }
                Ok(Mapping::Conditional(Conditional { cases, default }))
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogsource {
    category: Option<String>,
    product: Option<String>,
    service: Option<String>,
    index: Option<OneOrMany<String>>,
    conditions: Option<serde_yaml::Mapping>,
    rewrite: Option<Rewrite>,
    search: Option<String>,
}

/// `rewrite` of a logsource definition: what later configs of the chain see.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rewrite {
    pub(crate) category: Option<String>,
    pub(crate) product: Option<String>,
    pub(crate) service: Option<String>,
}

/// A logsource definition after validation (checked while reading, so errors carry the line).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawLogsource")]
pub(crate) struct LogsourceDef {
    pub(crate) name: String,
    pub(crate) category: Option<String>,
    pub(crate) product: Option<String>,
    pub(crate) service: Option<String>,
    pub(crate) index: Vec<String>,
    /// Conditions as an IR pattern over *unmapped* field names (mapped when applied).
    pub(crate) conditions: Option<Expr>,
    pub(crate) rewrite: Option<Rewrite>,
}

impl TryFrom<RawLogsource> for LogsourceDef {
    type Error = String;

    fn try_from(ls: RawLogsource) -> Result<LogsourceDef, String> {
        if ls.category.is_none() && ls.product.is_none() && ls.service.is_none() {
            return Err(
                "a logsource that sets none of category, product, service would match every rule"
                    .into(),
            );
        }
        if ls.search.is_some() {
            return Err(
                "logsource `search` (raw query text) cannot be expressed target-neutrally; use `conditions`"
                    .into(),
            );
        }
        let conditions = match &ls.conditions {
            None => None,
            Some(m) if m.is_empty() => None,
            Some(m) => Some(pattern::parse_mapping(m).map_err(|e| format!("conditions: {e}"))?),
        };
        Ok(LogsourceDef {
            name: String::new(),
            category: ls.category,
            product: ls.product,
            service: ls.service,
            index: ls.index.map(|i| i.to_vec()).unwrap_or_default(),
            conditions,
            rewrite: ls.rewrite,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    #[serde(default)]
    default: Option<CaseStrategy>,
    #[serde(default)]
    fields: BTreeMap<String, CaseStrategy>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrefix {
    prefix: String,
    category: Option<String>,
    product: Option<String>,
    service: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    order: Option<i64>,
    backends: Option<Vec<String>>,
    #[serde(default)]
    fieldmappings: BTreeMap<String, Option<Mapping>>,
    #[serde(default)]
    logsources: BTreeMap<String, LogsourceDef>,
    logsourcemerging: Option<String>,
    defaultindex: Option<OneOrMany<String>>,
    #[serde(default, deserialize_with = "numbered_overrides")]
    overrides: Vec<CheckedOverride>,
    #[serde(rename = "dateField")]
    date_field: Option<String>,
    #[serde(default)]
    placeholders: BTreeMap<String, OneOrMany<serde_yaml::Value>>,
    case: Option<RawCase>,
    unmapped_prefix: Option<RawPrefix>,
    applies_to: Option<OneOrMany<Rewrite>>,
}

/// Reads the override list, naming the failing entry (`override #2: …`) since the YAML position of
/// a validation error is the list's.
fn numbered_overrides<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<CheckedOverride>, D::Error> {
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Vec<CheckedOverride>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of overrides")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            loop {
                match seq.next_element::<CheckedOverride>() {
                    Ok(Some(o)) => out.push(o),
                    Ok(None) => return Ok(out),
                    Err(e) => {
                        return Err(serde::de::Error::custom(format!(
                            "override #{}: {e}",
                            out.len() + 1
                        )));
                    }
                }
            }
        }
    }
    d.deserialize_seq(Entries)
}

/// A prefix for fields no mapping mentions (pySigma's `winlog.event_data.` rule), limited to a logsource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnmappedPrefix {
    pub(crate) prefix: String,
    pub(crate) category: Option<String>,
    pub(crate) product: Option<String>,
    pub(crate) service: Option<String>,
}

/// One loaded, validated config.
#[derive(Debug, Clone)]
pub struct Config {
    /// Built-in name or path it was loaded from (for messages).
    pub name: String,
    /// Human title.
    pub title: Option<String>,
    /// Chaining order (10 generic, 20 backend-specific by convention).
    pub order: Option<i64>,
    /// Targets the config is meant for; `None` = any.
    pub backends: Option<Vec<String>>,
    pub(crate) fieldmappings: BTreeMap<String, Mapping>,
    pub(crate) logsources: Vec<LogsourceDef>,
    pub(crate) merge_or: Option<bool>,
    pub(crate) defaultindex: Option<Vec<String>>,
    pub(crate) overrides: Vec<Override>,
    /// Time field for targets that add a time range (watcher): sigmac's `dateField`.
    pub date_field: Option<String>,
    pub(crate) placeholders: BTreeMap<String, Vec<String>>,
    pub(crate) case_default: Option<CaseStrategy>,
    pub(crate) case_fields: Vec<(globset::GlobMatcher, CaseStrategy)>,
    pub(crate) unmapped_prefix: Option<UnmappedPrefix>,
    /// Only rules of these logsources (any of them) are touched (mapping, logsources, overrides,
    /// case); others pass through unchanged, like pySigma's per-product pipelines.
    pub(crate) applies_to: Option<Vec<Rewrite>>,
    warnings: Vec<String>,
}

fn scalar_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Config {
    /// Parses config text. `name` is used in every message so the user can find the file.
    pub fn parse(name: &str, text: &str) -> Result<Config, MappingConfigError> {
        let syntax = |e: serde_yaml::Error| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            let text = e.to_string();
            let suffix = format!(" at line {line} column {column}");
            MappingConfigError::Syntax {
                name: name.to_string(),
                line,
                column,
                message: text.strip_suffix(&suffix).unwrap_or(&text).to_string(),
            }
        };
        let invalid = |message: String| MappingConfigError::Invalid {
            name: name.to_string(),
            message,
        };
        if text.trim().is_empty() {
            return Err(invalid("the config is empty".into()));
        }
        // The rule reader's depth and alias limits, before serde sees a byte (it is quadratic on
        // deep nesting).
        crate::rule::yaml::check_limits(text, crate::rule::yaml::Limits::default()).map_err(
            |e| MappingConfigError::Syntax {
                name: name.to_string(),
                line: e.pos().line as usize,
                column: e.pos().col as usize,
                message: e.to_string(),
            },
        )?;
        let raw: RawConfig = serde_yaml::from_str(text).map_err(syntax)?;

        let fieldmappings: BTreeMap<String, Mapping> = raw
            .fieldmappings
            .into_iter()
            .map(|(field, m)| {
                let m = m.unwrap_or_else(|| Mapping::Fixed(vec![field.clone()]));
                (field, m)
            })
            .collect();
        let logsources: Vec<LogsourceDef> = raw
            .logsources
            .into_iter()
            .map(|(name, mut def)| {
                def.name = name;
                def
            })
            .collect();

        let merge_or = match raw.logsourcemerging.as_deref() {
            None => None,
            Some("and") => Some(false),
            Some("or") => Some(true),
            Some(other) => {
                return Err(invalid(format!(
                    "logsourcemerging must be `and` or `or`, not `{other}`"
                )));
            }
        };

        let mut overrides = Vec::new();
        for (i, CheckedOverride(mut o, named)) in raw.overrides.into_iter().enumerate() {
            if !named {
                o.renumber(i);
            }
            overrides.push(o);
        }

        let warnings = overrides
            .iter()
            .flat_map(super::overrides::lint)
            .collect::<Vec<_>>();

        let mut placeholders = BTreeMap::new();
        for (k, v) in raw.placeholders {
            let mut vals = Vec::new();
            for item in v.to_vec() {
                vals.push(
                    scalar_text(&item).ok_or_else(|| {
                        invalid(format!("placeholder `{k}` values must be scalars"))
                    })?,
                );
            }
            placeholders.insert(k, vals);
        }

        let (case_default, case_fields) = match raw.case {
            None => (None, Vec::new()),
            Some(c) => {
                let mut fields = Vec::new();
                for (glob, s) in c.fields {
                    let g = globset::Glob::new(&glob)
                        .map_err(|e| invalid(format!("case.fields: bad pattern `{glob}`: {e}")))?;
                    fields.push((g.compile_matcher(), s));
                }
                (c.default, fields)
            }
        };

        Ok(Config {
            name: name.to_string(),
            title: raw.title,
            order: raw.order,
            backends: raw.backends,
            fieldmappings,
            logsources,
            merge_or,
            defaultindex: raw.defaultindex.map(|d| d.to_vec()),
            overrides,
            date_field: raw.date_field,
            placeholders,
            case_default,
            case_fields,
            unmapped_prefix: raw.unmapped_prefix.map(|p| UnmappedPrefix {
                prefix: p.prefix,
                category: p.category,
                product: p.product,
                service: p.service,
            }),
            applies_to: raw.applies_to.map(|a| a.to_vec()),
            warnings,
        })
    }

    /// Reads a config file.
    pub fn from_path(path: &Path) -> Result<Config, MappingConfigError> {
        let text = crate::fsread::read_text(path, MAPPING_CONFIG_FILE)?;
        Config::parse(&path.display().to_string(), &text)
    }

    /// Load-time notes, e.g. legacy override patterns that can never match our canonical rendering.
    /// The CLI prints them on stderr once per run.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The structural and legacy overrides, in file order.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }
}

/// A mapping config is hand-written YAML; the largest shipped one is a few kilobytes.
pub const MAPPING_CONFIG_FILE: crate::fsread::Cap = crate::fsread::Cap {
    what: "a mapping config",
    bytes: 4 * 1024 * 1024,
};

/// The configs shipped in the binary: `(name, text)`, sorted by name.
pub fn builtin_configs() -> &'static [(&'static str, &'static str)] {
    &[
        (
            "ecs-cloudtrail",
            include_str!("../../configs/ecs-cloudtrail.yml"),
        ),
        (
            "ecs-endpoint",
            include_str!("../../configs/ecs-endpoint.yml"),
        ),
        ("ecs-linux", include_str!("../../configs/ecs-linux.yml")),
        ("ecs-proxy", include_str!("../../configs/ecs-proxy.yml")),
        ("ecs-windows", include_str!("../../configs/ecs-windows.yml")),
    ]
}

/// Loads a built-in config by name, or a file by path (a name wins over a same-named relative file,
/// as in sigmac; write `./name` to force the file).
pub fn load_config(name_or_path: &str) -> Result<Config, MappingConfigError> {
    if let Some((name, text)) = builtin_configs().iter().find(|(n, _)| *n == name_or_path) {
        return Config::parse(name, text);
    }
    let path = Path::new(name_or_path);
    // Anything that exists is handed to the bounded reader, which says why a FIFO or device is refused.
    if path.exists() {
        return Config::from_path(path);
    }
    Err(MappingConfigError::NotFound(name_or_path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_or_aliased_configs_fail_fast() {
        let deep =
            "fieldmappings:\n    a: ".to_string() + &"[".repeat(40_000) + &"]".repeat(40_000);
        let started = std::time::Instant::now();
        let e = Config::parse("deep.yml", &deep).unwrap_err().to_string();
        assert!(
            e.starts_with("deep.yml:2:") && e.contains("nesting deeper than 64"),
            "{e}"
        );
        // The limit check is linear and stops at level 65; serde alone took 26 s here.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let mut bomb =
            String::from("title: x\nplaceholders:\n    a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='h' {
            bomb.push_str(&format!("    {c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        let e = Config::parse("bomb.yml", &bomb).unwrap_err().to_string();
        assert!(e.contains("alias bomb"), "{e}");
    }

    #[test]
    fn every_builtin_config_loads() {
        for (name, _) in builtin_configs() {
            let c = load_config(name).unwrap_or_else(|e| panic!("{e}"));
            assert!(c.title.is_some(), "{name} has a title");
        }
    }

    #[test]
    fn errors_carry_line_and_column() {
        let e =
            Config::parse("bad.yml", "title: x\nfieldmappings:\n  a: b\nbogus: 1\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("bad.yml:4:"), "{msg}");
        let e = Config::parse("bad.yml", "title: x\nfieldmappings: [1, 2]\n").unwrap_err();
        assert!(e.to_string().starts_with("bad.yml:2:"), "{e}");
        let e = Config::parse("bad.yml", "logsources:\n  x:\n    index: a\n").unwrap_err();
        assert!(e.to_string().contains("would match every rule"), "{e}");
        assert!(e.to_string().starts_with("bad.yml:2:"), "{e}");
        let e = Config::parse(
            "bad.yml",
            "title: x\noverrides:\n  - match: {a: b}\n    replace: {c: d}\n  - match: {a|nope: x}\n    replace: {b: c}\n",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("bad.yml:3:"), "{e}");
        assert!(e.to_string().contains("override #2: "), "{e}");
        assert!(e.to_string().contains("unknown modifier `nope`"), "{e}");
        let e = Config::parse("bad.yml", "fieldmappings:\n  a:\n    weird: b\n").unwrap_err();
        assert!(e.to_string().starts_with("bad.yml:2:"), "{e}");
        assert!(matches!(
            load_config("no-such-config"),
            Err(MappingConfigError::NotFound(_))
        ));
    }

    #[test]
    fn mapping_kinds() {
        let c = Config::parse(
            "t",
            "fieldmappings:\n  a: x\n  b: [y, z]\n  c:\n    category=process_creation: p\n    default: d\n  e:\n",
        )
        .unwrap();
        assert_eq!(c.fieldmappings["a"], Mapping::Fixed(vec!["x".into()]));
        assert_eq!(
            c.fieldmappings["b"],
            Mapping::Fixed(vec!["y".into(), "z".into()])
        );
        assert_eq!(c.fieldmappings["e"], Mapping::Fixed(vec!["e".into()]));
        assert!(matches!(c.fieldmappings["c"], Mapping::Conditional(_)));
    }
}
