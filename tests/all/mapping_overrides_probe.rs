//! The 66 condition shapes of sigmac's override probe (shared/legacy/golden/overrides-probe): rule g01
//! with its condition replaced. sigmac fired its CloudTrail override fully on 34 of them, only
//! half-way on 14, not at all on 18, and produced unbalanced parentheses on 18. Here every shape must
//! give a well-formed query in which the failure filters became `event.outcome:success`, whatever the
//! bracketing or identifier order; when the real-Lucene oracle is available each query is also run
//! against events.

use crate::util::oracle::Oracle;

use std::path::Path;

use sigmaforge::mapping::ConfigSet;
use sigmaforge::render::Status;
use sigmaforge::render::convert::convert_doc;
use sigmaforge::render::es_qs::EsQs;
use sigmaforge::rule::file::parse_bytes;

fn balanced(q: &str) -> bool {
    let mut depth = 0i32;
    let mut chars = q.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn every_condition_shape_fires_the_override_and_stays_well_formed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/legacy/golden");
    let Ok(shapes) =
        std::fs::read_to_string(dir.join("overrides-probe/condition-shapes-es-qs.txt"))
    else {
        println!("skipping: shared/legacy/golden not found");
        return;
    };
    let rule =
        std::fs::read_to_string(dir.join("rules/g01_aws_ec2_vm_export_failure_2020.yml")).unwrap();
    let original = "condition: selection and (filter1 or filter2 or filter3)";
    assert!(rule.contains(original));
    let set = ConfigSet::load(&["ecs-cloudtrail"]).unwrap();
    let mut outputs = Vec::new();
    let mut sigmac_fired_fully = 0;
    let mut sigmac_unbalanced = 0;
    for line in shapes
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (status, rest) = line.split_at(9);
        let (cond, sigmac_out) = rest.split_once("=>").unwrap();
        let cond = cond.trim();
        if status.trim() == "SUCCESS" {
            sigmac_fired_fully += 1;
        }
        if !balanced(sigmac_out.trim()) {
            sigmac_unbalanced += 1;
        }
        let text = rule.replace(original, &format!("condition: {cond}"));
        let parsed = parse_bytes("probe.yml", text.as_bytes());
        let o = convert_doc(
            &parsed.docs[0],
            &set,
            &sigmaforge::attack::AttackData::embedded(),
            &EsQs::default(),
            "",
        );
        assert_eq!(o.status, Status::Converted, "{cond}: {:?}", o.reason);
        let q = o.output.unwrap();
        assert!(balanced(&q), "{cond}: unbalanced {q}");
        assert!(
            q.contains("event.outcome:success"),
            "{cond}: override did not fire: {q}"
        );
        assert!(
            !q.contains("aws.cloudtrail"),
            "{cond}: filter left over: {q}"
        );
        assert!(!q.contains("failure"), "{cond}: {q}");
        assert_eq!(
            o.overrides,
            vec!["cloudtrail-failure".to_string()],
            "{cond}"
        );
        let has_selection = cond.contains("selection");
        assert_eq!(
            q.contains("CreateInstanceExportTask"),
            has_selection,
            "{cond}: {q}"
        );
        outputs.push((cond.to_string(), q, has_selection));
    }
    assert_eq!(outputs.len(), 66, "all 66 shapes");
    println!(
        "sigmac: {sigmac_fired_fully}/66 fully fired, {sigmac_unbalanced}/66 unbalanced; sigmaforge: 66/66 fired, 0 unbalanced"
    );
    assert_eq!(
        sigmac_unbalanced, 18,
        "the probe file is the one the docs describe"
    );

    let oracle = match Oracle::new("probe") {
        Ok(o) => o,
        Err(reason) => {
            println!("skipping the Lucene part: {reason}");
            return;
        }
    };
    let ev = |sel: bool, outcome: &str| {
        let mut v = vec![("event.outcome".to_string(), outcome.to_string())];
        if sel {
            v.push(("event.action".into(), "CreateInstanceExportTask".into()));
            v.push(("event.provider".into(), "ec2.amazonaws.com".into()));
        }
        v
    };
    let events = vec![
        ev(true, "success"),
        ev(true, "failure"),
        ev(false, "success"),
        ev(false, "failure"),
    ];
    let batch: Vec<_> = outputs
        .iter()
        .map(|(_, q, _)| (q.clone(), events.clone()))
        .collect();
    let rows = oracle.matches(&batch);
    for ((cond, q, has_selection), row) in outputs.iter().zip(rows) {
        let want = if *has_selection { "1000" } else { "1010" };
        assert_eq!(row, want, "{cond}: {q}");
    }
}
