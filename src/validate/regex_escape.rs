//! SV420: regex escapes beyond a portable core (`\d`, `\w`, escaped punctuation, …) mean different
//! things, or nothing, in different backends' regex engines (SigmaHQ CI, test_rules.py).

use super::{DocCx, Findings, Check, util};
use crate::rule::modifier::Modifier;

validator!(
    "SV420",
    "regex-escape",
    Error,
    SigmaHqCi,
    [],
    "A `re` value uses an escape sequence outside the portable set."
);

fn bad_escape(pattern: &str) -> Option<char> {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            continue;
        }
        let n = chars.next()?;
        let ok = !n.is_alphanumeric()
            || n.is_ascii_digit()
            || matches!(
                n,
                'A' | 'b'
                    | 'B'
                    | 'd'
                    | 'D'
                    | 'f'
                    | 'n'
                    | 'r'
                    | 's'
                    | 'S'
                    | 't'
                    | 'v'
                    | 'w'
                    | 'W'
                    | 'Z'
            );
        if !ok {
            return Some(n);
        }
    }
    None
}

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if !util::has(i, Modifier::Re) {
                continue;
            }
            for (s, pos) in util::strings(i) {
                if let Some(c) = bad_escape(s) {
                    out.report(
                        &cx.src.path,
                        pos,
                        format!("regex escape `\\{c}` is not portable across backends"),
                    );
                }
            }
        }
    }
}
