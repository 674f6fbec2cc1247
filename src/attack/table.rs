//! The ATT&CK table format: tactics, techniques and other objects as a table file (or a STIX bundle
//! converted by [`super::stix`]) describes them, and the errors of reading one. [`super::data`] builds
//! its lookups from these.

use serde::Deserialize;
use std::fmt;

/// Table format written by `scripts/gen_attack_tables.py`.
pub const TABLE_SCHEMA: &str = "sigmaforge-attack/1";
/// Format of the research tables in `shared/attack/`; accepted too because its keys are a superset.
pub const COMPACT_SCHEMA: &str = "attack-compact/1";

/// Errors from loading ATT&CK tables; a bad `--attack-data` file must be reported, not crash.
#[derive(Debug, thiserror::Error)]
pub enum AttackDataError {
    /// The table compiled into the binary does not inflate (a broken build).
    #[error("ATT&CK table {origin}: {message}")]
    Embedded {
        /// The embedded domain's name.
        origin: String,
        /// What went wrong.
        message: String,
    },
    /// A STIX bundle lacks what a table needs (version, domain).
    #[error("ATT&CK STIX bundle {origin}: {message}")]
    Stix {
        /// Where the bundle came from.
        origin: String,
        /// What is missing.
        message: String,
    },
    /// The table is not valid JSON or misses required keys.
    #[error("ATT&CK table {origin}: {source}")]
    Json {
        /// Where the table came from (embedded name or file path).
        origin: String,
        /// The serde error, with line and column.
        source: serde_json::Error,
    },
    /// The table declares a format this version cannot read.
    #[error(
        "ATT&CK table {origin}: unsupported schema {schema:?} (expected {TABLE_SCHEMA:?} or {COMPACT_SCHEMA:?})"
    )]
    Schema {
        /// Where the table came from.
        origin: String,
        /// The schema string found.
        schema: String,
    },
    /// The table names a domain other than the three ATT&CK matrices.
    #[error("ATT&CK table {origin}: unknown domain {domain:?}")]
    Domain {
        /// Where the table came from.
        origin: String,
        /// The domain string found.
        domain: String,
    },
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] crate::fsread::ReadError),
}

/// The three ATT&CK matrices; a layer is drawn on exactly one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Domain {
    /// Enterprise ATT&CK, what almost every Sigma rule targets.
    #[serde(rename = "enterprise-attack")]
    Enterprise,
    /// ATT&CK for ICS.
    #[serde(rename = "ics-attack")]
    Ics,
    /// ATT&CK for Mobile.
    #[serde(rename = "mobile-attack")]
    Mobile,
}

impl Domain {
    /// All domains in the order tags are resolved (Enterprise first, as Sigma rules are mostly Enterprise).
    pub const ALL: [Domain; 3] = [Domain::Enterprise, Domain::Ics, Domain::Mobile];

    /// The Navigator `domain` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Enterprise => "enterprise-attack",
            Domain::Ics => "ics-attack",
            Domain::Mobile => "mobile-attack",
        }
    }

    /// Parses Navigator names and the short forms a user types on the command line.
    pub fn parse(s: &str) -> Option<Domain> {
        match s.trim().to_ascii_lowercase().as_str() {
            "enterprise-attack" | "enterprise" => Some(Domain::Enterprise),
            "ics-attack" | "ics" => Some(Domain::Ics),
            "mobile-attack" | "mobile" => Some(Domain::Mobile),
            _ => None,
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Domain::Enterprise => 0,
            Domain::Ics => 1,
            Domain::Mobile => 2,
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tactic column of a matrix.
#[derive(Debug, Clone, Deserialize)]
pub struct Tactic {
    /// `TA####`.
    pub id: String,
    /// The tag and Navigator name, e.g. `defense-impairment`.
    pub shortname: String,
    /// Display name, e.g. `Defense Impairment`.
    pub name: String,
    /// Retired tactics stay in the table so tags naming them can be explained.
    #[serde(default)]
    pub deprecated: bool,
    /// Revoked tactics (none so far) are treated like deprecated ones.
    #[serde(default)]
    pub revoked: bool,
}

impl Tactic {
    /// Whether the tactic is a column of the current matrix.
    pub fn is_active(&self) -> bool {
        !self.deprecated && !self.revoked
    }
}

/// A technique or sub-technique.
#[derive(Debug, Clone, Deserialize)]
pub struct Technique {
    /// `T####` or `T####.###`, upper case.
    pub id: String,
    /// Display name (sub-techniques carry only their own part, e.g. `PowerShell`).
    pub name: String,
    /// Tactic shortnames in matrix order.
    #[serde(default)]
    pub tactics: Vec<String>,
    /// Platforms, sorted.
    #[serde(default)]
    pub platforms: Vec<String>,
    /// Deprecated: no replacement, tags should be removed.
    #[serde(default)]
    pub deprecated: bool,
    /// Revoked: merged into another technique, see `revoked_by`.
    #[serde(default)]
    pub revoked: bool,
    /// Final replacement of a revoked technique (revocation chains already followed).
    #[serde(default)]
    pub revoked_by: Option<String>,
}

impl Technique {
    /// Whether the technique is in the current matrix.
    pub fn is_active(&self) -> bool {
        !self.deprecated && !self.revoked
    }

    /// Whether this is a sub-technique.
    pub fn is_sub(&self) -> bool {
        self.id.contains('.')
    }

    /// The parent technique ID (itself for a parent).
    pub fn parent_id(&self) -> &str {
        self.id.split('.').next().unwrap_or(&self.id)
    }
}

/// Any other ATT&CK object a tag can name (group, software, mitigation, …).
#[derive(Debug, Clone, Deserialize)]
pub struct AttackObject {
    /// `G####`, `S####`, `M####`, `DS####`, `C####`, `A####`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Deprecated flag.
    #[serde(default)]
    pub deprecated: bool,
    /// Revoked flag.
    #[serde(default)]
    pub revoked: bool,
}

impl AttackObject {
    /// Whether the object is current.
    pub fn is_active(&self) -> bool {
        !self.deprecated && !self.revoked
    }
}

/// A table as stored on disk, before indexing; also what the STIX reader produces.
#[derive(Deserialize, Default)]
pub(crate) struct RawTable {
    #[serde(default)]
    pub(crate) schema: Option<String>,
    pub(crate) domain: String,
    pub(crate) attack_version: String,
    #[serde(default)]
    pub(crate) tactics: Vec<Tactic>,
    #[serde(default)]
    pub(crate) techniques: Vec<Technique>,
    #[serde(default)]
    pub(crate) groups: Vec<AttackObject>,
    #[serde(default)]
    pub(crate) software: Vec<AttackObject>,
    #[serde(default)]
    pub(crate) campaigns: Vec<AttackObject>,
    #[serde(default)]
    pub(crate) mitigations: Vec<AttackObject>,
    #[serde(default)]
    pub(crate) data_sources: Vec<AttackObject>,
    #[serde(default)]
    pub(crate) assets: Vec<AttackObject>,
}
