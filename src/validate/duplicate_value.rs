//! SV404: the same value twice in one list is dead weight (compared case-insensitively unless the
//! match is case-sensitive: `cased`, `re`, `base64*`).

use super::{DocCx, Findings, Check, util};
use crate::rule::modifier::Modifier;
use std::collections::HashSet;

validator!(
    "SV404",
    "duplicate-value",
    Error,
    SigmaHq,
    ["sigmahq_field_duplicate_value"],
    "A field's value list holds the same value twice."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if i.field.is_none() {
                continue;
            }
            let cased = [
                Modifier::Cased,
                Modifier::Re,
                Modifier::Base64,
                Modifier::Base64Offset,
            ]
            .iter()
            .any(|m| util::has(i, *m));
            // Hashed: a list of 100,000 values took 44 s with a linear search per value.
            let mut seen: HashSet<String> = HashSet::new();
            for v in &i.values {
                let Some(t) = util::value_text(&v.raw) else {
                    continue;
                };
                let key = if cased { t.clone() } else { t.to_lowercase() };
                if seen.contains(&key) {
                    out.report(&cx.src.path, v.pos, format!("value `{t}` is listed twice"));
                    break;
                }
                seen.insert(key);
            }
        }
    }
}
