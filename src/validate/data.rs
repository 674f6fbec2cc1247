//! Reference data compiled into the binary (SigmaHQ taxonomy, file-name prefixes, Windows tables), so
//! validation works offline and gives the same answer on every machine. Sources: `data/validate/`.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

/// A logsource triple `(product, category, service)`; `definition` never takes part in lookups.
pub type Triple = (Option<String>, Option<String>, Option<String>);

/// Builds a lookup key from optional parts.
pub fn triple(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> Triple {
    (
        product.map(str::to_string),
        category.map(str::to_string),
        service.map(str::to_string),
    )
}

#[derive(Deserialize)]
struct RawLogsource {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
}

#[derive(Deserialize)]
struct RawTaxField {
    #[serde(default)]
    native: Vec<String>,
    #[serde(default)]
    custom: Vec<String>,
    #[serde(default)]
    redundant: Vec<String>,
}

#[derive(Deserialize)]
struct RawTaxEntry {
    logsource: RawLogsource,
    field: RawTaxField,
}

#[derive(Deserialize)]
struct RawTaxonomy {
    version: String,
    taxonomy: BTreeMap<String, RawTaxEntry>,
}

/// Fields SigmaHQ documents for one logsource.
#[derive(Debug, Default)]
pub struct TaxEntry {
    /// Native and custom field names (case-sensitive).
    pub fields: Vec<String>,
    /// Fields already implied by the logsource.
    pub redundant: Vec<String>,
}

/// pySigma-validators-sigmahq's taxonomy: the known logsources and their fields.
#[derive(Debug, Default)]
pub struct Taxonomy {
    /// Data version.
    pub version: String,
    /// Entries by triple.
    pub entries: HashMap<Triple, TaxEntry>,
}

/// The embedded SigmaHQ taxonomy.
pub fn taxonomy() -> &'static Taxonomy {
    static T: OnceLock<Taxonomy> = OnceLock::new();
    T.get_or_init(|| {
        let raw: RawTaxonomy = serde_json::from_str(&embedded(crate::embedded::deflated!(
            "data-validate-sigmahq_taxonomy.json"
        )))
        .unwrap_or_else(|_| RawTaxonomy {
            version: String::new(),
            taxonomy: BTreeMap::new(),
        });
        Taxonomy {
            version: raw.version,
            entries: raw
                .taxonomy
                .into_values()
                .map(|e| {
                    let key = (
                        e.logsource.product,
                        e.logsource.category,
                        e.logsource.service,
                    );
                    let mut fields = e.field.native;
                    fields.extend(e.field.custom);
                    (
                        key,
                        TaxEntry {
                            fields,
                            redundant: e.field.redundant,
                        },
                    )
                })
                .collect(),
        }
    })
}

#[derive(Deserialize)]
struct RawPrefix {
    logsource: RawLogsource,
    prefix: String,
}

#[derive(Deserialize)]
struct RawFilename {
    pattern: BTreeMap<String, RawPrefix>,
}

/// File-name prefixes by logsource triple (SigmaHQ convention).
pub fn filename_prefixes() -> &'static HashMap<Triple, String> {
    static T: OnceLock<HashMap<Triple, String>> = OnceLock::new();
    T.get_or_init(|| {
        serde_json::from_str::<RawFilename>(&embedded(crate::embedded::deflated!(
            "data-validate-sigmahq_filename.json"
        )))
        .map(|raw| {
            raw.pattern
                .into_values()
                .map(|p| {
                    (
                        (
                            p.logsource.product,
                            p.logsource.category,
                            p.logsource.service,
                        ),
                        p.prefix,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
    })
}

#[derive(Deserialize)]
struct RawWindows {
    category_no_eventid: Vec<String>,
    category_provider_name: BTreeMap<String, Vec<String>>,
}

/// Windows generic categories that need neither `EventID` nor `Provider_Name`.
#[derive(Debug, Default)]
pub struct Windows {
    /// Categories where `EventID` is implied.
    pub no_eventid: HashSet<String>,
    /// Providers each category already implies.
    pub providers: HashMap<String, Vec<String>>,
}

/// The embedded Windows tables.
pub fn windows() -> &'static Windows {
    static T: OnceLock<Windows> = OnceLock::new();
    T.get_or_init(|| {
        serde_json::from_str::<RawWindows>(&embedded(crate::embedded::deflated!(
            "data-validate-sigmahq_windows_validator.json"
        )))
        .map(|raw| Windows {
            no_eventid: raw.category_no_eventid.into_iter().collect(),
            providers: raw.category_provider_name.into_iter().collect(),
        })
        .unwrap_or_default()
    })
}

#[derive(Deserialize, Default)]
struct RawCiProduct {
    #[serde(default)]
    common: Vec<String>,
    #[serde(default)]
    empty: Vec<String>,
    #[serde(default)]
    category: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    service: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct RawCi {
    version: String,
    legit: BTreeMap<String, RawCiProduct>,
    #[serde(default)]
    addon: BTreeMap<String, RawCiProduct>,
}

/// One product of SigmaHQ CI's `logsource.json`, with add-ons merged and common fields appended to every
/// category and service, exactly as the CI test prepares it.
#[derive(Debug, Default)]
pub struct CiProduct {
    /// Fields valid for every logsource of the product.
    pub common: Vec<String>,
    /// Fields when only the product is given.
    pub empty: Vec<String>,
    /// Fields per category.
    pub category: HashMap<String, Vec<String>>,
    /// Fields per service.
    pub service: HashMap<String, Vec<String>>,
}

/// SigmaHQ CI's logsource taxonomy (`tests/logsource.json`).
#[derive(Debug, Default)]
pub struct CiTaxonomy {
    /// Data version.
    pub version: String,
    /// Products; `empty` holds the product-less categories.
    pub products: HashMap<String, CiProduct>,
}

/// The embedded CI taxonomy.
pub fn ci_taxonomy() -> &'static CiTaxonomy {
    static T: OnceLock<CiTaxonomy> = OnceLock::new();
    T.get_or_init(|| {
        let Ok(raw) = serde_json::from_str::<RawCi>(&embedded(crate::embedded::deflated!(
            "data-validate-sigmahq_logsource.json"
        ))) else {
            return CiTaxonomy::default();
        };
        let mut products = HashMap::new();
        for (name, p) in raw.legit {
            let mut prod = CiProduct {
                common: p.common,
                empty: p.empty,
                category: p.category.into_iter().collect(),
                service: p.service.into_iter().collect(),
            };
            if let Some(add) = raw.addon.get(&name) {
                for (c, f) in &add.category {
                    if let Some(list) = prod.category.get_mut(c) {
                        list.extend(f.iter().cloned());
                    }
                }
                for (s, f) in &add.service {
                    if let Some(list) = prod.service.get_mut(s) {
                        list.extend(f.iter().cloned());
                    }
                }
            }
            let common = prod.common.clone();
            for list in prod.category.values_mut().chain(prod.service.values_mut()) {
                list.extend(common.iter().cloned());
            }
            products.insert(name, prod);
        }
        CiTaxonomy {
            version: raw.version,
            products,
        }
    })
}

/// The text of an embedded SigmaHQ table; empty (so parsing fails and the caller's fallback
/// applies, as for any unreadable table) if the build embedded corrupt bytes.
fn embedded(bytes: &[u8]) -> String {
    crate::embedded::inflate(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_loads() {
        assert!(taxonomy().entries.len() > 100);
        assert_eq!(taxonomy().version, "20251205");
        assert!(filename_prefixes().len() > 100);
        assert!(windows().no_eventid.contains("process_creation"));
        let ci = ci_taxonomy();
        assert!(
            ci.products["windows"].category["process_creation"].contains(&"EventID".to_string())
        );
        let key = triple(Some("windows"), Some("process_creation"), None);
        assert!(
            taxonomy().entries[&key]
                .fields
                .contains(&"CommandLine".to_string())
        );
    }
}
