//! Discover and parse a set of inputs in parallel, then resolve cross-document references.
//!
//! The result is immutable: validators, mapping and targets only read it.

use crate::diag::{self, Diagnostic, Pos};
use crate::discover::{self, DiscoverError};
use crate::fsread;
use crate::rule::codes;
use crate::rule::file::{self, ParsedFile};
use crate::rule::{Document, SourceDoc};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

/// The outcome of scanning: every document and every diagnostic, in deterministic order.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Files read, in order.
    pub files: Vec<String>,
    /// Documents (parsed or rejected), ordered by file then position.
    pub docs: Vec<SourceDoc>,
    /// Parser and reference diagnostics, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// YAML documents skipped because they are not Sigma.
    pub skipped: usize,
    /// Text and raw YAML of each file, aligned with `files`, so later stages never re-read or re-parse.
    pub sources: Vec<Source>,
}

/// What was read from one file.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// The text, when the file is UTF-8.
    pub text: Option<String>,
    /// Non-empty YAML documents as written.
    pub roots: Vec<crate::rule::yaml::Node>,
}

impl Scan {
    /// Parsed documents only.
    pub fn parsed(&self) -> impl Iterator<Item = (&SourceDoc, &Document)> {
        self.docs
            .iter()
            .filter_map(|d| d.doc.as_ref().map(|doc| (d, doc)))
    }

    /// Finds a parsed rule or correlation by id or name, as correlations and filters reference them.
    pub fn lookup(&self, reference: &str) -> Option<(&SourceDoc, &Document)> {
        self.parsed().find(|(_, d)| {
            let m = d.meta();
            m.id.as_ref().is_some_and(|i| i.value == reference)
                || m.name.as_ref().is_some_and(|n| n.value == reference)
        })
    }
}

/// A rule file is read only when it is a regular file within the rule reader's size limit.
pub const RULE_FILE: fsread::Cap = fsread::Cap {
    what: "a rule file",
    bytes: file::MAX_FILE_BYTES as u64,
};

/// Reads and parses one file, turning I/O failures into diagnostics.
pub fn parse_path(path: &std::path::Path) -> ParsedFile {
    let shown = discover::display_path(path);
    match fsread::read_bytes(path, RULE_FILE) {
        Ok(bytes) => file::parse_bytes(&shown, &bytes),
        Err(e) => ParsedFile {
            diags: vec![Diagnostic::new(
                &shown,
                Pos::new(1, 1),
                codes::IO,
                crate::diag::Severity::Error,
                e.to_string(),
            )],
            ..ParsedFile::default()
        },
    }
}

/// Scans the inputs: discovery, parallel parsing, then reference resolution.
pub fn scan(inputs: &[PathBuf]) -> Result<Scan, DiscoverError> {
    scan_excluding(inputs, &[])
}

/// Like [`scan`], never entering the `excluded` folders (see [`discover::discover_excluding`]).
pub fn scan_excluding(inputs: &[PathBuf], excluded: &[PathBuf]) -> Result<Scan, DiscoverError> {
    let paths = discover::discover_excluding(inputs, excluded)?;
    let parsed: Vec<ParsedFile> = paths.par_iter().map(|p| parse_path(p)).collect();
    let mut scan = Scan {
        files: paths.iter().map(|p| discover::display_path(p)).collect(),
        ..Scan::default()
    };
    for f in parsed {
        scan.sources.push(Source {
            text: f.text,
            roots: f.roots,
        });
        scan.docs.extend(f.docs);
        scan.diagnostics.extend(f.diags);
        scan.skipped += f.skipped;
    }
    let refs = resolve_references(&scan);
    scan.diagnostics.extend(refs);
    diag::normalize(&mut scan.diagnostics);
    Ok(scan)
}

/// Checks that every rule a correlation or filter names exists among the scanned documents.
fn resolve_references(scan: &Scan) -> Vec<Diagnostic> {
    let mut known: HashMap<&str, usize> = HashMap::new();
    for (_, doc) in scan.parsed() {
        let m = doc.meta();
        if let Some(id) = &m.id {
            *known.entry(id.value.as_str()).or_default() += 1;
        }
        if let Some(n) = &m.name {
            *known.entry(n.value.as_str()).or_default() += 1;
        }
    }
    // Rejected documents still count as existing, so one broken rule gives one error, not two.
    for d in &scan.docs {
        if d.doc.is_none()
            && let Some(id) = &d.id
        {
            *known.entry(id.as_str()).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for (src, doc) in scan.parsed() {
        let refs = match doc {
            Document::Correlation(c) => &c.rules,
            Document::Filter(f) => &f.rules,
            Document::Rule(_) => continue,
        };
        for r in refs {
            if !known.contains_key(r.value.as_str()) {
                out.push(Diagnostic::new(
                    &src.path,
                    r.pos,
                    codes::UNRESOLVED_REFERENCE,
                    crate::diag::Severity::Error,
                    format!(
                        "{} references `{}`, but no scanned rule has that id or name",
                        doc.kind_name(),
                        r.value
                    ),
                ));
            }
        }
    }
    out
}
