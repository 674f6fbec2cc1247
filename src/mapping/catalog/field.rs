//! Field mapping types and the answer of a lookup ([`FieldInfo`]).

use std::fmt;

/// An Elasticsearch mapping type. Query semantics depend on it: `keyword`/`wildcard` match exactly
/// and case-sensitively, `text`/`match_only_text` are analyzed, numbers and `ip` compare as values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldType {
    /// `keyword`: exact, case-sensitive unless a normalizer lowercases it.
    Keyword,
    /// `constant_keyword`: one value for the whole index, matched like a keyword.
    ConstantKeyword,
    /// `wildcard`: exact, case-sensitive, optimised for leading wildcards.
    Wildcard,
    /// `text`: analyzed (tokenised, lowercased by the standard analyzer).
    Text,
    /// `match_only_text`: analyzed like `text`, without positions or scoring.
    MatchOnlyText,
    /// `long`.
    Long,
    /// `integer`.
    Integer,
    /// `short`.
    Short,
    /// `byte`.
    Byte,
    /// `double`.
    Double,
    /// `float`.
    Float,
    /// `half_float`.
    HalfFloat,
    /// `scaled_float`.
    ScaledFloat,
    /// `unsigned_long`.
    UnsignedLong,
    /// `date`.
    Date,
    /// `date_nanos`.
    DateNanos,
    /// `boolean`.
    Boolean,
    /// `ip`: IPv4/IPv6 value; supports CIDR terms, not string wildcards.
    Ip,
    /// `flattened`: an object whose leaf values are indexed as keywords under `parent.key`.
    Flattened,
    /// `object` (also the package-spec `group`): a container, not searchable itself.
    Object,
    /// `nested`: a container whose children need a `nested` query.
    Nested,
    /// `geo_point`.
    GeoPoint,
    /// `alias`: another name for the field in `path`.
    Alias,
    /// `binary`: not searchable.
    Binary,
    /// Any other type name, kept verbatim (`histogram`, `array`, …).
    Other(Box<str>),
}

impl FieldType {
    /// Parses an Elasticsearch / package-spec type name; unknown names become [`FieldType::Other`].
    pub fn parse(name: &str) -> FieldType {
        match name {
            "keyword" => FieldType::Keyword,
            "constant_keyword" => FieldType::ConstantKeyword,
            "wildcard" => FieldType::Wildcard,
            "text" => FieldType::Text,
            "match_only_text" => FieldType::MatchOnlyText,
            "long" => FieldType::Long,
            "integer" => FieldType::Integer,
            "short" => FieldType::Short,
            "byte" => FieldType::Byte,
            "double" => FieldType::Double,
            "float" => FieldType::Float,
            "half_float" => FieldType::HalfFloat,
            "scaled_float" => FieldType::ScaledFloat,
            "unsigned_long" => FieldType::UnsignedLong,
            "date" => FieldType::Date,
            "date_nanos" => FieldType::DateNanos,
            "boolean" => FieldType::Boolean,
            "ip" => FieldType::Ip,
            "flattened" => FieldType::Flattened,
            "object" | "group" => FieldType::Object,
            "nested" => FieldType::Nested,
            "geo_point" => FieldType::GeoPoint,
            "alias" => FieldType::Alias,
            "binary" => FieldType::Binary,
            other => FieldType::Other(other.into()),
        }
    }

    /// The Elasticsearch name of the type.
    pub fn as_str(&self) -> &str {
        match self {
            FieldType::Keyword => "keyword",
            FieldType::ConstantKeyword => "constant_keyword",
            FieldType::Wildcard => "wildcard",
            FieldType::Text => "text",
            FieldType::MatchOnlyText => "match_only_text",
            FieldType::Long => "long",
            FieldType::Integer => "integer",
            FieldType::Short => "short",
            FieldType::Byte => "byte",
            FieldType::Double => "double",
            FieldType::Float => "float",
            FieldType::HalfFloat => "half_float",
            FieldType::ScaledFloat => "scaled_float",
            FieldType::UnsignedLong => "unsigned_long",
            FieldType::Date => "date",
            FieldType::DateNanos => "date_nanos",
            FieldType::Boolean => "boolean",
            FieldType::Ip => "ip",
            FieldType::Flattened => "flattened",
            FieldType::Object => "object",
            FieldType::Nested => "nested",
            FieldType::GeoPoint => "geo_point",
            FieldType::Alias => "alias",
            FieldType::Binary => "binary",
            FieldType::Other(s) => s,
        }
    }

    /// Numbers compare as values: a Sigma string like `"0x10"` or a wildcard cannot match them.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            FieldType::Long
                | FieldType::Integer
                | FieldType::Short
                | FieldType::Byte
                | FieldType::Double
                | FieldType::Float
                | FieldType::HalfFloat
                | FieldType::ScaledFloat
                | FieldType::UnsignedLong
        )
    }

    /// Exact string matching (term, prefix, wildcard queries) on the whole value.
    pub fn is_exact_string(&self) -> bool {
        matches!(
            self,
            FieldType::Keyword
                | FieldType::ConstantKeyword
                | FieldType::Wildcard
                | FieldType::Flattened
        )
    }

    /// Analyzed text: matched token by token, already case-insensitive.
    pub fn is_text(&self) -> bool {
        matches!(self, FieldType::Text | FieldType::MatchOnlyText)
    }

    /// Containers hold sub-fields and match nothing themselves.
    pub fn is_container(&self) -> bool {
        matches!(self, FieldType::Object | FieldType::Nested)
    }

    /// The JSON kind of value that a pipeline writes for a field of this type, used to choose the
    /// dynamic template an undeclared field of the same name would get.
    pub fn value_kind(&self) -> ValueKind {
        match self {
            FieldType::Long
            | FieldType::Integer
            | FieldType::Short
            | FieldType::Byte
            | FieldType::UnsignedLong => ValueKind::Long,
            FieldType::Double
            | FieldType::Float
            | FieldType::HalfFloat
            | FieldType::ScaledFloat => ValueKind::Double,
            FieldType::Boolean => ValueKind::Boolean,
            FieldType::Object | FieldType::Nested | FieldType::Flattened => ValueKind::Object,
            _ => ValueKind::String,
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON kind of a value as Elasticsearch's dynamic mapping sees it (`match_mapping_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A JSON string.
    String,
    /// A JSON integer.
    Long,
    /// A JSON floating-point number.
    Double,
    /// `true` / `false`.
    Boolean,
    /// A JSON object.
    Object,
}

impl ValueKind {
    /// The `match_mapping_type` name.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::String => "string",
            ValueKind::Long => "long",
            ValueKind::Double => "double",
            ValueKind::Boolean => "boolean",
            ValueKind::Object => "object",
        }
    }
}

/// The `dynamic` setting of a mapping or an object: what happens to a field nobody declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynamicSetting {
    /// `true`: mapped on first use (dynamic templates, then Elasticsearch's defaults).
    True,
    /// `false` / `strict` / `enabled: false`: not searchable (or refused).
    False,
    /// `runtime`: becomes a runtime field (strings as `keyword`).
    Runtime,
}

/// One stored mapping: a field, a multi-field or a dynamic template's mapping. Only what changes
/// query semantics is kept (`doc_values`, `scaling_factor` are read past).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spec {
    pub ty: FieldType,
    pub normalizer: Option<Box<str>>,
    pub ignore_above: Option<u32>,
    pub object_type: Option<FieldType>,
    pub path: Option<Box<str>>,
    pub index: bool,
    pub dynamic: Option<DynamicSetting>,
    pub multi_fields: Vec<(Box<str>, Spec)>,
}

impl Spec {
    /// A plain mapping of one type, searchable, without extras.
    pub fn of(ty: FieldType) -> Spec {
        Spec {
            ty,
            normalizer: None,
            ignore_above: None,
            object_type: None,
            path: None,
            index: true,
            dynamic: None,
            multi_fields: Vec::new(),
        }
    }

    /// The public answer for `name` with this mapping.
    pub fn info(&self, name: &str, origin: Origin) -> FieldInfo {
        FieldInfo {
            name: name.to_string(),
            ty: self.ty.clone(),
            normalizer: self.normalizer.as_deref().map(str::to_string),
            ignore_above: self.ignore_above,
            searchable: self.index,
            multi_fields: self
                .multi_fields
                .iter()
                .map(|(n, s)| SubField {
                    name: n.to_string(),
                    ty: s.ty.clone(),
                    normalizer: s.normalizer.as_deref().map(str::to_string),
                    ignore_above: s.ignore_above,
                })
                .collect(),
            origin,
        }
    }
}

/// A multi-field of a field (`process.name.caseless`, `process.command_line.text`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubField {
    /// The sub-field's own name (`caseless`); the full field is `<field>.<name>`.
    pub name: String,
    /// Its type.
    pub ty: FieldType,
    /// Its normalizer (`lowercase` for Elastic's `.caseless`).
    pub normalizer: Option<String>,
    /// Longer values are not indexed in it.
    pub ignore_above: Option<u32>,
}

impl SubField {
    /// True for a keyword-like sub-field that lowercases values and queries: case-insensitive
    /// exact matching without a script or regex.
    pub fn is_lowercase_keyword(&self) -> bool {
        self.ty.is_exact_string() && self.normalizer.as_deref() == Some("lowercase")
    }
}

/// Why a field has the mapping a lookup returned: declared, inherited, or inferred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Listed by the index (package, beat, endgame, user mapping or template).
    Declared,
    /// From the ECS base that beats index templates include.
    Ecs,
    /// From detection-rules' non-ECS field list for an index pattern covering this index.
    Supplement,
    /// A multi-field of the declared field `parent`.
    MultiField {
        /// The field that declares the multi-field.
        parent: String,
    },
    /// An undeclared key under an `object` whose `object_type` types all its children
    /// (`winlog.event_data.*` are keywords).
    ObjectType {
        /// The object field.
        parent: String,
    },
    /// A key inside a `flattened` field: indexed as a keyword.
    Flattened {
        /// The flattened field.
        parent: String,
    },
    /// The field is an alias; the mapping is that of `target`.
    Alias {
        /// The aliased field.
        target: String,
    },
    /// Not declared: this dynamic template would map it when a document first carries it.
    DynamicTemplate {
        /// Name of the matching template (`all_strings_to_keywords`).
        template: String,
    },
    /// Not declared and no dynamic template matches: Elasticsearch's default dynamic mapping
    /// (a string becomes `text` with a `.keyword` sub-field) would map it on first use.
    DefaultDynamic,
}

impl Origin {
    /// True when the mapping is a prediction for a field nobody declared: the field exists only
    /// if the ingest pipeline actually writes it.
    pub fn is_inferred(&self) -> bool {
        matches!(
            self,
            Origin::DynamicTemplate { .. } | Origin::DefaultDynamic
        )
    }
}

/// What one index says about one field: the answer callers build queries and diagnostics from.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    /// The field name that was looked up.
    pub name: String,
    /// Its mapping type.
    pub ty: FieldType,
    /// Its normalizer, if any (`lowercase` makes a keyword case-insensitive).
    pub normalizer: Option<String>,
    /// Keyword values longer than this are not indexed (a match on them silently fails).
    pub ignore_above: Option<u32>,
    /// `false` when the mapping has `index: false`: present in `_source`, not searchable.
    pub searchable: bool,
    /// The field's multi-fields.
    pub multi_fields: Vec<SubField>,
    /// Why the field has this mapping.
    pub origin: Origin,
}

impl FieldInfo {
    /// Numeric comparison semantics (see [`FieldType::is_numeric`]).
    pub fn is_numeric(&self) -> bool {
        self.ty.is_numeric()
    }

    /// `ip` semantics: CIDR terms work, string wildcards do not.
    pub fn is_ip(&self) -> bool {
        self.ty == FieldType::Ip
    }

    /// Whether a plain term query on this field ignores case: a lowercase normalizer, or an
    /// analyzed text type.
    pub fn is_case_insensitive(&self) -> bool {
        self.ty.is_text() || self.normalizer.as_deref() == Some("lowercase")
    }

    /// Name of a multi-field that is a lowercase-normalized keyword (Elastic's `caseless`), the
    /// cheap way to match case-insensitively. The full field name is `<name>.<sub>`.
    pub fn lowercase_subfield(&self) -> Option<&str> {
        self.multi_fields
            .iter()
            .find(|s| s.is_lowercase_keyword())
            .map(|s| s.name.as_str())
    }

    /// A multi-field by its short name.
    pub fn subfield(&self, name: &str) -> Option<&SubField> {
        self.multi_fields.iter().find(|s| s.name == name)
    }
}
