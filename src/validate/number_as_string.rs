//! SV409: a quoted number compares as text; backends then miss numeric fields (`EventID: '4688'`).

use super::{DocCx, Findings, Check, util};
use crate::rule::modifier::{Matcher, Modifier, RawValue};

validator!(
    "SV409",
    "number-as-string",
    Info,
    PySigma,
    ["number_as_string"],
    "A number is written as a quoted string."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if util::has(i, Modifier::Re) {
                continue;
            }
            for v in &i.values {
                if !matches!(v.raw, RawValue::Str(_)) {
                    continue;
                }
                // Like pySigma, look at the value after modifiers: `contains: '200'` is a substring match.
                for alt in &v.alternatives {
                    if let Matcher::Pattern { value, .. } = alt
                        && let Some(s) = value.as_plain()
                        && s.trim().parse::<i64>().is_ok()
                        && !s.contains(' ')
                    {
                        out.report(
                            &cx.src.path,
                            v.pos,
                            format!("`'{s}'` is a number written as a string; drop the quotes"),
                        );
                    }
                }
            }
        }
    }
}
