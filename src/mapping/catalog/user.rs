//! A user's own mappings, as Elasticsearch prints them, merged over the embedded catalog:
//! `GET <index>/_mapping` (`{"<index>": {"mappings": {...}}}`) and `GET _index_template/<name>`
//! (`{"index_templates": [{"name", "index_template": {"index_patterns", "template": {"mappings"}}}]}`),
//! or a single template body (`{"index_patterns": [...], "template": {...}}`).

use regex::Regex;
use serde_json::{Map, Value};
use std::path::Path;

use super::dynamic::{DynamicTemplate, NameTest};
use super::field::{DynamicSetting, FieldType, Spec};
use super::glob;
use super::model::{
    CatalogError, FieldCatalog, FieldMap, IndexEntry, IndexSource, MAX_MAPPING_BYTES,
    MAX_MAPPING_DEPTH, Undeclared, UserMappingKind,
};

/// A mapping parsed from one index or template.
struct Parsed {
    fields: Vec<(String, Spec)>,
    dynamic: DynamicSetting,
    templates: Vec<DynamicTemplate>,
}

struct Ctx<'a> {
    origin: &'a str,
}

impl Ctx<'_> {
    fn err(&self, at: &str, message: impl Into<String>) -> CatalogError {
        CatalogError::Mapping {
            origin: self.origin.to_string(),
            at: if at.is_empty() {
                "top level".into()
            } else {
                at.to_string()
            },
            message: message.into(),
        }
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

fn as_object<'v>(
    ctx: &Ctx,
    v: &'v Value,
    at: &str,
) -> Result<&'v Map<String, Value>, CatalogError> {
    v.as_object()
        .ok_or_else(|| ctx.err(at, format!("expected an object, found {}", kind_of(v))))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string<'v>(
    ctx: &Ctx,
    m: &'v Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<&'v str>, CatalogError> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(ctx.err(
            &join(at, key),
            format!("expected a string, found {}", kind_of(v)),
        )),
    }
}

/// Elasticsearch prints booleans as JSON booleans, but accepts (and echoes) `"true"`/`"false"`.
fn boolean(
    ctx: &Ctx,
    m: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<bool>, CatalogError> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
        Some(v) => Err(ctx.err(&join(at, key), format!("expected true or false, found {v}"))),
    }
}

fn dynamic_setting(
    ctx: &Ctx,
    m: &Map<String, Value>,
    at: &str,
) -> Result<Option<DynamicSetting>, CatalogError> {
    let value = match m.get("dynamic") {
        None => return Ok(None),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => return Err(ctx.err(&join(at, "dynamic"), format!("unexpected value {v}"))),
    };
    match value.as_str() {
        "true" => Ok(Some(DynamicSetting::True)),
        "false" | "strict" => Ok(Some(DynamicSetting::False)),
        "runtime" => Ok(Some(DynamicSetting::Runtime)),
        other => Err(ctx.err(
            &join(at, "dynamic"),
            format!("unexpected value {other:?} (true, false, strict or runtime)"),
        )),
    }
}

/// One field's mapping (without its `properties`, which the caller walks).
fn parse_spec(
    ctx: &Ctx,
    m: &Map<String, Value>,
    at: &str,
    depth: usize,
) -> Result<Spec, CatalogError> {
    if depth > MAX_MAPPING_DEPTH {
        return Err(ctx.err(at, format!("nested deeper than {MAX_MAPPING_DEPTH} levels")));
    }
    let ty = match string(ctx, m, "type", at)? {
        Some(t) => FieldType::parse(t),
        None => FieldType::Object,
    };
    let mut spec = Spec::of(ty);
    spec.normalizer = string(ctx, m, "normalizer", at)?.map(Into::into);
    spec.path = string(ctx, m, "path", at)?.map(Into::into);
    spec.ignore_above = match m.get("ignore_above") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
                .ok_or_else(|| {
                    ctx.err(&join(at, "ignore_above"), "expected a non-negative integer")
                })?,
        ),
    };
    spec.index = boolean(ctx, m, "index", at)?.unwrap_or(true);
    spec.dynamic = dynamic_setting(ctx, m, at)?;
    if boolean(ctx, m, "enabled", at)? == Some(false) {
        // A disabled object keeps its children in _source only.
        spec.dynamic = Some(DynamicSetting::False);
        spec.index = false;
    }
    if let Some(fields) = m.get("fields") {
        let at_f = join(at, "fields");
        for (name, sub) in as_object(ctx, fields, &at_f)? {
            let at_s = join(&at_f, name);
            let sub = parse_spec(ctx, as_object(ctx, sub, &at_s)?, &at_s, depth + 1)?;
            spec.multi_fields.push((name.as_str().into(), sub));
        }
    }
    Ok(spec)
}

fn walk_properties(
    ctx: &Ctx,
    props: &Value,
    prefix: &str,
    at: &str,
    depth: usize,
    out: &mut Vec<(String, Spec)>,
) -> Result<(), CatalogError> {
    if depth > MAX_MAPPING_DEPTH {
        return Err(ctx.err(at, format!("nested deeper than {MAX_MAPPING_DEPTH} levels")));
    }
    for (key, v) in as_object(ctx, props, at)? {
        let at_k = join(at, key);
        let m = as_object(ctx, v, &at_k)?;
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        out.push((name.clone(), parse_spec(ctx, m, &at_k, depth)?));
        if let Some(children) = m.get("properties") {
            walk_properties(
                ctx,
                children,
                &name,
                &join(&at_k, "properties"),
                depth + 1,
                out,
            )?;
        }
    }
    Ok(())
}

fn name_tests(
    ctx: &Ctx,
    v: Option<&Value>,
    regex: bool,
    at: &str,
) -> Result<Option<NameTest>, CatalogError> {
    let Some(pats) = strings(ctx, v, at)? else {
        return Ok(None);
    };
    if !regex {
        return Ok(Some(NameTest::Simple(pats)));
    }
    let res = pats
        .iter()
        .map(|p| {
            Regex::new(&format!("^(?:{p})$")).map_err(|e| ctx.err(at, format!("bad regex: {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(NameTest::Regex(res)))
}

/// A string or a list of strings.
fn strings(ctx: &Ctx, v: Option<&Value>, at: &str) -> Result<Option<Vec<String>>, CatalogError> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ctx.err(at, format!("expected strings, found {}", kind_of(i))))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(ctx.err(
            at,
            format!("expected a string or a list, found {}", kind_of(other)),
        )),
    }
}

fn parse_templates(ctx: &Ctx, v: &Value, at: &str) -> Result<Vec<DynamicTemplate>, CatalogError> {
    let items = v
        .as_array()
        .ok_or_else(|| ctx.err(at, format!("expected a list, found {}", kind_of(v))))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at_i = format!("{at}[{i}]");
        let obj = as_object(ctx, item, &at_i)?;
        let mut entries = obj.iter();
        let (Some((name, body)), None) = (entries.next(), entries.next()) else {
            return Err(ctx.err(
                &at_i,
                "a dynamic template is an object with exactly one name",
            ));
        };
        let at_t = join(&at_i, name);
        let t = as_object(ctx, body, &at_t)?;
        let regex = string(ctx, t, "match_pattern", &at_t)? == Some("regex");
        let mapping = match (t.get("mapping"), t.get("runtime")) {
            (Some(m), _) => parse_spec(ctx, as_object(ctx, m, &join(&at_t, "mapping"))?, &at_t, 0)?,
            (None, Some(r)) => {
                parse_spec(ctx, as_object(ctx, r, &join(&at_t, "runtime"))?, &at_t, 0)?
            }
            (None, None) => {
                return Err(ctx.err(&at_t, "a dynamic template needs `mapping` or `runtime`"));
            }
        };
        out.push(DynamicTemplate {
            name: name.clone(),
            kinds: strings(
                ctx,
                t.get("match_mapping_type"),
                &join(&at_t, "match_mapping_type"),
            )?
            .unwrap_or_default(),
            leaf: name_tests(ctx, t.get("match"), regex, &join(&at_t, "match"))?,
            leaf_not: name_tests(ctx, t.get("unmatch"), regex, &join(&at_t, "unmatch"))?,
            path: strings(ctx, t.get("path_match"), &join(&at_t, "path_match"))?,
            path_not: strings(ctx, t.get("path_unmatch"), &join(&at_t, "path_unmatch"))?,
            mapping,
        });
    }
    Ok(out)
}

/// A `mappings` object (with an Elasticsearch 6 type level such as `_doc` unwrapped).
fn parse_mappings(ctx: &Ctx, v: &Value, at: &str) -> Result<Parsed, CatalogError> {
    let mut m = as_object(ctx, v, at)?;
    let mut at = at.to_string();
    if !m.contains_key("properties")
        && m.len() == 1
        && let Some((ty, inner)) = m.iter().next()
        && inner.get("properties").is_some()
    {
        at = join(&at, ty);
        m = as_object(ctx, inner, &at)?;
    }
    let mut fields = Vec::new();
    if let Some(props) = m.get("properties") {
        walk_properties(ctx, props, "", &join(&at, "properties"), 0, &mut fields)?;
    }
    if let Some(runtime) = m.get("runtime") {
        let at_r = join(&at, "runtime");
        for (name, def) in as_object(ctx, runtime, &at_r)? {
            let at_n = join(&at_r, name);
            fields.push((
                name.clone(),
                parse_spec(ctx, as_object(ctx, def, &at_n)?, &at_n, 0)?,
            ));
        }
    }
    let templates = match m.get("dynamic_templates") {
        Some(t) => parse_templates(ctx, t, &join(&at, "dynamic_templates"))?,
        None => Vec::new(),
    };
    Ok(Parsed {
        fields,
        dynamic: dynamic_setting(ctx, m, &at)?.unwrap_or(DynamicSetting::True),
        templates,
    })
}

/// One index template: its name, patterns, own mapping and `composed_of`.
fn parse_template_body(
    ctx: &Ctx,
    name: &str,
    body: &Value,
    at: &str,
) -> Result<(Vec<String>, Parsed, Vec<String>), CatalogError> {
    let b = as_object(ctx, body, at)?;
    let patterns = strings(ctx, b.get("index_patterns"), &join(at, "index_patterns"))?
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ctx.err(at, format!("template {name} has no index_patterns")))?;
    let composed_of =
        strings(ctx, b.get("composed_of"), &join(at, "composed_of"))?.unwrap_or_default();
    let parsed = match b.get("template").and_then(|t| t.get("mappings")) {
        Some(m) => parse_mappings(ctx, m, &join(at, "template.mappings"))?,
        None => Parsed {
            fields: Vec::new(),
            dynamic: DynamicSetting::True,
            templates: Vec::new(),
        },
    };
    Ok((patterns, parsed, composed_of))
}

/// The data stream of a backing index name (`.ds-logs-x-default-2024.05.01-000001` →
/// `logs-x-default`); other names unchanged.
fn data_stream_of(backing: &Regex, name: &str) -> String {
    backing
        .captures(name)
        .and_then(|c| c.get(1))
        .map_or_else(|| name.to_string(), |m| m.as_str().to_string())
}

impl FieldCatalog {
    /// The embedded catalog with the user's mapping files (`--field-catalog`, `.sigmaforge.yml`
    /// `field-catalog:`) merged over it in order, each replacing the embedded data streams it
    /// overlaps.
    pub fn with_user_files<P: AsRef<Path>>(paths: &[P]) -> Result<FieldCatalog, CatalogError> {
        let mut catalog = FieldCatalog::embedded()?;
        for p in paths {
            catalog.load_user_mapping(p.as_ref())?;
        }
        Ok(catalog)
    }

    /// Reads a user's mapping file and merges it over the catalog (see [`Self::add_user_mapping`]).
    /// Files over [`MAX_MAPPING_BYTES`] are refused. Returns the names of the indices added.
    pub fn load_user_mapping(&mut self, path: &Path) -> Result<Vec<String>, CatalogError> {
        let cap = crate::fsread::Cap {
            what: "an Elasticsearch mapping file",
            bytes: MAX_MAPPING_BYTES,
        };
        let text = crate::fsread::read_text(path, cap)?;
        self.add_user_mapping(&text, path)
    }

    /// Merges mapping JSON (`GET <index>/_mapping` or `GET _index_template/<name>` output) read
    /// from `path`. Each index, data stream (backing indices are folded into their data stream) or
    /// template becomes a catalog index; embedded data streams whose pattern overlaps it are
    /// replaced, because the user's mapping is the truth for their cluster.
    pub fn add_user_mapping(
        &mut self,
        text: &str,
        path: &Path,
    ) -> Result<Vec<String>, CatalogError> {
        let origin = path.display().to_string();
        let ctx = Ctx { origin: &origin };
        let root: Value = serde_json::from_str(text).map_err(|source| CatalogError::Json {
            origin: origin.clone(),
            source,
        })?;
        let top = as_object(&ctx, &root, "")?;
        let mut entries: Vec<(Vec<String>, String, Parsed, UserMappingKind)> = Vec::new();
        if let Some(list) = top.get("index_templates") {
            let items = list
                .as_array()
                .ok_or_else(|| ctx.err("index_templates", "expected a list"))?;
            for (i, item) in items.iter().enumerate() {
                let at = format!("index_templates[{i}]");
                let obj = as_object(&ctx, item, &at)?;
                let name = string(&ctx, obj, "name", &at)?
                    .ok_or_else(|| ctx.err(&at, "a template needs a name"))?
                    .to_string();
                let body = obj
                    .get("index_template")
                    .ok_or_else(|| ctx.err(&at, "missing index_template"))?;
                let (patterns, parsed, composed_of) =
                    parse_template_body(&ctx, &name, body, &join(&at, "index_template"))?;
                entries.push((
                    patterns,
                    name,
                    parsed,
                    UserMappingKind::IndexTemplate { composed_of },
                ));
            }
        } else if top.contains_key("index_patterns") {
            let name = path
                .file_stem()
                .map_or_else(|| origin.clone(), |s| s.to_string_lossy().into_owned());
            let (patterns, parsed, composed_of) = parse_template_body(&ctx, &name, &root, "")?;
            entries.push((
                patterns,
                name,
                parsed,
                UserMappingKind::IndexTemplate { composed_of },
            ));
        } else if top.contains_key("component_templates") {
            return Err(ctx.err(
                "component_templates",
                "component templates name no index; give `GET <index>/_mapping` or \
                 `GET _index_template/<name>` output instead",
            ));
        } else {
            let backing = Regex::new(r"^\.ds-(.+)-\d{4}\.\d{2}\.\d{2}-\d+$")
                .map_err(|e| ctx.err("", e.to_string()))?;
            let mut names: Vec<&String> = top.keys().collect();
            names.sort();
            for index in names {
                let at = index.as_str();
                let obj = as_object(&ctx, &top[index], at)?;
                let mappings = obj.get("mappings").ok_or_else(|| {
                    ctx.err(
                        at,
                        "expected `GET <index>/_mapping` output ({\"<index>\": {\"mappings\": …}}) \
                         or `GET _index_template/<name>` output ({\"index_templates\": […]})",
                    )
                })?;
                let parsed = parse_mappings(&ctx, mappings, &join(at, "mappings"))?;
                let ds = data_stream_of(&backing, index);
                match entries.iter_mut().find(|(p, ..)| p[0] == ds) {
                    // A later backing index of the same data stream: its fields win.
                    Some((_, _, prev, _)) => {
                        prev.fields.extend(parsed.fields);
                        prev.dynamic = parsed.dynamic;
                    }
                    None => {
                        entries.push((vec![ds.clone()], ds, parsed, UserMappingKind::LiveMapping))
                    }
                }
            }
        }
        if entries.is_empty() {
            return Err(ctx.err("", "no index or template in the file"));
        }
        let mut added = Vec::with_capacity(entries.len());
        for (patterns, name, parsed, kind) in entries {
            added.push(patterns.join(","));
            self.push_user_index(path, patterns, name, parsed, kind);
        }
        Ok(added)
    }

    fn push_user_index(
        &mut self,
        path: &Path,
        patterns: Vec<String>,
        name: String,
        parsed: Parsed,
        kind: UserMappingKind,
    ) {
        let mut fields = FieldMap::new();
        for (field, spec) in parsed.fields {
            fields.insert(field.into_boxed_str(), self.specs.len());
            self.specs.push(spec);
        }
        let undeclared = match (&kind, parsed.dynamic) {
            (UserMappingKind::LiveMapping, _) => Undeclared::NeverSeen,
            (_, DynamicSetting::False) => Undeclared::NotSearchable,
            (_, setting) => {
                let templates = (!parsed.templates.is_empty()).then(|| {
                    let set = format!("user:{}:{}", path.display(), name);
                    self.template_sets.insert(set.clone(), parsed.templates);
                    set
                });
                Undeclared::Dynamic {
                    templates,
                    runtime: setting == DynamicSetting::Runtime,
                }
            }
        };
        for e in self.indices.iter_mut() {
            if matches!(e.source, IndexSource::Embedded { .. })
                && e.patterns
                    .iter()
                    .any(|ep| patterns.iter().any(|up| glob::intersect(up, ep)))
            {
                e.shadowed = true;
            }
        }
        self.indices.push(IndexEntry {
            patterns,
            source: IndexSource::User {
                file: path.to_path_buf(),
                name,
                kind,
            },
            base_ecs: false,
            undeclared,
            fields,
            supplement: FieldMap::new(),
            shadowed: false,
        });
    }
}
