//! SV503: SigmaHQ CI's field-name check: every detection field must exist for the logsource in
//! tests/logsource.json (case-sensitive; the product's common fields are always allowed).

use super::{DocCx, Findings, Check, data, util};

validator!(
    "SV503",
    "field-not-in-ci-taxonomy",
    Error,
    SigmaHqCi,
    [],
    "A detection field is not listed for the logsource in SigmaHQ CI's logsource.json."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        let (p, c, s) = util::logsource_of(r);
        let tax = data::ci_taxonomy();
        let Some(product) = tax
            .products
            .get(p.unwrap_or("empty"))
            .or_else(|| tax.products.get("empty"))
        else {
            return;
        };
        let list = if let Some(l) = c.and_then(|c| product.category.get(c)) {
            l
        } else if let Some(l) = s.and_then(|s| product.service.get(s)) {
            l
        } else if c.is_none() && s.is_none() {
            &product.empty
        } else {
            return;
        };
        if list.is_empty() || *list == product.common {
            return;
        }
        for (f, pos) in util::field_names(r) {
            if !list.iter().any(|x| x == f) {
                out.report(
                    &cx.src.path,
                    pos,
                    format!(
                        "field `{f}` is not listed for this logsource (logsource.json {})",
                        tax.version
                    ),
                );
            }
        }
    }
}
