//! SV419: `service: sysmon` covers every Sysmon event; without `EventID` the rule matches all of them.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV419",
    "sysmon-without-eventid",
    Error,
    SigmaHq,
    ["sigmahq_sysmon_missing_eventid"],
    "A `service: sysmon` rule does not filter on `EventID`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        if util::logsource_of(r).2 != Some("sysmon") {
            return;
        }
        if !util::rule_items(r).any(|i| i.field.as_deref() == Some("EventID")) {
            let pos = r
                .logsource
                .service
                .as_ref()
                .map_or(r.logsource.pos, |s| s.pos);
            out.report(
                &cx.src.path,
                pos,
                "`service: sysmon` without an `EventID` selection",
            );
        }
    }
}
