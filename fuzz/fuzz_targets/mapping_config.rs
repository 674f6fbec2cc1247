//! The field-mapping config parser (src/mapping/config.rs); `--config FILE` can come from a PR.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigmaforge::mapping::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Config::parse("fuzz.yml", text);
});
