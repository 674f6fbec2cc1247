//! `.sigmaforge.yml`: the repository's sigmaforge configuration as a whole.
//!
//! The file is one mapping of sections: `validation:` (which checks run and how severe they are, read
//! by [`crate::validate::config`]) and the `sigmaforge run` settings (`rules`, `output`, `fail-level`,
//! `targets`, `layer`, `comment`). Unknown keys are errors that point at `file:line:col`, so a typo
//! never silently changes a gate.

use crate::diag::FailLevel;
/// The type of [`Config::validation`], re-exported so callers holding a [`Config`] can name it.
pub use crate::validate::config::ValidationConfig;
use crate::validate::config::{self as validation, RawValidation, ValidationConfigError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The conventional file name, looked up at the repository root.
pub const FILE_NAME: &str = ".sigmaforge.yml";

/// Why a configuration could not be used; always names the file and, where known, the line.
#[derive(Debug, Error)]
pub enum RepoConfigError {
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

impl From<ValidationConfigError> for RepoConfigError {
    fn from(e: ValidationConfigError) -> Self {
        match e {
            ValidationConfigError::Io { path, message } => RepoConfigError::Io { path, message },
            ValidationConfigError::Invalid {
                path,
                line,
                col,
                message,
            } => RepoConfigError::Invalid {
                path,
                line,
                col,
                message,
            },
        }
    }
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
    /// Elasticsearch mapping files (`GET <index>/_mapping`, `GET _index_template/<name>`) merged
    /// over the embedded field catalog, relative to the repository root.
    #[serde(default)]
    pub field_catalog: Vec<PathBuf>,
    /// Field findings: `off`, `warn` (default) or `strict`.
    #[serde(default)]
    pub field_check: Option<String>,
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
    /// pySigma processing pipelines, built-in names or paths, applied after the configs by
    /// priority (docs/pipelines.md).
    #[serde(default)]
    pub pipelines: Vec<String>,
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
    /// ATT&CK data file instead of the embedded tables, relative to the repository root and inside it.
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
    #[serde(default)]
    field_catalog: Vec<PathBuf>,
    #[serde(default)]
    field_check: Option<String>,
}

impl Config {
    /// Reads a `.sigmaforge.yml`.
    pub fn load(path: &Path) -> Result<Config, RepoConfigError> {
        let (text, shown) = validation::read(path)?;
        let raw: RawFile = validation::parse_yaml(&text, &shown)?;
        let validation = ValidationConfig::from_raw(
            raw.validation.unwrap_or_default(),
            &shown,
            &text,
            Path::new(""),
            crate::validate::config::Profile::Default,
        )?;
        if let Some(level) = &raw.fail_level
            && FailLevel::parse(level).is_none()
        {
            let (line, col) = validation::line_of(&text, level);
            return Err(RepoConfigError::Invalid {
                path: shown,
                line,
                col,
                message: format!("unknown fail-level `{level}` (use {})", FailLevel::EXPECTED),
            });
        }
        if let Some(mode) = &raw.field_check
            && crate::fieldcheck::FieldCheck::parse(mode).is_none()
        {
            let (line, col) = validation::line_of(&text, mode);
            return Err(RepoConfigError::Invalid {
                path: shown,
                line,
                col,
                message: format!("unknown field-check `{mode}` (use off, warn or strict)"),
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
                field_catalog: raw.field_catalog,
                field_check: raw.field_check,
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

    fn info(code: &str) -> &'static crate::validate::Info {
        crate::validate::registry::builtin()
            .iter()
            .map(|v| v.info())
            .find(|i| i.code == code)
            .unwrap()
    }

    #[test]
    fn run_sections_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(
            &p,
            "validation:\n    disable: [SV130]\nrules: [detections]\nfail-level: warning\ntargets:\n    - name: es-rule\n      configs: [ecs-windows]\n      options: {risk_default: '21'}\nlayer:\n    svg: false\ncomment:\n    id: monorepo-a\nfield-catalog: [mappings/winlogbeat.json]\nfield-check: strict\n",
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
        assert_eq!(
            c.run.field_catalog,
            vec![PathBuf::from("mappings/winlogbeat.json")]
        );
        assert_eq!(c.run.field_check.as_deref(), Some("strict"));
        std::fs::write(&p, "field-check: loose\n").unwrap();
        match Config::load(&p) {
            Err(RepoConfigError::Invalid { line, message, .. }) => {
                assert_eq!(line, 1);
                assert!(message.contains("loose"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        std::fs::write(&p, "layer:\n    colour: red\n").unwrap();
        match Config::load(&p) {
            Err(RepoConfigError::Invalid { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        std::fs::write(&p, "validaton: {}\n").unwrap();
        assert!(Config::load(&p).is_err());
    }
}
