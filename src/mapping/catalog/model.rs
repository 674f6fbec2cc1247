//! The catalog's data types: the loaded catalog, its indices and where they came from, and the
//! errors of loading. [`super::data`] and [`super::user`] fill them; the parent module answers
//! questions about them.

use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;

use super::dynamic::DynamicTemplate;
use super::field::Spec;

/// Format written by `scripts/gen-field-catalog.py`.
pub const CATALOG_SCHEMA: &str = "sigmaforge-fields/1";
/// Largest mapping file accepted; a real `_mapping` of a busy cluster is a few MiB.
pub const MAX_MAPPING_BYTES: u64 = 64 * 1024 * 1024;
/// Deepest object nesting accepted (Elasticsearch's own default `index.mapping.depth.limit` is 20).
pub const MAX_MAPPING_DEPTH: usize = 32;

/// Field name → index into [`FieldCatalog::specs`].
pub(super) type FieldMap = HashMap<Box<str>, usize>;

/// Errors from loading the catalog or a user's mapping file: reported with the file, never a panic.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The text is not valid JSON (serde's message carries line and column).
    #[error("{origin}: {source}")]
    Json {
        /// File path or embedded name.
        origin: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The catalog declares a format this version cannot read.
    #[error("{origin}: unsupported field catalog schema {found:?} (expected {CATALOG_SCHEMA:?})")]
    Schema {
        /// File path or embedded name.
        origin: String,
        /// The schema string found.
        found: String,
    },
    /// The catalog is well-formed JSON but inconsistent (a dangling spec id, an unknown policy).
    #[error("{origin}: {message}")]
    Invalid {
        /// File path or embedded name.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A mapping file could not be read: missing, not a regular file, or over
    /// [`MAX_MAPPING_BYTES`].
    #[error(transparent)]
    Read(#[from] crate::fsread::ReadError),
    /// A mapping file is not `_mapping` / `_index_template` output, or a value has the wrong shape.
    #[error("{origin}: at {at}: {message}")]
    Mapping {
        /// The file path.
        origin: String,
        /// Dotted JSON path of the offending value.
        at: String,
        /// What is wrong.
        message: String,
    },
}

/// Provenance of one embedded source (an ECS release, an integration package, a beat).
#[derive(Debug, Clone, Deserialize)]
pub struct SourceInfo {
    /// What the source is.
    pub what: String,
    /// Its version (package, ECS or beats version), if known.
    pub version: Option<String>,
    /// Repository the data came from.
    pub repo: Option<String>,
    /// Commit of that repository.
    pub commit: Option<String>,
    /// Commit date.
    pub date: Option<String>,
    /// Path inside the repository.
    pub path: Option<String>,
    /// Licence of the data.
    pub license: Option<String>,
}

/// Where an index's mapping comes from; reports use it to say how far to trust an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexSource {
    /// Shipped with sigmaforge.
    Embedded {
        /// Source id (see [`FieldCatalog::source_info`]): `endpoint`, `windows`, `winlogbeat`, …
        source: String,
        /// Integration package, for Fleet data streams.
        package: Option<String>,
        /// Data stream name inside the package.
        data_stream: Option<String>,
        /// Package / beats / endgame version the fields come from.
        version: Option<String>,
        /// Newest package version known (integration data may be older than what users run).
        current_version: Option<String>,
        /// False when the field list is known to lack some multi-fields (see the data README).
        complete: bool,
    },
    /// A user's mapping file.
    User {
        /// The file.
        file: PathBuf,
        /// Index, data stream or template name in the file.
        name: String,
        /// Live mapping or template.
        kind: UserMappingKind,
    },
}

/// The two user file kinds differ in what an absent field means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMappingKind {
    /// `GET <index>/_mapping`: the fields documents have actually had.
    LiveMapping,
    /// `GET _index_template/<name>`: declared fields; component templates it is composed of are
    /// not included (their names are kept so a report can say so).
    IndexTemplate {
        /// `composed_of` names, not resolved.
        composed_of: Vec<String>,
    },
}

/// What an index does with a field it does not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undeclared {
    /// `dynamic: false` (Elastic Defend): the field is kept in `_source` but never searchable.
    NotSearchable,
    /// A live `_mapping`: no document in the index has carried the field, so nothing matches.
    NeverSeen,
    /// The source does not record the behaviour (endgame): treated as absent.
    Unknown,
    /// Mapped on first use: by the named dynamic template set, then by Elasticsearch's defaults
    /// (or as a runtime field with `dynamic: runtime`).
    Dynamic {
        /// Template set name (`ecs@mappings`, `beats`, or a user template's).
        templates: Option<String>,
        /// `dynamic: runtime`.
        runtime: bool,
    },
}

/// One index or data stream of the catalog.
#[derive(Debug, Clone)]
pub(super) struct IndexEntry {
    pub(super) patterns: Vec<String>,
    pub(super) source: IndexSource,
    pub(super) base_ecs: bool,
    pub(super) undeclared: Undeclared,
    pub(super) fields: FieldMap,
    pub(super) supplement: FieldMap,
    /// Replaced by a user mapping that overlaps it.
    pub(super) shadowed: bool,
}

/// The field catalog: embedded reference data, optionally overlaid with a user's mappings.
#[derive(Debug, Clone)]
pub struct FieldCatalog {
    pub(super) specs: Vec<Spec>,
    pub(super) template_sets: HashMap<String, Vec<DynamicTemplate>>,
    pub(super) ecs: FieldMap,
    pub(super) ecs_version: String,
    pub(super) sources: std::collections::BTreeMap<String, SourceInfo>,
    pub(super) indices: Vec<IndexEntry>,
}
