//! Stable codes of the parser's diagnostics and of the field-catalog findings on mapped queries
//! (`SF2xx`, made by `check` per configured target); the validators have their own, in `validate`.

use crate::diag::Severity;

/// A parser diagnostic kind: code, short name, severity and a one-line doc.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    /// Stable code.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// Severity.
    pub severity: Severity,
    /// What it means.
    pub doc: &'static str,
}

macro_rules! codes {
    ($($const:ident = $code:literal, $name:literal, $sev:ident, $doc:literal;)*) => {
        $(
            #[doc = $doc]
            pub const $const: &str = $code;
        )*
        /// Every parser code, for `sigmaforge list codes` and SARIF rule metadata.
        pub const ALL: &[CodeInfo] = &[
            $(CodeInfo { code: $code, name: $name, severity: Severity::$sev, doc: $doc },)*
        ];
    };
}

codes! {
    IO = "SF001", "io-error", Error, "The file could not be read.";
    NOT_UTF8 = "SF002", "not-utf8", Error, "The file is not valid UTF-8.";
    BINARY = "SF003", "binary-file", Error, "The file looks binary (contains NUL bytes).";
    TOO_LARGE = "SF004", "file-too-large", Error, "The file exceeds the size limit for a rule file.";
    EMPTY = "SF005", "empty-file", Warning, "The file holds no YAML document.";
    NOT_SIGMA = "SF006", "not-sigma", Info, "A YAML document that is not a Sigma rule, correlation or filter was skipped.";
    YAML_SYNTAX = "SF010", "yaml-syntax", Error, "The YAML syntax is broken.";
    YAML_DUPLICATE_KEY = "SF011", "yaml-duplicate-key", Error, "A mapping repeats a key (YAML forbids it; PyYAML silently keeps the last).";
    YAML_LIMIT = "SF012", "yaml-limit", Error, "Nesting depth or alias expansion exceeds the safety limits.";
    NOT_A_MAPPING = "SF020", "not-a-mapping", Error, "A Sigma document must be a YAML mapping.";
    MISSING_FIELD = "SF021", "missing-field", Error, "A field the specification requires is missing.";
    WRONG_TYPE = "SF022", "wrong-type", Error, "A field has the wrong YAML type.";
    BAD_ENUM = "SF023", "invalid-value", Error, "A field has a value outside the allowed set (status, level, relation type).";
    UNKNOWN_MODIFIER = "SF030", "unknown-modifier", Error, "A detection key uses a modifier Sigma does not define.";
    ILLEGAL_MODIFIERS = "SF031", "illegal-modifier-chain", Error, "A modifier chain breaks the specification's combination rules.";
    BAD_VALUE = "SF032", "invalid-detection-value", Error, "A detection value does not fit its modifiers (bad regex, CIDR, number, …).";
    BAD_SEARCH = "SF033", "invalid-search", Error, "A search identifier's body has a shape Sigma does not allow.";
    CONDITION_SYNTAX = "SF040", "condition-syntax", Error, "The condition cannot be parsed.";
    UNKNOWN_IDENTIFIER = "SF041", "unknown-identifier", Error, "The condition names a search identifier that does not exist.";
    EMPTY_OF = "SF042", "of-matches-nothing", Error, "An `1 of` / `all of` pattern matches no search identifier.";
    AGGREGATION = "SF043", "v1-aggregation", Error, "Sigma v1 aggregation syntax (`| count()`, `near`); write a correlation rule.";
    UNUSED_SEARCH = "SF044", "unused-search", Warning, "A search identifier is never used by the condition.";
    CORRELATION = "SF050", "invalid-correlation", Error, "A correlation document is malformed.";
    UNRESOLVED_REFERENCE = "SF051", "unresolved-reference", Error, "A correlation or filter references a rule id or name that no scanned rule has.";
    FILTER = "SF060", "invalid-filter", Error, "A filter document is malformed.";
    MULTI_DOC_ACTION = "SF070", "invalid-action", Error, "An `action:` of a multi-document file is not global, reset or repeat, or has nothing to repeat.";
    FIELD_NOT_IN_INDEX = "SF201", "field-not-in-index", Warning, "A field the mapped query uses does not exist in an index the rule searches (field catalog); tests on it never match there.";
    FIELD_IS_TEXT = "SF202", "field-is-text", Info, "A string match uses a field analyzed as text in an index the rule searches: wildcards and phrases match words, not the whole value.";
    RULE_NEVER_MATCHES = "SF203", "rule-never-matches", Warning, "Fields missing from every index the rule searches make its query false everywhere: the rule can never match.";
}
