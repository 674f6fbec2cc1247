//! Findings about the fields a query uses, from the field catalog (made by `mapping::typing`,
//! carried on [`crate::mapping::RuleQueries`], turned into diagnostics by `check` and into warnings
//! by `convert`). A leaf file so the IR can hold them without importing the typing pass.

/// What a finding says about a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// The field does not exist (is not searchable) in the listed indices: a test on it never
    /// matches there.
    NotInIndex,
    /// The field is analyzed `text` / `match_only_text` in the listed indices: wildcards and
    /// phrases match tokens, not the whole value.
    TextField,
}

/// How many index names a finding's message lists before "… N more".
pub const SHOWN_INDICES: usize = 6;

impl FindingKind {
    /// The stable diagnostic code (`SF201`, `SF202`; see `rule::codes`).
    pub fn code(self) -> &'static str {
        match self {
            FindingKind::NotInIndex => crate::rule::codes::FIELD_NOT_IN_INDEX,
            FindingKind::TextField => crate::rule::codes::FIELD_IS_TEXT,
        }
    }
}

/// One thing the field catalog says about a field a query uses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldFinding {
    /// What is wrong.
    pub kind: FindingKind,
    /// The mapped field name.
    pub field: String,
    /// The member indices concerned (catalog index names).
    pub indices: Vec<String>,
    /// How many member indices the query searches (to say "in 1 of 8").
    pub of: usize,
    /// Existing field names closest to `field` (for [`FindingKind::NotInIndex`]).
    pub nearest: Vec<String>,
}

impl FieldFinding {
    /// One line for warnings and diagnostics.
    /// At most [`SHOWN_INDICES`] index names are listed.
    pub fn message(&self) -> String {
        let mut names = self.indices[..self.indices.len().min(SHOWN_INDICES)].join(", ");
        if self.indices.len() > SHOWN_INDICES {
            names.push_str(&format!(", … {} more", self.indices.len() - SHOWN_INDICES));
        }
        let idx = if self.indices.len() == self.of {
            format!("any of its {} indices ({names})", self.of)
        } else {
            format!(
                "{} of its {} indices ({names})",
                self.indices.len(),
                self.of,
            )
        };
        match self.kind {
            FindingKind::NotInIndex => {
                let near = if self.nearest.is_empty() {
                    String::new()
                } else {
                    format!("; nearest existing: {}", self.nearest.join(", "))
                };
                format!(
                    "field `{}` does not exist in {idx}: tests on it never match there{near}",
                    self.field
                )
            }
            FindingKind::TextField => format!(
                "field `{}` is analyzed text in {idx}: wildcards and phrases match words, not the \
                 whole value",
                self.field
            ),
        }
    }
}
