//! SV422: `Source: Eventlog` matches nearly every Windows event and adds nothing (SigmaHQ CI).

use super::{DocCx, Findings, Check, util};

validator!(
    "SV422",
    "source-eventlog",
    Warning,
    SigmaHqCi,
    [],
    "The detection uses `Source: Eventlog`, which adds no value."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for (v, pos) in util::field_values(r, "Source") {
            if v.eq_ignore_ascii_case("eventlog") {
                out.report(
                    &cx.src.path,
                    pos,
                    "`Source: Eventlog` adds no value; remove it",
                );
            }
        }
    }
}
