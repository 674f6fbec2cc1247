//! Malformed input: every case must give a precise error code and position, never a panic.

use sigmaforge::rule::file::parse_bytes;

const HEAD: &str = "title: Test\nlogsource:\n    product: windows\n";

fn rule(detection: &str) -> String {
    format!("{HEAD}detection:\n{detection}")
}

/// Parses `bytes` and asserts the first error-or-warning diagnostic has `code` at `line:col`.
fn expect(name: &str, bytes: &[u8], code: &str, line: u32, col: u32) {
    let parsed = parse_bytes(name, bytes);
    let d = parsed
        .diags
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("{name}: expected {code}, got {:#?}", parsed.diags));
    assert_eq!((d.line, d.col), (line, col), "{name}: {d:?}");
    assert!(
        parsed.docs.iter().all(|d| d.doc.is_none()),
        "{name}: a broken document must not parse"
    );
}

#[test]
fn truncated_yaml() {
    expect(
        "truncated",
        rule("    sel:\n        Image: 'unterminated\n").as_bytes(),
        "SF010",
        6,
        16,
    );
}

#[test]
fn tab_indentation() {
    expect(
        "tabs",
        rule("    sel:\n\tImage: x\n    condition: sel\n").as_bytes(),
        "SF010",
        6,
        2,
    );
}

#[test]
fn duplicate_keys() {
    expect(
        "dup",
        rule("    sel:\n        a: 1\n    sel:\n        a: 2\n    condition: sel\n").as_bytes(),
        "SF011",
        7,
        5,
    );
}

#[test]
fn non_utf8() {
    expect("latin1", b"title: Caf\xe9\n", "SF002", 1, 11);
}

#[test]
fn binary_file() {
    expect("bin", b"\x7fELF\x02\x01\x01\x00\x00", "SF003", 1, 8);
}

#[test]
fn huge_file() {
    let big = vec![b'#'; 50 * 1024 * 1024];
    expect("big", &big, "SF004", 1, 1);
}

#[test]
fn deep_nesting() {
    let src = "a: ".to_string() + &"[".repeat(10_000) + &"]".repeat(10_000);
    let parsed = parse_bytes("deep", src.as_bytes());
    assert_eq!(parsed.diags[0].code, "SF012", "{:?}", parsed.diags);
    assert_eq!(parsed.diags[0].line, 1);
    let block: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let parsed = parse_bytes("deep-block", block.as_bytes());
    assert_eq!(parsed.diags[0].code, "SF012", "{:?}", parsed.diags);
    assert_eq!(parsed.diags[0].line, 65);
}

#[test]
fn billion_laughs() {
    let mut src = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        src.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], refs));
    }
    let parsed = parse_bytes("lol", src.as_bytes());
    let d = &parsed.diags[0];
    assert_eq!(d.code, "SF012", "{d:?}");
    assert!(d.message.contains("alias bomb"), "{d:?}");
}

#[test]
fn empty_and_comment_only_files() {
    expect("empty", b"", "SF005", 1, 1);
    expect("comments", b"# nothing here\n", "SF005", 1, 1);
}

#[test]
fn list_at_top_level() {
    expect("list", b"- title: x\n- y\n", "SF020", 1, 1);
}

#[test]
fn unknown_modifier() {
    let src = rule("    sel:\n        Image|endwith: x\n    condition: sel\n");
    expect("unknown-mod", src.as_bytes(), "SF030", 6, 9);
    let parsed = parse_bytes("unknown-mod", src.as_bytes());
    assert!(parsed.diags[0].message.contains("did you mean `endswith`"));
}

#[test]
fn illegal_modifier_chain() {
    expect(
        "chain",
        rule("    sel:\n        Image|contains|startswith: x\n    condition: sel\n").as_bytes(),
        "SF031",
        6,
        9,
    );
    expect(
        "b64off",
        rule("    sel:\n        CommandLine|base64offset: x\n    condition: sel\n").as_bytes(),
        "SF031",
        6,
        9,
    );
}

#[test]
fn condition_naming_nothing() {
    expect(
        "dangling",
        rule("    selection:\n        a: 1\n    condition: selection and not filter\n").as_bytes(),
        "SF041",
        7,
        34,
    );
}

#[test]
fn uppercase_keywords_get_a_hint() {
    let src = rule("    a:\n        x: 1\n    b:\n        y: 1\n    condition: a AND b\n");
    let parsed = parse_bytes("upper", src.as_bytes());
    assert!(
        parsed.diags.iter().any(|d| d.code == "SF040"),
        "{:?}",
        parsed.diags
    );
}

#[test]
fn dangling_of() {
    expect(
        "of",
        rule("    selection:\n        a: 1\n    condition: selection and not 1 of filter_*\n")
            .as_bytes(),
        "SF042",
        7,
        34,
    );
}

#[test]
fn unbalanced_parentheses() {
    expect(
        "paren",
        rule("    a:\n        x: 1\n    condition: (a\n").as_bytes(),
        "SF040",
        7,
        18,
    );
    expect(
        "paren2",
        rule("    a:\n        x: 1\n    condition: a)\n").as_bytes(),
        "SF040",
        7,
        17,
    );
}

#[test]
fn quoted_condition_positions_account_for_the_quote() {
    expect(
        "quoted",
        rule("    a:\n        x: 1\n    condition: 'a and b'\n").as_bytes(),
        "SF041",
        7,
        23,
    );
}

#[test]
fn pipe_aggregation() {
    let src = rule("    sel:\n        a: 1\n    condition: sel | count() by host > 5\n");
    expect("pipe", src.as_bytes(), "SF043", 7, 20);
    let parsed = parse_bytes("pipe", src.as_bytes());
    assert!(parsed.diags[0].message.contains("correlation rule"));
}

#[test]
fn two_of_is_not_sigma() {
    expect(
        "two-of",
        rule("    sel1:\n        a: 1\n    condition: 2 of sel*\n").as_bytes(),
        "SF040",
        7,
        16,
    );
}

#[test]
fn missing_required_fields() {
    expect(
        "no-title",
        b"logsource:\n    product: x\ndetection:\n    s:\n        a: 1\n    condition: s\n",
        "SF021",
        1,
        1,
    );
    expect("no-detection", HEAD.as_bytes(), "SF021", 1, 1);
    expect(
        "no-condition",
        rule("    sel:\n        a: 1\n").as_bytes(),
        "SF021",
        4,
        1,
    );
}

#[test]
fn bad_values() {
    expect(
        "regex",
        rule("    sel:\n        a|re: 'foo(bar'\n    condition: sel\n").as_bytes(),
        "SF032",
        6,
        15,
    );
    expect(
        "lookahead",
        rule("    sel:\n        a|re: '(?=x)y'\n    condition: sel\n").as_bytes(),
        "SF032",
        6,
        15,
    );
    expect(
        "cidr",
        rule("    sel:\n        ip|cidr: 10.0.0.0/99\n    condition: sel\n").as_bytes(),
        "SF032",
        6,
        18,
    );
    expect(
        "exists",
        rule("    sel:\n        a|exists: maybe\n    condition: sel\n").as_bytes(),
        "SF032",
        6,
        19,
    );
    expect(
        "gt",
        rule("    sel:\n        a|gt: many\n    condition: sel\n").as_bytes(),
        "SF032",
        6,
        15,
    );
}

#[test]
fn wrong_types_and_values() {
    expect(
        "status",
        format!("{HEAD}status: done\ndetection:\n    s:\n        a: 1\n    condition: s\n")
            .as_bytes(),
        "SF023",
        4,
        9,
    );
    expect(
        "tags",
        format!("{HEAD}tags: attack.t1059\ndetection:\n    s:\n        a: 1\n    condition: s\n")
            .as_bytes(),
        "SF022",
        4,
        7,
    );
}

#[test]
fn bad_search_shapes() {
    expect(
        "empty-list",
        rule("    sel:\n        a: []\n    condition: sel\n").as_bytes(),
        "SF033",
        6,
        12,
    );
    expect(
        "nested-map",
        rule("    sel:\n        a:\n            b: 1\n    condition: sel\n").as_bytes(),
        "SF033",
        7,
        13,
    );
    expect(
        "null-search",
        rule("    sel:\n    condition: sel\n").as_bytes(),
        "SF033",
        5,
        5,
    );
}

#[test]
fn correlation_errors() {
    expect(
        "corr-type",
        b"title: c\ncorrelation:\n    type: event_sum\n    rules: [a]\n    timespan: 5m\n",
        "SF050",
        3,
        11,
    );
    expect(
        "corr-timespan",
        b"title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    timespan: soon\n    condition:\n        gte: 3\n",
        "SF050",
        5,
        15,
    );
}

#[test]
fn unknown_action() {
    expect("action", b"action: merge\ntitle: x\n", "SF070", 1, 1);
}

#[test]
fn non_sigma_yaml_is_skipped_with_a_note() {
    let parsed = parse_bytes(
        "workflow.yml",
        b"name: CI\non:\n  push:\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    );
    assert_eq!(parsed.skipped, 1);
    assert_eq!(parsed.diags[0].code, "SF006");
    assert!(parsed.docs.is_empty());
}
