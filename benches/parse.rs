//! Parsing the whole SigmaHQ corpus (discovery + read + YAML + model), the budget every later stage
//! builds on. Run with `cargo bench --bench parse`; skipped when `../shared` is absent.

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::{Path, PathBuf};

fn corpus_dirs() -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigmahq");
    if !root.is_dir() {
        eprintln!("skipping: {} not found", root.display());
        return None;
    }
    Some(
        [
            "rules",
            "rules-emerging-threats",
            "rules-threat-hunting",
            "rules-placeholder",
            "rules-compliance",
            "deprecated",
            "unsupported",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect(),
    )
}

fn bench_parse(c: &mut Criterion) {
    let Some(dirs) = corpus_dirs() else { return };
    let mut group = c.benchmark_group("corpus");
    group.sample_size(20);
    group.bench_function("scan (parallel)", |b| {
        b.iter(|| sigmaforge::scan::scan(&dirs).expect("scan"))
    });
    let files = sigmaforge::discover::discover(&dirs).expect("discover");
    let contents: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read(p).expect("read")))
        .collect();
    group.bench_function("parse only, one thread", |b| {
        b.iter(|| {
            contents
                .iter()
                .map(|(p, bytes)| sigmaforge::rule::file::parse_bytes(p, bytes).docs.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
