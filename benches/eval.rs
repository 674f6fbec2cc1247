//! The evaluator on the SigmaHQ corpus: compiling every rule once, and evaluating all of them on a
//! fixed set of generated events (each rule's witness events, taken in turn). Run with
//! `cargo bench --bench eval`; skipped when `../shared` is absent. `scripts/bench.sh` measures the
//! release binary over one million events.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sigmaforge::eval::{EvalOptions, Event, RuleSet};
use std::path::Path;

fn bench_eval(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigmahq");
    if !root.is_dir() {
        eprintln!("skipping: {} not found", root.display());
        return;
    }
    let dirs: Vec<_> = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    let scan = sigmaforge::scan::scan(&dirs).expect("scan");
    // 2,000 events: the first matching event and first near miss of each rule, in scan order.
    let mut events = Vec::new();
    for (_, w) in sigmaforge::eval::witness::witnesses(&scan) {
        if let Ok(w) = w {
            for v in w
                .matching
                .into_iter()
                .take(1)
                .chain(w.near_misses.into_iter().take(1))
            {
                events.push(Event {
                    value: v,
                    line: events.len() + 1,
                });
            }
        }
        if events.len() >= 2000 {
            break;
        }
    }
    let opts = EvalOptions::default();
    let mut group = c.benchmark_group("eval");
    group.sample_size(10);
    group.bench_function("compile the corpus", |b| {
        b.iter(|| RuleSet::compile(&scan, &opts).docs().count())
    });
    let set = RuleSet::compile(&scan, &opts);
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("every rule on 2,000 witness events", |b| {
        b.iter(|| set.evaluate(&scan, &events, &opts).summary.matching_events)
    });
    group.finish();
}

criterion_group!(benches, bench_eval);
criterion_main!(benches);
