//! Conformance over the whole corpus (all 4,044 documents, deprecated/ and unsupported/ included): every
//! document is converted to es-qs or refused for one of the documented reasons (docs/mapping.md), and
//! the output is deterministic across runs.

use std::collections::BTreeMap;

use sigmaforge::mapping::ConfigSet;
use sigmaforge::render::Status;
use sigmaforge::render::es_qs::EsQs;

/// Documented reasons for not converting, by the text that identifies them.
const DOCUMENTED: &[(&str, &str)] = &[
    (
        "rejected by the parser",
        "invalid document (see `sigmaforge check`)",
    ),
    (
        "correlation rules are not supported",
        "correlations have no Lucene query_string form",
    ),
    (
        "filter documents",
        "meta filters are applied to rules, not converted alone",
    ),
    (
        "file not parsed",
        "a file that is not valid YAML (here a test config with a duplicate key): listed as failed",
    ),
    (
        "no Sigma document",
        "a YAML file holding no Sigma document (e.g. a regression-data info.yml): listed as skipped",
    ),
    (
        "fieldref",
        "field-to-field comparison has no query_string form",
    ),
    (
        "time modifier",
        "minute/hour/day/week/month/year parts have no query_string form",
    ),
    (
        "placeholder",
        "unresolved %placeholder% (add values under `placeholders`)",
    ),
    (
        "regex `",
        "a regex construct without Lucene equivalent (look-around, \\b, inner anchors)",
    ),
];

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn corpus_converts_or_refuses_for_documented_reasons() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let scan = sigmaforge::scan::scan(&[root]).unwrap();
    for config in [vec![], vec!["ecs-windows"], vec!["ecs-cloudtrail"]] {
        let set = ConfigSet::load(&config).unwrap();
        let outcomes = sigmaforge::render::convert::convert(
            &scan,
            &set,
            &sigmaforge::attack::AttackData::embedded(),
            &[&EsQs::default()],
        );
        let again = sigmaforge::render::convert::convert(
            &scan,
            &set,
            &sigmaforge::attack::AttackData::embedded(),
            &[&EsQs::default()],
        );
        assert_eq!(outcomes, again, "deterministic");
        let (converted, skipped, failed, _) = sigmaforge::render::convert::summarize(&outcomes);
        let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
        let mut undocumented = Vec::new();
        for o in outcomes.iter().filter(|o| o.status != Status::Converted) {
            let reason = o.reason.as_deref().unwrap_or_default();
            match DOCUMENTED.iter().find(|(k, _)| reason.contains(k)) {
                Some((k, _)) => *by_reason.entry(k).or_default() += 1,
                None => undocumented.push(format!("{}: {reason}", o.path)),
            }
        }
        println!(
            "{config:?}: {converted} converted, {skipped} skipped, {failed} failed; {by_reason:?}"
        );
        assert!(undocumented.is_empty(), "{}", undocumented.join("\n"));
        // The rate is over Sigma documents: files without one (configs, info.yml) are listed too.
        let documents = outcomes.len()
            - by_reason.get("no Sigma document").copied().unwrap_or(0)
            - by_reason.get("file not parsed").copied().unwrap_or(0);
        assert!(
            converted * 100 >= documents * 97,
            "at least 97% of the documents convert"
        );
    }
}
