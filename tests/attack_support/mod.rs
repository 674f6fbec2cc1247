//! Reads SigmaHQ corpus rules into `CoverageRule`s for the corpus tests and the benchmark.
//!
//! Interim: a plain YAML read of the fields coverage needs (tag positions are found by searching the
//! file text), until the project's parser is wired in by `tests/attack_corpus.rs`.

use serde::Deserialize;
use sigmaforge::attack::{CoverageRule, TagRef};
use sigmaforge::rule::{Level, Status};
use std::path::{Path, PathBuf};

/// The shared corpus, or `None` (with a printed reason) so fresh clones skip.
pub fn corpus_root() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigmahq");
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!("skip: {} not present", root.display());
        None
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}

/// 1-based (line, column) of the first occurrence of `tag` as a list item after `from`.
fn locate(text: &str, tag: &str, from: &mut usize) -> (u32, u32) {
    for (i, line) in text.lines().enumerate().skip(*from) {
        if let Some(pos) = line.find(tag) {
            let before = line[..pos].trim_end();
            if before.ends_with('-') {
                *from = i + 1;
                return ((i + 1) as u32, (pos + 1) as u32);
            }
        }
    }
    (0, 0)
}

/// Loads every rule document under the given top-level folders of the corpus (paths relative to
/// the corpus root, forward slashes).
pub fn load(root: &Path, folders: &[&str]) -> Vec<CoverageRule> {
    let mut files = Vec::new();
    for f in folders {
        walk(&root.join(f), &mut files);
    }
    files.sort();
    let mut rules = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let mut from = 0;
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let Ok(v) = serde_yaml::Value::deserialize(doc) else {
                break;
            };
            let Some(title) = v.get("title").and_then(|t| t.as_str()) else {
                continue;
            };
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            let tags = v
                .get("tags")
                .and_then(|t| t.as_sequence())
                .map(|seq| {
                    seq.iter()
                        .filter_map(|t| t.as_str())
                        .map(|t| {
                            let (line, col) = locate(&text, t, &mut from);
                            TagRef::new(t, line, col)
                        })
                        .collect()
                })
                .unwrap_or_default();
            rules.push(CoverageRule {
                path: rel.clone(),
                title: title.to_string(),
                id: s("id"),
                level: s("level").as_deref().and_then(Level::parse),
                status: s("status").as_deref().and_then(Status::parse),
                tags,
            });
        }
    }
    rules
}

/// SigmaHQ's CI folders (the 3,780 "active" rules).
pub const ACTIVE: [&str; 6] = [
    "rules",
    "rules-compliance",
    "rules-dfir",
    "rules-emerging-threats",
    "rules-placeholder",
    "rules-threat-hunting",
];
