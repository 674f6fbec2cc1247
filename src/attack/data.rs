//! ATT&CK reference data: the embedded v19.1 tables and user-supplied replacements.
//!
//! Tag validation, layers and coverage numbers are only as good as the ATT&CK release they are
//! checked against (a v18 table flags 1,487 SigmaHQ rules as invalid), so the data is a value that
//! callers pass around, carries its version into every output, and can be swapped for a newer table
//! with `--attack-data` without a new release of the tool.

use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// Where a domain's table text comes from: compiled in (deflated by build.rs) or given as text.
#[derive(Debug, Clone, Copy)]
enum Source {
    Deflated(&'static [u8]),
    Text(&'static str),
}

const EMBEDDED_ENTERPRISE: Source =
    Source::Deflated(crate::embedded::deflated!("data-attack-enterprise.json"));
const EMBEDDED_ICS: Source = Source::Deflated(crate::embedded::deflated!("data-attack-ics.json"));
const EMBEDDED_MOBILE: Source =
    Source::Deflated(crate::embedded::deflated!("data-attack-mobile.json"));

use super::table::RawTable;
/// ATT&CK data: a table, or a full STIX bundle (enterprise-attack.json is about 50 MB).
pub const ATTACK_DATA_FILE: crate::fsread::Cap = crate::fsread::Cap {
    what: "ATT&CK data",
    bytes: 256 * 1024 * 1024,
};

pub use super::table::{
    AttackDataError, AttackObject, COMPACT_SCHEMA, Domain, TABLE_SCHEMA, Tactic, Technique,
};

/// Kinds of non-technique objects, so lookups and findings can name what was looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    /// `G####`.
    Group,
    /// `S####`.
    Software,
    /// `C####`.
    Campaign,
    /// `M####`.
    Mitigation,
    /// `DS####`.
    DataSource,
    /// `A####` (ICS assets).
    Asset,
}

impl ObjectKind {
    /// Human name used in messages.
    pub fn label(self) -> &'static str {
        match self {
            ObjectKind::Group => "group",
            ObjectKind::Software => "software",
            ObjectKind::Campaign => "campaign",
            ObjectKind::Mitigation => "mitigation",
            ObjectKind::DataSource => "data source",
            ObjectKind::Asset => "asset",
        }
    }
}

/// One parsed ATT&CK domain with indexes for the lookups tags and layers need.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// Which matrix this is.
    pub domain: Domain,
    /// ATT&CK release, e.g. `19.1`.
    pub version: String,
    /// Tactics, current ones in matrix order, retired ones after them.
    pub tactics: Vec<Tactic>,
    /// All techniques (active, deprecated, revoked), sorted by ID.
    pub techniques: Vec<Technique>,
    technique_index: HashMap<String, usize>,
    objects: HashMap<ObjectKind, HashMap<String, AttackObject>>,
}

impl Matrix {
    /// Parses a table in the `sigmaforge-attack/1` (or `attack-compact/1`) format.
    pub fn from_json(text: &str, origin: &str) -> Result<Matrix, AttackDataError> {
        let raw: RawTable = serde_json::from_str(text).map_err(|source| AttackDataError::Json {
            origin: origin.to_string(),
            source,
        })?;
        Matrix::from_raw(raw, origin)
    }

    /// Parses either a table or a MITRE STIX 2.x bundle (`"type": "bundle"`), so `--attack-data`
    /// can take MITRE's official file directly.
    pub fn from_any_json(text: &str, origin: &str) -> Result<Matrix, AttackDataError> {
        #[derive(Deserialize)]
        struct Probe {
            #[serde(rename = "type", default)]
            kind: Option<String>,
        }
        let probe: Probe = serde_json::from_str(text).map_err(|source| AttackDataError::Json {
            origin: origin.to_string(),
            source,
        })?;
        if probe.kind.as_deref() == Some("bundle") {
            let raw = super::stix::table_from_bundle(text, origin)?;
            Matrix::from_raw(raw, origin)
        } else {
            Matrix::from_json(text, origin)
        }
    }

    pub(crate) fn from_raw(raw: RawTable, origin: &str) -> Result<Matrix, AttackDataError> {
        if let Some(schema) = &raw.schema
            && schema != TABLE_SCHEMA
            && schema != COMPACT_SCHEMA
        {
            return Err(AttackDataError::Schema {
                origin: origin.to_string(),
                schema: schema.clone(),
            });
        }
        let domain = Domain::parse(&raw.domain).ok_or_else(|| AttackDataError::Domain {
            origin: origin.to_string(),
            domain: raw.domain.clone(),
        })?;
        let mut techniques = raw.techniques;
        for t in &mut techniques {
            t.id = t.id.to_ascii_uppercase();
            if let Some(r) = &mut t.revoked_by {
                *r = r.to_ascii_uppercase();
            }
        }
        techniques.sort_by(|a, b| a.id.cmp(&b.id));
        // duplicates: keep the active one (a bundle can hold an old revoked object under the same ID)
        techniques.dedup_by(|later, earlier| {
            if later.id == earlier.id {
                if !earlier.is_active() && later.is_active() {
                    std::mem::swap(later, earlier);
                }
                true
            } else {
                false
            }
        });
        let technique_index = techniques
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        let mut tactics: Vec<Tactic> = Vec::with_capacity(raw.tactics.len());
        let (active, retired): (Vec<Tactic>, Vec<Tactic>) =
            raw.tactics.into_iter().partition(Tactic::is_active);
        tactics.extend(active);
        tactics.extend(retired);
        let mut objects = HashMap::new();
        for (kind, list) in [
            (ObjectKind::Group, raw.groups),
            (ObjectKind::Software, raw.software),
            (ObjectKind::Campaign, raw.campaigns),
            (ObjectKind::Mitigation, raw.mitigations),
            (ObjectKind::DataSource, raw.data_sources),
            (ObjectKind::Asset, raw.assets),
        ] {
            let map: HashMap<String, AttackObject> = list
                .into_iter()
                .map(|mut o| {
                    o.id = o.id.to_ascii_uppercase();
                    (o.id.clone(), o)
                })
                .collect();
            objects.insert(kind, map);
        }
        Ok(Matrix {
            domain,
            version: raw.attack_version,
            tactics,
            techniques,
            technique_index,
            objects,
        })
    }

    /// The major version Navigator keys on (`"19.1"` → `"19"`).
    pub fn major_version(&self) -> &str {
        self.version.split('.').next().unwrap_or(&self.version)
    }

    /// Looks a technique up by upper-case ID.
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.technique_index
            .get(id)
            .and_then(|&i| self.techniques.get(i))
    }

    /// Looks a tactic up by shortname (current or retired).
    pub fn tactic(&self, shortname: &str) -> Option<&Tactic> {
        self.tactics.iter().find(|t| t.shortname == shortname)
    }

    /// Current tactics in matrix order.
    pub fn active_tactics(&self) -> impl Iterator<Item = &Tactic> {
        self.tactics.iter().filter(|t| t.is_active())
    }

    /// Matrix position of a tactic, so tactic lists sort like the Navigator columns.
    pub fn tactic_rank(&self, shortname: &str) -> usize {
        self.tactics
            .iter()
            .position(|t| t.shortname == shortname)
            .unwrap_or(usize::MAX)
    }

    /// Current techniques and sub-techniques.
    pub fn active_techniques(&self) -> impl Iterator<Item = &Technique> {
        self.techniques.iter().filter(|t| t.is_active())
    }

    /// Looks up a group, software, … by upper-case ID.
    pub fn object(&self, kind: ObjectKind, id: &str) -> Option<&AttackObject> {
        self.objects.get(&kind).and_then(|m| m.get(id))
    }

    /// Whether the table lists any object of this kind (tables built from old bundles may lack assets),
    /// so an ID of an unlisted kind is reported as unchecked rather than unknown.
    pub fn has_objects(&self, kind: ObjectKind) -> bool {
        self.objects.get(&kind).is_some_and(|m| !m.is_empty())
    }
}

/// ATT&CK data for all three domains, parsed lazily on first use of each domain.
///
/// Held by value and passed to every function that needs it, so tests can swap in small tables and
/// `--attack-data` can replace one domain without any global state.
#[derive(Debug)]
pub struct AttackData {
    /// Embedded table text per domain, parsed on first use unless `parsed` is already set.
    sources: [Source; 3],
    parsed: [OnceLock<Matrix>; 3],
}

impl Default for AttackData {
    fn default() -> Self {
        Self::embedded()
    }
}

impl AttackData {
    /// The ATT&CK v19.1 tables compiled into the binary.
    pub fn embedded() -> AttackData {
        AttackData {
            sources: [EMBEDDED_ENTERPRISE, EMBEDDED_ICS, EMBEDDED_MOBILE],
            parsed: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
        }
    }

    /// Replaces the domain named inside `text` with that table or MITRE STIX bundle (for
    /// `--attack-data FILE`).
    ///
    /// The data is parsed now so a bad file fails before any work is done; only the parsed matrix
    /// is kept (a 40 MB bundle is not held in memory).
    pub fn with_table(mut self, text: &str, origin: &str) -> Result<AttackData, AttackDataError> {
        let matrix = Matrix::from_any_json(text, origin)?;
        let i = matrix.domain.index();
        let cell = OnceLock::new();
        let _ = cell.set(matrix);
        self.parsed[i] = cell;
        Ok(self)
    }

    /// Reads a table or bundle file and replaces the domain it names; see
    /// [`AttackData::with_table`].
    pub fn with_table_file(self, path: &Path) -> Result<AttackData, AttackDataError> {
        let text = crate::fsread::read_text(path, ATTACK_DATA_FILE)?;
        self.with_table(&text, &path.display().to_string())
    }

    /// Data built from given tables only (tests and fixtures); domains not given are empty matrices.
    pub fn from_tables(tables: &[&str]) -> Result<AttackData, AttackDataError> {
        let mut data = AttackData {
            sources: [EMPTY_ENTERPRISE, EMPTY_ICS, EMPTY_MOBILE],
            parsed: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
        };
        for (n, t) in tables.iter().enumerate() {
            data = data.with_table(t, &format!("table #{}", n + 1))?;
        }
        Ok(data)
    }

    /// The parsed matrix of a domain, parsing it on first use.
    pub fn matrix(&self, domain: Domain) -> Result<&Matrix, AttackDataError> {
        let i = domain.index();
        if let Some(m) = self.parsed[i].get() {
            return Ok(m);
        }
        let origin = format!("embedded {}", domain.as_str());
        let m = match self.sources[i] {
            Source::Text(text) => Matrix::from_json(text, &origin)?,
            Source::Deflated(bytes) => {
                let text = crate::embedded::inflate(bytes).map_err(|message| {
                    AttackDataError::Embedded {
                        origin: origin.clone(),
                        message,
                    }
                })?;
                Matrix::from_json(&text, &origin)?
            }
        };
        // another thread may have won the race; either value is the same table
        Ok(self.parsed[i].get_or_init(|| m))
    }

    /// The Enterprise matrix, the one Sigma layers are drawn on.
    pub fn enterprise(&self) -> Result<&Matrix, AttackDataError> {
        self.matrix(Domain::Enterprise)
    }
}

const EMPTY_ENTERPRISE: Source =
    Source::Text(r#"{"domain":"enterprise-attack","attack_version":"0"}"#);
const EMPTY_ICS: Source = Source::Text(r#"{"domain":"ics-attack","attack_version":"0"}"#);
const EMPTY_MOBILE: Source = Source::Text(r#"{"domain":"mobile-attack","attack_version":"0"}"#);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tables_have_v19_counts() {
        let data = AttackData::embedded();
        let e = data.enterprise().expect("embedded enterprise parses");
        assert_eq!(e.version, "19.1");
        assert_eq!(e.major_version(), "19");
        assert_eq!(e.active_tactics().count(), 15);
        let active: Vec<_> = e.active_techniques().collect();
        assert_eq!(active.iter().filter(|t| !t.is_sub()).count(), 222);
        assert_eq!(active.iter().filter(|t| t.is_sub()).count(), 475);
        let order: Vec<_> = e.active_tactics().map(|t| t.shortname.as_str()).collect();
        assert_eq!(order[6], "stealth");
        assert_eq!(order[7], "defense-impairment");
        assert_eq!(
            e.technique("T1562.001")
                .and_then(|t| t.revoked_by.as_deref()),
            Some("T1685")
        );
        let ics = data.matrix(Domain::Ics).expect("ics parses");
        assert_eq!(ics.active_tactics().count(), 12);
        let mobile = data.matrix(Domain::Mobile).expect("mobile parses");
        assert_eq!(mobile.active_tactics().count(), 12);
        assert!(e.object(ObjectKind::Software, "S0002").is_some());
    }

    #[test]
    fn override_replaces_only_its_domain() {
        let table = r#"{"schema":"sigmaforge-attack/1","domain":"enterprise-attack","attack_version":"20.0",
            "tactics":[{"id":"TA0002","shortname":"execution","name":"Execution"}],
            "techniques":[{"id":"t1059","name":"Cmd","tactics":["execution"],"platforms":["Windows"]}]}"#;
        let data = AttackData::embedded()
            .with_table(table, "test")
            .expect("valid table");
        let e = data.enterprise().expect("parsed");
        assert_eq!(e.version, "20.0");
        assert!(e.technique("T1059").is_some());
        assert_eq!(data.matrix(Domain::Ics).expect("ics").version, "19.1");
    }

    #[test]
    fn bad_tables_are_errors_not_panics() {
        let data = AttackData::embedded();
        assert!(matches!(
            data.with_table("{", "x"),
            Err(AttackDataError::Json { .. })
        ));
        let bad_schema = r#"{"schema":"nope/9","domain":"enterprise-attack","attack_version":"1"}"#;
        assert!(matches!(
            AttackData::embedded().with_table(bad_schema, "x"),
            Err(AttackDataError::Schema { .. })
        ));
        let bad_domain = r#"{"domain":"pre-attack","attack_version":"1"}"#;
        assert!(matches!(
            AttackData::embedded().with_table(bad_domain, "x"),
            Err(AttackDataError::Domain { .. })
        ));
    }

    #[test]
    fn research_compact_tables_load_too() {
        let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/attack/attack-enterprise-v18.1.json");
        let Ok(text) = std::fs::read_to_string(&shared) else {
            eprintln!("skip: {} not present", shared.display());
            return;
        };
        let data = AttackData::embedded()
            .with_table(&text, "v18.1")
            .expect("compact table loads");
        let e = data.enterprise().expect("parsed");
        assert_eq!(e.version, "18.1");
        assert!(e.tactic("stealth").is_none());
    }
}
