//! Benchmark: convert SigmaHQ's `rules/` (3,141 rules) to es-qs with ecs-windows, as pySigma's
//! baseline did (`sigma convert -t lucene -p ecs_windows rules`: 7.8 s, 113 MiB on this machine).
//!
//! Ignored by default; run in release mode and read the printed timings (peak memory with
//! `/usr/bin/time -v`):
//! `cargo test --release --test lucene_bench -- --ignored --nocapture`

use std::path::Path;
use std::time::Instant;

use sigmaforge::mapping::ConfigSet;
use sigmaforge::target::Status;
use sigmaforge::target::lucene::EsQs;

#[test]
#[ignore = "benchmark; run explicitly in release mode"]
fn convert_rules_folder() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigmahq/rules");
    if !rules.is_dir() {
        println!("skipping: {} not found", rules.display());
        return;
    }
    let t0 = Instant::now();
    let scan = sigmaforge::scan::scan(&[rules]).unwrap();
    let t1 = Instant::now();
    let set = ConfigSet::load(&["ecs-windows"]).unwrap();
    let outcomes = sigmaforge::convert::convert(&scan, &set, &[&EsQs::default()]);
    let t2 = Instant::now();
    let converted = outcomes
        .iter()
        .filter(|o| o.status == Status::Converted)
        .count();
    let bytes: usize = outcomes
        .iter()
        .filter_map(|o| o.output.as_ref())
        .map(String::len)
        .sum();
    println!(
        "{} documents: scan+parse {:.3} s, convert {:.3} s, total {:.3} s; {converted} converted, {bytes} bytes of queries",
        outcomes.len(),
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        (t2 - t0).as_secs_f64()
    );
}
