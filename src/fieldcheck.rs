//! `check`'s field findings: every parsed rule mapped under each configured target config set and
//! its fields looked up in the indices it searches (the field catalog), so a rule that can never
//! match fails review instead of shipping.
//!
//! Codes (see `sigmaforge list codes`): `SF201 field-not-in-index` (warning), `SF202 field-is-text`
//! (info), `SF203 rule-never-matches` (warning). Their severities are configurable like the
//! parser's (`validation: severity: {SF201: error}`); [`FieldCheck::Strict`] makes `SF201` and
//! `SF203` errors.

use crate::diag::{Diagnostic, Pos, Severity};
use crate::mapping::{ConfigSet, FindingKind};
use crate::render::convert::filters_for;
use crate::rule::codes;
use crate::rule::{Document, Rule};
use crate::scan::Scan;

/// How field findings are reported (`--field-check`, `.sigmaforge.yml` `field-check:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldCheck {
    /// No field findings (and no typing against the catalog).
    Off,
    /// Default severities (`SF201`/`SF203` warnings, `SF202` info).
    #[default]
    Warn,
    /// A field missing from an index, or a rule that can never match, is an error (and `convert`
    /// skips such rules).
    Strict,
}

impl FieldCheck {
    /// Parses `off`, `warn`/`warning` or `strict`/`error`.
    pub fn parse(s: &str) -> Option<FieldCheck> {
        match s {
            "off" => Some(FieldCheck::Off),
            "warn" | "warning" => Some(FieldCheck::Warn),
            "strict" | "error" => Some(FieldCheck::Strict),
            _ => None,
        }
    }
}

/// One config set to check under, with the name diagnostics show (`ecs-windows`, or
/// `es-qs: a + b`).
pub struct NamedSet<'a> {
    /// What the diagnostics call it.
    pub label: String,
    /// The chain, with its field catalog.
    pub set: &'a ConfigSet,
}

/// The field diagnostics of every parsed rule under each set (sets without a catalog add nothing).
/// A rule the builder refuses is not reported here: `convert` reports it as skipped.
pub fn check(scan: &Scan, sets: &[NamedSet<'_>], mode: FieldCheck) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if mode == FieldCheck::Off {
        return out;
    }
    let raise = |sev: Severity| {
        if mode == FieldCheck::Strict {
            Severity::Error
        } else {
            sev
        }
    };
    for named in sets.iter().filter(|n| n.set.catalog().is_some()) {
        for (doc, d) in scan.parsed() {
            let Document::Rule(rule) = d else { continue };
            let Ok(q) = named.set.build_filtered(rule, &filters_for(scan, rule)) else {
                continue;
            };
            let detection = rule.detection.pos;
            let mut first_missing: Option<Pos> = None;
            for f in &q.findings {
                let pos = field_pos(named.set, rule, &f.field).unwrap_or(detection);
                if f.kind == FindingKind::NotInIndex {
                    first_missing = Some(first_missing.map_or(pos, |p| p.min(pos)));
                }
                let sev = match f.kind {
                    FindingKind::NotInIndex => raise(Severity::Warning),
                    FindingKind::TextField => Severity::Info,
                };
                out.push(Diagnostic::new(
                    &doc.path,
                    pos,
                    f.kind.code(),
                    sev,
                    format!("{}: {}", named.label, f.message()),
                ));
            }
            if q.never_matches() {
                let idx: Vec<&str> = q
                    .queries
                    .iter()
                    .flat_map(|x| x.indices.iter().map(String::as_str))
                    .collect();
                out.push(Diagnostic::new(
                    &doc.path,
                    first_missing.unwrap_or(detection),
                    codes::RULE_NEVER_MATCHES,
                    raise(Severity::Warning),
                    format!(
                        "{}: the rule can never match on {}: fields it requires do not exist there",
                        named.label,
                        idx.join(", ")
                    ),
                ));
            }
        }
    }
    out
}

/// Where the rule names the mapped field `mapped`: the key of the earliest detection item whose
/// Sigma field the set maps to it, so a finding points at the line to fix. `None` when no item
/// maps to it (the field comes from a logsource condition, an override or a filter document).
fn field_pos(set: &ConfigSet, rule: &Rule, mapped: &str) -> Option<Pos> {
    let ctx = set.rule_ctx(rule);
    rule.detection
        .searches
        .iter()
        .flat_map(|s| &s.groups)
        .flat_map(|g| &g.items)
        .filter_map(|item| Some((item.field.as_deref()?, item.pos)))
        .filter(|(field, _)| set.map_field(field, &ctx).iter().any(|m| m == mapped))
        .map(|(_, pos)| pos)
        .min()
}
