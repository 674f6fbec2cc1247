//! The position-tracking YAML reader (src/rule/yaml.rs): any text must give documents or an
//! error, within the depth and node limits, and never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigmaforge::rule::yaml::{Limits, parse_documents};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(docs) = parse_documents(text, Limits::default()) {
        for doc in &docs {
            // The JSON view walks every node (aliases already expanded).
            let _ = doc.root.to_json();
        }
    }
});
