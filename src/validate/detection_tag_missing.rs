//! SV211: SigmaHQ packages rules by folder; the `detection.*` tag must say which package a rule is in.

use super::{DocCx, Findings, Check};

validator!(
    "SV211",
    "detection-tag-missing",
    Info,
    SigmaHq,
    ["sigmahq_tags_detection"],
    "A rule under rules-emerging-threats/, rules-threat-hunting/ or rules-dfir/ lacks the matching `detection.*` tag."
);

const FOLDERS: &[(&str, &str)] = &[
    ("rules-emerging-threats", "detection.emerging-threats"),
    ("rules-threat-hunting", "detection.threat-hunting"),
    ("rules-dfir", "detection.dfir"),
];

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some((_, tag)) = FOLDERS
            .iter()
            .find(|(f, _)| cx.src.path.split('/').any(|p| p == *f))
        else {
            return;
        };
        if !cx.meta().tags.iter().any(|t| t.value == *tag) {
            out.report(&cx.src.path, cx.start(), format!("add the tag `{tag}`"));
        }
    }
}
