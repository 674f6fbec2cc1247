//! Comparing two states of a rule repository (a pull request's base and head, or two folders): scan and
//! validate each side, then diff coverage and findings. This is the body of the PR comment.

use crate::attack::{self, AttackData, CoverageDiff, CoverageRule, DiffOptions, FindingKey};
use crate::diag::Diagnostic;
use crate::discover::{DiscoverError, display_path};
use crate::scan::{self, Scan};
use crate::validate::config::ValidationConfig;
use crate::validate::{self, Validator};
use std::path::{Path, PathBuf};
use std::process::Command;
use thiserror::Error;

/// Why one side of a comparison could not be prepared.
#[derive(Debug, Error)]
pub enum CompareError {
    /// Discovery failed (missing folder, bad glob).
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    /// `git` failed to produce a revision's files.
    #[error("cannot check out `{rev}` from {repo}: {message}")]
    Git {
        /// Repository folder.
        repo: String,
        /// Revision asked for.
        rev: String,
        /// What git said.
        message: String,
    },
    /// `git` or `tar` is not installed (the action's container image has neither), so no
    /// revision can be checked out: the fix is a base checkout passed as a folder, not a deeper
    /// fetch.
    #[error("cannot check out `{rev}`: `{tool}` is not installed here")]
    ToolMissing {
        /// Revision asked for.
        rev: String,
        /// The program that could not be started.
        tool: &'static str,
    },
    /// ATT&CK data or filters were unusable.
    #[error(transparent)]
    Coverage(#[from] attack::CoverageError),
}

/// One side: its scan, its validation findings and its rules as coverage input, all with paths
/// relative to the side's root so both sides can be matched file by file.
pub struct Snapshot {
    /// The scan.
    pub scan: Scan,
    /// Parser and validator findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Rules for coverage, paths relative to the root.
    pub rules: Vec<CoverageRule>,
    /// The root the paths are relative to.
    pub root: String,
}

/// Scans and validates `paths` under `root`.
pub fn snapshot(
    root: &Path,
    paths: &[PathBuf],
    validation: &ValidationConfig,
    extra: &[&dyn Validator],
) -> Result<Snapshot, CompareError> {
    snapshot_excluding(root, paths, &[], validation, extra)
}

/// Like [`snapshot`], never entering the `excluded` folders (`run`'s output and base checkout).
pub fn snapshot_excluding(
    root: &Path,
    paths: &[PathBuf],
    excluded: &[PathBuf],
    validation: &ValidationConfig,
    extra: &[&dyn Validator],
) -> Result<Snapshot, CompareError> {
    let inputs: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
    let scan = scan::scan_excluding(&inputs, excluded)?;
    let diagnostics = validate::run_with(&scan, validation, extra);
    let root = display_path(root);
    let rules = attack::coverage_rules(&scan, Some(&root));
    Ok(Snapshot {
        scan,
        diagnostics,
        rules,
        root,
    })
}

fn relative<'a>(root: &str, path: &'a str) -> &'a str {
    let root = root.trim_end_matches('/');
    if root.is_empty() || root == "." {
        return path;
    }
    path.strip_prefix(root)
        .map(|p| p.trim_start_matches('/'))
        .unwrap_or(path)
}

impl Snapshot {
    /// Findings keyed by rule id (else relative path), code and message, for "introduced / fixed".
    pub fn finding_keys(&self) -> Vec<FindingKey> {
        let mut keys: Vec<FindingKey> = self
            .diagnostics
            .iter()
            .map(|d| {
                let id = self
                    .scan
                    .docs
                    .iter()
                    .rfind(|s| s.path == d.path && s.pos.line <= d.line)
                    .and_then(|s| s.id.clone());
                FindingKey {
                    rule: id.unwrap_or_else(|| relative(&self.root, &d.path).to_string()),
                    code: d.code.clone(),
                    message: d.message.clone(),
                }
            })
            .collect();
        keys.sort_by(|a, b| (&a.rule, &a.code, &a.message).cmp(&(&b.rule, &b.code, &b.message)));
        keys.dedup();
        keys
    }
}

/// Diffs two snapshots.
pub fn diff(
    base: &Snapshot,
    head: &Snapshot,
    options: &DiffOptions,
    data: &AttackData,
) -> Result<CoverageDiff, CompareError> {
    Ok(attack::diff(
        &base.rules,
        &head.rules,
        &base.finding_keys(),
        &head.finding_keys(),
        options,
        data,
    )?)
}

/// A revision's files extracted into a temporary folder (deleted on drop).
pub struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    /// The folder holding the revision's files.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Extracts the files of `rev` from the repository at `repo` (with `git archive`, so the working tree,
/// index and worktree list are never touched).
pub fn checkout_revision(repo: &Path, rev: &str) -> Result<Checkout, CompareError> {
    let err = |message: String| CompareError::Git {
        repo: display_path(repo),
        rev: rev.to_string(),
        message,
    };
    if rev.starts_with('-') {
        return Err(err("a revision cannot start with `-`".into()));
    }
    let dir = tempfile::Builder::new()
        .prefix("sigmaforge-rev-")
        .tempdir()
        .map_err(|e| err(e.to_string()))?;
    let archive = dir.path().join(".rev.tar");
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["archive", "--format=tar", "-o"])
        .arg(&archive)
        .arg(rev)
        .output()
        .map_err(|e| spawn_error(e, "git", rev, &err))?;
    if !out.status.success() {
        return Err(err(String::from_utf8_lossy(&out.stderr).trim().to_string()));
    }
    let out = Command::new("tar")
        .arg("-xf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path())
        .output()
        .map_err(|e| spawn_error(e, "tar", rev, &err))?;
    if !out.status.success() {
        return Err(err(String::from_utf8_lossy(&out.stderr).trim().to_string()));
    }
    let _ = std::fs::remove_file(&archive);
    Ok(Checkout { dir })
}

/// A program that is not installed is its own error (the hint differs); any other failure to
/// start it is reported as git's.
fn spawn_error(
    e: std::io::Error,
    tool: &'static str,
    rev: &str,
    err: &dyn Fn(String) -> CompareError,
) -> CompareError {
    if e.kind() == std::io::ErrorKind::NotFound {
        CompareError::ToolMissing {
            rev: rev.to_string(),
            tool,
        }
    } else {
        err(format!("cannot run {tool}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(relative("/tmp/x", "/tmp/x/rules/a.yml"), "rules/a.yml");
        assert_eq!(relative(".", "rules/a.yml"), "rules/a.yml");
        assert_eq!(relative("other", "rules/a.yml"), "rules/a.yml");
    }

    #[test]
    fn option_like_revisions_are_refused() {
        assert!(matches!(
            checkout_revision(Path::new("."), "--output=/etc/x"),
            Err(CompareError::Git { .. })
        ));
    }

    #[test]
    fn a_missing_git_is_its_own_error() {
        let e = spawn_error(
            std::io::Error::from(std::io::ErrorKind::NotFound),
            "git",
            "abc",
            &|m| CompareError::Git {
                repo: ".".into(),
                rev: "abc".into(),
                message: m,
            },
        );
        assert!(
            matches!(e, CompareError::ToolMissing { tool: "git", .. }),
            "{e}"
        );
        let e = spawn_error(
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            "git",
            "abc",
            &|m| CompareError::Git {
                repo: ".".into(),
                rev: "abc".into(),
                message: m,
            },
        );
        assert!(matches!(e, CompareError::Git { .. }), "{e}");
    }
}
