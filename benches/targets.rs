//! The whole SigmaHQ corpus to every Elastic target in one run (one scan, one mapping per rule, seven
//! renderers), the number `docs/targets.md` reports. Run with `cargo bench --bench targets`; skipped
//! when `../shared` is absent.

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::{Path, PathBuf};

use sigmaforge::mapping::ConfigSet;
use sigmaforge::render as target;

fn corpus_dirs() -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigmahq");
    if !root.is_dir() {
        eprintln!("skipping: {} not found", root.display());
        return None;
    }
    Some(
        [
            "rules",
            "rules-compliance",
            "rules-dfir",
            "rules-emerging-threats",
            "rules-placeholder",
            "rules-threat-hunting",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect(),
    )
}

fn bench_targets(c: &mut Criterion) {
    let Some(dirs) = corpus_dirs() else { return };
    let set = ConfigSet::load(&["ecs-windows"]).expect("config");
    let all = target::targets();
    let mut group = c.benchmark_group("targets");
    group.sample_size(10);
    group.bench_function("scan + convert to all 7 targets", |b| {
        b.iter(|| {
            let scan = sigmaforge::scan::scan(&dirs).expect("scan");
            sigmaforge::render::convert::convert(
                &scan,
                &set,
                &sigmaforge::attack::AttackData::embedded(),
                &all,
            )
            .len()
        })
    });
    let scan = sigmaforge::scan::scan(&dirs).expect("scan");
    group.bench_function("convert to all 7 targets (parsed scan)", |b| {
        b.iter(|| {
            sigmaforge::render::convert::convert(
                &scan,
                &set,
                &sigmaforge::attack::AttackData::embedded(),
                &all,
            )
            .len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_targets);
criterion_main!(benches);
