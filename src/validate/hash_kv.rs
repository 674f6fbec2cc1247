//! SV416: Sysmon's `Hashes` field holds `ALGO=hex` pairs; a wrong algorithm name or length never matches.

use super::{DocCx, Findings, Check, util};
use crate::rule::value::{Part, SigmaString};

validator!(
    "SV416",
    "hash-value-format",
    Error,
    SigmaHq,
    ["sigmahq_invalid_hash_kv"],
    "A `Hashes`/`Hash` value is not `MD5|SHA1|SHA256|IMPHASH=<hex of the right length>`."
);

fn problem(lit: &str) -> Option<String> {
    let Some((name, hex)) = lit.split_once('=') else {
        return Some(format!("`{lit}` is not `ALGO=value`"));
    };
    if hex.contains('=') {
        return Some(format!("`{lit}` is not `ALGO=value`"));
    }
    let len = match name {
        "MD5" | "IMPHASH" => 32,
        "SHA1" => 40,
        "SHA256" => 64,
        _ => return Some(format!("`{name}` is not MD5, SHA1, SHA256 or IMPHASH")),
    };
    (hex.len() != len || !hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("`{hex}` is not a {len}-digit {name} hash"))
}

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        for i in util::rule_items(r) {
            if !matches!(i.field.as_deref(), Some("Hashes" | "Hash")) {
                continue;
            }
            for (s, pos) in util::strings(i) {
                for part in SigmaString::parse(s, false).parts {
                    if let Part::Lit(l) = part
                        && let Some(msg) = problem(&l)
                    {
                        out.report(&cx.src.path, pos, msg);
                    }
                }
            }
        }
    }
}
