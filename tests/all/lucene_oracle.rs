//! es-qs output judged by real Lucene (Debian liblucene8-java, Lucene 8.7 classic query parser):
//! every query the corpus produces must parse, and the fixture rules × events of
//! tests/oracle/cases.yml must match exactly the expected events.
//!
//! The probes of tests/oracle/typed_cases.yml run with each event field indexed as the field
//! catalog types it (keyword, lowercase-normalized keyword, wildcard, text, long, ip) and must match
//! exactly the events the Sigma evaluator (`src/eval`) matches, or carry `SF202` (text fields).
//!
//! Skips with a printed reason when java/javac or the Lucene jars are missing
//! (`apt-get install -y liblucene8-java`, JDK 17).

use std::path::Path;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::util::oracle::{Event, Oracle, flatten};
use serde_yaml::Value;
use sigmaforge::eval::compile::{CompiledDetection, Probes};
use sigmaforge::mapping::catalog::{FieldCatalog, FieldType, IndexRef};
use sigmaforge::mapping::{CaseStrategy, ConfigSet, FindingKind};
use sigmaforge::render::Status;
use sigmaforge::render::convert::convert_doc;
use sigmaforge::render::es_qs::EsQs;
use sigmaforge::rule::Document;
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

/// The harness type (tests/oracle/Oracle.java `tmatch`) of a mapping type and normalizer.
fn harness_type(ty: &FieldType, normalizer: Option<&str>) -> &'static str {
    match ty {
        _ if ty.is_numeric() => "long",
        FieldType::Ip => "ip",
        FieldType::Wildcard => "wildcard",
        _ if ty.is_text() => "text",
        _ if normalizer == Some("lowercase") => "caseless",
        _ => "keyword",
    }
}

/// Every name a value of `field` is indexed under in `ix` (the field and its multi-fields), with
/// the harness type of each; empty when the index does not have the field.
fn typed_names(ix: IndexRef<'_>, field: &str) -> Vec<(String, &'static str)> {
    let Some(info) = ix.lookup(field) else {
        return Vec::new();
    };
    let mut out = vec![(
        field.to_string(),
        harness_type(&info.ty, info.normalizer.as_deref()),
    )];
    for sub in &info.multi_fields {
        out.push((
            format!("{field}.{}", sub.name),
            harness_type(&sub.ty, sub.normalizer.as_deref()),
        ));
    }
    out
}

#[test]
fn typed_probes_match_the_evaluator() {
    let Some(oracle) = oracle("typed") else {
        return;
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/typed_cases.yml");
    let probes: Vec<Value> = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let catalog = Arc::new(FieldCatalog::embedded().expect("embedded catalog"));
    let str_map = |v: Option<&Value>| -> BTreeMap<String, String> {
        v.and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::String(s) => s.clone(),
                            other => serde_yaml::to_string(other).unwrap().trim().to_string(),
                        };
                        (k.as_str().unwrap().to_string(), v)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut batch = Vec::new();
    // (name, query, evaluator verdicts, SF202 warned, SF202 expected, types)
    let mut runs = Vec::new();
    let mut seen_types = std::collections::BTreeSet::new();
    for p in &probes {
        let name = p["name"].as_str().unwrap().to_string();
        let indent = |s: &str| s.lines().map(|l| format!("    {l}\n")).collect::<String>();
        let text = format!(
            "title: {name}\nid: 11111111-2222-3333-4444-555555555555\nstatus: test\nlogsource:\n{}detection:\n{}level: low\n",
            indent(&serde_yaml::to_string(&p["logsource"]).unwrap()),
            indent(&serde_yaml::to_string(&p["detection"]).unwrap())
        );
        let parsed = parse_bytes(&format!("{name}.yml"), text.as_bytes());
        let doc = parsed.docs.first().expect("one document");
        let Some(Document::Rule(rule)) = &doc.doc else {
            panic!("{name}: rejected: {:?}", parsed.diags);
        };
        let config = p["config"].as_str().unwrap();
        let set = ConfigSet::load(&[config])
            .unwrap()
            .with_catalog(catalog.clone(), false);
        let built = set
            .build(rule)
            .unwrap_or_else(|e| panic!("{name}: {}", e.0));
        let sf202 = built
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::TextField);
        let out = convert_doc(
            doc,
            &set,
            &sigmaforge::attack::AttackData::embedded(),
            &EsQs { case: None },
            "",
        );
        assert_eq!(out.status, Status::Converted, "{name}: {:?}", out.reason);
        let query = out.output.unwrap();

        let index = p["index"].as_str().unwrap();
        let resolved = catalog.resolve(index);
        let members: Vec<IndexRef<'_>> = resolved.indices().collect();
        assert_eq!(members.len(), 1, "{name}: `{index}` is one catalog index");
        let ix = members[0];
        let ecs = str_map(p.get("ecs"));
        let context = str_map(p.get("context"));
        let compiled = CompiledDetection::compile(&rule.detection, &BTreeMap::new())
            .unwrap_or_else(|e| panic!("{name}: evaluator: {e}"));
        let mut types: BTreeMap<String, &'static str> = BTreeMap::new();
        for f in ecs.values().chain(context.keys()) {
            types.extend(typed_names(ix, f));
        }
        let mut events: Vec<Event> = Vec::new();
        let mut expected = String::new();
        for e in p["events"].as_sequence().unwrap() {
            let json: serde_json::Value = serde_json::to_value(e).unwrap();
            expected.push(if compiled.matches(&json, &mut Probes::new(0)) {
                '1'
            } else {
                '0'
            });
            let mut flat = Vec::new();
            flatten(e, "", &mut flat);
            flat.extend(context.iter().map(|(k, v)| (k.clone(), v.clone())));
            let mut ev = Vec::new();
            for (f, v) in flat {
                let f = ecs.get(&f).cloned().unwrap_or(f);
                let names = typed_names(ix, &f);
                if names.is_empty() {
                    ev.push((f, v));
                    continue;
                }
                for (n, t) in names {
                    types.insert(n.clone(), t);
                    ev.push((n, v.clone()));
                }
            }
            events.push(ev);
        }
        seen_types.extend(types.values().copied());
        let expect_sf202 = p.get("sf202").and_then(Value::as_bool).unwrap_or(false);
        let types: Vec<(String, String)> =
            types.into_iter().map(|(k, v)| (k, v.to_string())).collect();
        runs.push((
            name,
            query.clone(),
            expected,
            sf202,
            expect_sf202,
            types.clone(),
        ));
        batch.push((query, types, events));
    }
    let rows = oracle.typed_matches(&batch);
    assert_eq!(rows.len(), runs.len(), "one row per probe");
    let mut failures = Vec::new();
    let mut diverged = 0;
    for ((name, query, expected, sf202, expect_sf202, types), got) in runs.iter().zip(&rows) {
        println!(
            "{name}: evaluator {expected}, Lucene {got}{}\n    {query}\n    {types:?}",
            if *sf202 { " (SF202)" } else { "" }
        );
        if sf202 != expect_sf202 {
            failures.push(format!(
                "{name}: SF202 warned {sf202}, probe expects {expect_sf202}"
            ));
        }
        if got.contains('E') || got.contains('D') {
            failures.push(format!(
                "{name}: Lucene refused the query or an event ({got}): {query} {types:?}"
            ));
        } else if got != expected {
            if *sf202 {
                diverged += 1;
            } else {
                failures.push(format!(
                    "{name}: evaluator {expected}, Lucene {got}: {query} {types:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The probes cover every harness type, and the text divergence SF202 warns of is real.
    for t in ["keyword", "caseless", "wildcard", "text", "long", "ip"] {
        assert!(seen_types.contains(t), "no probe indexes a `{t}` field");
    }
    assert!(
        diverged > 0,
        "the text probe shows the divergence SF202 warns of"
    );
}
