//! SV405: `*x*` / `*x` / `x*` wildcards hide intent that `contains` / `endswith` / `startswith` state
//! (and that backends translate more efficiently).

use super::{DocCx, Findings, Check, util};
use crate::rule::value::{Part, SigmaString};

validator!(
    "SV405",
    "wildcards-instead-of-modifier",
    Info,
    PySigma,
    ["wildcards_instead_of_modifiers"],
    "All values start and/or end with `*` where `contains`/`startswith`/`endswith` would say it."
);

fn shape(s: &SigmaString) -> Option<&'static str> {
    let p = &s.parts;
    if p.len() < 2 {
        return None;
    }
    let inner_wild = |parts: &[Part]| {
        parts
            .iter()
            .any(|x| matches!(x, Part::AnyChars | Part::OneChar))
    };
    let lead = p.first() == Some(&Part::AnyChars);
    let trail = p.last() == Some(&Part::AnyChars);
    match (lead, trail) {
        (true, true) if p.len() >= 3 && !inner_wild(&p[1..p.len() - 1]) => Some("contains"),
        (true, false) if !inner_wild(&p[1..]) => Some("endswith"),
        (false, true) if !inner_wild(&p[..p.len() - 1]) => Some("startswith"),
        _ => None,
    }
}

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if i.field.is_none() || !i.chain.modifiers.is_empty() || i.values.is_empty() {
                continue;
            }
            let shapes: Vec<Option<&str>> = i
                .values
                .iter()
                .map(|v| match &v.raw {
                    crate::rule::modifier::RawValue::Str(s) => shape(&SigmaString::parse(s, false)),
                    _ => None,
                })
                .collect();
            if let Some(Some(first)) = shapes.first()
                && shapes.iter().all(|s| s == &Some(*first))
            {
                out.report(
                    &cx.src.path,
                    i.pos,
                    format!("use the `{first}` modifier instead of wildcards"),
                );
            }
        }
    }
}
