//! sigmac's legacy override entries (`field`, `value`, `regexes`, `literals`): applied per sub-expression
//! to its canonical Lucene text, only when they match a whole sub-expression; partial matches are
//! reported instead of producing a broken query.

use std::path::Path;

use sigmaforge::mapping::{Config, ConfigSet};
use sigmaforge::render::Status;
use sigmaforge::render::convert::convert_doc;
use sigmaforge::render::es_qs::EsQs;
use sigmaforge::rule::file::parse_bytes;

const RULE: &str = "title: t
status: test
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: CreateInstanceExportTask
    err1:
        errorMessage: '*'
    err2:
        errorCode: '*'
    condition: selection and not (err2 or err1)
";

fn convert(config: &str) -> sigmaforge::render::Outcome {
    let base = sigmaforge::mapping::load_config("ecs-cloudtrail").unwrap();
    let legacy = Config::parse("legacy.yml", config).unwrap();
    let set = ConfigSet::new(vec![base, legacy]).unwrap();
    let parsed = parse_bytes("r.yml", RULE.as_bytes());
    convert_doc(
        &parsed.docs[0],
        &set,
        &sigmaforge::attack::AttackData::embedded(),
        &EsQs::default(),
        "",
    )
}

#[test]
fn whole_subexpression_matches_are_applied() {
    // The chain's structural override takes the error filters; the legacy literal targets the selection.
    let o = convert(
        "overrides:\n  - field: event.category\n    value: export\n    literals:\n      - 'event.action:CreateInstanceExportTask'\n",
    );
    assert_eq!(o.status, Status::Converted);
    let q = o.output.unwrap();
    assert!(q.starts_with("(event.category:export AND "), "{q}");
    assert!(
        o.overrides
            .iter()
            .any(|n| n.starts_with("legacy override #1")),
        "{:?}",
        o.overrides
    );
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
}

#[test]
fn regexes_match_whole_subexpressions_in_any_bracketing() {
    let o = convert(
        "overrides:\n  - field: x\n    value: y\n    regexes:\n      - 'event\\.action:Create.*Task'\n",
    );
    assert!(o.output.unwrap().starts_with("(x:y AND "));
}

#[test]
fn partial_matches_are_reported_not_applied() {
    let o = convert(
        "overrides:\n  - field: x\n    value: y\n    regexes:\n      - 'AND event\\.outcome'\n",
    );
    let q = o.output.unwrap();
    assert!(!q.contains("x:y"), "{q}");
    assert_eq!(o.warnings.len(), 1, "{:?}", o.warnings);
    assert!(
        o.warnings[0].contains("matches only part"),
        "{}",
        o.warnings[0]
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn sigmacs_own_cloudtrail_config_loads() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/legacy/ecs-cloudtrail.yml");
    if !p.is_file() {
        println!("skipping: {} not found", p.display());
        return;
    }
    let c = Config::from_path(&p).unwrap();
    assert_eq!(c.overrides().len(), 2);
    // Eight regexes mention `.keyword`; the literal mentions neither, so it stays silent here.
    assert_eq!(c.warnings().len(), 8, "{:?}", c.warnings());
    let set = ConfigSet::new(vec![c]).unwrap();
    let parsed = parse_bytes("r.yml", RULE.as_bytes());
    let o = convert_doc(
        &parsed.docs[0],
        &set,
        &sigmaforge::attack::AttackData::embedded(),
        &EsQs::default(),
        "",
    );
    // Its regexes look for sigmac's `.keyword` rendering, which no target produces any more: they
    // never match, and the query keeps the filters (our ecs-cloudtrail re-expresses the intent).
    println!("{:?} {:?}", o.output, o.warnings);
    assert!(o.output.unwrap().contains("aws.cloudtrail.error_code"));
}
