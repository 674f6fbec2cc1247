//! SV414: field names are case-sensitive in most backends; `commandline` never matches `CommandLine`.

use super::{DocCx, Findings, Check, data, util};

validator!(
    "SV414",
    "fieldname-case",
    Error,
    SigmaHq,
    ["sigmahq_fieldname_cast"],
    "A field name differs from the taxonomy's only in letter case."
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
            if entry.fields.contains(f) {
                continue;
            }
            let lower = f.to_lowercase();
            if let Some(good) = entry.fields.iter().find(|x| x.to_lowercase() == lower) {
                out.report(
                    &cx.src.path,
                    i.pos,
                    format!("field `{f}` should be written `{good}`"),
                );
            }
        }
    }
}
