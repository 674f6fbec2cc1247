//! `.sigmaforge.yml`: the repository's sigmaforge configuration, plus sigma-cli's validation config
//! format so existing SigmaHQ-style setups work unchanged.
//!
//! The file is one mapping of sections: `validation:` (which checks run and how severe they are) and
//! the `sigmaforge run` settings (`rules`, `output`, `fail-level`, `targets`, `layer`, `comment`).
//! Unknown keys are errors that point at `file:line:col`, so a typo never silently changes a gate.

use crate::diag::{Diagnostic, Severity};
use crate::rule::codes;
use crate::validate::context::{ParamValue, Params};
use crate::validate::date::Date;
use crate::validate::registry::{self, Info, ParamKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The conventional file name, looked up at the repository root.
pub const FILE_NAME: &str = ".sigmaforge.yml";

/// Why a configuration could not be used; always names the file and, where known, the line.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read configuration: {message}")]
    Io {
        /// File.
        path: String,
        /// OS error.
        message: String,
    },
    /// YAML syntax or shape error.
    #[error("{path}:{line}:{col}: {message}")]
    Invalid {
        /// File.
        path: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        col: usize,
        /// What is wrong.
        message: String,
    },
}

/// A whole `.sigmaforge.yml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The `validation:` section.
    pub validation: ValidationConfig,
    /// What `sigmaforge run` does.
    pub run: RunSettings,
    /// Where the file was read from.
    pub path: Option<PathBuf>,
}

/// The settings of `sigmaforge run`; every field has a default so an absent file works.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RunSettings {
    /// Rule files, folders or globs, relative to the repository root (default: `rules` when that
    /// folder exists, else the whole repository).
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Artifact folder (default `sigmaforge-out`).
    #[serde(default)]
    pub output: Option<PathBuf>,
    /// Lowest severity that fails the run: error (default), warning or info.
    #[serde(default)]
    pub fail_level: Option<String>,
    /// Conversion targets (default: `es-qs` and `es-rule` without a mapping config).
    #[serde(default)]
    pub targets: Option<Vec<TargetSettings>>,
    /// The ATT&CK layer.
    #[serde(default)]
    pub layer: LayerSettings,
    /// The pull-request comment.
    #[serde(default)]
    pub comment: CommentSettings,
}

/// One conversion target of `sigmaforge run`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TargetSettings {
    /// Target name (`sigmaforge list targets`).
    pub name: String,
    /// Mapping configs, built-in names or paths, applied in order.
    #[serde(default)]
    pub configs: Vec<String>,
    /// Target options (`-O key=value` on the command line).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

/// The ATT&CK layer of `sigmaforge run`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayerSettings {
    /// Write the layer at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Layer name.
    #[serde(default)]
    pub name: Option<String>,
    /// Also write the SVG heatmap.
    #[serde(default = "yes")]
    pub svg: bool,
    /// Score: count, level or status.
    #[serde(default)]
    pub score: Option<String>,
    /// Only these statuses.
    #[serde(default)]
    pub statuses: Vec<String>,
    /// Only this level or above.
    #[serde(default)]
    pub min_level: Option<String>,
    /// Only this maturity or above.
    #[serde(default)]
    pub min_status: Option<String>,
    /// Only rules under these folders.
    #[serde(default)]
    pub include: Vec<String>,
    /// Drop rules under these folders.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// ATT&CK data file instead of the embedded tables.
    #[serde(default)]
    pub attack_data: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

impl Default for LayerSettings {
    fn default() -> Self {
        LayerSettings {
            enabled: true,
            name: None,
            svg: true,
            score: None,
            statuses: Vec::new(),
            min_level: None,
            min_status: None,
            include: Vec::new(),
            exclude: Vec::new(),
            attack_data: None,
        }
    }
}

/// The pull-request comment of `sigmaforge run`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommentSettings {
    /// Post (or update) the comment on pull requests.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Marker instance id, so several sigmaforge steps keep separate comments.
    #[serde(default)]
    pub id: Option<String>,
    /// Login whose comments count as ours.
    #[serde(default)]
    pub author: Option<String>,
}

impl Default for CommentSettings {
    fn default() -> Self {
        CommentSettings {
            enabled: true,
            id: None,
            author: None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFile {
    #[serde(default)]
    validation: Option<RawValidation>,
    #[serde(default)]
    rules: Vec<PathBuf>,
    #[serde(default)]
    output: Option<PathBuf>,
    #[serde(default)]
    fail_level: Option<String>,
    #[serde(default)]
    targets: Option<Vec<TargetSettings>>,
    #[serde(default)]
    layer: LayerSettings,
    #[serde(default)]
    comment: CommentSettings,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
            OneOrMany::None => Vec::new(),
        }
    }
}

/// The validation settings as written: sigma-cli's keys (`validators`, `exclusions`, `config`) plus
/// sigmaforge's (`enable`, `disable`, `severity`, `params`, `today`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawValidation {
    #[serde(default)]
    validators: Option<Vec<String>>,
    #[serde(default)]
    enable: Vec<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    exclusions: BTreeMap<String, OneOrMany>,
    #[serde(default, alias = "params")]
    config: BTreeMap<String, BTreeMap<String, serde_yaml::Value>>,
    #[serde(default)]
    today: Option<String>,
}

/// Resolved validation settings: which checks run, how severe they are, which rules are exempt.
#[derive(Debug, Clone, Default)]
pub struct ValidationConfig {
    /// sigma-cli style selection (`all`, `name`, `-name`), applied in order; `None` = everything.
    selection: Option<Vec<String>>,
    /// Keys switched off (after `selection`).
    disabled: Vec<String>,
    /// Keys switched on (after `disabled`).
    enabled: Vec<String>,
    /// Severity overrides by key.
    severities: BTreeMap<String, Severity>,
    /// Rule id → keys not reported for it.
    exclusions: BTreeMap<String, Vec<String>>,
    /// Parameters by validator code.
    params: BTreeMap<String, Params>,
    /// Injected "today".
    today: Option<Date>,
    /// Folder relative paths in parameters resolve against (the working directory, like rule paths).
    base_dir: PathBuf,
}

/// True when a configuration key names the validator: its code, its name or a pySigma name it implements.
fn key_matches(key: &str, info: &Info) -> bool {
    info.code.eq_ignore_ascii_case(key) || info.name == key || info.pysigma.contains(&key)
}

/// True when a key names a parser code: the code, its name, or the pySigma validator it replaces.
fn key_matches_parser(key: &str, code: &str) -> bool {
    key.eq_ignore_ascii_case(code)
        || codes::ALL.iter().any(|c| c.code == code && c.name == key)
        || registry::PARSER_EQUIVALENTS
            .iter()
            .any(|(py, sf)| *py == key && *sf == code)
}

fn known_key(key: &str) -> bool {
    key == "all"
        || registry::builtin()
            .iter()
            .any(|v| key_matches(key, v.info()))
        || codes::ALL.iter().any(|c| key_matches_parser(key, c.code))
        || registry::DELEGATED.iter().any(|(py, _)| *py == key)
        || crate::validate::attack_tags::INFOS
            .iter()
            .any(|i| key_matches(key, i))
}

fn line_of(text: &str, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
        .unwrap_or((0, 0))
}

fn parse_severity(s: &str) -> Option<Severity> {
    match s.to_ascii_lowercase().as_str() {
        "high" => Some(Severity::Error),
        "medium" => Some(Severity::Warning),
        "low" => Some(Severity::Info),
        other => Severity::parse(other),
    }
}

impl ValidationConfig {
    fn from_raw(
        raw: RawValidation,
        path: &str,
        text: &str,
        base: &Path,
    ) -> Result<Self, ConfigError> {
        let invalid = |needle: &str, message: String| {
            let (line, col) = line_of(text, needle);
            ConfigError::Invalid {
                path: path.to_string(),
                line,
                col,
                message,
            }
        };
        let check = |key: &str| -> Result<(), ConfigError> {
            if known_key(key) {
                Ok(())
            } else {
                Err(invalid(
                    key,
                    format!("unknown validator `{key}` (see `sigmaforge list validators`)"),
                ))
            }
        };
        let selection = raw.validators;
        for k in selection.iter().flatten() {
            check(k.strip_prefix('-').unwrap_or(k))?;
        }
        for k in raw.enable.iter().chain(&raw.disable) {
            check(k)?;
        }
        let mut severities = BTreeMap::new();
        for (k, v) in raw.severity {
            check(&k)?;
            let sev = parse_severity(&v).ok_or_else(|| {
                invalid(
                    &v,
                    format!("unknown severity `{v}` (use error, warning, info)"),
                )
            })?;
            severities.insert(k, sev);
        }
        let mut exclusions = BTreeMap::new();
        for (id, keys) in raw.exclusions {
            let keys = keys.into_vec();
            for k in &keys {
                check(k)?;
            }
            exclusions.insert(id, keys);
        }
        let mut params: BTreeMap<String, Params> = BTreeMap::new();
        for (key, values) in raw.config {
            check(&key)?;
            let targets: Vec<&Info> = registry::builtin()
                .iter()
                .map(|v| v.info())
                .filter(|i| key_matches(&key, i))
                .collect();
            for (pname, pval) in values {
                let mut used = false;
                for info in &targets {
                    let Some(decl) = info.params.iter().find(|p| p.name == pname) else {
                        continue;
                    };
                    let value = match (decl.kind, &pval) {
                        (ParamKind::Int, serde_yaml::Value::Number(n)) if n.as_i64().is_some() => {
                            ParamValue::Int(n.as_i64().unwrap_or_default())
                        }
                        (ParamKind::List, serde_yaml::Value::Sequence(items)) => ParamValue::List(
                            items
                                .iter()
                                .map(|i| match i {
                                    serde_yaml::Value::String(s) => Ok(s.clone()),
                                    _ => Err(invalid(
                                        &pname,
                                        format!("`{pname}` takes a list of strings"),
                                    )),
                                })
                                .collect::<Result<_, _>>()?,
                        ),
                        (ParamKind::List, serde_yaml::Value::String(s)) => {
                            ParamValue::List(vec![s.clone()])
                        }
                        (kind, _) => {
                            return Err(invalid(
                                &pname,
                                format!(
                                    "parameter `{pname}` of `{key}` takes {}",
                                    if kind == ParamKind::Int {
                                        "an integer"
                                    } else {
                                        "a list of strings"
                                    }
                                ),
                            ));
                        }
                    };
                    params
                        .entry(info.code.to_string())
                        .or_default()
                        .insert(pname.clone(), value);
                    used = true;
                }
                if !used && !registry::DELEGATED.iter().any(|(py, _)| *py == key) {
                    return Err(invalid(
                        &pname,
                        format!("`{key}` has no parameter `{pname}`"),
                    ));
                }
            }
        }
        let today = match raw.today {
            Some(t) => Some(Date::parse(&t).ok_or_else(|| {
                invalid(&t, format!("`today` must be a date YYYY-MM-DD, not `{t}`"))
            })?),
            None => None,
        };
        Ok(ValidationConfig {
            selection,
            disabled: raw.disable,
            enabled: raw.enable,
            severities,
            exclusions,
            params,
            today,
            base_dir: base.to_path_buf(),
        })
    }

    /// Overrides the date used by date-dependent checks (`--today`).
    pub fn set_today(&mut self, today: Date) {
        self.today = Some(today);
    }

    /// The date date-dependent checks use: the injected one, else the system date.
    pub fn today(&self) -> Date {
        self.today.unwrap_or_else(Date::today)
    }

    /// Folder that relative paths in parameters are resolved against.
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// Whether a validator runs.
    pub fn is_enabled(&self, info: &Info) -> bool {
        let mut on = true;
        if let Some(sel) = &self.selection {
            on = false;
            for k in sel {
                if k == "all" {
                    on = true;
                } else if let Some(neg) = k.strip_prefix('-') {
                    if key_matches(neg, info) {
                        on = false;
                    }
                } else if key_matches(k, info) {
                    on = true;
                }
            }
        }
        if self.disabled.iter().any(|k| key_matches(k, info)) {
            on = false;
        }
        if self.enabled.iter().any(|k| key_matches(k, info)) {
            on = true;
        }
        on
    }

    fn parser_disabled(&self, code: &str) -> bool {
        let negated = self.selection.iter().flatten().any(|k| {
            k.strip_prefix('-')
                .is_some_and(|n| key_matches_parser(n, code))
        });
        (negated || self.disabled.iter().any(|k| key_matches_parser(k, code)))
            && !self.enabled.iter().any(|k| key_matches_parser(k, code))
    }

    /// Parameters configured for a validator code.
    pub fn params_for(&self, code: &str) -> Option<&Params> {
        self.params.get(code)
    }

    /// Applies enablement of parser warnings, severities and per-rule exclusions to every diagnostic.
    /// Parser errors are never dropped or lowered: a rule that does not parse cannot be waived.
    pub fn apply(
        &self,
        diags: Vec<Diagnostic>,
        infos: &[&Info],
        rule_ids: impl Fn(&str, u32) -> Vec<String>,
    ) -> Vec<Diagnostic> {
        diags
            .into_iter()
            .filter_map(|mut d| {
                let info = infos.iter().find(|i| i.code == d.code);
                let matches = |k: &str| match info {
                    Some(i) => key_matches(k, i),
                    None => key_matches_parser(k, &d.code),
                };
                if info.is_none() && d.severity == Severity::Error {
                    return Some(d);
                }
                if info.is_none() && self.parser_disabled(&d.code) {
                    return None;
                }
                if !self.exclusions.is_empty() {
                    let ids = rule_ids(&d.path, d.line);
                    let excluded = ids.iter().any(|id| {
                        self.exclusions
                            .get(id)
                            .is_some_and(|keys| keys.iter().any(|k| matches(k)))
                    });
                    if excluded {
                        return None;
                    }
                }
                if let Some((_, sev)) = self.severities.iter().find(|(k, _)| matches(k)) {
                    d.severity = *sev;
                }
                Some(d)
            })
            .collect()
    }

    /// Parses a sigma-cli validation configuration (`--validation-config` of `sigma check`).
    pub fn load_sigma_cli(path: &Path) -> Result<ValidationConfig, ConfigError> {
        let (text, shown) = read(path)?;
        let raw: RawValidation = parse_yaml(&text, &shown)?;
        ValidationConfig::from_raw(raw, &shown, &text, Path::new(""))
    }
}

fn read(path: &Path) -> Result<(String, String), ConfigError> {
    let shown = crate::discover::display_path(path);
    std::fs::read_to_string(path)
        .map(|t| (t, shown.clone()))
        .map_err(|e| ConfigError::Io {
            path: shown,
            message: e.to_string(),
        })
}

fn parse_yaml<T: serde::de::DeserializeOwned + Default>(
    text: &str,
    shown: &str,
) -> Result<T, ConfigError> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_yaml::from_str(text).map_err(|e| {
        let (line, col) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        ConfigError::Invalid {
            path: shown.to_string(),
            line,
            col,
            message: e.to_string(),
        }
    })
}

impl Config {
    /// Reads a `.sigmaforge.yml`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let (text, shown) = read(path)?;
        let raw: RawFile = parse_yaml(&text, &shown)?;
        let validation = ValidationConfig::from_raw(
            raw.validation.unwrap_or_default(),
            &shown,
            &text,
            Path::new(""),
        )?;
        if let Some(level) = &raw.fail_level
            && Severity::parse(level).is_none()
        {
            let (line, col) = line_of(&text, level);
            return Err(ConfigError::Invalid {
                path: shown,
                line,
                col,
                message: format!("unknown fail-level `{level}` (use error, warning or info)"),
            });
        }
        Ok(Config {
            validation,
            run: RunSettings {
                rules: raw.rules,
                output: raw.output,
                fail_level: raw.fail_level,
                targets: raw.targets,
                layer: raw.layer,
                comment: raw.comment,
            },
            path: Some(path.to_path_buf()),
        })
    }

    /// Finds `.sigmaforge.yml` in `start` or its ancestors, stopping at the repository root (the first
    /// folder holding `.git`), so running from a sub-folder picks up the repository's file.
    pub fn find(start: &Path) -> Option<PathBuf> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Some(candidate);
            }
            if d.join(".git").exists() {
                return None;
            }
            dir = d.parent();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Result<ValidationConfig, ConfigError> {
        let r: RawValidation = parse_yaml(text, "c.yml")?;
        ValidationConfig::from_raw(r, "c.yml", text, Path::new("."))
    }

    fn info(code: &str) -> &'static Info {
        registry::builtin()
            .iter()
            .map(|v| v.info())
            .find(|i| i.code == code)
            .unwrap()
    }

    #[test]
    fn sigma_cli_selection() {
        let c = raw("validators:\n    - all\n    - -sigmahq_title_case\n").unwrap();
        assert!(!c.is_enabled(info("SV130")));
        assert!(c.is_enabled(info("SV131")));
        let only = raw("validators: [sigmahq_title_case]\n").unwrap();
        assert!(only.is_enabled(info("SV130")));
        assert!(!only.is_enabled(info("SV131")));
    }

    #[test]
    fn unknown_validator_points_at_line() {
        let e = raw("validators:\n    - all\n    - -no_such_thing\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.yml:3:8: unknown validator `no_such_thing` (see `sigmaforge list validators`)"
        );
    }

    #[test]
    fn syntax_error_has_location() {
        let e = raw("validators: [all\n").unwrap_err();
        assert!(e.to_string().starts_with("c.yml:"), "{e}");
        let e = raw("bogus: 1\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `bogus`"), "{e}");
    }

    #[test]
    fn params_are_typed() {
        let c = raw("config:\n    sigmahq_title_length:\n        max_length: 100\n").unwrap();
        assert_eq!(
            c.params_for("SV132").and_then(|p| p.get("max_length")),
            Some(&ParamValue::Int(100))
        );
        let e = raw("config:\n    sigmahq_title_length:\n        max_length: long\n").unwrap_err();
        assert!(e.to_string().contains("takes an integer"), "{e}");
        let e = raw("config:\n    sigmahq_title_length:\n        nope: 1\n").unwrap_err();
        assert!(e.to_string().contains("has no parameter `nope`"), "{e}");
    }

    #[test]
    fn severity_and_exclusions() {
        let c = raw("severity:\n    SV130: error\nexclusions:\n    abc: [title-case]\n").unwrap();
        let d = Diagnostic::new(
            "r.yml",
            crate::diag::Pos::new(1, 1),
            "SV130",
            Severity::Warning,
            "x",
        );
        let infos = [info("SV130")];
        let kept = c.apply(vec![d.clone()], &infos, |_, _| vec!["other".into()]);
        assert_eq!(kept[0].severity, Severity::Error);
        let dropped = c.apply(vec![d], &infos, |_, _| vec!["abc".into()]);
        assert!(dropped.is_empty());
    }

    #[test]
    fn parser_errors_cannot_be_waived() {
        let c = raw("validators: [all, -dangling_condition, -dangling_detection]\n").unwrap();
        let err = Diagnostic::new(
            "r.yml",
            crate::diag::Pos::new(1, 1),
            "SF041",
            Severity::Error,
            "x",
        );
        let warn = Diagnostic::new(
            "r.yml",
            crate::diag::Pos::new(1, 1),
            "SF044",
            Severity::Warning,
            "x",
        );
        let out = c.apply(vec![err, warn], &[], |_, _| vec![]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].code, "SF041");
    }

    #[test]
    fn run_sections_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(
            &p,
            "validation:\n    disable: [SV130]\nrules: [detections]\nfail-level: warning\ntargets:\n    - name: es-rule\n      configs: [ecs-windows]\n      options: {risk_default: '21'}\nlayer:\n    svg: false\ncomment:\n    id: monorepo-a\n",
        )
        .unwrap();
        let c = Config::load(&p).unwrap();
        assert!(!c.validation.is_enabled(info("SV130")));
        assert_eq!(c.run.rules, vec![PathBuf::from("detections")]);
        assert_eq!(c.run.fail_level.as_deref(), Some("warning"));
        let t = &c.run.targets.as_ref().unwrap()[0];
        assert_eq!((t.name.as_str(), t.configs.len()), ("es-rule", 1));
        assert!(!c.run.layer.svg && c.run.layer.enabled);
        assert_eq!(c.run.comment.id.as_deref(), Some("monorepo-a"));
        std::fs::write(&p, "layer:\n    colour: red\n").unwrap();
        match Config::load(&p) {
            Err(ConfigError::Invalid { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        std::fs::write(&p, "validaton: {}\n").unwrap();
        assert!(Config::load(&p).is_err());
    }
}
