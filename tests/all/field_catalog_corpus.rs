//! The corpus table of `docs/field-catalog.md`: every SigmaHQ rule mapped under each shipped config
//! and each (rule, catalog index) pair checked for missing fields. Prints the Markdown table
//! (`cargo test --test all field_catalog_corpus:: -- --nocapture`) and asserts what the shipped
//! configs promise: no `.caseless` field the index lacks, no raw CloudTrail name left unmapped.

use std::collections::BTreeMap;
use std::sync::Arc;

use sigmaforge::mapping::catalog::FieldCatalog;
use sigmaforge::mapping::{ConfigSet, Expr, FindingKind, builtin_configs};
use sigmaforge::rule::Document;

use crate::util;

/// Counts for one config.
#[derive(Default)]
struct Row {
    rules: usize,
    typed: usize,
    refused: usize,
    pairs: usize,
    pairs_missing: usize,
    rules_missing: usize,
    never: usize,
    undeclared: usize,
    fields: BTreeMap<String, usize>,
    used: BTreeMap<String, usize>,
    guessed: BTreeMap<String, usize>,
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn corpus_fields_per_shipped_config() {
    let Some(corpus) = util::corpus() else { return };
    let scan = sigmaforge::scan::scan(&[corpus.join("rules")]).expect("corpus scans");
    let catalog = Arc::new(FieldCatalog::embedded().unwrap());
    let mut out = String::from(
        "| config | rules mapped | with catalog indices | refused by types | rule × index pairs | pairs with a missing field | rules with a missing field | rules that never match | rules using a field no index declares |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut tops = String::new();
    let mut rows: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for (name, _) in builtin_configs() {
        let set = ConfigSet::load(&[*name])
            .unwrap()
            .with_catalog(catalog.clone(), false);
        let mut row = Row::default();
        for (_, d) in scan.parsed() {
            let Document::Rule(rule) = d else { continue };
            let built = match set.build(rule) {
                Ok(q) => q,
                Err(_) => {
                    row.refused += 1;
                    continue;
                }
            };
            let Ok((_, indices)) = built.combined() else {
                continue;
            };
            if indices.is_empty() {
                continue;
            }
            row.rules += 1;
            let resolved = catalog.resolve_all(&indices);
            let members = resolved.indices().count();
            if members == 0 {
                continue;
            }
            row.typed += 1;
            row.pairs += members;
            let missing: Vec<_> = built
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::NotInIndex)
                .collect();
            let mut idx: Vec<&String> = missing.iter().flat_map(|f| f.indices.iter()).collect();
            idx.sort();
            idx.dedup();
            row.pairs_missing += idx.len();
            if !missing.is_empty() {
                row.rules_missing += 1;
            }
            for f in &missing {
                *row.fields.entry(f.field.clone()).or_default() += 1;
            }
            if built.never_matches() {
                row.never += 1;
            }
            let mut fields = std::collections::BTreeSet::new();
            for q in &built.queries {
                q.expr.walk(&mut |e| {
                    if let Expr::Test(t) = e {
                        fields.insert(t.field.clone());
                    }
                });
            }
            let mut guessed = false;
            for f in fields {
                let v = resolved.field(&f);
                if v.exists() && !v.is_declared() {
                    guessed = true;
                    *row.guessed.entry(f.clone()).or_default() += 1;
                }
                *row.used.entry(f).or_default() += 1;
            }
            row.undeclared += usize::from(guessed);
        }
        out.push_str(&format!(
            "| `{name}` | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.rules,
            row.typed,
            row.refused,
            row.pairs,
            row.pairs_missing,
            row.rules_missing,
            row.never,
            row.undeclared
        ));
        let mut top: Vec<(&String, &usize)> = row.fields.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        tops.push_str(&format!("\n`{name}`, missing fields by rules:\n"));
        for (f, n) in top.iter().take(12) {
            tops.push_str(&format!("- `{f}`: {n}\n"));
        }
        let mut top: Vec<(&String, &usize)> = row.guessed.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        tops.push_str(&format!(
            "\n`{name}`, fields no index declares (dynamic mapping only), by rules:\n"
        ));
        for (f, n) in top.iter().take(12) {
            tops.push_str(&format!("- `{f}`: {n}\n"));
        }
        rows.push((
            name.to_string(),
            row.fields.keys().cloned().collect::<Vec<_>>(),
            row.used.keys().cloned().collect::<Vec<_>>(),
        ));
    }
    println!("{out}{tops}");
    for (name, fields, used) in &rows {
        if name == "ecs-cloudtrail" {
            for raw in [
                "additionalEventData.MFAUsed",
                "requestParameters.enable",
                "responseElements.publiclyAccessible",
            ] {
                assert!(
                    !used.iter().any(|f| f == raw),
                    "ecs-cloudtrail leaves `{raw}` unmapped"
                );
            }
        }
        assert!(
            !fields.iter().any(|f| f.ends_with(".caseless")),
            "{name} emits a .caseless field an index lacks: {:?}",
            fields
                .iter()
                .filter(|f| f.ends_with(".caseless"))
                .collect::<Vec<_>>()
        );
    }
}
