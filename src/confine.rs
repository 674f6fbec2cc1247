//! Keeping paths that a repository names inside that repository.
//!
//! `.sigmaforge.yml` and the action inputs come from the pull request, so a path they name (`output:
//! ../escaped`, an absolute `attack-data`, a symlinked folder pointing at `/etc`) must resolve inside
//! the repository root after symlinks are followed. Leaf module: it imports nothing of the crate.

use std::path::{Component, Path, PathBuf};
use thiserror::Error;

/// Why a path was refused.
#[derive(Debug, Error)]
pub enum ConfineError {
    /// The path resolves outside the root.
    #[error("`{path}` resolves to {resolved}, outside the repository root {root}")]
    Outside {
        /// The path as written.
        path: String,
        /// Where it leads after symlinks and `..`.
        resolved: String,
        /// The canonical root.
        root: String,
    },
    /// The root itself cannot be resolved.
    #[error("cannot resolve the repository root {root}: {source}")]
    Root {
        /// The root as given.
        root: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Where `path` (relative to `root`, or absolute) leads: the longest existing prefix canonicalized
/// (symlinks followed), then the rest applied lexically, since components that do not exist yet
/// cannot be symlinks. `None` when the path crosses a dangling symlink, whose target could be anywhere.
pub fn resolve(root: &Path, path: &Path) -> Option<PathBuf> {
    let full = root.join(path);
    let mut rest: Vec<Component<'_>> = Vec::new();
    let mut base = full.as_path();
    let canonical = loop {
        if let Ok(c) = base.canonicalize() {
            break c;
        }
        if base.symlink_metadata().is_ok() {
            return None;
        }
        match (base.components().next_back(), base.parent()) {
            (Some(last), Some(parent)) => {
                rest.push(last);
                base = parent;
            }
            // Nothing exists at all (a relative root that vanished): resolve lexically from here.
            _ => break base.to_path_buf(),
        }
    };
    let mut out = canonical;
    for c in rest.into_iter().rev() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// Checks that `path` (relative to `root`, or absolute) resolves inside `root`.
pub fn check_inside(root: &Path, path: &Path) -> Result<(), ConfineError> {
    let canonical_root = root.canonicalize().map_err(|source| ConfineError::Root {
        root: root.display().to_string(),
        source,
    })?;
    match resolve(root, path) {
        Some(resolved) if resolved.starts_with(&canonical_root) => Ok(()),
        resolved => Err(ConfineError::Outside {
            path: path.display().to_string(),
            resolved: resolved.map_or_else(
                || "a dangling symlink".to_string(),
                |r| r.display().to_string(),
            ),
            root: canonical_root.display().to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_inside_pass() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("rules")).unwrap();
        for p in [
            "rules",
            "out/new/deeper",
            "rules/../out",
            ".",
            "a/b/../../c",
        ] {
            check_inside(dir.path(), Path::new(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
    }

    #[test]
    fn parent_and_absolute_paths_escape() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        for p in ["../escaped", "new/../../escaped", "/tmp", ".."] {
            let e = check_inside(&root, Path::new(p)).unwrap_err();
            assert!(matches!(e, ConfineError::Outside { .. }), "{p}");
        }
        // An absolute path inside the root is fine.
        check_inside(&root, &root.join("out")).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        let e = check_inside(&root, Path::new("link/not-yet")).unwrap_err();
        assert!(e.to_string().contains("outside"), "{e}");
        std::os::unix::fs::symlink(root.join("rules"), root.join("inner")).unwrap();
        std::fs::create_dir(root.join("rules")).unwrap();
        check_inside(&root, Path::new("inner")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("missing"), root.join("dangling")).unwrap();
        let e = check_inside(&root, Path::new("dangling/x")).unwrap_err();
        assert!(e.to_string().contains("dangling"), "{e}");
    }
}
