//! SV109: the specification's schema says `id` has `format: uuid`; other ids still work, but every
//! tool must invent something from them (es-rule derives its `rule_id`), so say so.

use super::{Check, DocCx, Findings};

validator!(
    "SV109",
    "identifier-not-uuid",
    Warning,
    Sigmaforge,
    [],
    "The `id` is not a UUID (the specification's `format: uuid`)."
);

/// 8-4-4-4-12 hexadecimal digits, either case.
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(id) = &cx.meta().id else { return };
        if !is_uuid(id.value.trim()) {
            out.report(
                &cx.src.path,
                id.pos,
                format!(
                    "id `{}` is not a UUID (the specification requires one); the es-rule `rule_id` is derived from it by hashing, so it changes if the id does: use a UUID (e.g. from `uuidgen`)",
                    id.value
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuid_shape() {
        assert!(super::is_uuid("5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e"));
        assert!(super::is_uuid("5F2A1AC4-9A8E-4B8B-9C46-1A1F0D1C2B3E"));
        assert!(!super::is_uuid("not-a-uuid"));
        assert!(!super::is_uuid("5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3"));
        assert!(!super::is_uuid("5f2a1ac4x9a8e-4b8b-9c46-1a1f0d1c2b3e"));
    }
}
