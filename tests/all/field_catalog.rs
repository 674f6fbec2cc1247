//! The field catalog in conversion and `check`: missing fields per index (ParentImage on sysmon),
//! numbers on numeric fields (the quoted port), a user `_mapping` with a missing and a `text` field,
//! a rule whose indices disagree, and the CLI flags.

use std::sync::Arc;

use sigmaforge::attack::AttackData;
use sigmaforge::mapping::catalog::FieldCatalog;
use sigmaforge::mapping::{
    CaseStrategy, Config, ConfigSet, Expr, FieldKind, FindingKind, RuleQueries, Test,
};
use sigmaforge::render::{self, Status, convert};
use sigmaforge::rule::{Document, SourceDoc};

fn catalog() -> Arc<FieldCatalog> {
    Arc::new(FieldCatalog::embedded().expect("the embedded catalog parses"))
}

/// A one-logsource config mapping Sigma's Windows names onto `fields` for `index`.
fn config(index: &str, fields: &str) -> ConfigSet {
    let text = format!(
        "title: t\nlogsources:\n  w:\n    product: windows\n    index: [{index}]\nfieldmappings:\n{fields}"
    );
    ConfigSet::new(vec![Config::parse("t", &text).expect("config parses")]).unwrap()
}

fn doc(detection: &str) -> SourceDoc {
    let text = format!(
        "title: t\nid: 5d0b2e2a-0000-4000-8000-000000000001\nstatus: test\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n{detection}\nlevel: high\n"
    );
    let mut parsed = sigmaforge::rule::file::parse_bytes("r.yml", text.as_bytes());
    assert!(parsed.diags.is_empty(), "{:?}", parsed.diags);
    parsed.docs.remove(0)
}

fn build(set: &ConfigSet, d: &SourceDoc) -> Result<RuleQueries, String> {
    match &d.doc {
        Some(Document::Rule(r)) => set.build(r).map_err(|e| e.0),
        other => panic!("not a rule: {other:?}"),
    }
}

fn render(set: &ConfigSet, d: &SourceDoc, target: &str) -> Result<String, String> {
    let attack = AttackData::embedded();
    let t = render::target(target).expect("target exists");
    let o = convert::convert_doc(d, set, &attack, t, "");
    match o.status {
        Status::Converted => Ok(o.output.unwrap()),
        _ => Err(o.reason.unwrap()),
    }
}

const PARENT: &str = "    sel:\n        ParentImage|endswith: '\\winword.exe'\n        Image|endswith: '\\cmd.exe'\n    condition: sel";
const CASELESS: &str =
    "  ParentImage: process.parent.executable.caseless\n  Image: process.executable.caseless\n";

#[test]
fn parent_image_caseless_is_missing_on_sysmon() {
    let set = config("logs-windows.sysmon_operational-*", CASELESS).with_catalog(catalog(), false);
    let q = build(&set, &doc(PARENT)).unwrap();
    let missing: Vec<_> = q
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::NotInIndex)
        .collect();
    assert_eq!(missing.len(), 1, "{:?}", q.findings);
    let f = missing[0];
    assert_eq!(f.field, "process.parent.executable.caseless");
    assert_eq!(f.indices, vec!["logs-windows.sysmon_operational-*"]);
    assert!(
        f.nearest.iter().any(|n| n == "process.parent.executable"),
        "{:?}",
        f.nearest
    );
    assert!(q.never_matches(), "the only index lacks a required field");
    // The finding reaches convert's warnings; strict mode refuses the rule instead.
    let warned = convert::convert_doc(
        &doc(PARENT),
        &set,
        &AttackData::embedded(),
        render::target("eql").unwrap(),
        "",
    );
    assert!(warned.never_matches);
    assert!(
        warned
            .warnings
            .iter()
            .any(|w| w.starts_with("SF201: field `process.parent.executable.caseless`"))
    );
    let strict =
        config("logs-windows.sysmon_operational-*", CASELESS).with_catalog(catalog(), true);
    let err = build(&strict, &doc(PARENT)).unwrap_err();
    assert!(err.contains("strict field check"), "{err}");
    // On Elastic Defend the multi-field exists: no finding, and the normalizer makes the values
    // lower-cased rather than folded by regex.
    let endpoint =
        config("logs-endpoint.events.process-*", CASELESS).with_catalog(catalog(), false);
    let q = build(&endpoint, &doc(PARENT)).unwrap();
    assert!(q.findings.is_empty(), "{:?}", q.findings);
    assert!(!q.never_matches());
    let mut cases = Vec::new();
    q.queries[0].expr.walk(&mut |e| {
        if let Expr::Test(t) = e {
            cases.push((t.field.clone(), t.case, t.kind));
        }
    });
    assert!(
        cases
            .iter()
            .all(|(_, c, k)| *c == CaseStrategy::Lowercase && *k == FieldKind::String),
        "{cases:?}"
    );
}

#[test]
fn indices_that_disagree_report_per_index() {
    let set = config(
        "logs-endpoint.events.process-*, logs-windows.sysmon_operational-*",
        CASELESS,
    )
    .with_catalog(catalog(), false);
    let q = build(&set, &doc(PARENT)).unwrap();
    let f = q
        .findings
        .iter()
        .find(|f| f.field == "process.parent.executable.caseless")
        .expect("a finding");
    assert_eq!(f.indices, vec!["logs-windows.sysmon_operational-*"]);
    assert_eq!(f.of, 2);
    assert!(
        f.message().contains("1 of its 2 indices"),
        "{}",
        f.message()
    );
    // It still matches on the endpoint data stream.
    assert!(!q.never_matches());
    // Without the catalog the query is untouched and nothing is said.
    let plain = config(
        "logs-endpoint.events.process-*, logs-windows.sysmon_operational-*",
        CASELESS,
    );
    let q = build(&plain, &doc(PARENT)).unwrap();
    assert!(q.findings.is_empty());
}

const PORT: &str = "  DestinationPort: destination.port\n  Image: process.executable\n";

#[test]
fn quoted_port_becomes_a_number_in_every_target() {
    let set = config("logs-endpoint.events.network-*", PORT).with_catalog(catalog(), false);
    let d = doc("    sel:\n        DestinationPort: '0'\n    condition: sel");
    let q = build(&set, &d).unwrap();
    let mut tests = Vec::new();
    q.queries[0].expr.walk(&mut |e| {
        if let Expr::Test(t) = e {
            tests.push((t.test.clone(), t.kind));
        }
    });
    assert!(
        matches!(tests.as_slice(), [(Test::Number(_), FieldKind::Number)]),
        "{tests:?}"
    );
    assert_eq!(
        render(&set, &d, "eql").unwrap(),
        "any where destination.port == 0"
    );
    let esql = render(&set, &d, "esql").unwrap();
    assert!(esql.contains("WHERE destination.port == 0"), "{esql}");
    assert!(!esql.contains("\"0\""), "{esql}");
    let lucene = render(&set, &d, "es-qs").unwrap();
    assert_eq!(lucene, "destination.port:0");
    // A value that is no number can never match a `long` field: refused with the reason.
    let bad = doc("    sel:\n        DestinationPort: 'http'\n    condition: sel");
    let err = render(&set, &bad, "eql").unwrap_err();
    assert!(err.contains("numeric (long)"), "{err}");
    let wild = doc("    sel:\n        DestinationPort|startswith: '44'\n    condition: sel");
    assert!(render(&set, &wild, "esql").is_err());
    // Without the catalog the name heuristic (documented fallback) still writes a number.
    let plain = config("logs-endpoint.events.network-*", PORT);
    let n = doc("    sel:\n        DestinationPort: 443\n    condition: sel");
    assert_eq!(
        render(&plain, &n, "eql").unwrap(),
        "any where destination.port == 443"
    );
}

#[test]
fn cidr_on_a_keyword_field_is_refused() {
    let set = config(
        "logs-endpoint.events.network-*",
        "  Ip: source.ip\n  Name: process.name\n",
    )
    .with_catalog(catalog(), false);
    let ok = doc("    sel:\n        Ip|cidr: '10.0.0.0/8'\n    condition: sel");
    assert!(
        render(&set, &ok, "eql")
            .unwrap()
            .contains("cidrMatch(source.ip")
    );
    let bad = doc("    sel:\n        Name|cidr: '10.0.0.0/8'\n    condition: sel");
    let err = render(&set, &bad, "eql").unwrap_err();
    assert!(err.contains("not ip"), "{err}");
}

#[test]
fn user_mapping_with_a_missing_and_a_text_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mapping.json");
    std::fs::write(
        &path,
        r#"{"my-logs": {"mappings": {"properties": {
            "process": {"properties": {
                "command_line": {"type": "text"},
                "name": {"type": "keyword"}
            }}
        }}}}"#,
    )
    .unwrap();
    let catalog = Arc::new(FieldCatalog::with_user_files(&[&path]).expect("mapping loads"));
    let set = config(
        "my-logs",
        "  CommandLine: process.command_line\n  Image: process.executable\n  OriginalFileName: process.name\n",
    )
    .with_catalog(catalog, false);
    let d = doc(
        "    sel:\n        CommandLine|contains: 'whoami'\n        Image|endswith: '\\cmd.exe'\n    condition: sel",
    );
    let q = build(&set, &d).unwrap();
    let kinds: Vec<(FindingKind, &str, Vec<String>)> = q
        .findings
        .iter()
        .map(|f| (f.kind, f.field.as_str(), f.indices.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (
                FindingKind::NotInIndex,
                "process.executable",
                vec!["my-logs".to_string()]
            ),
            (
                FindingKind::TextField,
                "process.command_line",
                vec!["my-logs".to_string()]
            ),
        ]
    );
    assert!(
        q.never_matches(),
        "a live mapping without the field: nothing matches"
    );
    // A rule using only present fields: no missing-field finding.
    let ok = doc("    sel:\n        OriginalFileName: 'cmd.exe'\n    condition: sel");
    assert!(build(&set, &ok).unwrap().findings.is_empty());
}

#[test]
fn check_reports_field_findings_and_strict_fails() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("proc_creation_word_cmd.yml");
    std::fs::write(
        &rule,
        "title: Word spawns cmd\nid: 5d0b2e2a-0000-4000-8000-000000000002\nstatus: test\ndescription: d\nauthor: a\ndate: 2024-01-01\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        ParentImage|endswith: '\\winword.exe'\n    condition: sel\nlevel: high\n",
    )
    .unwrap();
    let cfg = dir.path().join("sysmon.yml");
    std::fs::write(
        &cfg,
        format!("title: t\nlogsources:\n  w:\n    product: windows\n    index: [logs-windows.sysmon_operational-*]\nfieldmappings:\n{CASELESS}"),
    )
    .unwrap();
    let run = |mode: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sigmaforge"))
            .current_dir(dir.path())
            .args([
                "check",
                "--format",
                "json",
                "--field-check",
                mode,
                "--map-config",
            ])
            .arg(&cfg)
            .arg(&rule)
            .output()
            .unwrap()
    };
    let warn = run("warn");
    let text = String::from_utf8_lossy(&warn.stdout);
    assert!(text.contains("SF201"), "{text}");
    assert!(text.contains("SF203"), "{text}");
    assert!(
        text.contains("process.parent.executable.caseless"),
        "{text}"
    );
    assert!(warn.status.success(), "warnings do not fail: {text}");
    let strict = run("strict");
    assert_eq!(strict.status.code(), Some(1));
    let off = run("off");
    assert!(!String::from_utf8_lossy(&off.stdout).contains("SF201"));
}

#[test]
fn field_findings_point_at_the_field_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proc_creation_lines.yml");
    // Line 11: `Image` (exists on sysmon); line 13: `ParentImage` (its `.caseless` does not).
    let text = "title: Field lines\nid: 5d0b2e2a-0000-4000-8000-000000000003\nstatus: test\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        CommandLine|contains: 'x'\n    parent:\n        Image|endswith: '\\cmd.exe'\n        # the parent\n        ParentImage|endswith: '\\winword.exe'\n    condition: sel and parent\nlevel: high\n";
    std::fs::write(&path, text).unwrap();
    let parent_line = 1 + text
        .lines()
        .position(|l| l.trim_start().starts_with("ParentImage"))
        .unwrap() as u32;
    assert_eq!(parent_line, 13);
    let scan = sigmaforge::scan::scan(&[path]).expect("scan");
    let set = config(
        "logs-windows.sysmon_operational-*",
        &format!("{CASELESS}  CommandLine: process.command_line\n"),
    )
    .with_catalog(catalog(), false);
    let sets = [sigmaforge::fieldcheck::NamedSet {
        label: "sysmon".into(),
        set: &set,
    }];
    let diags =
        sigmaforge::fieldcheck::check(&scan, &sets, sigmaforge::fieldcheck::FieldCheck::Warn);
    let at = |code: &str| -> Vec<(u32, u32)> {
        diags
            .iter()
            .filter(|d| d.code == code)
            .map(|d| (d.line, d.col))
            .collect()
    };
    assert_eq!(at("SF201"), vec![(parent_line, 9)], "{diags:#?}");
    assert_eq!(at("SF203"), vec![(parent_line, 9)], "{diags:#?}");
}

#[test]
fn keys_under_a_flattened_field_exist_as_case_sensitive_keywords() {
    let mut cat = FieldCatalog::embedded().unwrap();
    cat.add_user_mapping(
        r#"{"audit-000001": {"mappings": {"dynamic": "false", "properties": {
            "request": {"type": "flattened"}}}}}"#,
        std::path::Path::new("audit.json"),
    )
    .unwrap();
    let set = config(
        "audit-*",
        "  Bucket: request.params.bucket\n  User: requests.user\n",
    )
    .with_catalog(Arc::new(cat), false);
    let d = doc("    sel:\n        Bucket: 'Secret'\n    condition: sel");
    let q = build(&set, &d).unwrap();
    assert!(q.findings.is_empty(), "{:?}", q.findings);
    let mut tests = Vec::new();
    q.queries[0].expr.walk(&mut |e| {
        if let Expr::Test(t) = e {
            tests.push((t.field.clone(), t.kind, t.case));
        }
    });
    // A keyword is case-sensitive: Sigma's case-insensitive match needs the regex form.
    assert_eq!(
        tests,
        [(
            "request.params.bucket".to_string(),
            FieldKind::String,
            CaseStrategy::Regex
        )]
    );
    // Outside the flattened field the live mapping has nothing: SF201.
    let miss = doc("    sel:\n        User: 'x'\n    condition: sel");
    let q = build(&set, &miss).unwrap();
    assert_eq!(q.findings.len(), 1, "{:?}", q.findings);
    assert_eq!(q.findings[0].kind, FindingKind::NotInIndex);
    assert_eq!(q.findings[0].field, "requests.user");
}

#[test]
fn boolean_on_a_keyword_field_is_compared_as_text() {
    // `winlog.event_data.*` is an object with `object_type: keyword` on sysmon: EQL and ES|QL
    // reject `== true` on it (found by the `eql` schema oracle on the SigmaHQ corpus).
    let set = config(
        "logs-windows.sysmon_operational-*",
        "  HasFullTrust: winlog.event_data.HasFullTrust\n",
    )
    .with_catalog(catalog(), false);
    let d = doc("    sel:\n        HasFullTrust: true\n    condition: sel");
    assert_eq!(
        render(&set, &d, "eql").unwrap(),
        "any where winlog.event_data.HasFullTrust : \"true\""
    );
    let esql = render(&set, &d, "esql").unwrap();
    assert!(
        esql.contains("WHERE TO_LOWER(winlog.event_data.HasFullTrust) == \"true\""),
        "{esql}"
    );
    // Without the catalog the field's type is unknown: the boolean stays a boolean.
    let plain = config(
        "logs-windows.sysmon_operational-*",
        "  HasFullTrust: winlog.event_data.HasFullTrust\n",
    );
    assert_eq!(
        render(&plain, &d, "eql").unwrap(),
        "any where winlog.event_data.HasFullTrust == true"
    );
}
