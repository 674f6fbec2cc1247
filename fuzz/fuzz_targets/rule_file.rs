//! A whole rule file from bytes (src/rule/file.rs → yaml, parse, value, modifier, condition),
//! exactly what a pull request can put in front of sigmaforge.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigmaforge::rule::file::parse_bytes;

fuzz_target!(|data: &[u8]| {
    let _ = parse_bytes("fuzz/rule.yml", data);
});
