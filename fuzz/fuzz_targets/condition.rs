//! The Sigma condition parser (src/rule/condition.rs): precedence, `1 of x*`, parentheses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigmaforge::rule::condition::parse;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cond) = parse(text) {
        let mut nodes = 0usize;
        cond.walk(&mut |_| nodes += 1);
    }
});
