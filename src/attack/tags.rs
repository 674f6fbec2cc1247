//! `attack.*` tags: parsing, resolution against the ATT&CK data, and typed findings.
//!
//! Prior tools drop tags they cannot map (sigma-cli) or never check them (S2AN), so coverage silently
//! shrinks. Here every tag resolves to something or yields a finding with its position, which the
//! validation layer turns into diagnostics and the layer builder reports instead of dropping.

use super::data::{AttackData, AttackDataError, Domain, Matrix, ObjectKind};
use crate::diag::Severity;
use crate::rule::{Level, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A tag as written in a rule, with its position, so findings can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TagRef {
    /// The tag text exactly as written, e.g. `attack.t1059.001`.
    pub text: String,
    /// 1-based line of the tag in the rule file (0 when unknown).
    pub line: u32,
    /// 1-based column of the tag (0 when unknown).
    pub col: u32,
}

impl TagRef {
    /// Builds a tag reference; a shorthand for fixtures and adapters.
    pub fn new(text: impl Into<String>, line: u32, col: u32) -> TagRef {
        TagRef {
            text: text.into(),
            line,
            col,
        }
    }
}

/// The part of a Sigma rule that coverage needs; the rule model is adapted to it so this module does
/// not depend on the parser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageRule {
    /// Path of the rule file relative to the repository root (forward slashes), used for links,
    /// folder filters and matching rules between two commits.
    pub path: String,
    /// Rule title.
    pub title: String,
    /// Rule `id` (UUID) when present; the primary key for diffs.
    pub id: Option<String>,
    /// Rule `level`.
    pub level: Option<Level>,
    /// Rule `status`.
    pub status: Option<Status>,
    /// All tags of the rule (every namespace; non-`attack` tags are ignored here).
    pub tags: Vec<TagRef>,
    /// `logsource.product` as written (`windows`, `aws`, …): the platform the rule watches, which
    /// is what platform coverage counts (a technique's ATT&CK platforms say where it can happen,
    /// not where the rule detects it).
    pub product: Option<String>,
}

impl CoverageRule {
    /// The key that identifies a rule across commits: its id, else its path.
    pub fn key(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.path)
    }
}

/// The syntactic shape of an `attack.*` tag, before looking anything up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum AttackTag {
    /// A tactic-like name (letters with `-` or `_`), lower case as written.
    Tactic(String),
    /// `T####` or `T####.###`, upper case.
    Technique(String),
    /// Group, software, mitigation, data source, campaign or asset ID, upper case.
    Object(ObjectKind, String),
    /// Anything else after `attack.` (e.g. `t12`, `t1059.1`).
    Malformed(String),
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses the text of a tag; `None` when the namespace is not `attack` (any case).
///
/// The name is lower-cased before matching so `attack.T1059` resolves; the upper case is reported
/// separately as a finding.
pub fn parse_attack_tag(text: &str) -> Option<AttackTag> {
    let (ns, name) = text.trim().split_once('.')?;
    if !ns.eq_ignore_ascii_case("attack") {
        return None;
    }
    let name = name.to_ascii_lowercase();
    if let Some(rest) = name.strip_prefix('t') {
        let (main, sub) = match rest.split_once('.') {
            Some((m, s)) => (m, Some(s)),
            None => (rest, None),
        };
        if digits(main, 4) && sub.is_none_or(|s| digits(s, 3)) {
            return Some(AttackTag::Technique(name.to_ascii_uppercase()));
        }
        if main.bytes().all(|b| b.is_ascii_digit()) && !main.is_empty() {
            return Some(AttackTag::Malformed(name));
        }
    }
    for (prefix, kind) in [
        ("ds", ObjectKind::DataSource),
        ("g", ObjectKind::Group),
        ("s", ObjectKind::Software),
        ("m", ObjectKind::Mitigation),
        ("c", ObjectKind::Campaign),
        ("a", ObjectKind::Asset),
    ] {
        if let Some(rest) = name.strip_prefix(prefix)
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_digit())
        {
            return Some(if rest.len() == 4 {
                AttackTag::Object(kind, name.to_ascii_uppercase())
            } else {
                AttackTag::Malformed(name)
            });
        }
    }
    let tactic_like = !name.is_empty()
        && name
            .split(['-', '_'])
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
    Some(if tactic_like {
        AttackTag::Tactic(name)
    } else {
        AttackTag::Malformed(name)
    })
}

/// What is wrong (or worth knowing) about one `attack.*` tag of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TagFindingKind {
    /// Tags are lower case by convention and pySigma's `tag_format` rejects upper case.
    UpperCase {
        /// The lower-case tag to use.
        suggestion: String,
    },
    /// The pre-Sigma-2 underscore spelling of a tactic.
    UnderscoreTactic {
        /// The hyphenated tag to use.
        suggestion: String,
    },
    /// `defense-evasion`, split into `stealth` and `defense-impairment` in ATT&CK v19.
    RetiredTactic {
        /// The retired tactic name.
        tactic: String,
        /// Replacement tags implied by the rule's techniques (both when none tells).
        suggestions: Vec<String>,
    },
    /// A tactic-like name that no ATT&CK matrix has.
    UnknownTactic {
        /// The name as written (lower case).
        name: String,
    },
    /// `attack.` followed by something that is neither a tactic name nor a valid ID.
    Malformed {
        /// The name as written (lower case).
        name: String,
    },
    /// A technique ID not in any matrix of the data.
    UnknownTechnique {
        /// Upper-case ID.
        id: String,
    },
    /// A technique merged into another; coverage is counted under the replacement.
    RevokedTechnique {
        /// Upper-case ID.
        id: String,
        /// Replacement technique, when ATT&CK names one.
        revoked_by: Option<String>,
    },
    /// A technique withdrawn without replacement; it contributes no coverage.
    DeprecatedTechnique {
        /// Upper-case ID.
        id: String,
    },
    /// A group/software/… ID not in the data.
    UnknownObject {
        /// What kind of object the ID shape names.
        object: ObjectKind,
        /// Upper-case ID.
        id: String,
    },
    /// A group/software/… that ATT&CK deprecated or revoked (all data sources since v18).
    DeprecatedObject {
        /// Object kind.
        object: ObjectKind,
        /// Upper-case ID.
        id: String,
    },
    /// The data has no list of this kind of object, so the ID could not be checked.
    UncheckedObject {
        /// Object kind.
        object: ObjectKind,
        /// Upper-case ID.
        id: String,
    },
    /// Campaign tags are valid ATT&CK, but pySigma rejects them, so other tools will complain.
    CampaignTag {
        /// Upper-case ID.
        id: String,
    },
    /// The same tag twice in one rule (S2AN counted such rules twice).
    Duplicate,
    /// A technique whose tactics are not all tagged (SigmaHQ's CI requires every one).
    MissingTactics {
        /// The technique concerned.
        technique: String,
        /// Tactic tags the rule lacks, in matrix order.
        missing: Vec<String>,
        /// False when the rule names none of the technique's tactics at all.
        any_tagged: bool,
    },
    /// A tactic tag that none of the rule's techniques belongs to (common and legitimate).
    TacticNotImplied {
        /// Tactic shortname.
        tactic: String,
    },
}

impl TagFindingKind {
    /// Stable code for configuration, suppression and diff keys.
    pub fn code(&self) -> &'static str {
        match self {
            TagFindingKind::UpperCase { .. } => "attack-uppercase",
            TagFindingKind::UnderscoreTactic { .. } => "attack-underscore-tactic",
            TagFindingKind::RetiredTactic { .. } => "attack-retired-tactic",
            TagFindingKind::UnknownTactic { .. } => "attack-unknown-tactic",
            TagFindingKind::Malformed { .. } => "attack-malformed",
            TagFindingKind::UnknownTechnique { .. } => "attack-unknown-technique",
            TagFindingKind::RevokedTechnique { .. } => "attack-revoked",
            TagFindingKind::DeprecatedTechnique { .. } => "attack-deprecated",
            TagFindingKind::UnknownObject { .. } => "attack-unknown-id",
            TagFindingKind::DeprecatedObject { .. } => "attack-deprecated-id",
            TagFindingKind::UncheckedObject { .. } => "attack-unchecked-id",
            TagFindingKind::CampaignTag { .. } => "attack-campaign",
            TagFindingKind::Duplicate => "attack-duplicate",
            TagFindingKind::MissingTactics { .. } => "attack-missing-tactics",
            TagFindingKind::TacticNotImplied { .. } => "attack-tactic-not-implied",
        }
    }

    /// Default severity (see docs/coverage.md); profiles may raise or lower it.
    pub fn severity(&self) -> Severity {
        match self {
            TagFindingKind::UpperCase { .. }
            | TagFindingKind::UnderscoreTactic { .. }
            | TagFindingKind::RetiredTactic { .. }
            | TagFindingKind::UnknownTactic { .. }
            | TagFindingKind::Malformed { .. }
            | TagFindingKind::UnknownTechnique { .. }
            | TagFindingKind::RevokedTechnique { .. }
            | TagFindingKind::UnknownObject { .. } => Severity::Error,
            TagFindingKind::DeprecatedTechnique { .. }
            | TagFindingKind::DeprecatedObject { .. }
            | TagFindingKind::CampaignTag { .. }
            | TagFindingKind::Duplicate => Severity::Warning,
            TagFindingKind::UncheckedObject { .. }
            | TagFindingKind::MissingTactics { .. }
            | TagFindingKind::TacticNotImplied { .. } => Severity::Info,
        }
    }

    /// Whether the tag adds nothing to coverage (reported by the layer as unmapped).
    pub fn drops_coverage(&self) -> bool {
        matches!(
            self,
            TagFindingKind::UnknownTactic { .. }
                | TagFindingKind::Malformed { .. }
                | TagFindingKind::UnknownTechnique { .. }
                | TagFindingKind::DeprecatedTechnique { .. }
                | TagFindingKind::RevokedTechnique {
                    revoked_by: None,
                    ..
                }
        )
    }

    /// A one-line message naming the ATT&CK version, so users know which data judged the tag.
    pub fn message(&self, version: &str) -> String {
        match self {
            TagFindingKind::UpperCase { suggestion } => {
                format!("ATT&CK tags are lower case: use {suggestion}")
            }
            TagFindingKind::UnderscoreTactic { suggestion } => {
                format!(
                    "underscore tactic names were replaced by hyphens in Sigma 2: use {suggestion}"
                )
            }
            TagFindingKind::RetiredTactic {
                tactic,
                suggestions,
            } => format!(
                "tactic {tactic} was retired in ATT&CK v19 (data {version}): use {}",
                suggestions.join(" or ")
            ),
            TagFindingKind::UnknownTactic { name } => {
                format!("unknown ATT&CK tactic {name:?} (data {version})")
            }
            TagFindingKind::Malformed { name } => format!(
                "attack.{name} is neither a tactic name nor an ATT&CK ID (T####[.###], G####, S####, M####, DS####, C####, A####)"
            ),
            TagFindingKind::UnknownTechnique { id } => {
                format!("unknown ATT&CK technique {id} (data {version})")
            }
            TagFindingKind::RevokedTechnique { id, revoked_by } => match revoked_by {
                Some(r) => format!(
                    "technique {id} is revoked in {version}: use attack.{} (coverage counted under {r})",
                    r.to_ascii_lowercase()
                ),
                None => {
                    format!("technique {id} is revoked in {version} without replacement")
                }
            },
            TagFindingKind::DeprecatedTechnique { id } => {
                format!("technique {id} is deprecated in {version}; remove the tag")
            }
            TagFindingKind::UnknownObject { object, id } => {
                format!("unknown ATT&CK {} {id} (data {version})", object.label())
            }
            TagFindingKind::DeprecatedObject { object, id } => format!(
                "ATT&CK {} {id} is deprecated in {version}; remove the tag",
                object.label()
            ),
            TagFindingKind::UncheckedObject { object, id } => format!(
                "ATT&CK {} {id} not checked: the data {version} lists no {}s",
                object.label(),
                object.label()
            ),
            TagFindingKind::CampaignTag { id } => {
                format!("campaign tag {id} is valid ATT&CK but pySigma rejects campaign tags")
            }
            TagFindingKind::Duplicate => "duplicate tag".to_string(),
            TagFindingKind::MissingTactics {
                technique, missing, ..
            } => format!(
                "technique {technique} needs its tactic tag(s) {}",
                missing
                    .iter()
                    .map(|t| format!("attack.{t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TagFindingKind::TacticNotImplied { tactic } => {
                format!("tactic {tactic} is not a tactic of any technique the rule tags")
            }
        }
    }

    /// The replacement tag text when the fix is mechanical (autofix).
    pub fn replacement(&self) -> Option<String> {
        match self {
            TagFindingKind::UpperCase { suggestion }
            | TagFindingKind::UnderscoreTactic { suggestion } => Some(suggestion.clone()),
            TagFindingKind::RevokedTechnique {
                revoked_by: Some(r),
                ..
            } => Some(format!("attack.{}", r.to_ascii_lowercase())),
            TagFindingKind::RetiredTactic { suggestions, .. } if suggestions.len() == 1 => {
                suggestions.first().cloned()
            }
            _ => None,
        }
    }
}

/// A finding tied to the tag it is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TagFinding {
    /// The tag (text and position) the finding points at.
    pub tag: TagRef,
    /// What was found.
    pub kind: TagFindingKind,
}

/// A technique a rule contributes coverage to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TechniqueHit {
    /// Current technique ID (the replacement when the tag named a revoked one).
    pub id: String,
    /// The matrix the technique belongs to.
    pub domain: Domain,
    /// The revoked ID the tag actually named, when coverage was moved to its replacement.
    pub via_revoked: Option<String>,
}

/// Everything the coverage code needs from a rule's `attack.*` tags.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleAttack {
    /// Tactic shortnames the rule names, of any matrix (underscore forms normalised, the retired
    /// Enterprise `defense-evasion` expanded to its two v19 successors), used to pick layer cells.
    pub tactics: BTreeSet<String>,
    /// Techniques, deduplicated, in tag order.
    pub techniques: Vec<TechniqueHit>,
    /// Group/software/… IDs that resolved, by kind.
    pub objects: BTreeMap<ObjectKind, BTreeSet<String>>,
    /// Findings in tag order.
    pub findings: Vec<TagFinding>,
}

/// Shortname successors of `defense-evasion` in ATT&CK v19.
const EVASION_SUCCESSORS: [&str; 2] = ["stealth", "defense-impairment"];

fn find_technique<'m>(
    matrices: &'m [&'m Matrix],
    id: &str,
) -> Option<(&'m Matrix, &'m super::data::Technique)> {
    matrices
        .iter()
        .find_map(|m| m.technique(id).filter(|t| t.is_active()).map(|t| (*m, t)))
        .or_else(|| {
            matrices
                .iter()
                .find_map(|m| m.technique(id).map(|t| (*m, t)))
        })
}

/// Resolves and checks every `attack.*` tag of one rule against the data.
///
/// Findings cover the tag itself (unknown, revoked, deprecated, spelling) and the rule's tag set
/// (duplicates, techniques missing tactic tags, tactics implied by no technique).
pub fn analyze_rule(rule: &CoverageRule, data: &AttackData) -> Result<RuleAttack, AttackDataError> {
    let matrices: Vec<&Matrix> = Domain::ALL
        .iter()
        .map(|d| data.matrix(*d))
        .collect::<Result<_, _>>()?;
    Ok(analyze_with(rule, &matrices))
}

fn analyze_with(rule: &CoverageRule, matrices: &[&Matrix]) -> RuleAttack {
    let mut out = RuleAttack::default();
    let Some(enterprise) = matrices.iter().find(|m| m.domain == Domain::Enterprise) else {
        return out;
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    // (finding index of a retired tactic, to fill its suggestions once techniques are known)
    let mut retired_at: Vec<usize> = Vec::new();
    // valid tactic tags (hyphen form) and where they were written, for the rule-level checks
    let mut tactic_tags: Vec<(String, TagRef)> = Vec::new();
    let mut technique_tags: Vec<(String, Domain, TagRef)> = Vec::new();

    for tag in &rule.tags {
        let Some(parsed) = parse_attack_tag(&tag.text) else {
            continue;
        };
        let push = |out: &mut RuleAttack, kind| {
            out.findings.push(TagFinding {
                tag: tag.clone(),
                kind,
            })
        };
        let lower = tag.text.trim().to_ascii_lowercase();
        if !seen.insert(lower.clone()) {
            push(&mut out, TagFindingKind::Duplicate);
            continue;
        }
        if tag.text.trim() != lower {
            push(
                &mut out,
                TagFindingKind::UpperCase {
                    suggestion: lower.clone(),
                },
            );
        }
        match parsed {
            AttackTag::Tactic(name) => {
                let hyphen = name.replace('_', "-");
                // One finding per problem: the spelling is only worth a finding when the hyphen
                // form is a valid tactic (`defense_evasion` gets the retired-tactic finding alone).
                let in_enterprise = enterprise.tactic(&hyphen);
                let retired = !in_enterprise.is_some_and(|t| t.is_active())
                    && hyphen == "defense-evasion"
                    && enterprise.tactic("stealth").is_some();
                let hyphen_valid = !retired
                    && matrices
                        .iter()
                        .any(|m| m.tactic(&hyphen).is_some_and(|t| t.is_active()));
                if hyphen != name && hyphen_valid {
                    push(
                        &mut out,
                        TagFindingKind::UnderscoreTactic {
                            suggestion: format!("attack.{hyphen}"),
                        },
                    );
                }
                if in_enterprise.is_some_and(|t| t.is_active()) {
                    out.tactics.insert(hyphen.clone());
                    tactic_tags.push((hyphen, tag.clone()));
                } else if retired {
                    out.tactics
                        .extend(EVASION_SUCCESSORS.iter().map(|s| s.to_string()));
                    retired_at.push(out.findings.len());
                    push(
                        &mut out,
                        TagFindingKind::RetiredTactic {
                            tactic: hyphen,
                            suggestions: Vec::new(),
                        },
                    );
                } else if matrices
                    .iter()
                    .any(|m| m.tactic(&hyphen).is_some_and(|t| t.is_active()))
                {
                    // an ICS or Mobile tactic: valid, but not a column of the Enterprise matrix
                    out.tactics.insert(hyphen.clone());
                    tactic_tags.push((hyphen, tag.clone()));
                } else {
                    push(&mut out, TagFindingKind::UnknownTactic { name });
                }
            }
            AttackTag::Technique(id) => match find_technique(matrices, &id) {
                None => push(&mut out, TagFindingKind::UnknownTechnique { id }),
                Some((m, t)) if t.is_active() => {
                    technique_tags.push((id.clone(), m.domain, tag.clone()));
                    add_hit(&mut out, id, m.domain, None);
                }
                Some((m, t)) if t.revoked => {
                    let replacement = t
                        .revoked_by
                        .clone()
                        .filter(|r| m.technique(r).is_some_and(|x| x.is_active()));
                    if let Some(r) = &replacement {
                        technique_tags.push((r.clone(), m.domain, tag.clone()));
                        add_hit(&mut out, r.clone(), m.domain, Some(id.clone()));
                    }
                    push(
                        &mut out,
                        TagFindingKind::RevokedTechnique {
                            id,
                            revoked_by: replacement,
                        },
                    );
                }
                Some(_) => push(&mut out, TagFindingKind::DeprecatedTechnique { id }),
            },
            AttackTag::Object(kind, id) => {
                let found = matrices
                    .iter()
                    .filter_map(|m| m.object(kind, &id))
                    .fold(None, |best: Option<bool>, o| {
                        Some(best.unwrap_or(false) || o.is_active())
                    });
                match found {
                    Some(true) => {
                        out.objects.entry(kind).or_default().insert(id.clone());
                        if kind == ObjectKind::Campaign {
                            push(&mut out, TagFindingKind::CampaignTag { id });
                        }
                    }
                    Some(false) => push(
                        &mut out,
                        TagFindingKind::DeprecatedObject { object: kind, id },
                    ),
                    None if !matrices.iter().any(|m| m.has_objects(kind)) => push(
                        &mut out,
                        TagFindingKind::UncheckedObject { object: kind, id },
                    ),
                    None => push(&mut out, TagFindingKind::UnknownObject { object: kind, id }),
                }
            }
            AttackTag::Malformed(name) => push(&mut out, TagFindingKind::Malformed { name }),
        }
    }

    // tactics implied by the techniques, per technique in its own matrix
    let mut implied: BTreeSet<String> = BTreeSet::new();
    let tagged: BTreeSet<&str> = tactic_tags.iter().map(|(t, _)| t.as_str()).collect();
    let mut checked: BTreeSet<&str> = BTreeSet::new();
    for (id, domain, tag) in &technique_tags {
        let Some(m) = matrices.iter().find(|m| m.domain == *domain) else {
            continue;
        };
        let Some(t) = m.technique(id) else { continue };
        implied.extend(t.tactics.iter().cloned());
        if !checked.insert(id.as_str()) {
            continue;
        }
        let missing: Vec<String> = t
            .tactics
            .iter()
            .filter(|x| !tagged.contains(x.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            let any_tagged = missing.len() < t.tactics.len();
            out.findings.push(TagFinding {
                tag: tag.clone(),
                kind: TagFindingKind::MissingTactics {
                    technique: id.clone(),
                    missing,
                    any_tagged,
                },
            });
        }
    }
    if !technique_tags.is_empty() {
        for (tactic, tag) in &tactic_tags {
            if !implied.contains(tactic) {
                out.findings.push(TagFinding {
                    tag: tag.clone(),
                    kind: TagFindingKind::TacticNotImplied {
                        tactic: tactic.clone(),
                    },
                });
            }
        }
    }
    let successors: Vec<String> = EVASION_SUCCESSORS
        .iter()
        .filter(|s| implied.contains(**s))
        .map(|s| format!("attack.{s}"))
        .collect();
    for i in retired_at {
        if let Some(TagFinding {
            kind: TagFindingKind::RetiredTactic { suggestions, .. },
            ..
        }) = out.findings.get_mut(i)
        {
            *suggestions = if successors.is_empty() {
                EVASION_SUCCESSORS
                    .iter()
                    .map(|s| format!("attack.{s}"))
                    .collect()
            } else {
                successors.clone()
            };
        }
    }
    out
}

fn add_hit(out: &mut RuleAttack, id: String, domain: Domain, via: Option<String>) {
    if out
        .techniques
        .iter()
        .any(|h| h.id == id && h.domain == domain)
    {
        return;
    }
    out.techniques.push(TechniqueHit {
        id,
        domain,
        via_revoked: via,
    });
}

/// Analyzes many rules at once, parsing each matrix only once.
pub fn analyze_rules<'r>(
    rules: impl IntoIterator<Item = &'r CoverageRule>,
    data: &AttackData,
) -> Result<Vec<RuleAttack>, AttackDataError> {
    let matrices: Vec<&Matrix> = Domain::ALL
        .iter()
        .map(|d| data.matrix(*d))
        .collect::<Result<_, _>>()?;
    Ok(rules
        .into_iter()
        .map(|r| analyze_with(r, &matrices))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(tags: &[&str]) -> CoverageRule {
        CoverageRule {
            path: "rules/x.yml".into(),
            title: "x".into(),
            id: None,
            level: None,
            status: None,
            tags: tags
                .iter()
                .enumerate()
                .map(|(i, t)| TagRef::new(*t, 10 + i as u32, 7))
                .collect(),
            product: None,
        }
    }

    fn kinds(tags: &[&str]) -> Vec<TagFindingKind> {
        let data = AttackData::embedded();
        analyze_rule(&rule(tags), &data)
            .expect("data")
            .findings
            .into_iter()
            .map(|f| f.kind)
            .collect()
    }

    #[test]
    fn parses_every_tag_shape() {
        use AttackTag::*;
        assert_eq!(
            parse_attack_tag("attack.t1059.001"),
            Some(Technique("T1059.001".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.T1059"),
            Some(Technique("T1059".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.g0016"),
            Some(Object(ObjectKind::Group, "G0016".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.s0002"),
            Some(Object(ObjectKind::Software, "S0002".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.ds0005"),
            Some(Object(ObjectKind::DataSource, "DS0005".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.m1042"),
            Some(Object(ObjectKind::Mitigation, "M1042".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.a0001"),
            Some(Object(ObjectKind::Asset, "A0001".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.c0001"),
            Some(Object(ObjectKind::Campaign, "C0001".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.defense_evasion"),
            Some(Tactic("defense_evasion".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.t1059.1"),
            Some(Malformed("t1059.1".into()))
        );
        assert_eq!(
            parse_attack_tag("attack.g12"),
            Some(Malformed("g12".into()))
        );
        assert_eq!(parse_attack_tag("attack."), Some(Malformed(String::new())));
        assert_eq!(parse_attack_tag("car.2013-05-002"), None);
        assert_eq!(parse_attack_tag("attack"), None);
    }

    #[test]
    fn current_census_tags_are_clean() {
        // SigmaHQ's active rules use these v19-only tags; none may be flagged
        for tag in [
            "attack.stealth",
            "attack.defense-impairment",
            "attack.t1685",
            "attack.t1686.003",
            "attack.t1689",
            "attack.t1690",
            "attack.g0016",
            "attack.s0002",
        ] {
            let k: Vec<_> = kinds(&[tag])
                .into_iter()
                .filter(|k| !matches!(k, TagFindingKind::MissingTactics { .. }))
                .collect();
            assert!(k.is_empty(), "{tag}: {k:?}");
        }
    }

    #[test]
    fn census_negative_cases() {
        assert_eq!(
            kinds(&["attack.privilege_escalation"]),
            vec![TagFindingKind::UnderscoreTactic {
                suggestion: "attack.privilege-escalation".into()
            }]
        );
        // one finding per problem: the retired tactic, not also its spelling
        let k = kinds(&["attack.defense_evasion"]);
        assert_eq!(
            k,
            [TagFindingKind::RetiredTactic {
                tactic: "defense-evasion".into(),
                suggestions: vec!["attack.stealth".into(), "attack.defense-impairment".into()]
            }]
        );
        let k = kinds(&["attack.defense_evasion", "attack.t1562.001"]);
        assert!(k.contains(&TagFindingKind::RetiredTactic {
            tactic: "defense-evasion".into(),
            suggestions: vec!["attack.defense-impairment".into()]
        }));
        // retired tactic + a stealth technique: the suggestion narrows to stealth
        let k = kinds(&["attack.defense-evasion", "attack.t1027"]);
        assert!(k.contains(&TagFindingKind::RetiredTactic {
            tactic: "defense-evasion".into(),
            suggestions: vec!["attack.stealth".into()]
        }));
        for (tag, by) in [
            ("attack.t1562.001", "T1685"),
            ("attack.t1562.002", "T1685.001"),
            ("attack.t1070.001", "T1685.005"),
            ("attack.t1086", "T1059.001"),
            ("attack.t1050", "T1543.003"),
            ("attack.t1035", "T1569.002"),
        ] {
            let k = kinds(&[tag]);
            assert!(
                k.iter().any(|x| *x
                    == TagFindingKind::RevokedTechnique {
                        id: tag[7..].to_ascii_uppercase(),
                        revoked_by: Some(by.into())
                    }),
                "{tag}: {k:?}"
            );
        }
        assert_eq!(
            kinds(&["attack.t1043"]),
            vec![TagFindingKind::DeprecatedTechnique { id: "T1043".into() }]
        );
        assert_eq!(
            kinds(&["attack.ds0005"]),
            vec![TagFindingKind::DeprecatedObject {
                object: ObjectKind::DataSource,
                id: "DS0005".into()
            }]
        );
        assert_eq!(
            kinds(&["attack.t9999"]),
            vec![TagFindingKind::UnknownTechnique { id: "T9999".into() }]
        );
        assert_eq!(
            kinds(&["attack.g9999"]),
            vec![TagFindingKind::UnknownObject {
                object: ObjectKind::Group,
                id: "G9999".into()
            }]
        );
        assert_eq!(
            kinds(&["attack.lateral-moves"]),
            vec![TagFindingKind::UnknownTactic {
                name: "lateral-moves".into()
            }]
        );
        assert_eq!(
            kinds(&["attack.a0001"])[0].code(),
            "attack-unchecked-id",
            "the v19.1 tables list no assets"
        );
    }

    #[test]
    fn revoked_counts_under_replacement() {
        let data = AttackData::embedded();
        let r = analyze_rule(
            &rule(&["attack.defense-impairment", "attack.t1562.001"]),
            &data,
        )
        .expect("data");
        assert_eq!(
            r.techniques,
            vec![TechniqueHit {
                id: "T1685".into(),
                domain: Domain::Enterprise,
                via_revoked: Some("T1562.001".into())
            }]
        );
        assert_eq!(r.findings.len(), 1);
    }

    #[test]
    fn rule_level_checks() {
        // T1078 has four tactics; tagging one leaves three missing
        let k = kinds(&["attack.persistence", "attack.t1078"]);
        assert_eq!(
            k,
            vec![TagFindingKind::MissingTactics {
                technique: "T1078".into(),
                missing: vec![
                    "initial-access".into(),
                    "privilege-escalation".into(),
                    "stealth".into()
                ],
                any_tagged: true
            }]
        );
        let k = kinds(&["attack.discovery", "attack.t1059.001"]);
        assert!(k.contains(&TagFindingKind::TacticNotImplied {
            tactic: "discovery".into()
        }));
        assert!(k.iter().any(|x| matches!(
            x,
            TagFindingKind::MissingTactics {
                any_tagged: false,
                ..
            }
        )));
        let k = kinds(&["attack.execution", "attack.t1059", "attack.T1059"]);
        assert_eq!(k, vec![TagFindingKind::Duplicate]);
        let k = kinds(&["attack.Execution"]);
        assert_eq!(k[0].replacement().as_deref(), Some("attack.execution"));
    }

    #[test]
    fn findings_keep_positions() {
        let data = AttackData::embedded();
        let r = analyze_rule(&rule(&["attack.execution", "attack.t1086"]), &data).expect("data");
        let f = r
            .findings
            .iter()
            .find(|f| f.kind.code() == "attack-revoked")
            .expect("revoked finding");
        assert_eq!((f.tag.line, f.tag.col), (11, 7));
        assert!(f.kind.message("19.1").contains("attack.t1059.001"));
    }
}
