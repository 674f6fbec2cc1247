//! Reading the embedded catalog format `sigmaforge-fields/1` (written by
//! `scripts/gen-field-catalog.py`, described in `data/fields/README.md`).

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

use super::dynamic::{DynamicTemplate, NameTest};
use super::field::{FieldType, Spec};
use super::model::{
    CATALOG_SCHEMA, CatalogError, FieldCatalog, FieldMap, IndexEntry, IndexSource, SourceInfo,
    Undeclared,
};

#[derive(Deserialize)]
struct RawCatalog {
    schema: String,
    sources: BTreeMap<String, SourceInfo>,
    specs: Vec<RawSpec>,
    dynamic_templates: BTreeMap<String, Vec<RawTemplate>>,
    ecs: RawEcs,
    indices: Vec<RawIndex>,
}

#[derive(Deserialize)]
struct RawSpec {
    #[serde(rename = "type")]
    ty: String,
    normalizer: Option<String>,
    ignore_above: Option<u32>,
    object_type: Option<String>,
    path: Option<String>,
    index: Option<bool>,
    #[serde(default)]
    multi_fields: BTreeMap<String, RawSpec>,
}

impl RawSpec {
    fn into_spec(self) -> Spec {
        Spec {
            ty: FieldType::parse(&self.ty),
            normalizer: self.normalizer.map(Into::into),
            ignore_above: self.ignore_above,
            object_type: self.object_type.as_deref().map(FieldType::parse),
            path: self.path.map(Into::into),
            index: self.index.unwrap_or(true),
            dynamic: None,
            multi_fields: self
                .multi_fields
                .into_iter()
                .map(|(n, s)| (n.into(), s.into_spec()))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct RawTemplate {
    name: String,
    #[serde(rename = "match")]
    leaf: Option<Vec<String>>,
    unmatch: Option<Vec<String>>,
    path_match: Option<Vec<String>>,
    path_unmatch: Option<Vec<String>>,
    match_mapping_type: Option<String>,
    mapping: usize,
}

#[derive(Deserialize)]
struct RawEcs {
    version: String,
    fields: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct RawIndex {
    pattern: String,
    source: String,
    package: Option<String>,
    data_stream: Option<String>,
    version: Option<String>,
    current_version: Option<String>,
    complete: bool,
    base: Option<String>,
    dynamic: String,
    fields: HashMap<String, usize>,
    #[serde(default)]
    supplement: HashMap<String, usize>,
}

fn invalid(origin: &str, message: String) -> CatalogError {
    CatalogError::Invalid {
        origin: origin.to_string(),
        message,
    }
}

fn field_map(
    raw: HashMap<String, usize>,
    nspecs: usize,
    origin: &str,
    what: &str,
) -> Result<FieldMap, CatalogError> {
    raw.into_iter()
        .map(|(name, id)| {
            if id >= nspecs {
                return Err(invalid(
                    origin,
                    format!("{what}: field {name} refers to spec {id}, but there are {nspecs}"),
                ));
            }
            Ok((name.into_boxed_str(), id))
        })
        .collect()
}

/// Parses catalog text; `origin` names it in errors.
pub(crate) fn parse(text: &str, origin: &str) -> Result<FieldCatalog, CatalogError> {
    let raw: RawCatalog = serde_json::from_str(text).map_err(|source| CatalogError::Json {
        origin: origin.to_string(),
        source,
    })?;
    if raw.schema != CATALOG_SCHEMA {
        return Err(CatalogError::Schema {
            origin: origin.to_string(),
            found: raw.schema,
        });
    }
    let specs: Vec<Spec> = raw.specs.into_iter().map(RawSpec::into_spec).collect();
    let n = specs.len();
    let mut template_sets = HashMap::new();
    for (set, rows) in raw.dynamic_templates {
        let mut templates = Vec::with_capacity(rows.len());
        for r in rows {
            let mapping = specs.get(r.mapping).cloned().ok_or_else(|| {
                invalid(
                    origin,
                    format!("dynamic template {}: no spec {}", r.name, r.mapping),
                )
            })?;
            templates.push(DynamicTemplate {
                name: r.name,
                kinds: r.match_mapping_type.into_iter().collect(),
                leaf: r.leaf.map(NameTest::Simple),
                leaf_not: r.unmatch.map(NameTest::Simple),
                path: r.path_match,
                path_not: r.path_unmatch,
                mapping,
            });
        }
        template_sets.insert(set, templates);
    }
    let ecs = field_map(raw.ecs.fields, n, origin, "ecs")?;
    let mut indices = Vec::with_capacity(raw.indices.len());
    for ix in raw.indices {
        let undeclared = match ix.dynamic.as_str() {
            "closed" => Undeclared::NotSearchable,
            "unknown" => Undeclared::Unknown,
            set if template_sets.contains_key(set) => Undeclared::Dynamic {
                templates: Some(set.to_string()),
                runtime: false,
            },
            other => {
                return Err(invalid(
                    origin,
                    format!(
                        "index {}: dynamic {other:?} is neither closed, unknown nor a template set",
                        ix.pattern
                    ),
                ));
            }
        };
        let base_ecs = match ix.base.as_deref() {
            None => false,
            Some("ecs") => true,
            Some(other) => {
                return Err(invalid(
                    origin,
                    format!("index {}: unknown base {other:?}", ix.pattern),
                ));
            }
        };
        let fields = field_map(ix.fields, n, origin, &ix.pattern)?;
        let supplement = field_map(ix.supplement, n, origin, &ix.pattern)?;
        indices.push(IndexEntry {
            patterns: vec![ix.pattern],
            source: IndexSource::Embedded {
                source: ix.source,
                package: ix.package,
                data_stream: ix.data_stream,
                version: ix.version,
                current_version: ix.current_version,
                complete: ix.complete,
            },
            base_ecs,
            undeclared,
            fields,
            supplement,
            shadowed: false,
        });
    }
    Ok(FieldCatalog {
        specs,
        template_sets,
        ecs,
        ecs_version: raw.ecs.version,
        sources: raw.sources,
        indices,
    })
}
