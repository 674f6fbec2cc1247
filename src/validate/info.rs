//! What a validator says about itself: code, names, default severity, origin and parameters. Kept
//! apart from the registry so the check contexts can name it without importing the registry.

use crate::diag::Severity;

/// The type of a validator parameter, checked when the configuration is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A whole number.
    Int,
    /// A list of strings.
    List,
}

/// A tunable knob of a validator (e.g. `max_length`), documented so `list validators` can show it.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Parameter name as written in the configuration.
    pub name: &'static str,
    /// Its type.
    pub kind: ParamKind,
    /// Default value, rendered for documentation.
    pub default: &'static str,
    /// What it changes.
    pub doc: &'static str,
}

/// Static description of a validator: the contract users configure against.
#[derive(Debug, Clone, Copy)]
pub struct Info {
    /// Stable code (`SVnnn`); never reused for another meaning.
    pub code: &'static str,
    /// Kebab-case name, accepted wherever a code is.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One-line description of what is flagged and why it matters.
    pub doc: &'static str,
    /// The pySigma validator identifiers this one implements (empty for SigmaHQ CI checks and our own).
    pub pysigma: &'static [&'static str],
    /// Where the check comes from, for documentation and SARIF tags.
    pub origin: Origin,
    /// Parameters.
    pub params: &'static [Param],
}

/// Where a check's definition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// pySigma core validators.
    PySigma,
    /// pySigma-validators-sigmahq.
    SigmaHq,
    /// SigmaHQ's CI scripts (yamllint, `tests/*.py`, workflows) that are not pySigma validators.
    SigmaHqCi,
    /// sigmaforge's own repository checks.
    Sigmaforge,
}

impl Origin {
    /// Short label used in listings and SARIF tags.
    pub fn label(self) -> &'static str {
        match self {
            Origin::PySigma => "pysigma",
            Origin::SigmaHq => "pysigma-sigmahq",
            Origin::SigmaHqCi => "sigmahq-ci",
            Origin::Sigmaforge => "sigmaforge",
        }
    }
}
