//! SV415: a field the logsource does not have never matches; the rule is silently dead.

use super::{DocCx, Findings, Check, data, util};

validator!(
    "SV415",
    "fieldname-unknown",
    Error,
    SigmaHq,
    ["sigmahq_invalid_fieldname"],
    "A field name is not in SigmaHQ's taxonomy for the rule's logsource."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        let (p, c, s) = util::logsource_of(r);
        let Some(entry) = data::taxonomy().entries.get(&data::triple(p, c, s)) else {
            return;
        };
        if entry.fields.is_empty() {
            return;
        }
        for i in util::rule_items(r) {
            let Some(f) = &i.field else { continue };
            if !entry.fields.contains(f) {
                out.report(
                    &cx.src.path,
                    i.pos,
                    format!(
                        "field `{f}` is not known for this logsource (taxonomy {})",
                        data::taxonomy().version
                    ),
                );
            }
        }
    }
}
