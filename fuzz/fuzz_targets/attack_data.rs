//! ATT&CK data loading (src/attack/data.rs; src/attack/stix.rs for `"type": "bundle"`): the
//! `--attack-data` file is user-supplied.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigmaforge::attack::Matrix;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(matrix) = Matrix::from_any_json(text, "fuzz.json") {
        let _ = matrix.major_version();
        for t in &matrix.techniques {
            let _ = matrix.technique(&t.id);
        }
    }
});
