//! es-qs output judged by real Lucene (Debian liblucene8-java, Lucene 8.7 classic query parser):
//! every query the corpus produces must parse, and the fixture rules × events of
//! tests/oracle/cases.yml must match exactly the expected events.
//!
//! Skips with a printed reason when java/javac or the Lucene jars are missing
//! (`apt-get install -y liblucene8-java`, JDK 17).

use std::path::Path;

use crate::util::oracle::{Event, Oracle, flatten};
use serde_yaml::Value;
use sigmaforge::mapping::{CaseStrategy, ConfigSet};
use sigmaforge::render::Status;
use sigmaforge::render::convert::convert_doc;
use sigmaforge::render::es_qs::EsQs;
use sigmaforge::rule::file::parse_bytes;

fn oracle(tag: &str) -> Option<Oracle> {
    match Oracle::new(tag) {
        Ok(o) => Some(o),
        Err(reason) => {
            println!("skipping: real-Lucene oracle unavailable: {reason}");
            None
        }
    }
}

fn strategy(v: Option<&Value>) -> Option<CaseStrategy> {
    v.and_then(Value::as_str).map(|s| match s {
        "exact" => CaseStrategy::Exact,
        "lowercase" => CaseStrategy::Lowercase,
        "regex" => CaseStrategy::Regex,
        other => panic!("unknown case strategy {other}"),
    })
}

#[test]
fn fixtures_match_exactly_the_expected_events() {
    let Some(oracle) = oracle("fixtures") else {
        return;
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/cases.yml");
    let cases: Vec<Value> = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        cases.len() >= 60,
        "at least 60 fixture cases, have {}",
        cases.len()
    );

    let mut runs = Vec::new(); // (case name, query index range, events, expected)
    let mut batch: Vec<(String, Vec<Event>)> = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap().to_string();
        let logsource = case
            .get("logsource")
            .map(|l| serde_yaml::to_string(l).unwrap())
            .unwrap_or_else(|| "product: test\n".into());
        let detection = serde_yaml::to_string(&case["detection"]).unwrap();
        let indent = |s: &str| s.lines().map(|l| format!("    {l}\n")).collect::<String>();
        let text = format!(
            "title: {name}\nid: 11111111-2222-3333-4444-555555555555\nstatus: test\nlogsource:\n{}detection:\n{}level: low\n",
            indent(&logsource),
            indent(&detection)
        );
        let parsed = parse_bytes(&format!("{name}.yml"), text.as_bytes());
        let doc = parsed
            .docs
            .first()
            .unwrap_or_else(|| panic!("{name}: no document"));
        assert!(doc.doc.is_some(), "{name}: rejected: {:?}", parsed.diags);
        let set = match case.get("config").and_then(Value::as_str) {
            Some(c) => ConfigSet::load(&[c]).unwrap(),
            None => ConfigSet::default(),
        };
        let target = EsQs {
            case: strategy(case.get("case")),
        };
        let out = convert_doc(
            doc,
            &set,
            &sigmaforge::attack::AttackData::embedded(),
            &target,
            "",
        );
        if let Some(skip) = case.get("skip").and_then(Value::as_str) {
            assert_eq!(
                out.status,
                Status::Skipped,
                "{name}: expected a refusal, got {:?}",
                out.output
            );
            let reason = out.reason.unwrap_or_default();
            assert!(
                reason.contains(skip),
                "{name}: reason `{reason}` lacks `{skip}`"
            );
            continue;
        }
        assert_eq!(out.status, Status::Converted, "{name}: {:?}", out.reason);
        let events: Vec<Event> = case["events"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|e| {
                let mut v = Vec::new();
                flatten(e, "", &mut v);
                v
            })
            .collect();
        let expect: Vec<usize> = case["expect"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        let queries: Vec<String> = vec![out.output.unwrap()];
        let start = batch.len();
        for q in &queries {
            batch.push((q.clone(), events.clone()));
        }
        runs.push((name, start..batch.len(), events.len(), expect, queries));
    }
    let results = oracle.matches(&batch);
    assert_eq!(results.len(), batch.len(), "one result row per query");
    let mut failures = Vec::new();
    for (name, range, n, expect, queries) in runs {
        let mut matched = vec![false; n];
        for row in &results[range] {
            assert!(
                !row.contains('E'),
                "{name}: Lucene could not parse {queries:?}"
            );
            for (i, c) in row.chars().enumerate() {
                matched[i] |= c == '1';
            }
        }
        let got: Vec<usize> = (0..n).filter(|&i| matched[i]).collect();
        if got != expect {
            failures.push(format!(
                "{name}: expected {expect:?}, matched {got:?} with {queries:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn every_corpus_query_parses_in_real_lucene() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let Some(oracle) = oracle("corpus") else {
        return;
    };
    let scan = sigmaforge::scan::scan(&[root]).unwrap();
    let sets: Vec<(&str, Vec<&str>)> = vec![
        ("none", vec![]),
        ("ecs-windows", vec!["ecs-windows"]),
        ("ecs-cloudtrail", vec!["ecs-cloudtrail"]),
        ("ecs-proxy", vec!["ecs-proxy"]),
        ("ecs-linux", vec!["ecs-linux"]),
    ];
    let mut queries = Vec::new();
    for (label, names) in &sets {
        let set = ConfigSet::load(names).unwrap();
        for case in [
            None,
            Some(CaseStrategy::Exact),
            Some(CaseStrategy::Lowercase),
        ] {
            let t = EsQs { case };
            let outs = sigmaforge::render::convert::convert(
                &scan,
                &set,
                &sigmaforge::attack::AttackData::embedded(),
                &[&t],
            );
            let n = outs
                .iter()
                .filter(|o| o.status == Status::Converted)
                .count();
            println!(
                "{label} {case:?}: {n} of {} documents converted",
                outs.len()
            );
            for o in outs {
                if let Some(out) = o.output {
                    queries.push((o.path.clone(), out));
                }
            }
        }
    }
    let texts: Vec<String> = queries.iter().map(|(_, q)| q.clone()).collect();
    let results = oracle.parse(&texts);
    assert_eq!(results.len(), texts.len());
    let errors: Vec<String> = results
        .iter()
        .zip(&queries)
        .filter_map(|(r, (p, q))| {
            r.as_ref()
                .err()
                .map(|e| format!("{p}: {}\n  {e}", q.chars().take(300).collect::<String>()))
        })
        .collect();
    let large: std::collections::BTreeSet<&str> = results
        .iter()
        .zip(&queries)
        .filter(|(r, _)| matches!(r, Ok(true)))
        .map(|(_, (p, _))| p.as_str())
        .collect();
    println!(
        "{} queries parsed by Lucene, {} errors; {} rules need more than 1024 clauses (ES 7 default limit): {large:?}",
        texts.len(),
        errors.len(),
        large.len()
    );
    assert!(
        errors.is_empty(),
        "{}",
        errors[..errors.len().min(20)].join("\n")
    );
}
