//! The pipelines shipped in the binary, under the names sigma-cli users type (`-p ecs_windows`), and
//! loading a pipeline by name or path.

use std::path::Path;

use super::model::{Pipeline, PipelineError};

/// A built-in pipeline: its `-p` name, a one-line description, its YAML.
pub struct BuiltinPipeline {
    /// The name given to `-p` (pySigma's name).
    pub name: &'static str,
    /// What it is for, for `sigmaforge list pipelines`.
    pub about: &'static str,
    /// The pipeline YAML.
    pub text: &'static str,
}

/// The pipelines shipped in the binary, sorted by name.
pub fn builtin_pipelines() -> &'static [BuiltinPipeline] {
    &[
        BuiltinPipeline {
            name: "ecs_windows",
            about: "pySigma-backend-elasticsearch's ECS mapping for Winlogbeat 7+ / Elastic Agent Windows logs",
            text: include_str!("../../../data/pipelines/ecs_windows.yml"),
        },
        BuiltinPipeline {
            name: "sysmon",
            about: "pySigma's generic Sysmon pipeline: Sysmon categories to EventID conditions and service sysmon",
            text: include_str!("../../../data/pipelines/sysmon.yml"),
        },
        BuiltinPipeline {
            name: "windows_logsource",
            about: "pySigma's generic Windows pipeline: a service to its event log `Channel` condition",
            text: include_str!("../../../data/pipelines/windows_logsource.yml"),
        },
    ]
}

/// A pipeline file is hand-written YAML; the largest shipped one is a few kilobytes.
pub const PIPELINE_FILE: crate::fsread::Cap = crate::fsread::Cap {
    what: "a processing pipeline",
    bytes: 4 * 1024 * 1024,
};

/// Why `-p NAME|FILE` could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadPipelineError {
    /// Neither a built-in name nor an existing file.
    #[error("pipeline `{0}` is neither a built-in name (`sigmaforge list pipelines`) nor a file")]
    NotFound(String),
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] crate::fsread::ReadError),
    /// The YAML is wrong or uses something unsupported.
    #[error(transparent)]
    Invalid(#[from] PipelineError),
}

/// Loads a built-in pipeline by name, or a file by path (a name wins over a same-named relative
/// file, as for configs; write `./name` to force the file).
pub fn load_pipeline(name_or_path: &str) -> Result<Pipeline, LoadPipelineError> {
    if let Some(b) = builtin_pipelines().iter().find(|b| b.name == name_or_path) {
        return Ok(Pipeline::parse(&format!("builtin:{}", b.name), b.text)?);
    }
    let path = Path::new(name_or_path);
    if path.exists() {
        let text = crate::fsread::read_text(path, PIPELINE_FILE)?;
        return Ok(Pipeline::parse(&path.display().to_string(), &text)?);
    }
    Err(LoadPipelineError::NotFound(name_or_path.to_string()))
}

/// Pipelines in the order sigma-cli runs them: by `priority`, equal priorities in the given order.
pub fn order_pipelines(mut pipelines: Vec<Pipeline>) -> Vec<Pipeline> {
    pipelines.sort_by_key(|p| p.priority);
    pipelines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads_and_names_are_sorted() {
        let names: Vec<&str> = builtin_pipelines().iter().map(|b| b.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for n in names {
            let p = load_pipeline(n).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert!(!p.items.is_empty(), "{n}");
        }
        assert!(matches!(
            load_pipeline("no_such_pipeline"),
            Err(LoadPipelineError::NotFound(_))
        ));
    }

    #[test]
    fn priority_order_is_stable() {
        let p = |name: &str, prio: i64| {
            Pipeline::parse(name, &format!("name: {name}\npriority: {prio}\n")).unwrap()
        };
        let ordered = order_pipelines(vec![p("a", 20), p("b", 10), p("c", 20), p("d", 10)]);
        let names: Vec<&str> = ordered.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["b", "d", "a", "c"]);
    }
}
