//! SV418: field names with spaces are not portable across backends; SigmaHQ uses `_`.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV418",
    "fieldname-space",
    Error,
    SigmaHq,
    ["sigmahq_space_field_name"],
    "A field name contains a space."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if let Some(f) = &i.field
                && f.contains(' ')
            {
                out.report(
                    &cx.src.path,
                    i.pos,
                    format!("field `{f}` contains a space; use `_`"),
                );
            }
        }
    }
}
