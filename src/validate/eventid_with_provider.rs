//! SV423: Sysmon 1 / Security 4688 with their provider are process creation; the generic category
//! makes the rule work on every process-creation source (SigmaHQ CI).

use super::{DocCx, Findings, Check, util};

validator!(
    "SV423",
    "eventid-instead-of-process-creation",
    Error,
    SigmaHqCi,
    [],
    "`EventID: 1`/`4688` with a Sysmon or Security-Auditing `Provider_Name`; use `category: process_creation`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        let provider = util::field_values(r, "Provider_Name")
            .any(|(v, _)| v.contains("Sysmon") || v.contains("Security-Auditing"));
        if !provider {
            return;
        }
        for (v, pos) in util::field_values(r, "EventID") {
            if v == "1" || v == "4688" {
                out.report(&cx.src.path, pos, format!("EventID {v} with its provider is process creation; use `category: process_creation`"));
            }
        }
    }
}
