//! SV417: a field the logsource already implies (e.g. `Channel` under a service) only adds noise.

use super::{DocCx, Findings, Check, data, util};

validator!(
    "SV417",
    "redundant-field",
    Error,
    SigmaHq,
    ["sigmahq_redundant_field"],
    "A field is already implied by the logsource."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        let (p, c, s) = util::logsource_of(r);
        let Some(entry) = data::taxonomy().entries.get(&data::triple(p, c, s)) else {
            return;
        };
        for i in util::rule_items(r) {
            if let Some(f) = &i.field
                && entry.redundant.contains(f)
            {
                out.report(
                    &cx.src.path,
                    i.pos,
                    format!("field `{f}` is implied by the logsource; remove it"),
                );
            }
        }
    }
}
