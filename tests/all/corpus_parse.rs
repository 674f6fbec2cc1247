//! Conformance over the SigmaHQ corpus in `../shared`: every document is parsed or rejected for a
//! known reason, with zero panics. Skips with a message when `../shared` is absent.

use sigmaforge::scan::scan;
use std::collections::BTreeMap;

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn ci_folders_parse_without_errors() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let folders = [
        ("rules", 3141),
        ("rules-emerging-threats", 473),
        ("rules-threat-hunting", 140),
        ("rules-placeholder", 23),
        ("rules-compliance", 3),
    ];
    for (folder, expected) in folders {
        let s = scan(&[root.join(folder)]).unwrap();
        let errors: Vec<_> = s
            .diagnostics
            .iter()
            .filter(|d| d.severity == sigmaforge::diag::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{folder}: {errors:#?}");
        assert_eq!(s.parsed().count(), expected, "{folder}");
        assert_eq!(s.docs.len(), expected, "{folder}");
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn rejections_are_the_known_ones() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let s = scan(&[root.join("deprecated"), root.join("unsupported")]).unwrap();
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &s.diagnostics {
        *by_code.entry(d.code.as_str()).or_default() += 1;
    }
    eprintln!("rejections by reason: {by_code:?}");
    // 56 Sigma v1 aggregations (`| count()`, `near`, `count(x) per …`) and 3 conditions in free prose.
    assert_eq!(by_code.get("SF043"), Some(&56));
    assert_eq!(by_code.get("SF040"), Some(&3));
    assert_eq!(by_code.len(), 2, "{by_code:?}");
    // Every document is accounted for: parsed, or rejected with at least one error in its file.
    for d in &s.docs {
        if d.doc.is_none() {
            assert!(
                s.diagnostics.iter().any(|x| x.path == d.path),
                "{} rejected without a diagnostic",
                d.path
            );
        }
    }
    // The three legacy `action: global` collections expand into their merged documents.
    assert_eq!(s.docs.len(), 172 + 89);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn whole_tree_including_tests_and_regression_data_never_panics() {
    let Some(root) = crate::util::corpus() else {
        return;
    };
    let s = scan(&[root]).unwrap();
    // Non-Sigma YAML (regression info files, CI configs) is skipped with a note, not an error.
    assert!(s.skipped > 200);
    assert!(s.diagnostics.iter().all(|d| d.code != "SF010"));
}
