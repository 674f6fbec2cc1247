//! `convert -o DIR`: writes artifacts to disk, a folder per target and a file per converted rule,
//! plus each target's bundle (e.g. `es-rule/rules.ndjson`, `kibana/saved_searches.ndjson`), through
//! [`crate::artifacts`] (atomic writes, bundles last, a manifest that removes stale files).
//!
//! File names come from the rule title, reduced to `[a-z0-9_]` (so no path separator, `..`, drive
//! letter or reserved character can reach the file system) and capped in length; a name that is
//! already used in the same folder (compared case-insensitively), equals the folder's bundle or is a
//! Windows device name (`con`, `nul`, `com1`, …) gets the first block of the rule id, then a counter.
//! Outcomes arrive in [`crate::render::convert::convert`]'s deterministic order, so the same input
//! always yields the same names and bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Outcome, Status, Target};
use crate::artifacts::{self, ArtifactError, ArtifactSet, Phase, Written};

/// Failure to write the output tree.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The artifacts could not be planned or written.
    #[error(transparent)]
    Artifacts(#[from] ArtifactError),
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

/// Picks a unique file name `<stem>.<ext>` for `o` among `used` (lower-case file names already taken
/// in the folder, the bundle's included); deterministic for a given order of calls.
fn file_name(o: &Outcome, ext: &str, used: &mut BTreeSet<String>) -> String {
    let base = [o.title.as_deref(), o.id.as_deref(), Some(o.path.as_str())]
        .into_iter()
        .flatten()
        .map(sanitize)
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "rule".to_string());
    let mut take = |stem: &str| {
        let name = format!("{stem}.{ext}");
        (!artifacts::is_reserved_device(stem) && used.insert(name.to_lowercase())).then_some(name)
    };
    if let Some(name) = take(&base) {
        return name;
    }
    if let Some(id) = o.id.as_deref() {
        let short = sanitize(id.split('-').next().unwrap_or(id));
        if let Some(name) = Some(short)
            .filter(|s| !s.is_empty())
            .and_then(|s| take(&format!("{base}_{s}")))
        {
            return name;
        }
    }
    (2usize..)
        .find_map(|n| take(&format!("{base}_{n}")))
        .unwrap_or_default()
}

/// Adds every converted outcome as `<prefix>/<target>/<name>.<ext>` ([`Phase::Part`]) and each
/// target's bundle as `<prefix>/<target>/<bundle name>` ([`Phase::Whole`]) to `set`. `prefix` may be
/// empty. Skipped and failed outcomes add nothing (they are reported by the caller).
pub fn plan_outputs(
    set: &mut ArtifactSet,
    prefix: &str,
    outcomes: &[Outcome],
    targets: &[&dyn Target],
) -> Result<(), OutputError> {
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
    for t in targets {
        let folder = if prefix.is_empty() {
            t.name().to_string()
        } else {
            format!("{prefix}/{}", t.name())
        };
        let list = per_target.get(t.name()).map(Vec::as_slice).unwrap_or(&[]);
        let texts: Vec<&str> = list
            .iter()
            .map(|o| o.output.as_deref().unwrap_or_default())
            .collect();
        let bundle = t.bundle(&texts);
        let mut used = BTreeSet::new();
        if let Some((name, _)) = &bundle {
            used.insert(name.to_lowercase());
        }
        for (o, text) in list.iter().zip(&texts) {
            let name = file_name(o, t.extension(), &mut used);
            let mut body = text.to_string();
            if !body.ends_with('\n') {
                body.push('\n');
            }
            set.add(&format!("{folder}/{name}"), Phase::Part, body)?;
        }
        if let Some((name, content)) = bundle {
            set.add(&format!("{folder}/{name}"), Phase::Whole, content)?;
        }
    }
    Ok(())
}

/// Writes every converted outcome and each target's bundle under `dir` ([`plan_outputs`] with no
/// prefix, then [`artifacts::commit`]): files of earlier runs that this one no longer produces are
/// removed, foreign files are left alone. Returns what was actually written.
pub fn write_outputs(
    dir: &Path,
    outcomes: &[Outcome],
    targets: &[&dyn Target],
) -> Result<Written, OutputError> {
    let mut set = ArtifactSet::new();
    plan_outputs(&mut set, "", outcomes, targets)?;
    Ok(artifacts::commit(dir, &set)?)
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
        let a = file_name(&out(Some("Same"), Some("abcd1234-0000")), "txt", &mut used);
        let b = file_name(&out(Some("Same"), Some("ef567890-0000")), "txt", &mut used);
        let c = file_name(&out(Some("SAME"), Some("ef567890-1111")), "txt", &mut used);
        let d = file_name(&out(Some("///"), None), "txt", &mut used);
        assert_eq!(
            (a.as_str(), b.as_str(), c.as_str()),
            ("same.txt", "same_ef567890.txt", "same_2.txt")
        );
        assert_eq!(d, "rules_x_yml.txt");
    }

    #[test]
    fn reserved_and_bundle_names_are_avoided() {
        let mut used = BTreeSet::from(["saved_searches.ndjson".to_string()]);
        let mut name =
            |title: &str, id: Option<&str>| file_name(&out(Some(title), id), "ndjson", &mut used);
        assert_eq!(name("Saved Searches", None), "saved_searches_2.ndjson");
        assert_eq!(name("CON", Some("0badc0de-1")), "con_0badc0de.ndjson");
        assert_eq!(name("nul.", None), "nul_2.ndjson");
        assert_eq!(name("a?b", None), "a_b.ndjson");
        assert_eq!(name("COM1", None), "com1_2.ndjson");
        assert_eq!(name("Console", None), "console.ndjson");
        for n in &used {
            assert!(crate::artifacts::is_windows_safe(n), "{n}");
        }
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
            .written
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["es-rule/rule_a.json", "es-rule/rules.ndjson"]);
        let bundle = std::fs::read_to_string(dir.path().join("es-rule/rules.ndjson")).unwrap();
        assert_eq!(bundle, "{\"a\":1}\n");
    }
}
