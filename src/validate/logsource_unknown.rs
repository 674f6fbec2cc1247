//! SV501: a logsource outside SigmaHQ's taxonomy has no pipeline mapping in any backend.

use super::{DocCx, Findings, Check, data, util};

validator!(
    "SV501",
    "logsource-unknown",
    Error,
    SigmaHq,
    ["sigmahq_logsource_unknown"],
    "The product/category/service triple is not in SigmaHQ's taxonomy."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        let (p, c, s) = util::logsource_of(r);
        if !data::taxonomy()
            .entries
            .contains_key(&data::triple(p, c, s))
        {
            out.report(&cx.src.path, r.logsource.pos, format!(
                "logsource product={} category={} service={} is not in the SigmaHQ taxonomy ({})",
                p.unwrap_or("-"), c.unwrap_or("-"), s.unwrap_or("-"), data::taxonomy().version));
        }
    }
}
