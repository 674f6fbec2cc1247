//! SVG heat map of a small fixture matrix: snapshot, escaping and no overlapping cells.

use sigmaforge::attack::{AttackData, CoverageRule, SvgOptions, TagRef, render_svg};

const TABLE: &str = r#"{"schema":"sigmaforge-attack/1","domain":"enterprise-attack","attack_version":"19.1",
"tactics":[
 {"id":"TA0002","shortname":"execution","name":"Execution"},
 {"id":"TA0005","shortname":"stealth","name":"Stealth"},
 {"id":"TA0099","shortname":"defense-evasion","name":"Defense Evasion","deprecated":true}],
"techniques":[
 {"id":"T1059","name":"Command and Scripting Interpreter","tactics":["execution"],"platforms":["Windows"]},
 {"id":"T1059.001","name":"PowerShell","tactics":["execution"],"platforms":["Windows"]},
 {"id":"T1059.003","name":"Windows Command Shell","tactics":["execution"],"platforms":["Windows"]},
 {"id":"T1204","name":"User Execution","tactics":["execution"],"platforms":["Linux","Windows"]},
 {"id":"T1027","name":"Obfuscated Files or Information <&> with an exceptionally long name that must be cut","tactics":["stealth"],"platforms":["Windows"]},
 {"id":"T1036","name":"Masquerading","tactics":["stealth"],"platforms":["Windows"]},
 {"id":"T1000","name":"Old","tactics":["stealth"],"revoked":true,"revoked_by":"T1036"}]}"#;

fn rule(n: u32, tags: &[&str]) -> CoverageRule {
    CoverageRule {
        path: format!("rules/r{n}.yml"),
        title: format!("Rule {n}"),
        id: None,
        level: Some(sigmaforge::rule::Level::High),
        status: Some(sigmaforge::rule::Status::Stable),
        tags: tags.iter().map(|t| TagRef::new(*t, 1, 1)).collect(),
        product: None,
    }
}

fn render() -> String {
    let data = AttackData::from_tables(&[TABLE]).expect("fixture table");
    let rules = vec![
        rule(1, &["attack.t1059.001"]),
        rule(2, &["attack.t1059.001", "attack.t1059"]),
        rule(3, &["attack.t1059.003"]),
        rule(4, &["attack.t1027"]),
        rule(5, &["attack.t1000"]),
        rule(6, &["attack.t1027"]),
        rule(7, &["attack.t1027"]),
    ];
    render_svg(
        &rules,
        &SvgOptions {
            title: "Fixture <coverage>".into(),
            ..SvgOptions::default()
        },
        &data,
    )
    .expect("svg")
}

#[test]
fn svg_snapshot() {
    let svg = render();
    insta::assert_snapshot!("attack_svg_fixture", svg);
}

#[test]
fn svg_is_well_formed_and_escaped() {
    let svg = render();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("Fixture &lt;coverage&gt;"));
    assert!(!svg.contains("<&>"));
    // full name in the tooltip, ellipsis in the cell
    assert!(svg.contains("Obfuscated Files or Information &lt;&amp;&gt; with an exceptionally long name that must be cut"));
    assert!(svg.contains('…'));
    assert!(svg.contains("v19.1"));
    // the retired tactic is not a column
    assert!(!svg.contains("Defense Evasion"));
    // balanced groups
    assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
}

#[test]
fn svg_renders_with_rsvg_when_available() {
    let Ok(status) = std::process::Command::new("rsvg-convert")
        .arg("--version")
        .output()
    else {
        eprintln!("skip: rsvg-convert not installed");
        return;
    };
    assert!(status.status.success());
    let dir = tempfile::tempdir().expect("tempdir");
    let svg = dir.path().join("fixture.svg");
    let png = dir.path().join("fixture.png");
    std::fs::write(&svg, render()).expect("write svg");
    let out = std::process::Command::new("rsvg-convert")
        .arg(&svg)
        .arg("-o")
        .arg(&png)
        .output()
        .expect("run rsvg-convert");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).expect("png written");
    assert!(bytes.starts_with(b"\x89PNG"));
}
