//! Elastic field catalog: which fields exist in which index, and how each is mapped.
//!
//! A Sigma query on Elastic fails *silently* when the field does not exist in the searched index,
//! when its `keyword` mapping makes the match case-sensitive, or when a number is compared as a
//! string. This module answers those questions per index so that conversion and validation can
//! warn or pick the right field (`process.name.caseless`) instead of producing a query that never
//! matches.
//!
//! # Data
//! [`FieldCatalog::embedded`] parses `data/fields/catalog.json` (made by
//! `scripts/gen-field-catalog.py`; provenance and caveats in `data/fields/README.md`): ECS 9.4, the
//! 16 Elastic Defend 9.5 data streams, Fleet integration data streams (windows, system, aws, …),
//! `winlogbeat-*`/`filebeat-*`/`auditbeat-*` (with the ECS base), `endgame-*`, detection-rules'
//! non-ECS extras, and the `ecs@mappings` dynamic templates. The catalog is a value: callers
//! load it once and pass it on; nothing is global. A user's real mappings
//! ([`FieldCatalog::load_user_mapping`]: `GET <index>/_mapping` or `GET _index_template/<name>`
//! output) are merged over it and replace the embedded data streams they overlap.
//!
//! # Index patterns
//! [`FieldCatalog::resolve`] takes a rule's index string as Elasticsearch does: comma-separated,
//! `*` wildcards, a `cluster:` prefix ignored, `-pattern` excluding. Every catalog index whose
//! pattern **overlaps** an included pattern (some index name matches both) is a member, except the
//! members an exclusion **covers**. So `logs-endpoint.events.*` resolves to the eight Elastic
//! Defend event data streams, `logs-*` to every `logs-` data stream, `winlogbeat-*` to one member.
//!
//! Members are kept **apart**, not merged into one union mapping, because the same name can be
//! mapped differently per data stream, and a query runs against all of them. [`Resolved::field`]
//! gives a [`FieldView`]: one answer per member plus the aggregate questions below.
//!
//! # Lookup in one index
//! [`IndexRef::lookup`] tries, in order: the index's own fields; the ECS base (beats indices);
//! detection-rules' supplement; a multi-field of a declared field (`process.name.caseless`); a key
//! under an `object` with `object_type` (`winlog.event_data.Image` → keyword) or under a
//! `flattened` field; then the index's policy for undeclared fields ([`Undeclared`]): Elastic
//! Defend is `dynamic: false` (absent → not searchable), integrations are typed by `ecs@mappings`
//! (absent → the template's type, [`Origin::DynamicTemplate`]; `x.caseless` under an undeclared
//! ECS leaf `x` exists only if `x`'s dynamic mapping adds that multi-field), a live `_mapping`
//! says a field no document has carried does not exist.
//!
//! # API for conversion and validation
//! For a rule: `let r = catalog.resolve(index)`; for each field `let v = r.field(name)`:
//! * exists? — [`FieldView::exists`] (some member has it, declared or by dynamic mapping);
//!   [`FieldView::missing_in`] names the members where it can never match, and
//!   [`FieldView::is_declared`] separates declared fields from dynamic-template predictions.
//! * type — [`FieldView::types`] (several = a conflict across members).
//! * case handling — [`FieldView::lowercase_subfield`]: the name of a lowercase-normalized keyword
//!   multi-field (`caseless`) present wherever the field is, else `None` (then a case-insensitive
//!   match needs a regex or `case_insensitive` query); [`FieldView::is_case_insensitive`] when the
//!   field itself already ignores case (normalizer or analyzed text).
//! * numeric? / ip? — [`FieldView::is_numeric`], [`FieldView::is_ip`]: all members agree.
//! * did you mean — [`Resolved::nearest`].

mod data;
mod dynamic;
mod field;
mod glob;
mod model;
mod suggest;
mod user;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

pub use field::{DynamicSetting, FieldInfo, FieldType, Origin, SubField, ValueKind};

use field::Spec;
pub use model::{
    CATALOG_SCHEMA, CatalogError, FieldCatalog, IndexSource, MAX_MAPPING_BYTES, MAX_MAPPING_DEPTH,
    SourceInfo, Undeclared, UserMappingKind,
};
use model::{FieldMap, IndexEntry};

impl FieldCatalog {
    /// Parses the catalog compiled into the binary (about 1.5 MB of JSON, stored deflated; load it
    /// once per run).
    pub fn embedded() -> Result<FieldCatalog, CatalogError> {
        const ORIGIN: &str = "embedded data/fields/catalog.json";
        let corrupt = |message: String| CatalogError::Invalid {
            origin: ORIGIN.to_string(),
            message,
        };
        let text = crate::embedded::inflate(crate::embedded::deflated!("data-fields-catalog.json"))
            .map_err(corrupt)?;
        data::parse(&text, ORIGIN)
    }

    /// Parses catalog text in the `sigmaforge-fields/1` format (a regenerated catalog).
    pub fn from_json(text: &str, origin: &str) -> Result<FieldCatalog, CatalogError> {
        data::parse(text, origin)
    }

    /// ECS version of the base field set.
    pub fn ecs_version(&self) -> &str {
        &self.ecs_version
    }

    /// Provenance of an embedded source id (from [`IndexSource::Embedded::source`]).
    pub fn source_info(&self, id: &str) -> Option<&SourceInfo> {
        self.sources.get(id)
    }

    /// All indices that take part in resolution (embedded ones a user mapping replaced are left out).
    pub fn indices(&self) -> impl Iterator<Item = IndexRef<'_>> {
        self.live().map(|idx| IndexRef { catalog: self, idx })
    }

    fn live(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.indices.len()).filter(|&i| !self.indices[i].shadowed)
    }

    /// The ECS definition of a field (or of its multi-field), independent of any index: what a
    /// rule written against ECS expects.
    pub fn ecs_field(&self, name: &str) -> Option<FieldInfo> {
        if let Some(&id) = self.ecs.get(name) {
            return Some(self.specs[id].info(name, Origin::Ecs));
        }
        let (parent, sub) = name.rsplit_once('.')?;
        let spec = &self.specs[*self.ecs.get(parent)?];
        let (_, s) = spec.multi_fields.iter().find(|(n, _)| &**n == sub)?;
        Some(s.info(
            name,
            Origin::MultiField {
                parent: parent.to_string(),
            },
        ))
    }

    /// Resolves a rule's index string (see the module doc for the matching rules).
    pub fn resolve(&self, index: &str) -> Resolved<'_> {
        self.resolve_all(index.split(','))
    }

    /// Resolves several index patterns (an Elastic Security rule's `index` list) together.
    pub fn resolve_all<I, S>(&self, patterns: I) -> Resolved<'_>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let (mut include, mut exclude) = (Vec::new(), Vec::new());
        for p in patterns {
            for token in p.as_ref().split(',') {
                let token = token.trim();
                let token = token.rsplit_once(':').map_or(token, |(_, t)| t);
                match token.strip_prefix('-') {
                    Some(ex) if !ex.is_empty() => exclude.push(ex.to_string()),
                    _ if !token.is_empty() => include.push(token.to_string()),
                    _ => {}
                }
            }
        }
        let members = self
            .live()
            .filter(|&i| {
                let pats = &self.indices[i].patterns;
                include
                    .iter()
                    .any(|inc| pats.iter().any(|p| glob::intersect(inc, p)))
                    && !exclude
                        .iter()
                        .any(|ex| pats.iter().all(|p| glob::covers(ex, p)))
            })
            .collect();
        Resolved {
            catalog: self,
            members,
        }
    }

    /// The mapping `name` would get from the template set `set` when first written with a value
    /// of `kind`; `None` when no template matches (Elasticsearch's defaults then apply).
    pub fn dynamic_mapping(&self, set: &str, name: &str, kind: ValueKind) -> Option<FieldInfo> {
        let templates = self.template_sets.get(set)?;
        let (template, spec) = dynamic::first_match(templates, name, kind)?;
        Some(spec.info(
            name,
            Origin::DynamicTemplate {
                template: template.to_string(),
            },
        ))
    }

    /// The JSON kind a pipeline most likely writes for `name`: the kind of its ECS type, else a
    /// string. Chooses the dynamic template for undeclared fields.
    fn guess_kind(&self, name: &str) -> ValueKind {
        self.ecs
            .get(name)
            .map_or(ValueKind::String, |&id| self.specs[id].ty.value_kind())
    }
}

/// One index of the catalog, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct IndexRef<'c> {
    catalog: &'c FieldCatalog,
    idx: usize,
}

impl<'c> IndexRef<'c> {
    fn entry(&self) -> &'c IndexEntry {
        &self.catalog.indices[self.idx]
    }

    /// The index patterns this entry stands for (one for embedded data streams; a template's
    /// `index_patterns`; a concrete index or data stream name for a live mapping).
    pub fn patterns(&self) -> &'c [String] {
        &self.entry().patterns
    }

    /// A display name: the patterns joined by commas.
    pub fn name(&self) -> String {
        self.entry().patterns.join(",")
    }

    /// Where the mapping comes from.
    pub fn source(&self) -> &'c IndexSource {
        &self.entry().source
    }

    /// What the index does with undeclared fields.
    pub fn undeclared(&self) -> &'c Undeclared {
        &self.entry().undeclared
    }

    /// Number of fields the index declares itself (without the ECS base and supplement).
    pub fn declared_count(&self) -> usize {
        self.entry().fields.len()
    }

    /// Every searchable name this index declares: its fields, the ECS base, the supplement, and
    /// `field.sub` for multi-fields. Sorted.
    pub fn field_names(&self) -> BTreeSet<String> {
        let e = self.entry();
        let cat = self.catalog;
        let mut maps: Vec<&FieldMap> = vec![&e.fields, &e.supplement];
        if e.base_ecs {
            maps.push(&cat.ecs);
        }
        let mut out = BTreeSet::new();
        for m in maps {
            for (name, &id) in m {
                for (sub, _) in &cat.specs[id].multi_fields {
                    out.insert(format!("{name}.{sub}"));
                }
                out.insert(name.to_string());
            }
        }
        out
    }

    fn declared(&self, name: &str) -> Option<(&'c Spec, Origin)> {
        let e = self.entry();
        let cat = self.catalog;
        if let Some(&id) = e.fields.get(name) {
            return Some((&cat.specs[id], Origin::Declared));
        }
        if e.base_ecs
            && let Some(&id) = cat.ecs.get(name)
        {
            return Some((&cat.specs[id], Origin::Ecs));
        }
        e.supplement
            .get(name)
            .map(|&id| (&cat.specs[id], Origin::Supplement))
    }

    /// How this index maps `name`; `None` when a query on it can never match here. An undeclared
    /// field is typed as if written with the JSON kind of its ECS type (else a string).
    pub fn lookup(&self, name: &str) -> Option<FieldInfo> {
        self.lookup_as(name, self.catalog.guess_kind(name))
    }

    /// Like [`IndexRef::lookup`], with the JSON kind of the value stated for undeclared fields.
    pub fn lookup_as(&self, name: &str, kind: ValueKind) -> Option<FieldInfo> {
        if let Some((spec, origin)) = self.declared(name) {
            if spec.ty == FieldType::Alias
                && let Some(target) = spec.path.as_deref()
                && let Some((t, _)) = self.declared(target)
            {
                return Some(t.info(
                    name,
                    Origin::Alias {
                        target: target.to_string(),
                    },
                ));
            }
            return Some(spec.info(name, origin));
        }
        let mut end = name.len();
        while let Some(dot) = name[..end].rfind('.') {
            let parent = &name[..dot];
            end = dot;
            let Some((spec, _)) = self.declared(parent) else {
                continue;
            };
            let parent_owned = parent.to_string();
            if spec.ty == FieldType::Flattened {
                // Elasticsearch indexes every leaf of a flattened object as a keyword under
                // `parent.key`: exact and case-sensitive, with the parent's `ignore_above`.
                let leaf = Spec {
                    ignore_above: spec.ignore_above,
                    index: spec.index,
                    ..Spec::of(FieldType::Keyword)
                };
                return Some(leaf.info(
                    name,
                    Origin::Flattened {
                        parent: parent_owned,
                    },
                ));
            }
            if spec.ty.is_container() {
                if let Some(ot) = &spec.object_type {
                    return Some(Spec::of(ot.clone()).info(
                        name,
                        Origin::ObjectType {
                            parent: parent_owned,
                        },
                    ));
                }
                if spec.dynamic == Some(DynamicSetting::False) || !spec.index {
                    return None;
                }
                continue;
            }
            // Under a leaf field only its multi-fields exist.
            let sub = &name[dot + 1..];
            let (_, s) = spec.multi_fields.iter().find(|(n, _)| &**n == sub)?;
            return Some(s.info(
                name,
                Origin::MultiField {
                    parent: parent_owned,
                },
            ));
        }
        match &self.entry().undeclared {
            Undeclared::NotSearchable | Undeclared::NeverSeen | Undeclared::Unknown => None,
            Undeclared::Dynamic { templates, runtime } => {
                // Under a field that ECS defines as a leaf only that field's dynamic multi-fields
                // can exist (`process.parent.executable.caseless` where the parent is undeclared).
                if let Some((parent, sub)) = name.rsplit_once('.')
                    && let Some(&id) = self.catalog.ecs.get(parent)
                    && !self.catalog.specs[id].ty.is_container()
                {
                    let p = self.lookup(parent)?;
                    let s = p.subfield(sub)?;
                    return Some(FieldInfo {
                        name: name.to_string(),
                        ty: s.ty.clone(),
                        normalizer: s.normalizer.clone(),
                        ignore_above: s.ignore_above,
                        searchable: true,
                        multi_fields: Vec::new(),
                        origin: p.origin,
                    });
                }
                if let Some(set) = templates
                    && let Some(info) = self.catalog.dynamic_mapping(set, name, kind)
                {
                    return Some(info);
                }
                let spec = if *runtime {
                    dynamic::runtime_spec(kind)
                } else {
                    dynamic::default_spec(kind)
                };
                Some(spec.info(name, Origin::DefaultDynamic))
            }
        }
    }
}

/// The members of a resolved index string.
#[derive(Debug, Clone)]
pub struct Resolved<'c> {
    catalog: &'c FieldCatalog,
    members: Vec<usize>,
}

impl<'c> Resolved<'c> {
    /// True when no catalog index overlaps the patterns: nothing can be said about fields.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The member indices, in catalog order.
    pub fn indices(&self) -> impl Iterator<Item = IndexRef<'c>> + '_ {
        self.members.iter().map(|&idx| IndexRef {
            catalog: self.catalog,
            idx,
        })
    }

    /// One field in every member.
    pub fn field(&self, name: &str) -> FieldView<'c> {
        FieldView {
            name: name.to_string(),
            per_index: self.indices().map(|ix| (ix, ix.lookup(name))).collect(),
        }
    }

    /// Up to `limit` declared names of the members closest to `name`, best first: same name in
    /// another case, small edit distance, then the same trailing segments
    /// (`parent.executable` → `process.parent.executable`).
    pub fn nearest(&self, name: &str, limit: usize) -> Vec<String> {
        let mut names = BTreeSet::new();
        for ix in self.indices() {
            names.extend(ix.field_names());
        }
        suggest::nearest(name, names.iter().map(String::as_str), limit)
    }
}

/// One field across the members of a [`Resolved`]: per-member answers and the aggregate checks
/// conversion needs.
#[derive(Debug, Clone)]
pub struct FieldView<'c> {
    name: String,
    per_index: Vec<(IndexRef<'c>, Option<FieldInfo>)>,
}

impl<'c> FieldView<'c> {
    /// The field name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Each member with its answer (`None`: the field can never match there).
    pub fn per_index(&self) -> &[(IndexRef<'c>, Option<FieldInfo>)] {
        &self.per_index
    }

    fn present(&self) -> impl Iterator<Item = &FieldInfo> {
        self.per_index.iter().filter_map(|(_, f)| f.as_ref())
    }

    /// Some member can match the field (declared, or mapped dynamically on first use).
    pub fn exists(&self) -> bool {
        self.present().next().is_some()
    }

    /// Some member declares the field (not just a dynamic-template prediction).
    pub fn is_declared(&self) -> bool {
        self.present().any(|f| !f.origin.is_inferred())
    }

    /// Members where a query on the field can never match.
    pub fn missing_in(&self) -> Vec<IndexRef<'c>> {
        self.per_index
            .iter()
            .filter(|(_, f)| f.is_none())
            .map(|(ix, _)| *ix)
            .collect()
    }

    /// The distinct types across the members that have the field; more than one is a conflict.
    pub fn types(&self) -> Vec<FieldType> {
        let set: BTreeSet<FieldType> = self.present().map(|f| f.ty.clone()).collect();
        set.into_iter().collect()
    }

    /// The lowercase-normalized keyword multi-field (`caseless`) if every member that has the
    /// field has one of that name; a query on `<field>.<sub>` then matches case-insensitively
    /// everywhere the field can match.
    pub fn lowercase_subfield(&self) -> Option<String> {
        let mut found: Option<&str> = None;
        for f in self.present() {
            let sub = f.lowercase_subfield()?;
            if found.is_some_and(|s| s != sub) {
                return None;
            }
            found = Some(sub);
        }
        found.map(str::to_string)
    }

    /// Every member that has the field matches it case-insensitively already.
    pub fn is_case_insensitive(&self) -> bool {
        self.exists() && self.present().all(FieldInfo::is_case_insensitive)
    }

    /// Every member that has the field maps it as a number.
    pub fn is_numeric(&self) -> bool {
        self.exists() && self.present().all(FieldInfo::is_numeric)
    }

    /// Every member that has the field maps it as `ip`.
    pub fn is_ip(&self) -> bool {
        self.exists() && self.present().all(FieldInfo::is_ip)
    }
}
