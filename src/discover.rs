//! Finding rule files: explicit files, folders (walked with `.gitignore` respected) and glob patterns.

use globset::{Glob, GlobMatcher};
use ignore::WalkBuilder;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why discovery could not run; these are usage errors (exit code 2).
#[derive(Debug, Error)]
pub enum DiscoverError {
    /// The path does not exist and is not a glob.
    #[error("{0}: no such file or directory")]
    Missing(String),
    /// The glob pattern is malformed.
    #[error("invalid glob pattern `{pattern}`: {message}")]
    BadGlob {
        /// The pattern.
        pattern: String,
        /// The glob parser's message.
        message: String,
    },
    /// A folder or glob given as an input holds no rule file: a typo must not pass as a green run.
    #[error("{0}: matches no rule file (*.yml, *.yaml)")]
    NoMatch(String),
    /// Walking a folder failed.
    #[error("cannot walk {path}: {message}")]
    Walk {
        /// The folder.
        path: String,
        /// The walker's message.
        message: String,
    },
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yml" | "yaml")
    )
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// The literal directory prefix of a glob, where walking starts (the path itself when it has no
/// wildcard); callers that confine rule paths check this folder.
pub fn glob_base(pattern: &str) -> PathBuf {
    let mut base = PathBuf::new();
    for comp in Path::new(pattern).components() {
        if has_glob_chars(&comp.as_os_str().to_string_lossy()) {
            break;
        }
        base.push(comp);
    }
    if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    }
}

fn walk(
    root: &Path,
    matcher: Option<&GlobMatcher>,
    excluded: &[PathBuf],
    out: &mut BTreeSet<PathBuf>,
) -> Result<(), DiscoverError> {
    let excluded = excluded.to_vec();
    let walker = WalkBuilder::new(root)
        .require_git(false)
        .hidden(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && (e.file_name() == ".git" || is_excluded(e.path(), &excluded)))
        })
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| DiscoverError::Walk {
            path: root.display().to_string(),
            message: e.to_string(),
        })?;
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) || !is_yaml(path) {
            continue;
        }
        if matcher.is_none_or(|m| m.is_match(path)) {
            out.insert(path.to_path_buf());
        }
    }
    Ok(())
}

/// Whether `dir` is one of the (canonical) excluded folders.
fn is_excluded(dir: &Path, excluded: &[PathBuf]) -> bool {
    !excluded.is_empty() && dir.canonicalize().is_ok_and(|c| excluded.contains(&c))
}

/// Expands the inputs into a sorted, de-duplicated list of YAML files. Explicitly named files are always
/// included (even a FIFO or device, so the reader reports why it refuses it instead of the file
/// vanishing); folders and globs honour `.gitignore`, `.ignore` and hidden-file rules, never enter
/// `.git` and never follow symlinks. Every input must yield at least one file
/// ([`DiscoverError::NoMatch`] otherwise), so a mistyped path or pattern fails instead of checking
/// nothing.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, DiscoverError> {
    discover_excluding(inputs, &[])
}

/// Like [`discover`], never entering the `excluded` folders while walking folders and globs: `run`
/// passes its output folder and the base checkout so a second run does not read its own artifacts
/// (or the base revision) as rules. Folders that do not exist are ignored.
pub fn discover_excluding(
    inputs: &[PathBuf],
    excluded: &[PathBuf],
) -> Result<Vec<PathBuf>, DiscoverError> {
    let excluded: Vec<PathBuf> = excluded
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let mut out = BTreeSet::new();
    for input in inputs {
        let text = input.to_string_lossy();
        let mut found = BTreeSet::new();
        let meta = std::fs::metadata(input);
        if meta.as_ref().is_ok_and(|m| !m.is_dir()) {
            found.insert(input.clone());
        } else if meta.is_ok_and(|m| m.is_dir()) {
            walk(input, None, &excluded, &mut found)?;
        } else if has_glob_chars(&text) {
            let glob = Glob::new(&text).map_err(|e| DiscoverError::BadGlob {
                pattern: text.to_string(),
                message: e.kind().to_string(),
            })?;
            let base = glob_base(&text);
            if base.is_dir() {
                walk(&base, Some(&glob.compile_matcher()), &excluded, &mut found)?;
            }
        } else {
            return Err(DiscoverError::Missing(text.to_string()));
        }
        if found.is_empty() {
            return Err(DiscoverError::NoMatch(text.to_string()));
        }
        out.append(&mut found);
    }
    Ok(out.into_iter().collect())
}

/// Renders a path for reports: forward slashes and no leading `./`.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_base_stops_at_wildcards() {
        assert_eq!(glob_base("rules/**/*.yml"), PathBuf::from("rules"));
        assert_eq!(glob_base("*.yml"), PathBuf::from("."));
    }

    #[test]
    fn input_matching_nothing_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        for input in [
            dir.path().to_path_buf(),
            dir.path().join("**/*.yml"),
            dir.path().join("nosuchdir/*.yml"),
        ] {
            assert!(
                matches!(
                    discover(std::slice::from_ref(&input)),
                    Err(DiscoverError::NoMatch(_))
                ),
                "{input:?}"
            );
        }
        std::fs::write(dir.path().join("r.yml"), "x").unwrap();
        assert_eq!(discover(&[dir.path().to_path_buf()]).unwrap().len(), 1);
        assert!(matches!(
            discover(&[dir.path().to_path_buf(), dir.path().join("*.yaml")]),
            Err(DiscoverError::NoMatch(p)) if p.ends_with("*.yaml")
        ));
    }

    #[test]
    fn missing_input_is_an_error() {
        assert!(matches!(
            discover(&[PathBuf::from("/nonexistent/x")]),
            Err(DiscoverError::Missing(_))
        ));
    }
}
