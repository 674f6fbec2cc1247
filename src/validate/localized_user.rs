//! SV413: `AUTORITE NT` and friends only exist on localised Windows; match the SID or both spellings.

use super::{DocCx, Findings, Check, util};

validator!(
    "SV413",
    "localized-user",
    Error,
    SigmaHq,
    ["sigmahq_field_user"],
    "A user field matches a localised account name (e.g. `AUTORITE NT`)."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            let Some(f) = &i.field else { continue };
            if !f.to_lowercase().contains("user") || i.values.len() != 1 {
                continue;
            }
            if let Some(v) = util::value_text(&i.values[0].raw)
                && (v.contains("AUTORI") || v.contains("AUTHORI"))
            {
                out.report(
                    &cx.src.path,
                    i.values[0].pos,
                    format!("`{v}` is a localised name; match the English name or the SID"),
                );
            }
        }
    }
}
