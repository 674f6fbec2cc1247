//! SV134: only `category`, `product`, `service` and `definition` select a logsource; other keys are
//! ignored by backends (SigmaHQ CI's logsource test rejects them too).

use super::{DocCx, Findings, Check};

validator!(
    "SV134",
    "logsource-unknown-key",
    Error,
    PySigma,
    ["fieldname_logsource"],
    "The logsource has a key other than category, product, service, definition."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let ls = match cx.doc {
            crate::rule::Document::Rule(r) => &r.logsource,
            crate::rule::Document::Filter(f) => &f.logsource,
            crate::rule::Document::Correlation(_) => return,
        };
        for (k, _) in &ls.custom {
            out.report(
                &cx.src.path,
                k.pos,
                format!(
                    "logsource key `{}` is not category, product, service or definition",
                    k.text
                ),
            );
        }
    }
}
