//! Values and modifier chains (src/rule/value.rs, src/rule/modifier.rs) directly: the first line
//! is a `|`-separated modifier chain, the rest the value (`Image|endswith|windash` style).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigmaforge::rule::modifier::{RawValue, apply, parse_chain};
use sigmaforge::rule::value::SigmaString;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (chain, value) = text.split_once('\n').unwrap_or((text, ""));
    let _ = SigmaString::parse(value, true);
    let _ = SigmaString::parse(value, false);
    let names: Vec<&str> = chain.split('|').filter(|n| !n.is_empty()).collect();
    if let Ok(chain) = parse_chain(&names) {
        let _ = apply(&chain, &RawValue::Str(value.to_string()));
    }
});
