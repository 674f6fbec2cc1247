//! ATT&CK tag checks against the embedded (or user-supplied) ATT&CK data.
//!
//! The tag analysis lives in [`crate::attack`]; this module turns its findings into validators with
//! stable codes (SV250–SV257; duplicate tags are SV108's), so they can be configured, excluded and mapped to pySigma's `attacktag`
//! and `sigmahq_tags_techniques_without_tactics` like any other check. Messages name the data version.

use super::context::{DocCx, Findings};
use super::registry::{Info, Origin, Validator};
use crate::attack::{self, AttackData, Domain, TagFindingKind};
use crate::diag::{Pos, Severity};

/// One ATT&CK check: which kinds of tag finding it reports.
pub struct AttackTagCheck<'d> {
    info: &'static Info,
    data: &'d AttackData,
    selects: fn(&TagFindingKind) -> bool,
}

macro_rules! info {
    ($code:literal, $name:literal, $sev:ident, $doc:literal, [$($py:literal),*]) => {
        Info {
            code: $code,
            name: $name,
            severity: Severity::$sev,
            doc: $doc,
            pysigma: &[$($py),*],
            origin: Origin::Sigmaforge,
            params: &[],
        }
    };
}

/// The ATT&CK checks' descriptions, known to the configuration loader even before data is loaded.
pub static INFOS: [Info; 8] = [
    info!(
        "SV250",
        "attack-tag-invalid",
        Error,
        "An `attack.*` tag is malformed, upper case, uses an underscore or retired tactic name, or names no tactic.",
        ["attacktag"]
    ),
    info!(
        "SV251",
        "attack-unknown-technique",
        Error,
        "A technique tag names an id no ATT&CK matrix has.",
        ["attacktag"]
    ),
    info!(
        "SV252",
        "attack-revoked-technique",
        Error,
        "A technique tag names a revoked technique; the message gives its replacement.",
        ["attacktag"]
    ),
    info!(
        "SV253",
        "attack-deprecated-technique",
        Warning,
        "A technique tag names a deprecated technique, which adds no coverage.",
        ["attacktag"]
    ),
    info!(
        "SV254",
        "attack-unknown-id",
        Error,
        "A group, software, data source, mitigation or asset tag names an unknown id.",
        ["attacktag"]
    ),
    info!(
        "SV255",
        "attack-deprecated-id",
        Warning,
        "A group, software or data source tag names a deprecated or revoked object.",
        []
    ),
    info!(
        "SV256",
        "attack-campaign-tag",
        Warning,
        "A campaign tag: valid ATT&CK, but pySigma rejects it.",
        []
    ),
    info!(
        "SV257",
        "attack-technique-without-tactic",
        Warning,
        "A technique is tagged without the tactic tag(s) it belongs to.",
        ["sigmahq_tags_techniques_without_tactics"]
    ),
];

/// Which tag findings each entry of [`INFOS`] reports.
const SELECTS: [fn(&TagFindingKind) -> bool; 8] = {
    use TagFindingKind as K;
    [
        |k| {
            matches!(
                k,
                K::UpperCase { .. }
                    | K::UnderscoreTactic { .. }
                    | K::RetiredTactic { .. }
                    | K::UnknownTactic { .. }
                    | K::Malformed { .. }
            )
        },
        |k| matches!(k, K::UnknownTechnique { .. }),
        |k| matches!(k, K::RevokedTechnique { .. }),
        |k| matches!(k, K::DeprecatedTechnique { .. }),
        |k| matches!(k, K::UnknownObject { .. }),
        |k| matches!(k, K::DeprecatedObject { .. } | K::UncheckedObject { .. }),
        |k| matches!(k, K::CampaignTag { .. }),
        |k| matches!(k, K::MissingTactics { .. }),
    ]
};

/// Every ATT&CK check, bound to the data the run uses.
pub fn validators(data: &AttackData) -> Vec<AttackTagCheck<'_>> {
    INFOS
        .iter()
        .zip(SELECTS)
        .map(|(info, selects)| AttackTagCheck {
            info,
            data,
            selects,
        })
        .collect()
}

impl Validator for AttackTagCheck<'_> {
    fn info(&self) -> &'static Info {
        self.info
    }

    fn check_doc(&self, doc: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(rule) = doc.rule() else { return };
        if !rule
            .meta
            .tags
            .iter()
            .any(|t| t.value.starts_with("attack."))
        {
            return;
        }
        let cov = attack::coverage_rule(doc.src, rule, None);
        let Ok(analysis) = attack::analyze_rule(&cov, self.data) else {
            return;
        };
        let version = self
            .data
            .matrix(Domain::Enterprise)
            .map(|m| m.version.clone())
            .unwrap_or_default();
        for f in analysis.findings.iter().filter(|f| (self.selects)(&f.kind)) {
            out.report(
                &doc.src.path,
                Pos::new(f.tag.line, f.tag.col),
                f.kind.message(&format!("ATT&CK {version}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::file::parse_bytes;
    use crate::scan::{Scan, Source};
    use crate::validate::config::ValidationConfig;

    fn scan_of(tags: &str) -> Scan {
        let text = format!(
            "title: T\ntags:\n{tags}logsource:\n    product: windows\ndetection:\n    sel:\n        a: 1\n    condition: sel\n"
        );
        let f = parse_bytes("r.yml", text.as_bytes());
        Scan {
            files: vec!["r.yml".into()],
            docs: f.docs,
            diagnostics: f.diags,
            skipped: 0,
            sources: vec![Source {
                text: f.text,
                roots: f.roots,
            }],
        }
    }

    fn codes(tags: &str) -> Vec<(String, u32)> {
        let data = AttackData::embedded();
        let checks = validators(&data);
        let extra: Vec<&dyn Validator> = checks.iter().map(|c| c as &dyn Validator).collect();
        crate::validate::run_with(&scan_of(tags), &ValidationConfig::default(), &extra)
            .into_iter()
            .filter(|d| d.code.starts_with("SV25"))
            .map(|d| (d.code, d.line))
            .collect()
    }

    #[test]
    fn flags_bad_attack_tags_at_their_line() {
        let found = codes(
            "    - attack.execution\n    - attack.t1059\n    - attack.t9999\n    - attack.defense_evasion\n    - attack.t1086\n",
        );
        assert!(found.contains(&("SV251".into(), 5)), "{found:?}");
        assert!(found.contains(&("SV250".into(), 6)), "{found:?}");
        assert!(
            found
                .iter()
                .any(|(c, l)| *l == 7 && (c == "SV252" || c == "SV253")),
            "{found:?}"
        );
    }

    #[test]
    fn clean_tags_give_nothing() {
        assert!(codes("    - attack.execution\n    - attack.t1059.001\n").is_empty());
    }

    #[test]
    fn technique_without_its_tactic() {
        let found = codes("    - attack.t1059.001\n");
        assert_eq!(found, vec![("SV257".to_string(), 3)]);
    }
}
