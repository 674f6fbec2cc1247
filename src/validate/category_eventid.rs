//! SV411: generic Windows categories already select the event; an `EventID` ties the rule to one source.

use super::{DocCx, Findings, Check, data, util};

validator!(
    "SV411",
    "category-with-eventid",
    Warning,
    SigmaHq,
    ["sigmahq_category_event_id"],
    "A generic Windows category rule also filters on `EventID`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        let (p, c, _) = util::logsource_of(r);
        let (Some("windows"), Some(cat)) = (p, c) else {
            return;
        };
        if !data::windows().no_eventid.contains(cat) {
            return;
        }
        for i in util::rule_items(r) {
            if i.field.as_deref() == Some("EventID") {
                out.report(
                    &cx.src.path,
                    i.pos,
                    format!("`category: {cat}` already selects the events; remove `EventID`"),
                );
            }
        }
    }
}
