//! SV412: generic Windows categories imply their providers; naming one narrows the rule to it.

use super::{DocCx, Findings, Check, data, util};

validator!(
    "SV412",
    "category-with-provider",
    Warning,
    SigmaHq,
    ["sigmahq_category_windows_provider_name"],
    "A generic Windows category rule filters on a `Provider_Name` the category already implies."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        let (p, c, _) = util::logsource_of(r);
        let (Some("windows"), Some(cat)) = (p, c) else {
            return;
        };
        let Some(providers) = data::windows().providers.get(cat) else {
            return;
        };
        for (v, pos) in util::field_values(r, "Provider_Name") {
            if providers.contains(&v) {
                out.report(
                    &cx.src.path,
                    pos,
                    format!("`category: {cat}` already implies provider `{v}`; remove it"),
                );
            }
        }
    }
}
