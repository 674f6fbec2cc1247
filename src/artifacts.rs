//! Writing a folder of artifacts so that nothing stale survives, no reader sees a torn file and no
//! file name breaks a Windows checkout.
//!
//! A run first collects every file it will write in an [`ArtifactSet`] (relative path, bytes and
//! [`Phase`]), then [`commit`]s the set to a folder:
//!
//! 1. the manifest ([`MANIFEST`]) is extended with the files about to be written, so even a run
//!    killed half-way leaves every file it may have written listed;
//! 2. every [`Phase::Part`] file (one per rule) is written, then every [`Phase::Whole`] file
//!    (bundles, reports): each to a temporary file in the same folder, renamed over the old one, so a
//!    reader sees the old bytes or the new bytes, never a prefix. Files whose bytes are unchanged are
//!    not rewritten (their modification times stay);
//! 3. files the previous manifest lists and this set no longer holds are removed — only when their
//!    bytes still hash to what sigmaforge wrote; an edited file is kept and reported;
//! 4. the manifest is rewritten to list exactly this set.
//!
//! Files sigmaforge never listed are never touched, except its own leftover temporary files
//! (`.sigmaforge-tmp-*`) of an interrupted run.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The manifest's file name, at the top of the output folder.
pub const MANIFEST: &str = ".sigmaforge-manifest.json";

/// Prefix of temporary files; a leftover of a killed run is removed by the next commit.
const TEMP_PREFIX: &str = ".sigmaforge-tmp-";

/// Largest manifest read back (a manifest of 100k files is about 15 MB).
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// Largest file hashed before removal; anything bigger is not something sigmaforge wrote.
const MAX_HASHED_BYTES: u64 = 1024 * 1024 * 1024;

/// Failure to plan or write an output folder.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// A file or folder could not be written or read.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Two artifacts would share a file (names are compared case-insensitively, as on Windows and
    /// macOS): one would silently overwrite the other.
    #[error("two artifacts would be written to `{0}`")]
    Clash(String),
    /// A name that is not portable (Windows reserved name or character, `..`, empty component).
    #[error("`{0}` is not a safe artifact file name")]
    UnsafeName(String),
    /// A folder the artifacts go into exists as a symlink or a file: writing through it could land
    /// outside the output folder.
    #[error("{0} is not a plain folder (a symlink or a file); refusing to write into it")]
    NotAFolder(String),
}

/// When a file is written within a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// One artifact per rule: written first.
    Part,
    /// Files that sum up the parts (bundles, reports): written after every part, so a reader who
    /// finds a new bundle also finds every new part.
    Whole,
}

/// The files one run produces, by relative path (`/`-separated), before anything touches the disk.
#[derive(Debug, Default)]
pub struct ArtifactSet {
    files: BTreeMap<String, (Phase, Vec<u8>)>,
    folded: BTreeSet<String>,
}

impl ArtifactSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file. Every path component must be [`is_windows_safe`], the path must not name the
    /// manifest or a temporary file, and no other file may have the same path case-insensitively.
    pub fn add(
        &mut self,
        path: &str,
        phase: Phase,
        bytes: impl Into<Vec<u8>>,
    ) -> Result<(), ArtifactError> {
        if !is_safe_relative(path) || path == MANIFEST {
            return Err(ArtifactError::UnsafeName(path.to_string()));
        }
        if !self.folded.insert(path.to_lowercase()) {
            return Err(ArtifactError::Clash(path.to_string()));
        }
        self.files.insert(path.to_string(), (phase, bytes.into()));
        Ok(())
    }

    /// Number of files in the set.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the set holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// What a commit did, so a "N files written" message is true.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// Files whose bytes were (re)written, in write order.
    pub written: Vec<PathBuf>,
    /// Files of the set already holding the right bytes, left untouched.
    pub unchanged: Vec<PathBuf>,
    /// Files of a previous run this run no longer produces, removed.
    pub removed: Vec<PathBuf>,
    /// Files of a previous run no longer produced but edited since: left in place.
    pub kept: Vec<PathBuf>,
    /// Problems that did not stop the commit (an unreadable old manifest, an entry outside the folder).
    pub notes: Vec<String>,
}

/// Whether `name` is a file or folder name every common file system accepts: not empty, not `.` or
/// `..`, none of `<>:"/\|?*` or control characters, no trailing dot or space, not a Windows device
/// name (with any extension), at most 255 bytes.
pub fn is_windows_safe(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.ends_with(['.', ' '])
        && !name.chars().any(|c| {
            c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*')
        })
        && !is_reserved_device(name.split('.').next().unwrap_or(name).trim_end())
}

/// Whether `stem` (the part before the first dot) is a Windows device name: `con`, `prn`, `aux`,
/// `nul`, `com0`–`com9`, `lpt0`–`lpt9` (also with superscript digits), in any case.
pub fn is_reserved_device(stem: &str) -> bool {
    let s = stem.to_ascii_lowercase();
    if matches!(
        s.as_str(),
        "con" | "prn" | "aux" | "nul" | "conin$" | "conout$"
    ) {
        return true;
    }
    let Some(rest) = s.strip_prefix("com").or_else(|| s.strip_prefix("lpt")) else {
        return false;
    };
    let mut chars = rest.chars();
    matches!(
        (chars.next(), chars.next()),
        (Some('0'..='9' | '¹' | '²' | '³'), None)
    )
}

/// A relative `/`-separated path whose every component [`is_windows_safe`] and is no temporary file.
fn is_safe_relative(path: &str) -> bool {
    path.split('/')
        .all(|c| is_windows_safe(c) && !c.starts_with(TEMP_PREFIX))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArtifactError + '_ {
    move |source| ArtifactError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so the file
/// is at every moment either its old content or the new one. `seq` makes temporary names unique
/// within the process.
fn write_atomic_seq(path: &Path, bytes: &[u8], seq: &mut u64) -> Result<(), ArtifactError> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (tmp, mut file) = loop {
        *seq += 1;
        let tmp = folder.join(format!("{TEMP_PREFIX}{}-{seq}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&tmp)(e)),
        }
    };
    let result = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(io(&tmp))
        .and_then(|()| {
            drop(file);
            std::fs::rename(&tmp, path).map_err(io(path))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes one file atomically (temporary file in the same folder, then rename), creating its folder;
/// for single files named on the command line (`layer -o`, `--svg`, reports).
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    write_atomic_seq(path, bytes, &mut 0)
}

/// Whether `path` is a regular file (not a symlink) holding exactly `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|b| b == bytes)
}

/// One line of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
struct Entry {
    path: String,
    sha256: String,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ManifestFile {
    generator: String,
    about: String,
    files: Vec<Entry>,
}

fn manifest_bytes(entries: &BTreeSet<Entry>) -> Vec<u8> {
    let m = ManifestFile {
        generator: format!("sigmaforge {}", env!("CARGO_PKG_VERSION")),
        about: "Files sigmaforge wrote in this folder. The next run removes those it no longer \
                produces (when unchanged); files not listed here are never touched."
            .to_string(),
        files: entries.iter().cloned().collect(),
    };
    let mut text = serde_json::to_string_pretty(&m).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

/// The previous manifest's entries (empty when there is none); problems become notes.
fn read_manifest(path: &Path, notes: &mut Vec<String>) -> BTreeSet<Entry> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return BTreeSet::new();
    };
    if !meta.is_file() || meta.len() > MAX_MANIFEST_BYTES {
        notes.push(format!(
            "{} is not a regular file under {MAX_MANIFEST_BYTES} bytes; ignored (no stale file removed)",
            path.display()
        ));
        return BTreeSet::new();
    }
    let parsed = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<ManifestFile>(&b).map_err(|e| e.to_string()));
    match parsed {
        Ok(m) => m
            .files
            .into_iter()
            .filter(|e| {
                let ok = is_safe_relative(&e.path) && e.path != MANIFEST;
                if !ok {
                    notes.push(format!(
                        "{}: entry `{}` is not a path inside the folder; ignored",
                        path.display(),
                        e.path
                    ));
                }
                ok
            })
            .collect(),
        Err(e) => {
            notes.push(format!(
                "{}: {e}; ignored (no stale file removed)",
                path.display()
            ));
            BTreeSet::new()
        }
    }
}

/// Creates `dir/rel` folder by folder, refusing any component that exists as a symlink or a file,
/// and removes leftover temporary files in each folder it passes.
fn prepare_folder(dir: &Path, rel: &str, done: &mut BTreeSet<String>) -> Result<(), ArtifactError> {
    let mut current = dir.to_path_buf();
    let mut key = String::new();
    for comp in rel.split('/').filter(|c| !c.is_empty()) {
        current.push(comp);
        key.push('/');
        key.push_str(comp);
        if !done.insert(key.clone()) {
            continue;
        }
        match std::fs::symlink_metadata(&current) {
            Ok(m) if m.is_dir() => remove_temp_files(&current),
            Ok(_) => return Err(ArtifactError::NotAFolder(current.display().to_string())),
            Err(_) => std::fs::create_dir(&current).map_err(io(&current))?,
        }
    }
    Ok(())
}

fn remove_temp_files(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
            && e.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether every folder between `dir` and `dir/rel` is a plain folder (no symlink to follow).
fn plain_path(dir: &Path, rel: &str) -> bool {
    let mut current = dir.to_path_buf();
    let comps: Vec<&str> = rel.split('/').collect();
    comps[..comps.len() - 1].iter().all(|c| {
        current.push(c);
        std::fs::symlink_metadata(&current).is_ok_and(|m| m.is_dir())
    })
}

/// Removes a stale file when it still holds bytes sigmaforge wrote, then its folders once empty.
fn remove_stale(dir: &Path, rel: &str, hashes: &[&str], out: &mut Written) {
    let path = dir.join(rel);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return; // already gone
    };
    let ours = plain_path(dir, rel)
        && meta.is_file()
        && meta.len() <= MAX_HASHED_BYTES
        && std::fs::read(&path).is_ok_and(|b| hashes.contains(&sha256_hex(&b).as_str()));
    if !ours {
        out.kept.push(path);
        return;
    }
    match std::fs::remove_file(&path) {
        Ok(()) => {
            let mut parent = path.parent();
            while let Some(p) = parent.filter(|p| *p != dir && p.starts_with(dir)) {
                if std::fs::remove_dir(p).is_err() {
                    break;
                }
                parent = p.parent();
            }
            out.removed.push(path);
        }
        Err(e) => out
            .notes
            .push(format!("cannot remove stale {}: {e}", path.display())),
    }
}

/// Writes `set` into `dir` (see the module documentation for the order and guarantees).
pub fn commit(dir: &Path, set: &ArtifactSet) -> Result<Written, ArtifactError> {
    let mut out = Written::default();
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => {}
        _ => return Err(ArtifactError::NotAFolder(dir.display().to_string())),
    }
    remove_temp_files(dir);
    let manifest_path = dir.join(MANIFEST);
    let old = read_manifest(&manifest_path, &mut out.notes);
    let new: BTreeSet<Entry> = set
        .files
        .iter()
        .map(|(path, (_, bytes))| Entry {
            path: path.clone(),
            sha256: sha256_hex(bytes),
        })
        .collect();

    let mut folders = BTreeSet::new();
    for path in set.files.keys() {
        if let Some((parent, _)) = path.rsplit_once('/') {
            prepare_folder(dir, parent, &mut folders)?;
        }
    }
    let mut seq = 0u64;
    // 1. Every file this run may write is listed before it is written.
    let pending: BTreeSet<Entry> = old.union(&new).cloned().collect();
    if pending != old {
        write_atomic_seq(&manifest_path, &manifest_bytes(&pending), &mut seq)?;
    }
    // 2. Parts, then wholes.
    for phase in [Phase::Part, Phase::Whole] {
        for (rel, (p, bytes)) in &set.files {
            if *p != phase {
                continue;
            }
            let path = dir.join(rel);
            if holds(&path, bytes) {
                out.unchanged.push(path);
            } else {
                write_atomic_seq(&path, bytes, &mut seq)?;
                out.written.push(path);
            }
        }
    }
    // 3. Stale files of earlier runs.
    let mut stale: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &old {
        if !set.files.contains_key(&e.path) {
            stale.entry(&e.path).or_default().push(&e.sha256);
        }
    }
    for (rel, hashes) in stale {
        remove_stale(dir, rel, &hashes, &mut out);
    }
    // 4. The manifest of exactly this set.
    let final_bytes = manifest_bytes(&new);
    if !holds(&manifest_path, &final_bytes) {
        write_atomic_seq(&manifest_path, &final_bytes, &mut seq)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_names() {
        for bad in [
            "con",
            "CON",
            "nul.",
            "nul.txt",
            "Aux.tar.gz",
            "com1",
            "LPT9.json",
            "com¹",
            "a?b",
            "a<b",
            "a:b",
            "a\"b",
            "a|b",
            "a*b",
            "a\\b",
            "a/b",
            "trailing.",
            "trailing ",
            "",
            ".",
            "..",
            "tab\there",
            "con .txt",
        ] {
            assert!(!is_windows_safe(bad), "{bad:?} accepted");
        }
        for good in [
            "console",
            "con_1",
            "nul_rule.json",
            "com10",
            "lpt",
            "rules.ndjson",
            "a.b.c",
            "ok",
        ] {
            assert!(is_windows_safe(good), "{good:?} refused");
        }
        assert!(!is_windows_safe(&"a".repeat(256)));
    }

    #[test]
    fn set_refuses_clashes_and_unsafe_paths() {
        let mut s = ArtifactSet::new();
        s.add("kibana/a.ndjson", Phase::Part, "x").unwrap();
        assert!(matches!(
            s.add("Kibana/A.ndjson", Phase::Whole, "y"),
            Err(ArtifactError::Clash(_))
        ));
        for bad in [
            "../x",
            "/abs",
            "a//b",
            MANIFEST,
            "x/nul.json",
            "x/.sigmaforge-tmp-1",
        ] {
            assert!(
                matches!(
                    s.add(bad, Phase::Part, "z"),
                    Err(ArtifactError::UnsafeName(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(s.len(), 1);
    }

    fn set(files: &[(&str, &str)]) -> ArtifactSet {
        let mut s = ArtifactSet::new();
        for (p, b) in files {
            s.add(p, Phase::Part, *b).unwrap();
        }
        s
    }

    #[test]
    fn stale_files_go_foreign_and_edited_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let first = commit(
            d,
            &set(&[("t/a.json", "a"), ("t/b.json", "b"), ("u/c.json", "c")]),
        )
        .unwrap();
        assert_eq!(first.written.len(), 3);
        std::fs::write(d.join("t/foreign.txt"), "mine").unwrap();
        std::fs::write(d.join("t/b.json"), "edited by hand").unwrap();
        std::fs::write(d.join("t/.sigmaforge-tmp-99-1"), "half").unwrap();
        let second = commit(d, &set(&[("t/a.json", "a")])).unwrap();
        assert!(second.written.is_empty());
        assert_eq!(second.unchanged, [d.join("t/a.json")]);
        assert_eq!(second.removed, [d.join("u/c.json")]);
        assert_eq!(second.kept, [d.join("t/b.json")]);
        assert!(!d.join("u").exists(), "emptied folder removed");
        assert_eq!(
            std::fs::read_to_string(d.join("t/foreign.txt")).unwrap(),
            "mine"
        );
        assert!(!d.join("t/.sigmaforge-tmp-99-1").exists());
        let manifest = std::fs::read_to_string(d.join(MANIFEST)).unwrap();
        assert!(manifest.contains("t/a.json") && !manifest.contains("u/c.json"));
    }

    #[test]
    fn hostile_manifest_cannot_reach_outside() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(root.path().join("victim"), "v").unwrap();
        let listing = serde_json::json!({
            "generator": "x", "about": "x",
            "files": [{"path": "../victim", "sha256": sha256_hex(b"v")}]
        });
        std::fs::write(out.join(MANIFEST), listing.to_string()).unwrap();
        let w = commit(&out, &set(&[("t/a.json", "a")])).unwrap();
        assert!(root.path().join("victim").exists());
        assert_eq!(w.notes.len(), 1, "{:?}", w.notes);
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_folders_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let elsewhere = root.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("t")).unwrap();
        assert!(matches!(
            commit(&out, &set(&[("t/a.json", "a")])),
            Err(ArtifactError::NotAFolder(_))
        ));
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    }
}
