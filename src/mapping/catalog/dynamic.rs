//! Dynamic templates: the mapping an undeclared field gets when a document first carries it.

use regex::Regex;

use super::field::{FieldType, Spec, ValueKind};
use super::glob;

/// A field-name condition of a template: Elasticsearch's simple `*` wildcards, or a regex with
/// `match_pattern: regex`.
#[derive(Debug, Clone)]
pub(crate) enum NameTest {
    Simple(Vec<String>),
    Regex(Vec<Regex>),
}

impl NameTest {
    fn test(&self, subject: &str) -> bool {
        match self {
            NameTest::Simple(pats) => pats.iter().any(|p| glob::matches(p, subject)),
            NameTest::Regex(res) => res.iter().any(|r| r.is_match(subject)),
        }
    }
}

/// One dynamic template, as in a mapping's `dynamic_templates` list.
#[derive(Debug, Clone)]
pub(crate) struct DynamicTemplate {
    pub name: String,
    /// `match_mapping_type`: value kinds (`*` matches all); empty = any.
    pub kinds: Vec<String>,
    /// `match` / `unmatch`: tested on the last name segment.
    pub leaf: Option<NameTest>,
    pub leaf_not: Option<NameTest>,
    /// `path_match` / `path_unmatch`: tested on the full dotted path.
    pub path: Option<Vec<String>>,
    pub path_not: Option<Vec<String>>,
    pub mapping: Spec,
}

impl DynamicTemplate {
    fn applies(&self, name: &str, kind: ValueKind) -> bool {
        let kind_ok =
            self.kinds.is_empty() || self.kinds.iter().any(|k| k == "*" || k == kind.as_str());
        let leaf = name.rsplit('.').next().unwrap_or(name);
        kind_ok
            && self.leaf.as_ref().is_none_or(|t| t.test(leaf))
            && !self.leaf_not.as_ref().is_some_and(|t| t.test(leaf))
            && self
                .path
                .as_ref()
                .is_none_or(|ps| ps.iter().any(|p| glob::matches(p, name)))
            && !self
                .path_not
                .as_ref()
                .is_some_and(|ps| ps.iter().any(|p| glob::matches(p, name)))
    }
}

/// The first template (in order) that maps `name` holding a value of `kind`, with the mapping it
/// gives; `{dynamic_type}` in the mapping's type is replaced by the value's kind.
pub(crate) fn first_match<'t>(
    templates: &'t [DynamicTemplate],
    name: &str,
    kind: ValueKind,
) -> Option<(&'t str, Spec)> {
    let t = templates.iter().find(|t| t.applies(name, kind))?;
    let mut spec = t.mapping.clone();
    if spec.ty == FieldType::Other("{dynamic_type}".into()) {
        spec.ty = default_spec(kind).ty;
    }
    Some((t.name.as_str(), spec))
}

/// Elasticsearch's default dynamic mapping when no template matches: a string becomes `text` with
/// a `keyword` sub-field (ignore_above 256), an integer `long`, a float `float`.
pub(crate) fn default_spec(kind: ValueKind) -> Spec {
    match kind {
        ValueKind::String => {
            let mut s = Spec::of(FieldType::Text);
            let mut kw = Spec::of(FieldType::Keyword);
            kw.ignore_above = Some(256);
            s.multi_fields.push(("keyword".into(), kw));
            s
        }
        ValueKind::Long => Spec::of(FieldType::Long),
        ValueKind::Double => Spec::of(FieldType::Float),
        ValueKind::Boolean => Spec::of(FieldType::Boolean),
        ValueKind::Object => Spec::of(FieldType::Object),
    }
}

/// `dynamic: runtime`: strings become `keyword` runtime fields, floats `double`.
pub(crate) fn runtime_spec(kind: ValueKind) -> Spec {
    match kind {
        ValueKind::String => Spec::of(FieldType::Keyword),
        ValueKind::Double => Spec::of(FieldType::Double),
        other => default_spec(other),
    }
}
