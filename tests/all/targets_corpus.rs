//! Every artifact the six Elastic targets generate from the SigmaHQ corpus, judged by Elastic's own
//! schemas and parsers: detection rules against the detection-rules JSON Schemas (+ the fields
//! Kibana requires), ElastAlert rules against ElastAlert 2's `schema.yaml`, EQL through Elastic's
//! `eql` parser and ES|QL through `esql-parser` (one Python process per language), Kibana saved
//! searches and Watcher watches through shape checks written from the documented formats.
//! EQL output is also parsed against a schema of each index the rule searches, built from the field
//! catalog (`tests/oracle_eql_schema.py`): every field `eql` does not know there must be one
//! sigmaforge reports itself (`SF201`) or one the index maps dynamically on first use.
//! Skips with a printed reason when `../shared` or a Python module is missing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use sigmaforge::mapping::catalog::{FieldCatalog, FieldType, IndexRef, Origin};
use sigmaforge::mapping::{ConfigSet, FindingKind};
use sigmaforge::render::convert::filters_for;
use sigmaforge::render::{self as target, Outcome, RuleInput, Status, Target};
use sigmaforge::rule::Document;

use crate::util::targets::{
    check_detection_rules, python_oracle, python_oracle_json, schema, schema_errors,
};

const FOLDERS: &[&str] = &[
    "rules",
    "rules-compliance",
    "rules-dfir",
    "rules-emerging-threats",
    "rules-placeholder",
    "rules-threat-hunting",
];

/// Groups reasons by replacing the rule-specific parts (inside backticks) with `…`.
fn reason_group(r: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    let mut pct = false;
    for c in r.chars() {
        if c == '%' && !inside {
            pct = !pct;
            if pct {
                out.push_str("%…");
            } else {
                out.push('%');
            }
        } else if pct {
        } else if c == '`' {
            inside = !inside;
            if inside {
                out.push_str("`…");
            } else {
                out.push('`');
            }
        } else if !inside {
            out.push(c);
        }
    }
    out
}

fn outputs<'a>(outcomes: &'a [Outcome], target: &str) -> Vec<&'a str> {
    outcomes
        .iter()
        .filter(|o| o.target == target && o.status == Status::Converted)
        .filter_map(|o| o.output.as_deref())
        .collect()
}

fn check_kibana(lines: &[&str], bundle: &str) {
    let mut view_ids = std::collections::BTreeSet::new();
    for out in lines {
        let objs: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("ndjson line"))
            .collect();
        assert_eq!(objs.len(), 2, "data view + search: {out}");
        let (view, search) = (&objs[0], &objs[1]);
        assert_eq!(view["type"], "index-pattern");
        assert!(
            view["attributes"]["title"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        assert_eq!(view["attributes"]["timeFieldName"], "@timestamp");
        assert_eq!(search["type"], "search");
        let attrs = &search["attributes"];
        assert!(attrs["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(attrs["columns"].is_array() && attrs["sort"].is_array());
        let ssj = attrs["kibanaSavedObjectMeta"]["searchSourceJSON"]
            .as_str()
            .expect("searchSourceJSON is a string");
        let ss: Value = serde_json::from_str(ssj).expect("searchSourceJSON parses");
        assert_eq!(ss["query"]["language"], "lucene");
        assert!(ss["query"]["query"].as_str().is_some_and(|q| !q.is_empty()));
        assert!(
            ss.get("index").is_none(),
            "no pattern text inside searchSourceJSON"
        );
        let r = &search["references"][0];
        assert_eq!(r["name"], ss["indexRefName"]);
        assert_eq!(r["type"], "index-pattern");
        assert_eq!(
            r["id"], view["id"],
            "reference resolves to the data view id"
        );
        assert!(search.get("typeMigrationVersion").is_none());
        view_ids.insert(view["id"].as_str().unwrap_or_default().to_string());
    }
    // bundle: every data view once, all before the first search
    let mut seen_search = false;
    let mut views = Vec::new();
    for l in bundle.lines() {
        let v: Value = serde_json::from_str(l).expect("bundle line");
        if v["type"] == "index-pattern" {
            assert!(!seen_search, "data views precede searches");
            views.push(v["id"].as_str().unwrap_or_default().to_string());
        } else {
            seen_search = true;
        }
    }
    let unique: std::collections::BTreeSet<_> = views.iter().cloned().collect();
    assert_eq!(unique.len(), views.len(), "each data view once");
    assert_eq!(unique, view_ids);
}

fn check_watches(lines: &[&str]) {
    for out in lines {
        let w: Value = serde_json::from_str(out).expect("watch JSON");
        let keys: Vec<&str> = w.as_object().unwrap().keys().map(String::as_str).collect();
        for k in &keys {
            assert!(
                [
                    "trigger",
                    "input",
                    "condition",
                    "actions",
                    "metadata",
                    "throttle_period",
                    "transform"
                ]
                .contains(k),
                "unknown watch key {k}"
            );
        }
        assert!(
            w["trigger"]["schedule"]["interval"]
                .as_str()
                .is_some_and(|i| i.ends_with('m'))
        );
        let req = &w["input"]["search"]["request"];
        for k in req.as_object().unwrap().keys() {
            assert!(
                [
                    "indices",
                    "body",
                    "search_type",
                    "indices_options",
                    "template",
                    "rest_total_hits_as_int"
                ]
                .contains(&k.as_str()),
                "Watcher rejects request key {k}"
            );
        }
        assert!(req["indices"].as_array().is_some_and(|a| !a.is_empty()));
        let b = &req["body"]["query"]["bool"];
        assert!(b["must"][0]["query_string"]["query"].is_string());
        assert!(
            b["filter"][0]["range"]["@timestamp"]["gte"]
                .as_str()
                .is_some_and(|s| s.starts_with("now-"))
        );
        assert_eq!(w["condition"]["compare"]["ctx.payload.hits.total"]["gt"], 0);
        let actions = w["actions"].as_object().unwrap();
        assert!(!actions.is_empty());
        for a in actions.values() {
            let kinds: Vec<&String> = a
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "throttle_period" && *k != "transform")
                .collect();
            assert_eq!(kinds.len(), 1, "one action type per action: {a}");
            assert!(["logging", "email", "webhook", "index"].contains(&kinds[0].as_str()));
        }
    }
}

fn report(name: &str, outcomes: &[Outcome]) {
    let mine: Vec<&Outcome> = outcomes.iter().filter(|o| o.target == name).collect();
    let conv = mine
        .iter()
        .filter(|o| o.status == Status::Converted)
        .count();
    let skip = mine.iter().filter(|o| o.status == Status::Skipped).count();
    let fail = mine.iter().filter(|o| o.status == Status::Failed).count();
    // the `rules/` folder alone, the set pySigma's reference counts (../shared/pysigma/ref) cover
    let sub: Vec<&&Outcome> = mine
        .iter()
        .filter(|o| o.path.contains("/corpus/sigmahq/rules/"))
        .collect();
    let sub_conv = sub.iter().filter(|o| o.status == Status::Converted).count();
    println!(
        "{name}: converted {conv}, skipped {skip}, failed {fail} (rules/ only: {sub_conv} of {})",
        sub.len()
    );
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for o in &mine {
        if let Some(r) = &o.reason {
            *reasons.entry(reason_group(r)).or_default() += 1;
        }
    }
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (r, n) in reasons {
        println!("    {n:5}  {r}");
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn corpus_artifacts_pass_elastic_oracles() {
    let shared = crate::util::shared();
    if crate::util::present(shared.join("corpus/sigmahq/rules")).is_none() {
        return;
    }
    let corpus = shared.join("corpus/sigmahq");
    let inputs = crate::util::rule_folders(&corpus, FOLDERS);
    let t0 = Instant::now();
    let scan = sigmaforge::scan::scan(&inputs).expect("scan");
    let set = ConfigSet::load(&["ecs-windows"]).expect("config");
    let opts = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
    let eql_rule = target::configured("es-rule", &opts("language", "eql")).unwrap();
    let esql_rule = target::configured("es-rule", &opts("language", "esql")).unwrap();
    let all = target::targets();
    let names: Vec<&str> = all.iter().map(|t| t.name()).collect();
    let outcomes = sigmaforge::render::convert::convert(
        &scan,
        &set,
        &sigmaforge::attack::AttackData::embedded(),
        &all,
    );
    let elapsed = t0.elapsed();
    println!(
        "{} documents x {} targets ({}) in {:.2?} (scan + map + render, one run)",
        scan.docs.len(),
        all.len(),
        names.join(","),
        elapsed
    );
    for t in &all {
        report(t.name(), &outcomes);
    }
    let variants: Vec<&dyn Target> = vec![eql_rule.as_ref(), esql_rule.as_ref()];
    let variant_outcomes = sigmaforge::render::convert::convert(
        &scan,
        &set,
        &sigmaforge::attack::AttackData::embedded(),
        &variants,
    );

    // Detection rules: lucene, eql, esql flavours against the 9.5 schemas + Kibana's required fields.
    let n = check_detection_rules(&shared, &outputs(&outcomes, "es-rule"), "query");
    let rules_eql: Vec<&str> = outputs(&variant_outcomes, "es-rule");
    let (eql_lines, esql_lines): (Vec<&str>, Vec<&str>) = rules_eql
        .iter()
        .partition(|l| l.contains("\"type\":\"eql\""));
    let n_eql = check_detection_rules(&shared, &eql_lines, "eql");
    let n_esql = check_detection_rules(&shared, &esql_lines, "esql");
    println!("detection rules valid: query {n}, eql {n_eql}, esql {n_esql}");
    assert!(n > 3000, "most of the corpus converts to es-rule ({n})");

    // ElastAlert 2 schema.
    let ea = schema(&shared.join("elastic/schemas/elastalert2-2.31.0/schema.yaml"));
    let mut ea_bad = Vec::new();
    let ea_out = outputs(&outcomes, "elastalert");
    for y in &ea_out {
        let v: Value = serde_yaml::from_str(y).expect("elastalert YAML parses");
        let errs = schema_errors(&ea, &v);
        if !errs.is_empty() {
            ea_bad.push((v["name"].clone(), errs));
        }
    }
    assert!(
        ea_bad.is_empty(),
        "elastalert: {:#?}",
        &ea_bad[..ea_bad.len().min(5)]
    );
    println!(
        "elastalert rules valid against schema.yaml: {}",
        ea_out.len()
    );

    // Kibana and Watcher shape checks (bundles included).
    let kb = outputs(&outcomes, "kibana");
    let kt = target::target("kibana").unwrap();
    let (_, bundle) = kt.bundle(&kb).expect("kibana bundle");
    check_kibana(&kb, &bundle);
    check_watches(&outputs(&outcomes, "xpack-watcher"));
    println!(
        "kibana saved searches ok: {}, watches ok: {}",
        kb.len(),
        outputs(&outcomes, "xpack-watcher").len()
    );

    // EQL and ES|QL through Elastic's parsers: the standalone targets and the rule queries.
    let mut eql_q: Vec<String> = outputs(&outcomes, "eql")
        .iter()
        .map(|s| s.to_string())
        .collect();
    eql_q.extend(eql_lines.iter().map(|l| {
        serde_json::from_str::<Value>(l).unwrap()["query"]
            .as_str()
            .unwrap()
            .to_string()
    }));
    let refs: Vec<&str> = eql_q.iter().map(String::as_str).collect();
    if let Some(errs) = python_oracle("oracle_eql.py", &refs) {
        assert!(
            errs.is_empty(),
            "EQL parser errors ({}): {:#?}",
            errs.len(),
            &errs[..errs.len().min(30)]
        );
        println!("EQL queries parsed by `eql` without error: {}", refs.len());
    }
    let mut esql_q: Vec<String> = outputs(&outcomes, "esql")
        .iter()
        .map(|s| s.to_string())
        .collect();
    esql_q.extend(esql_lines.iter().map(|l| {
        serde_json::from_str::<Value>(l).unwrap()["query"]
            .as_str()
            .unwrap()
            .to_string()
    }));
    let refs: Vec<&str> = esql_q.iter().map(String::as_str).collect();
    if let Some(errs) = python_oracle("oracle_esql.py", &refs) {
        assert!(
            errs.is_empty(),
            "ES|QL parser errors ({}): {:#?}",
            errs.len(),
            &errs[..errs.len().min(5)]
        );
        println!(
            "ES|QL queries parsed by `esql-parser` without error: {}",
            refs.len()
        );
    }

    // Determinism: a second run gives the same bytes.
    let again = sigmaforge::render::convert::convert(
        &scan,
        &set,
        &sigmaforge::attack::AttackData::embedded(),
        &all,
    );
    assert!(again == outcomes, "conversion is deterministic");

    // -o DIR over the whole corpus: unique, safe names.
    let dir = tempfile::tempdir().unwrap();
    let files = target::output::write_outputs(dir.path(), &outcomes, &all)
        .expect("write")
        .written;
    let unique: std::collections::BTreeSet<_> = files
        .iter()
        .map(|f| f.display().to_string().to_lowercase())
        .collect();
    assert_eq!(unique.len(), files.len(), "no two artifacts share a file");
    assert!(files.iter().all(|f| f.starts_with(dir.path())));
    assert!(files.iter().all(|f| {
        f.strip_prefix(dir.path())
            .unwrap()
            .components()
            .all(|c| sigmaforge::artifacts::is_windows_safe(&c.as_os_str().to_string_lossy()))
    }));
}

/// One converted rule for the schema oracle: path, EQL query, member indices, and the
/// `(field, index)` pairs sigmaforge reports as `SF201`.
type EqlRule = (String, String, Vec<String>, BTreeSet<(String, String)>);

/// The `eql` package's type for a catalog type (`mixed`: any).
fn eql_type(ty: &FieldType) -> &'static str {
    if ty.is_numeric() {
        "number"
    } else if *ty == FieldType::Boolean {
        "boolean"
    } else if ty.is_exact_string()
        || ty.is_text()
        || matches!(ty, FieldType::Ip | FieldType::Date | FieldType::DateNanos)
    {
        "string"
    } else {
        "mixed"
    }
}

/// One index's schema for `oracle_eql_schema.py`: every name the catalog declares there (fields,
/// ECS base, multi-fields) with its type, and the open objects (`flattened` fields, objects with
/// `object_type`) under which any key exists.
fn eql_schema(ix: IndexRef<'_>) -> Value {
    let (mut fields, mut open) = (serde_json::Map::new(), serde_json::Map::new());
    for name in ix.field_names() {
        let Some(info) = ix.lookup(&name) else {
            continue;
        };
        if info.ty.is_container() || info.ty == FieldType::Flattened {
            if let Some(child) = ix.lookup(&format!("{name}.sigmaforge_probe"))
                && matches!(
                    &child.origin,
                    Origin::ObjectType { parent } | Origin::Flattened { parent } if *parent == name
                )
            {
                open.insert(name.clone(), eql_type(&child.ty).into());
            }
            if info.ty.is_container() {
                continue;
            }
        }
        fields.insert(name, eql_type(&info.ty).into());
    }
    json!({"fields": fields, "open": open})
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn eql_unknown_fields_are_reported_by_sigmaforge() {
    let shared = crate::util::shared();
    if crate::util::present(shared.join("corpus/sigmahq/rules")).is_none() {
        return;
    }
    let inputs = crate::util::rule_folders(&shared.join("corpus/sigmahq"), FOLDERS);
    let scan = sigmaforge::scan::scan(&inputs).expect("scan");
    let catalog = Arc::new(FieldCatalog::embedded().expect("embedded catalog"));
    let attack = sigmaforge::attack::AttackData::embedded();
    let eql = target::target("eql").expect("eql target");
    println!(
        "| config | EQL queries | (query, index) pairs | pairs with a field `eql` does not know | \
         unknown (field, index) | of those SF201 | of those dynamically mapped | other | SF201 pairs eql knows |"
    );
    let mut violations = Vec::new();
    let mut errors = Vec::new();
    for config in ["ecs-windows", "ecs-endpoint", "ecs-cloudtrail"] {
        let set = ConfigSet::load(&[config])
            .expect("shipped config")
            .with_catalog(catalog.clone(), false);
        let mut rules: Vec<EqlRule> = Vec::new();
        let mut schemas = serde_json::Map::new();
        for (doc, d) in scan.parsed() {
            let Document::Rule(rule) = d else { continue };
            let Ok(q) = set.build_filtered(rule, &filters_for(&scan, rule)) else {
                continue;
            };
            let input = RuleInput {
                doc,
                rule,
                queries: &q,
                set: &set,
                attack: &attack,
            };
            let Ok(text) = eql.render(&input) else {
                continue;
            };
            let resolved = catalog.resolve_all(q.queries.iter().flat_map(|x| x.indices.iter()));
            let members: Vec<String> = resolved
                .indices()
                .map(|ix| {
                    schemas.entry(ix.name()).or_insert_with(|| eql_schema(ix));
                    ix.name()
                })
                .collect();
            if members.is_empty() {
                continue;
            }
            let reported = q
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::NotInIndex)
                .flat_map(|f| f.indices.iter().map(|i| (f.field.clone(), i.clone())))
                .collect();
            rules.push((doc.path.clone(), text, members, reported));
        }
        let input = json!({
            "schemas": schemas,
            "queries": rules
                .iter()
                .map(|(_, q, idx, _)| json!({"query": q, "indices": idx}))
                .collect::<Vec<_>>(),
        });
        let Some(verdicts) = python_oracle_json("oracle_eql_schema.py", &input) else {
            return;
        };
        assert_eq!(verdicts.len(), rules.len(), "one verdict per query");
        let (mut pairs, mut bad_pairs, mut unknown, mut sf201, mut dynamic) = (0, 0, 0, 0, 0);
        let (mut other, mut sf201_known) = (0, 0);
        let mut dynamic_fields: BTreeMap<String, usize> = BTreeMap::new();
        for ((path, query, members, reported), v) in rules.iter().zip(&verdicts) {
            pairs += members.len();
            for (index, msg) in v["errors"].as_object().expect("errors object") {
                errors.push(format!("{config} {path} on {index}: {msg}\n    {query}"));
            }
            let per_index = v["unknown"].as_object().expect("unknown object");
            bad_pairs += per_index.len();
            // SF201 pairs `eql` accepted: the field is in that index's schema after all.
            sf201_known += reported
                .iter()
                .filter(|(field, index)| {
                    !per_index
                        .get(index)
                        .and_then(Value::as_array)
                        .is_some_and(|l| l.iter().any(|x| x == field.as_str()))
                })
                .count();
            for (index, fields) in per_index {
                let ix = catalog
                    .indices()
                    .find(|ix| ix.name() == *index)
                    .expect("a member index");
                for field in fields.as_array().expect("field list") {
                    let field = field.as_str().expect("field name").to_string();
                    unknown += 1;
                    if reported.contains(&(field.clone(), index.clone())) {
                        sf201 += 1;
                    } else if ix.lookup(&field).is_some_and(|f| f.origin.is_inferred()) {
                        dynamic += 1;
                        *dynamic_fields.entry(field).or_default() += 1;
                    } else {
                        other += 1;
                        violations.push(format!(
                            "{config} {path}: `{field}` unknown to eql on {index}, no SF201\n    {query}"
                        ));
                    }
                }
            }
        }
        println!(
            "| `{config}` | {} | {pairs} | {bad_pairs} | {unknown} | {sf201} | {dynamic} | {other} | {sf201_known} |",
            rules.len()
        );
        let mut top: Vec<(&String, &usize)> = dynamic_fields.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = top
            .iter()
            .take(8)
            .map(|(f, n)| format!("{f} {n}"))
            .collect();
        println!("    dynamically mapped, most frequent: {}", top.join(", "));
        // Never claim a field missing where Elastic's parser, given the same index, knows it.
        assert_eq!(
            sf201_known, 0,
            "{config}: SF201 on fields the index schema declares"
        );
    }
    assert!(
        violations.is_empty(),
        "fields eql does not know that sigmaforge does not report ({}):\n{}",
        violations.len(),
        violations[..violations.len().min(30)].join("\n")
    );
    assert!(
        errors.is_empty(),
        "eql errors with the index schemas ({}):\n{}",
        errors.len(),
        errors[..errors.len().min(30)].join("\n")
    );
}
