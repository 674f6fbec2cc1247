//! True positives: SigmaHQ's regression_data holds real Windows events (as JSON) that named rules must
//! match (one of the events of its sample). Each rule is converted to es-qs without a config (Sigma field names, the events' own names)
//! with the default case-folding strategy, and real Lucene runs it on its event.

use crate::util::oracle::Oracle;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sigmaforge::mapping::ConfigSet;
use sigmaforge::render::Status;
use sigmaforge::render::convert::convert_doc;
use sigmaforge::render::es_qs::EsQs;

/// Windows event XML-as-JSON → Sigma's flat field names (EventData/UserData children, EventID,
/// Channel, Provider_Name, Computer).
///
/// Known miss: proc_creation_win_hktl_wsass's regex (`[^"]{0,64}` after an unanchored start) needs more
/// than Lucene's default 10,000 determinized states, so Elasticsearch would reject that query too.
fn sigma_fields(event: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let ev = &event["Event"];
    let sys = &ev["System"];
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    };
    for (name, v) in [
        ("EventID", &sys["EventID"]),
        ("Channel", &sys["Channel"]),
        ("Computer", &sys["Computer"]),
        ("Provider_Name", &sys["Provider"]["#attributes"]["Name"]),
    ] {
        if let Some(t) = text(v) {
            out.push((name.to_string(), t));
        }
    }
    for section in ["EventData", "UserData"] {
        if let Some(m) = ev[section].as_object() {
            for (k, v) in m {
                match v {
                    serde_json::Value::Object(inner) => {
                        for (k2, v2) in inner {
                            if let Some(t) = text(v2) {
                                push(&mut out, k2, t);
                            }
                        }
                    }
                    v => {
                        if let Some(t) = text(v) {
                            push(&mut out, k, t);
                        }
                    }
                }
            }
        }
    }
    out
}

/// Defender and some other providers name EventData fields with spaces (`Source Name`); Sigma rules
/// (and the SigmaHQ evtx checker) use them without.
fn push(out: &mut Vec<(String, String)>, key: &str, value: String) {
    let squeezed: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    if squeezed != key {
        out.push((squeezed, value.clone()));
    }
    out.push((key.to_string(), value));
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(ext))
        {
            out.push(p);
        }
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn regression_events_are_matched_by_their_rules() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let oracle = match Oracle::new("regression") {
        Ok(o) => o,
        Err(r) => {
            println!("skipping: {r}");
            return;
        }
    };
    let scan = sigmaforge::scan::scan(std::slice::from_ref(&root)).unwrap();
    let by_id: HashMap<&str, &sigmaforge::rule::SourceDoc> = scan
        .docs
        .iter()
        .filter_map(|d| d.id.as_deref().map(|i| (i, d)))
        .collect();
    let mut infos = Vec::new();
    files(&root.join("regression_data"), "info.yml", &mut infos);
    infos.sort();
    let set = ConfigSet::default();
    let mut batch = Vec::new();
    let mut names = Vec::new();
    let mut skipped = Vec::new();
    for info in &infos {
        let meta: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(info).unwrap()).unwrap();
        let id = meta["rule_metadata"][0]["id"].as_str().unwrap_or_default();
        let Some(doc) = by_id.get(id) else {
            skipped.push(format!("{}: rule {id} not in corpus", info.display()));
            continue;
        };
        let mut jsons = Vec::new();
        files(info.parent().unwrap(), ".json", &mut jsons);
        let Some(json) = jsons.first() else { continue };
        // A sample file holds one or more events (concatenated JSON); the rule must match one of them.
        let text = std::fs::read_to_string(json).unwrap();
        let events: Vec<Vec<(String, String)>> = serde_json::Deserializer::from_str(&text)
            .into_iter::<serde_json::Value>()
            .map(|e| sigma_fields(&e.unwrap()))
            .collect();
        let o = convert_doc(
            doc,
            &set,
            &sigmaforge::attack::AttackData::embedded(),
            &EsQs::default(),
            "",
        );
        if o.status != Status::Converted {
            skipped.push(format!("{}: {:?}", doc.path, o.reason));
            continue;
        }
        batch.push((o.output.unwrap(), events));
        names.push(doc.path.clone());
    }
    let rows = oracle.matches(&batch);
    let misses: Vec<String> = rows
        .iter()
        .zip(&names)
        .zip(&batch)
        .filter(|((r, _), _)| !r.contains('1'))
        .map(|((r, n), (q, _))| format!("{r} {n}\n    {}", q.chars().take(400).collect::<String>()))
        .collect();
    let matched = rows.len() - misses.len();
    println!(
        "{} regression samples: {matched} matched, {} missed, {} skipped",
        infos.len(),
        misses.len(),
        skipped.len()
    );
    for m in misses.iter().chain(&skipped) {
        println!("  {m}");
    }
    assert!(rows.len() >= 150, "most samples are convertible");
    assert!(
        misses.len() * 20 <= rows.len(),
        "at least 95% of the true positives match"
    );
}
