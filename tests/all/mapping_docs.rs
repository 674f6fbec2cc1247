//! The override examples in docs/overrides.md are valid configs.

use std::path::Path;

use sigmaforge::mapping::Config;

#[test]
fn override_examples_in_the_docs_load() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/overrides.md"))
            .unwrap();
    let mut n = 0;
    for block in text.split("```yaml\n").skip(1) {
        let body = block.split("```").next().unwrap();
        let config = if body.starts_with("overrides:") {
            body.to_string()
        } else {
            format!("overrides:\n{body}")
        };
        let c =
            Config::parse("docs/overrides.md", &config).unwrap_or_else(|e| panic!("{e}\n{config}"));
        assert!(!c.overrides().is_empty());
        n += 1;
    }
    assert!(n >= 3, "found {n} examples");
}
