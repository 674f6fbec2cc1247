//! Same input, same bytes: conversion, findings and the layer do not depend on the thread count.

use assert_cmd::Command;

fn output(threads: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("sigmaforge")
        .expect("binary")
        .env("RAYON_NUM_THREADS", threads)
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    out.stdout
}

#[test]
fn outputs_are_identical_for_any_thread_count() {
    let convert = [
        "convert",
        "-t",
        "es-qs,es-rule,kibana,xpack-watcher,elastalert,eql,esql",
        "-c",
        "ecs-windows",
        "-c",
        "ecs-cloudtrail",
        "--format",
        "jsonl",
        "examples/rules",
    ];
    let check = ["check", "--format", "json", "examples/rules"];
    for args in [&convert[..], &check[..]] {
        let one = output("1", args);
        assert!(!one.is_empty());
        assert_eq!(one, output("2", args), "{args:?}");
        assert_eq!(one, output("4", args), "{args:?}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let layer = |threads: &str, name: &str| {
        let path = dir.path().join(name);
        output(
            threads,
            &[
                "layer",
                "examples/rules",
                "-o",
                path.to_str().expect("utf-8 path"),
            ],
        );
        std::fs::read(path).expect("layer written")
    };
    assert_eq!(layer("1", "a.json"), layer("4", "b.json"));
}
