//! What a validator sees: the scanned documents with their raw YAML and file text, and a sink for
//! findings that knows the validator's code and parameters.

use super::date::Date;
use super::info::{Info, ParamKind};
use crate::diag::{Diagnostic, Pos};
use crate::rule::yaml::Node;
use crate::rule::{Document, Meta, Rule, SourceDoc};
use crate::scan::{Scan, Source};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Stands in for a file the scan holds no source for (never the case for scanned files).
static NO_SOURCE: Source = Source {
    text: None,
    roots: Vec::new(),
};

/// A configured parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    /// A whole number.
    Int(i64),
    /// A list of strings.
    List(Vec<String>),
}

/// Parameters of one validator, by name.
pub type Params = BTreeMap<String, ParamValue>;

/// One scanned file: raw text, raw YAML documents and the parsed Sigma documents it holds.
pub struct FileCx<'a> {
    /// Path as reported.
    pub path: &'a str,
    /// The file's text (`None` when unreadable or not UTF-8; the parser reported that already).
    pub text: Option<&'a str>,
    /// Raw YAML documents (non-empty ones), for checks on the written structure.
    pub roots: &'a [Node],
    /// Parsed Sigma documents of the file, in order.
    pub parsed: Vec<(&'a SourceDoc, &'a Document)>,
    /// Every Sigma document of the file, parsed or not.
    pub all_docs: Vec<&'a SourceDoc>,
    /// The date date-dependent checks compare against.
    pub today: Date,
    /// True when the raw documents line up one-to-one with the Sigma documents (no `action:` merging).
    aligned: bool,
}

impl<'a> FileCx<'a> {
    fn new(
        path: &'a str,
        source: &'a Source,
        scan: &'a Scan,
        range: std::ops::Range<usize>,
        today: Date,
    ) -> Self {
        let text = source.text.as_deref();
        let roots = source.roots.as_slice();
        let all_docs: Vec<&SourceDoc> = scan.docs[range].iter().collect();
        let parsed: Vec<(&SourceDoc, &Document)> = all_docs
            .iter()
            .filter_map(|d| d.doc.as_ref().map(|doc| (*d, doc)))
            .collect();
        let aligned =
            roots.len() == all_docs.len() && roots.iter().all(|r| r.get("action").is_none());
        FileCx {
            path,
            text,
            roots,
            parsed,
            all_docs,
            today,
            aligned,
        }
    }

    /// The parsed documents as validator contexts.
    pub fn docs(&self) -> impl Iterator<Item = DocCx<'_>> {
        self.parsed.iter().map(move |(src, doc)| DocCx {
            file: self,
            src,
            doc,
            raw: if self.aligned {
                self.roots.get(src.index)
            } else {
                None
            },
        })
    }

    /// The file name without directories.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }

    /// True when the file holds exactly one YAML document (SigmaHQ's CI skips some checks otherwise).
    pub fn is_single_document(&self) -> bool {
        self.roots.len() == 1
    }
}

/// One parsed document with its file.
pub struct DocCx<'a> {
    /// The file.
    pub file: &'a FileCx<'a>,
    /// Source information (path, index, start).
    pub src: &'a SourceDoc,
    /// The model.
    pub doc: &'a Document,
    /// The document's raw YAML when it maps one-to-one (no `action:` merging).
    pub raw: Option<&'a Node>,
}

impl<'a> DocCx<'a> {
    /// Metadata.
    pub fn meta(&self) -> &'a Meta {
        self.doc.meta()
    }

    /// The detection rule, when this is one.
    pub fn rule(&self) -> Option<&'a Rule> {
        match self.doc {
            Document::Rule(r) => Some(r),
            _ => None,
        }
    }

    /// The document's start (fallback position for findings about something absent).
    pub fn start(&self) -> Pos {
        self.src.pos
    }

    /// The raw `detection` mapping when available.
    pub fn raw_detection(&self) -> Option<&'a Node> {
        self.raw.and_then(|r| r.get("detection")).map(|(_, v)| v)
    }
}

/// Everything scanned, for repository-wide checks.
pub struct RepoCx<'a> {
    /// The scan.
    pub scan: &'a Scan,
    /// Per-file contexts of the files holding at least one Sigma document, in scan order.
    pub files: Vec<FileCx<'a>>,
    /// Directory relative paths in parameters resolve against (the configuration file's folder).
    pub base_dir: PathBuf,
}

impl<'a> RepoCx<'a> {
    /// Groups documents by file, next to the text and raw YAML the scan kept.
    pub fn build(scan: &'a Scan, today: Date, base_dir: &Path) -> Self {
        use rayon::prelude::*;
        let mut ranges: BTreeMap<&str, std::ops::Range<usize>> = BTreeMap::new();
        for (i, d) in scan.docs.iter().enumerate() {
            ranges
                .entry(d.path.as_str())
                .and_modify(|r| r.end = i + 1)
                .or_insert(i..i + 1);
        }
        // A file without a Sigma document (a workflow, a config: reported "not Sigma, skipped") is
        // not a rule file: skipped means skipped, so no validator lints it.
        let files = scan
            .files
            .par_iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, p, ranges.get(p.as_str()).cloned()?)))
            .map(|(i, p, range)| {
                FileCx::new(
                    p,
                    scan.sources.get(i).unwrap_or(&NO_SOURCE),
                    scan,
                    range,
                    today,
                )
            })
            .collect();
        RepoCx {
            scan,
            files,
            base_dir: base_dir.to_path_buf(),
        }
    }

    /// Every parsed document.
    pub fn docs(&self) -> impl Iterator<Item = DocCx<'_>> {
        self.files.iter().flat_map(|f| f.docs())
    }

    /// Ids of the rule(s) a finding at `path:line` belongs to, for per-rule exclusions: the document that
    /// starts last at or before the line, else every document of the file.
    pub fn rule_ids_at(&self, path: &str, line: u32) -> Vec<String> {
        let docs: Vec<&SourceDoc> = self.scan.docs.iter().filter(|d| d.path == path).collect();
        if docs.len() <= 1 {
            return docs.iter().filter_map(|d| d.id.clone()).collect();
        }
        match docs.iter().rev().find(|d| d.pos.line <= line) {
            Some(d) => d.id.iter().cloned().collect(),
            None => docs.iter().filter_map(|d| d.id.clone()).collect(),
        }
    }
}

/// Collects one validator's findings, stamping its code and default severity.
pub struct Findings<'p> {
    info: &'static Info,
    params: Option<&'p Params>,
    found: Vec<Diagnostic>,
}

impl<'p> Findings<'p> {
    /// A sink for `info`'s findings with the configured parameters.
    pub fn new(info: &'static Info, params: Option<&'p Params>) -> Self {
        Findings {
            info,
            params,
            found: Vec::new(),
        }
    }

    /// Reports a finding.
    pub fn report(&mut self, path: &str, pos: Pos, message: impl Into<String>) {
        self.found.push(Diagnostic::new(
            path,
            pos,
            self.info.code,
            self.info.severity,
            message,
        ));
    }

    /// An integer parameter, falling back to the documented default.
    pub fn int(&self, name: &str) -> i64 {
        if let Some(ParamValue::Int(i)) = self.params.and_then(|p| p.get(name)) {
            return *i;
        }
        self.info
            .params
            .iter()
            .find(|p| p.name == name && p.kind == ParamKind::Int)
            .and_then(|p| p.default.parse().ok())
            .unwrap_or_default()
    }

    /// A list parameter, falling back to the documented default (comma-separated).
    pub fn list(&self, name: &str) -> Vec<String> {
        if let Some(ParamValue::List(l)) = self.params.and_then(|p| p.get(name)) {
            return l.clone();
        }
        self.info
            .params
            .iter()
            .find(|p| p.name == name && p.kind == ParamKind::List)
            .map(|p| {
                p.default
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The findings, as diagnostics with the default severity (configuration applies later).
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.found
    }
}
