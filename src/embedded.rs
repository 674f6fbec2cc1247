//! Data files compiled into the binary (field catalog, ATT&CK tables, SigmaHQ conventions), stored
//! deflated by build.rs to keep the static binary small, and inflated once where they are used.

/// The bytes build.rs stored for `$path` (a data file path such as `"data/attack/ics.json"`, with
/// `/` written as `-`).
macro_rules! deflated {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".deflate"))
    };
}
pub(crate) use deflated;

/// Upper bound for one inflated file (the largest, the field catalog, is 1.5 MB): corrupt data
/// cannot take unbounded memory.
const MAX_INFLATED_BYTES: usize = 64 << 20;

/// Inflates embedded data to its text. An error means the build embedded corrupt bytes.
pub fn inflate(bytes: &[u8]) -> Result<String, String> {
    let raw = miniz_oxide::inflate::decompress_to_vec_with_limit(bytes, MAX_INFLATED_BYTES)
        .map_err(|e| format!("does not inflate: {e}"))?;
    String::from_utf8(raw).map_err(|e| format!("not UTF-8: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_inflates_to_its_source() {
        let root = env!("CARGO_MANIFEST_DIR");
        for (path, bytes) in [
            (
                "data/fields/catalog.json",
                &deflated!("data-fields-catalog.json")[..],
            ),
            (
                "data/attack/enterprise.json",
                &deflated!("data-attack-enterprise.json")[..],
            ),
            (
                "data/attack/ics.json",
                &deflated!("data-attack-ics.json")[..],
            ),
            (
                "data/attack/mobile.json",
                &deflated!("data-attack-mobile.json")[..],
            ),
            (
                "data/validate/sigmahq_taxonomy.json",
                &deflated!("data-validate-sigmahq_taxonomy.json")[..],
            ),
        ] {
            let source = std::fs::read_to_string(format!("{root}/{path}")).unwrap();
            assert_eq!(inflate(bytes).unwrap(), source, "{path}");
        }
        assert!(inflate(b"not deflate data").is_err());
    }
}
