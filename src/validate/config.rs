//! The `validation:` settings: which checks run, how severe they are, which rules are exempt. Reads
//! sigmaforge's keys and sigma-cli's validation config format, so existing SigmaHQ-style setups work
//! unchanged (`--validation-config`). The repository file that embeds this section is `crate::config`.
//!
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

/// Why a validation configuration could not be used; always names the file and, where known, the line.
#[derive(Debug, Error)]
pub enum ValidationConfigError {
    /// The file could not be read.
    #[error("{message}")]
    Io {
        /// File.
        path: String,
        /// What went wrong, naming the file (see [`crate::fsread::ReadError`]).
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
pub(crate) struct RawValidation {
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
    #[serde(default)]
    profile: Option<String>,
}

/// Which checks run by default (before `validators:`, `disable:` and `enable:`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Profile {
    /// Any repository: the specification, correctness, ATT&CK and quality checks.
    #[default]
    Default,
    /// Also SigmaHQ's repository conventions ([`registry::SIGMAHQ_CONVENTIONS`]): for SigmaHQ
    /// itself and repositories that follow it.
    Sigmahq,
}

impl Profile {
    /// Parses `default` or `sigmahq`.
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "default" => Some(Profile::Default),
            "sigmahq" => Some(Profile::Sigmahq),
            _ => None,
        }
    }

    /// Whether the profile runs a validator by default.
    pub fn includes(self, info: &Info) -> bool {
        self == Profile::Sigmahq || !registry::SIGMAHQ_CONVENTIONS.contains(&info.code)
    }
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
    /// Which checks run when no `validators:` selection is given.
    profile: Profile,
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

/// 1-based line and column of the first occurrence of `needle`, `(0, 0)` when absent, so errors about a
/// value can point at it.
pub(crate) fn line_of(text: &str, needle: &str) -> (usize, usize) {
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
    /// Resolves the section as written, checking every key against the known validators.
    pub(crate) fn from_raw(
        raw: RawValidation,
        path: &str,
        text: &str,
        base: &Path,
        default_profile: Profile,
    ) -> Result<Self, ValidationConfigError> {
        let invalid = |needle: &str, message: String| {
            let (line, col) = line_of(text, needle);
            ValidationConfigError::Invalid {
                path: path.to_string(),
                line,
                col,
                message,
            }
        };
        let check = |key: &str| -> Result<(), ValidationConfigError> {
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
        let profile = match &raw.profile {
            None => default_profile,
            Some(p) => Profile::parse(p).ok_or_else(|| {
                invalid(
                    p,
                    format!("unknown validation profile `{p}` (use default or sigmahq)"),
                )
            })?,
        };
        Ok(ValidationConfig {
            profile,
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
        let mut on = self.profile.includes(info);
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

    /// Parses a sigma-cli validation configuration (`--validation-config` of `sigma check`). Its
    /// profile defaults to `sigmahq`: sigma-cli with pySigma-validators-sigmahq, which these files
    /// configure, runs SigmaHQ's conventions.
    pub fn load_sigma_cli(path: &Path) -> Result<ValidationConfig, ValidationConfigError> {
        let (text, shown) = read(path)?;
        let raw: RawValidation = parse_yaml(&text, &shown)?;
        ValidationConfig::from_raw(raw, &shown, &text, Path::new(""), Profile::Sigmahq)
    }

    /// The same settings with another profile (SigmaHQ's corpus is checked with `sigmahq`).
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }
}

/// A configuration file (`.sigmaforge.yml`, a sigma-cli validation config) is small text.
pub const CONFIG_FILE: crate::fsread::Cap = crate::fsread::Cap {
    what: "a configuration file",
    bytes: 1024 * 1024,
};

/// Reads a configuration file, returning its text and the path as shown in messages.
pub(crate) fn read(path: &Path) -> Result<(String, String), ValidationConfigError> {
    let shown = crate::discover::display_path(path);
    crate::fsread::read_text(path, CONFIG_FILE)
        .map(|t| (t, shown.clone()))
        .map_err(|e| ValidationConfigError::Io {
            path: shown,
            message: e.to_string(),
        })
}

/// Deserializes a configuration file (an empty file is the default), with the error's `file:line:col`.
pub(crate) fn parse_yaml<T: serde::de::DeserializeOwned + Default>(
    text: &str,
    shown: &str,
) -> Result<T, ValidationConfigError> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    crate::rule::yaml::check_limits(text, crate::rule::yaml::Limits::default()).map_err(|e| {
        ValidationConfigError::Invalid {
            path: shown.to_string(),
            line: e.pos().line as usize,
            col: e.pos().col as usize,
            message: e.to_string(),
        }
    })?;
    serde_yaml::from_str(text).map_err(|e| {
        let (line, col) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        // the location is in `line`/`col` (the prefix of the message); serde_yaml repeats it
        ValidationConfigError::Invalid {
            path: shown.to_string(),
            line,
            col,
            message: e
                .to_string()
                .replace(&format!(" at line {line} column {col}"), ""),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Result<ValidationConfig, ValidationConfigError> {
        let r: RawValidation = parse_yaml(text, "c.yml")?;
        ValidationConfig::from_raw(r, "c.yml", text, Path::new("."), Profile::Default)
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
}
