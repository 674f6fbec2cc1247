//! Benchmarks of ATT&CK coverage on the SigmaHQ corpus (3,780 rules): loading the embedded data,
//! tag analysis + layer, statistics, SVG. Skips (runs nothing) when ../shared is absent.
//!
//! Run: `cargo bench --bench attack`. Peak memory (VmHWM) is printed once before the timings.

use criterion::{Criterion, criterion_group, criterion_main};
use sigmaforge::attack::{
    AttackData, Domain, LayerOptions, StatsOptions, SvgOptions, build_layer, coverage_stats,
    render_svg,
};
use std::hint::black_box;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn bench(c: &mut Criterion) {
    c.bench_function("attack/load_embedded_all_domains", |b| {
        b.iter(|| {
            let data = AttackData::embedded();
            for d in Domain::ALL {
                black_box(data.matrix(d).map(|m| m.techniques.len()).unwrap_or(0));
            }
        })
    });
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigmahq");
    if !root.is_dir() {
        eprintln!("skip corpus benchmarks: {} not present", root.display());
        return;
    }
    let inputs: Vec<std::path::PathBuf> = [
        "rules",
        "rules-compliance",
        "rules-dfir",
        "rules-emerging-threats",
        "rules-placeholder",
        "rules-threat-hunting",
    ]
    .iter()
    .map(|f| root.join(f))
    .collect();
    let Ok(scan) = sigmaforge::scan::scan(&inputs) else {
        eprintln!("skip corpus benchmarks: scan failed");
        return;
    };
    let prefix = sigmaforge::discover::display_path(&root);
    let rules = sigmaforge::attack::coverage_rules(&scan, Some(&prefix));
    drop(scan);
    let before = peak_rss_kib();
    let data = AttackData::embedded();
    let layer = build_layer(&rules, &LayerOptions::default(), &data)
        .map(|o| o.layer.to_json().expect("layer serialises"));
    eprintln!(
        "{} rules; layer {} bytes; peak RSS before layer {:?} KiB, after {:?} KiB",
        rules.len(),
        layer.map(|l| l.len()).unwrap_or(0),
        before,
        peak_rss_kib()
    );
    c.bench_function("attack/layer_corpus_json", |b| {
        b.iter(|| {
            let data = AttackData::embedded();
            let out = build_layer(black_box(&rules), &LayerOptions::default(), &data);
            black_box(
                out.map(|o| o.layer.to_json().map_or(0, |s| s.len()))
                    .unwrap_or(0),
            )
        })
    });
    c.bench_function("attack/stats_corpus", |b| {
        b.iter(|| {
            black_box(
                coverage_stats(black_box(&rules), &StatsOptions::default(), &data)
                    .map(|s| s.to_markdown().len())
                    .unwrap_or(0),
            )
        })
    });
    c.bench_function("attack/svg_corpus", |b| {
        b.iter(|| {
            black_box(
                render_svg(black_box(&rules), &SvgOptions::default(), &data)
                    .map(|s| s.len())
                    .unwrap_or(0),
            )
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
