//! `convert -o DIR`: writes artifacts to disk, a folder per target and a file per converted rule,
//! plus each target's bundle (e.g. `es-rule/rules.ndjson`, `kibana/saved_searches.ndjson`).
//!
//! File names come from the rule title, reduced to `[a-z0-9_]` (so no path separator, `..`, drive
//! letter or reserved character can reach the file system) and capped in length; a name already used
//! in the same folder gets the first block of the rule id, then a counter. Outcomes arrive in
//! [`crate::render::convert::convert`]'s deterministic order, so the same input always yields the same
//! names and bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{Outcome, Status, Target};

/// Failure to write the output tree.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A directory or file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// An outcome names a target that was not passed in.
    #[error("outcome for unknown target `{0}`")]
    UnknownTarget(String),
}

/// Longest file stem taken from a title (bytes; names are ASCII).
const MAX_STEM: usize = 80;

/// A title (or id) reduced to a safe, readable file stem: lower-case ASCII letters and digits, runs
/// of anything else collapsed to one `_`, no leading/trailing `_`, at most [`MAX_STEM`] bytes.
pub fn sanitize(text: &str) -> String {
    let mut s = String::with_capacity(text.len().min(MAX_STEM));
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') && !s.is_empty() {
            s.push('_');
        }
        if s.len() >= MAX_STEM {
            break;
        }
    }
    while s.ends_with('_') {
        s.pop();
    }
    s
}

/// Picks a unique stem for `o` among `used` (deterministic for a given order of calls).
fn stem(o: &Outcome, used: &mut BTreeSet<String>) -> String {
    let base = [o.title.as_deref(), o.id.as_deref(), Some(o.path.as_str())]
        .into_iter()
        .flatten()
        .map(sanitize)
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "rule".to_string());
    let mut candidates = vec![base.clone()];
    if let Some(id) = o.id.as_deref() {
        let short = sanitize(id.split('-').next().unwrap_or(id));
        if !short.is_empty() {
            candidates.push(format!("{base}_{short}"));
        }
    }
    for c in candidates {
        if used.insert(c.clone()) {
            return c;
        }
    }
    let mut n = 2usize;
    loop {
        let c = format!("{base}_{n}");
        if used.insert(c.clone()) {
            return c;
        }
        n += 1;
    }
}

fn write(path: &Path, text: &str) -> Result<(), OutputError> {
    std::fs::write(path, text).map_err(|source| OutputError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes every converted outcome under `dir/<target>/<stem>.<ext>` and each target's bundle under
/// `dir/<target>/<bundle name>`. Returns the files written, in write order. Skipped and failed
/// outcomes write nothing (they are reported by the caller). Existing files with the same names are
/// replaced; other files in `dir` are left alone.
pub fn write_outputs(
    dir: &Path,
    outcomes: &[Outcome],
    targets: &[&dyn Target],
) -> Result<Vec<PathBuf>, OutputError> {
    let by_name: BTreeMap<&str, &dyn Target> = targets.iter().map(|t| (t.name(), *t)).collect();
    let mut per_target: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    for o in outcomes {
        if !by_name.contains_key(o.target.as_str()) {
            return Err(OutputError::UnknownTarget(o.target.clone()));
        }
        if o.status == Status::Converted && o.output.is_some() {
            per_target.entry(o.target.as_str()).or_default().push(o);
        }
    }
    let mut written = Vec::new();
    for t in targets {
        let folder = dir.join(t.name());
        std::fs::create_dir_all(&folder).map_err(|source| OutputError::Io {
            path: folder.display().to_string(),
            source,
        })?;
        let list = per_target.get(t.name()).map(Vec::as_slice).unwrap_or(&[]);
        let mut used = BTreeSet::new();
        let mut texts = Vec::with_capacity(list.len());
        for o in list {
            let text = o.output.as_deref().unwrap_or_default();
            let path = folder.join(format!("{}.{}", stem(o, &mut used), t.extension()));
            let mut body = text.to_string();
            if !body.ends_with('\n') {
                body.push('\n');
            }
            write(&path, &body)?;
            written.push(path);
            texts.push(text);
        }
        if let Some((name, content)) = t.bundle(&texts) {
            let path = folder.join(name);
            write(&path, &content)?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(title: Option<&str>, id: Option<&str>) -> Outcome {
        Outcome {
            path: "rules/x.yml".into(),
            id: id.map(String::from),
            title: title.map(String::from),
            target: "es-qs".into(),
            status: Status::Converted,
            output: Some("q".into()),
            reason: None,
            index: 0,
            overrides: vec![],
            warnings: vec![],
            never_matches: false,
        }
    }

    #[test]
    fn names_are_safe_and_unique() {
        assert_eq!(sanitize("../../etc/passwd"), "etc_passwd");
        assert_eq!(sanitize("C:\\Win Dows\u{e9}!"), "c_win_dows");
        assert_eq!(sanitize("...").len(), 0);
        assert!(sanitize(&"a".repeat(500)).len() <= MAX_STEM);
        let mut used = BTreeSet::new();
        let a = stem(&out(Some("Same"), Some("abcd1234-0000")), &mut used);
        let b = stem(&out(Some("Same"), Some("ef567890-0000")), &mut used);
        let c = stem(&out(Some("Same"), Some("ef567890-1111")), &mut used);
        let d = stem(&out(Some("///"), None), &mut used);
        assert_eq!(
            (a.as_str(), b.as_str(), c.as_str()),
            ("same", "same_ef567890", "same_2")
        );
        assert_eq!(d, "rules_x_yml");
    }

    #[test]
    fn writes_folders_and_bundles() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = out(Some("Rule A"), Some("1"));
        o.target = "es-rule".into();
        o.output = Some("{\"a\":1}".into());
        let t = super::super::target("es-rule").unwrap();
        let files = write_outputs(dir.path(), &[o], &[t]).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["es-rule/rule_a.json", "es-rule/rules.ndjson"]);
        let bundle = std::fs::read_to_string(dir.path().join("es-rule/rules.ndjson")).unwrap();
        assert_eq!(bundle, "{\"a\":1}\n");
    }
}
