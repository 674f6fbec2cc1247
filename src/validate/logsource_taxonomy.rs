//! SV502: SigmaHQ CI's own logsource check (tests/test_logsource.py against tests/logsource.json):
//! the product must be known and the category or service must exist for it.

use super::{DocCx, Findings, Check, data, util};

validator!(
    "SV502",
    "logsource-not-in-ci-taxonomy",
    Error,
    SigmaHqCi,
    [],
    "The logsource is not in SigmaHQ CI's logsource.json (product, then category or service)."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        let (p, c, s) = util::logsource_of(r);
        let tax = data::ci_taxonomy();
        let product = match p {
            Some(p) => match tax.products.get(p) {
                Some(x) => x,
                None => {
                    out.report(
                        &cx.src.path,
                        r.logsource.pos,
                        format!("unknown product `{p}` (logsource.json {})", tax.version),
                    );
                    return;
                }
            },
            None => match tax.products.get("empty") {
                Some(x) => x,
                None => return,
            },
        };
        let known = c.is_some_and(|c| product.category.contains_key(c))
            || s.is_some_and(|s| product.service.contains_key(s))
            || (c.is_none() && s.is_none());
        if !known {
            out.report(
                &cx.src.path,
                r.logsource.pos,
                format!(
                    "unknown logsource {}/{}/{} (logsource.json {})",
                    p.unwrap_or("-"),
                    c.unwrap_or("-"),
                    s.unwrap_or("-"),
                    tax.version
                ),
            );
        }
    }
}
