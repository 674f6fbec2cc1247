//! Agreement with the behaviours the peers' public test suites check (pySigma's `tests/test_types.py`,
//! `test_modifiers.py`, `test_conditions.py`, `test_correlations.py`; rsigma's evaluator tests), written
//! as our own cases from the Sigma specification (`../shared/sigma-spec`, version 2.1): each case is a
//! rule, events and the indices of the events the specification says match. The evaluator must give
//! exactly those. Where a peer deviates from the specification the case says so in `note`.
//!
//! The cases go through the public interface `sigmaforge test --events … --format json` uses
//! (`scan` + `eval::evaluate`), so they test what a user gets.

use serde_json::{Value, json};
use sigmaforge::eval::{EvalOptions, Event, evaluate};

/// One specification case.
struct Case {
    /// What is checked.
    name: &'static str,
    /// The rule's `detection:` block (indented by four spaces), or a whole multi-document file when
    /// it starts with `title:`.
    rule: &'static str,
    /// The events, in order.
    events: Vec<Value>,
    /// Indices of the events the rule (or, for a file with a correlation, the correlation) matches.
    want: &'static [usize],
    /// Placeholder values (`expand`).
    placeholders: &'static [(&'static str, &'static str)],
    /// Where a peer's behaviour differs from the specification (empty: none known).
    note: &'static str,
}

fn case(
    name: &'static str,
    rule: &'static str,
    events: Vec<Value>,
    want: &'static [usize],
) -> Case {
    Case {
        name,
        rule,
        events,
        want,
        placeholders: &[],
        note: "",
    }
}

fn cases() -> Vec<Case> {
    vec![
        // --- strings, wildcards and escapes (pySigma test_types.py SigmaString; spec "Escaping")
        case(
            "plain value: case-insensitive whole-value equality",
            "    sel:\n        CommandLine: 'whoami'\n    condition: sel\n",
            vec![
                json!({"CommandLine": "WhoAmI"}),
                json!({"CommandLine": "whoami /all"}),
                json!({"CommandLine": "xwhoami"}),
            ],
            &[0],
        ),
        case(
            "`*` spans any characters, also none",
            "    sel:\n        Image: '*\\cmd.exe'\n    condition: sel\n",
            vec![
                json!({"Image": "C:\\Windows\\System32\\CMD.EXE"}),
                json!({"Image": "\\cmd.exe"}),
                json!({"Image": "cmd.exe"}),
            ],
            &[0, 1],
        ),
        case(
            "`?` is exactly one character",
            "    sel:\n        F: 'a?c'\n    condition: sel\n",
            vec![
                json!({"F": "abc"}),
                json!({"F": "ac"}),
                json!({"F": "abbc"}),
                json!({"F": "A-C"}),
            ],
            &[0, 3],
        ),
        case(
            "`\\*` is a literal star",
            "    sel:\n        F: 'a\\*b'\n    condition: sel\n",
            vec![
                json!({"F": "a*b"}),
                json!({"F": "axb"}),
                json!({"F": "a\\*b"}),
            ],
            &[0],
        ),
        case(
            "`\\?` is a literal question mark",
            "    sel:\n        F: 'why\\?'\n    condition: sel\n",
            vec![json!({"F": "why?"}), json!({"F": "whyx"})],
            &[0],
        ),
        case(
            "`\\\\*` is a literal backslash then a wildcard",
            "    sel:\n        F: 'C:\\\\*'\n    condition: sel\n",
            vec![
                json!({"F": "C:\\temp"}),
                json!({"F": "C:\\"}),
                json!({"F": "C:temp"}),
            ],
            &[0, 1],
        ),
        case(
            "`\\\\\\*` is a literal backslash then a literal star",
            "    sel:\n        F: 'a\\\\\\*b'\n    condition: sel\n",
            vec![json!({"F": "a\\*b"}), json!({"F": "a\\xb"})],
            &[0],
        ),
        case(
            "a backslash before an ordinary character stays a backslash",
            "    sel:\n        F: 'C:\\Windows\\temp'\n    condition: sel\n",
            vec![json!({"F": "c:\\windows\\TEMP"}), json!({"F": "C:Windowstemp"})],
            &[0],
        ),
        case(
            "a trailing backslash is literal",
            "    sel:\n        F: 'C:\\Windows\\'\n    condition: sel\n",
            vec![json!({"F": "c:\\windows\\"}), json!({"F": "C:\\Windows"})],
            &[0],
        ),
        case(
            "empty string matches only the empty value",
            "    sel:\n        F: ''\n    condition: sel\n",
            vec![json!({"F": ""}), json!({}), json!({"F": "x"})],
            &[0],
        ),
        // --- modifiers (pySigma test_modifiers.py; spec appendix "Modifiers")
        case(
            "contains / startswith / endswith",
            "    a:\n        F|contains: 'mid'\n    b:\n        G|startswith: 'pre'\n    c:\n        H|endswith: 'post'\n    condition: a or b or c\n",
            vec![
                json!({"F": "xMIDx"}),
                json!({"G": "PREfix"}),
                json!({"G": "xpre"}),
                json!({"H": "the POST"}),
                json!({"H": "postx"}),
            ],
            &[0, 1, 3],
        ),
        case(
            "a list is OR; `|contains|all` is AND",
            "    any:\n        F:\n            - 'a'\n            - 'b'\n    every:\n        G|contains|all:\n            - '-enc'\n            - 'bypass'\n    condition: any or every\n",
            vec![
                json!({"F": "B"}),
                json!({"F": "c"}),
                json!({"G": "x -ENC y BYPASS"}),
                json!({"G": "x -enc y"}),
            ],
            &[0, 2],
        ),
        case(
            "`cased` compares case-sensitively",
            "    sel:\n        F|cased: 'Abc'\n    condition: sel\n",
            vec![json!({"F": "Abc"}), json!({"F": "abc"})],
            &[0],
        ),
        case(
            "`windash`: flag dashes as -, /, en dash, em dash, horizontal bar",
            "    sel:\n        CommandLine|windash|contains: ' -exec '\n    condition: sel\n",
            vec![
                json!({"CommandLine": "x -exec y"}),
                json!({"CommandLine": "x /exec y"}),
                json!({"CommandLine": "x \u{2013}exec y"}),
                json!({"CommandLine": "x \u{2014}exec y"}),
                json!({"CommandLine": "x \u{2015}exec y"}),
                json!({"CommandLine": "x +exec y"}),
            ],
            &[0, 1, 2, 3, 4],
        )
        .with_note(
            "spec 2.0 (appendix, 2024-01-01) permuted only `-` and `/`; 2.1 adds the three Unicode dashes, so a 2.0 implementation misses events 2-4",
        ),
        case(
            "`base64offset|contains` finds the value at each of the three byte offsets",
            "    sel:\n        F|base64offset|contains: 'http://'\n    condition: sel\n",
            vec![
                json!({"F": "aHR0cDovL3g="}),         // "http://x"
                json!({"F": "X2h0dHA6Ly94"}),         // "_http://x"
                json!({"F": "R0VUICBodHRwOi8veA=="}), // "GET  http://x"
                json!({"F": "aHRwOi8veA=="}),         // "htp://x"
            ],
            &[0, 1, 2],
        ),
        case(
            "`base64` encodes the whole value, matched as written (case-sensitive)",
            "    sel:\n        F|base64: 'abc'\n    condition: sel\n",
            vec![json!({"F": "YWJj"}), json!({"F": "ywjj"}), json!({"F": "YWJjZA=="})],
            &[0],
        ),
        case(
            "`re` is an unanchored, case-sensitive search",
            "    sel:\n        F|re: 'b+c'\n    condition: sel\n",
            vec![json!({"F": "abbbcd"}), json!({"F": "ABC"}), json!({"F": "ac"})],
            &[0],
        ),
        case(
            "`re|i` ignores case",
            "    sel:\n        F|re|i: '^abc'\n    condition: sel\n",
            vec![json!({"F": "ABCd"}), json!({"F": "xabc"})],
            &[0],
        ),
        case(
            "`re|m` lets ^ and $ match at line breaks",
            "    a:\n        F|re|m: '^b$'\n    b:\n        G|re: '^b$'\n    condition: a or b\n",
            vec![json!({"F": "a\nb\nc"}), json!({"G": "a\nb\nc"})],
            &[0],
        ),
        case(
            "`re|s` lets . match a line break",
            "    a:\n        F|re|s: 'a.b'\n    b:\n        G|re: 'a.b'\n    condition: a or b\n",
            vec![json!({"F": "a\nb"}), json!({"G": "a\nb"})],
            &[0],
        ),
        case(
            "`cidr` IPv4",
            "    sel:\n        Ip|cidr: '10.0.0.0/8'\n    condition: sel\n",
            vec![
                json!({"Ip": "10.1.2.3"}),
                json!({"Ip": "11.0.0.1"}),
                json!({"Ip": "2001:db8::1"}),
                json!({"Ip": "not an address"}),
            ],
            &[0],
        ),
        case(
            "`cidr` IPv6 (any spelling of the address)",
            "    sel:\n        Ip|cidr: '2001:db8::/32'\n    condition: sel\n",
            vec![
                json!({"Ip": "2001:DB8::1"}),
                json!({"Ip": "2001:0db8:0000::0001"}),
                json!({"Ip": "2001:db9::1"}),
                json!({"Ip": "10.0.0.1"}),
            ],
            &[0, 1],
        ),
        case(
            "`exists: true` tests presence (an empty value exists)",
            "    sel:\n        F|exists: true\n    condition: sel\n",
            vec![json!({"F": ""}), json!({}), json!({"G": "x"})],
            &[0],
        ),
        case(
            "`exists: false` tests absence",
            "    sel:\n        F|exists: false\n    condition: sel\n",
            vec![json!({"F": ""}), json!({}), json!({"G": "x"})],
            &[1, 2],
        ),
        case(
            "`null` matches a missing or null field, not an empty string",
            "    sel:\n        F: null\n    condition: sel\n",
            vec![json!({"F": null}), json!({}), json!({"F": ""})],
            &[0, 1],
        ),
        case(
            "`gt`/`gte`/`lt`/`lte` compare numbers (numeric strings too)",
            "    a:\n        N|gt: 5\n    b:\n        M|lte: 2\n    condition: a or b\n",
            vec![
                json!({"N": 6}),
                json!({"N": "6"}),
                json!({"N": 5}),
                json!({"M": 2}),
                json!({"M": 2.5}),
                json!({"N": "six"}),
            ],
            &[0, 1, 3],
        ),
        case(
            "`fieldref`: equal to the other field's value",
            "    sel:\n        Target|fieldref: Source\n    condition: sel\n",
            vec![
                json!({"Target": "a", "Source": "a"}),
                json!({"Target": "a", "Source": "b"}),
                json!({"Target": "a"}),
            ],
            &[0],
        ),
        Case {
            placeholders: &[("servers", "dc01"), ("servers", "srv-*")],
            ..case(
                "`expand` replaces a placeholder by each configured value",
                "    sel:\n        Host|expand: '%servers%'\n    condition: sel\n",
                vec![
                    json!({"Host": "DC01"}),
                    json!({"Host": "srv-web"}),
                    json!({"Host": "ws01"}),
                ],
                &[0, 1],
            )
        },
        // --- values and types (pySigma SigmaNumber; spec "Numbers")
        case(
            "an integer matches the number and its exact text",
            "    sel:\n        EventID: 4688\n    condition: sel\n",
            vec![
                json!({"EventID": 4688}),
                json!({"EventID": "4688"}),
                json!({"EventID": "04688"}),
                json!({"EventID": 4689}),
            ],
            &[0, 1],
        ),
        case(
            "a numeric string matches the number",
            "    sel:\n        EventID: '4688'\n    condition: sel\n",
            vec![json!({"EventID": 4688}), json!({"EventID": "4688"})],
            &[0, 1],
        ),
        case(
            "a boolean matches the boolean",
            "    sel:\n        Enabled: true\n    condition: sel\n",
            vec![json!({"Enabled": true}), json!({"Enabled": false}), json!({})],
            &[0],
        ),
        case(
            "dotted names reach into objects; any array element counts",
            "    sel:\n        process.args: '-nop'\n    condition: sel\n",
            vec![
                json!({"process": {"args": ["powershell", "-NOP"]}}),
                json!({"process.args": "-nop"}),
                json!({"process": {"args": ["x"]}}),
            ],
            &[0, 1],
        ),
        // --- keywords (spec "Lists" without a field)
        case(
            "keywords search every value of the event, not the keys",
            "    keywords:\n        - '*mimikatz*'\n        - 'sekurlsa'\n    condition: keywords\n",
            vec![
                json!({"a": "run Mimikatz now"}),
                json!({"b": {"c": ["x", "SEKURLSA"]}}),
                json!({"mimikatz": "x"}),
                json!({"a": "sekurlsa::logonpasswords"}),
            ],
            &[0, 1],
        ),
        // --- conditions (pySigma test_conditions.py; spec "Condition")
        case(
            "`1 of them`",
            "    a:\n        F: 'x'\n    b:\n        G: 'y'\n    condition: 1 of them\n",
            vec![json!({"F": "x"}), json!({"G": "y"}), json!({"F": "y"})],
            &[0, 1],
        ),
        case(
            "`all of them`",
            "    a:\n        F: 'x'\n    b:\n        G: 'y'\n    condition: all of them\n",
            vec![json!({"F": "x", "G": "y"}), json!({"F": "x"})],
            &[0],
        ),
        case(
            "`all of selection_*` and not filter",
            "    selection_a:\n        F: 'x'\n    selection_b:\n        G|endswith: 'y'\n    filter:\n        H: 'z'\n    condition: all of selection_* and not filter\n",
            vec![
                json!({"F": "x", "G": "yy"}),
                json!({"F": "x", "G": "yy", "H": "Z"}),
                json!({"F": "x"}),
            ],
            &[0],
        ),
        case(
            "`1 of selection_*`, `not 1 of filter_*`, precedence not > and > or",
            "    selection_a:\n        F: 'x'\n    selection_b:\n        G: 'y'\n    filter_a:\n        H: 'z'\n    other:\n        K: 'k'\n    condition: other or 1 of selection_* and not 1 of filter_*\n",
            vec![
                json!({"G": "y"}),
                json!({"G": "y", "H": "z"}),
                json!({"K": "k", "H": "z"}),
            ],
            &[0, 2],
        ),
        case(
            "a map in a list is OR of ANDs",
            "    sel:\n        - F: 'a'\n          G: 'b'\n        - F: 'c'\n    condition: sel\n",
            vec![json!({"F": "a", "G": "b"}), json!({"F": "a"}), json!({"F": "C"})],
            &[0, 2],
        ),
        // --- correlations (pySigma test_correlations.py; spec "Sigma Correlation Rules")
        case(
            "event_count: gte 3 per user within 5 minutes",
            CORR_EVENT_COUNT,
            vec![
                json!({"@timestamp": "2024-01-01T00:00:00Z", "EventID": 4625, "User": "a"}),
                json!({"@timestamp": "2024-01-01T00:01:00Z", "EventID": 4625, "User": "b"}),
                json!({"@timestamp": "2024-01-01T00:02:00Z", "EventID": 4625, "User": "a"}),
                json!({"@timestamp": "2024-01-01T00:03:00Z", "EventID": 4624, "User": "a"}),
                json!({"@timestamp": "2024-01-01T00:04:00Z", "EventID": 4625, "User": "a"}),
                json!({"@timestamp": "2024-01-01T00:20:00Z", "EventID": 4625, "User": "a"}),
            ],
            &[4],
        ),
        case(
            "value_count: more than 2 distinct hosts per user within 5 minutes",
            CORR_VALUE_COUNT,
            vec![
                json!({"@timestamp": "2024-01-01T00:00:00Z", "EventID": 4625, "User": "a", "Host": "h1"}),
                json!({"@timestamp": "2024-01-01T00:01:00Z", "EventID": 4625, "User": "a", "Host": "h1"}),
                json!({"@timestamp": "2024-01-01T00:02:00Z", "EventID": 4625, "User": "a", "Host": "h2"}),
                json!({"@timestamp": "2024-01-01T00:03:00Z", "EventID": 4625, "User": "b", "Host": "h3"}),
                json!({"@timestamp": "2024-01-01T00:04:00Z", "EventID": 4625, "User": "a", "Host": "h3"}),
            ],
            &[4],
        ),
        case(
            "temporal: both rules for the same user within 5 minutes, any order",
            CORR_TEMPORAL,
            vec![
                json!({"@timestamp": "2024-01-01T00:00:00Z", "EventID": 4624, "User": "a"}),
                json!({"@timestamp": "2024-01-01T00:01:00Z", "EventID": 4625, "User": "b"}),
                json!({"@timestamp": "2024-01-01T00:02:00Z", "EventID": 4625, "User": "a"}),
                json!({"@timestamp": "2024-01-01T00:30:00Z", "EventID": 4625, "User": "b"}),
            ],
            &[2],
        ),
    ]
}

impl Case {
    fn with_note(mut self, note: &'static str) -> Case {
        self.note = note;
        self
    }
}

const CORR_EVENT_COUNT: &str = concat!(
    "title: Failed logon\nname: failed_logon\nid: 0b1ac0b5-0000-4000-8000-000000000001\nlogsource:\n    product: windows\n    service: security\ndetection:\n    sel:\n        EventID: 4625\n    condition: sel\n",
    "---\ntitle: Many failed logons\nid: 0b1ac0b5-0000-4000-8000-000000000002\ncorrelation:\n    type: event_count\n    rules:\n        - failed_logon\n    group-by:\n        - User\n    timespan: 5m\n    condition:\n        gte: 3\n",
);

const CORR_VALUE_COUNT: &str = concat!(
    "title: Failed logon\nname: failed_logon\nid: 0b1ac0b5-0000-4000-8000-000000000001\nlogsource:\n    product: windows\n    service: security\ndetection:\n    sel:\n        EventID: 4625\n    condition: sel\n",
    "---\ntitle: Failed logons on many hosts\nid: 0b1ac0b5-0000-4000-8000-000000000003\ncorrelation:\n    type: value_count\n    rules:\n        - failed_logon\n    group-by:\n        - User\n    timespan: 5m\n    condition:\n        field: Host\n        gt: 2\n",
);

const CORR_TEMPORAL: &str = concat!(
    "title: Failed logon\nname: failed_logon\nid: 0b1ac0b5-0000-4000-8000-000000000001\nlogsource:\n    product: windows\n    service: security\ndetection:\n    sel:\n        EventID: 4625\n    condition: sel\n",
    "---\ntitle: Logon\nname: logon\nid: 0b1ac0b5-0000-4000-8000-000000000004\nlogsource:\n    product: windows\n    service: security\ndetection:\n    sel:\n        EventID: 4624\n    condition: sel\n",
    "---\ntitle: Logon and failure\nid: 0b1ac0b5-0000-4000-8000-000000000005\ncorrelation:\n    type: temporal\n    rules:\n        - failed_logon\n        - logon\n    group-by:\n        - User\n    timespan: 5m\n    condition:\n        gte: 2\n",
);

/// The matches of the file's last document (the correlation, or the only rule).
fn verdict(c: &Case) -> Result<Vec<usize>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let text = if c.rule.starts_with("title:") {
        c.rule.to_string()
    } else {
        format!(
            "title: Case\nid: 0b1ac0b5-0000-4000-8000-0000000000ff\nlogsource:\n    product: test\ndetection:\n{}",
            c.rule
        )
    };
    let path = dir.path().join("rule.yml");
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    let scan = sigmaforge::scan::scan(&[path]).map_err(|e| e.to_string())?;
    let events: Vec<Event> = c
        .events
        .iter()
        .enumerate()
        .map(|(i, v)| Event {
            value: v.clone(),
            line: i + 1,
        })
        .collect();
    let mut opts = EvalOptions::default();
    for (k, v) in c.placeholders {
        opts.placeholders
            .entry((*k).to_string())
            .or_default()
            .push((*v).to_string());
    }
    let report = evaluate(&scan, &events, &opts);
    let last = report.rules.last().ok_or("no document")?;
    if let Some(r) = &last.reason {
        return Err(format!("not evaluated: {r}"));
    }
    if report.rules.iter().any(|r| r.kind == "rejected") {
        return Err(format!("a document was rejected: {:?}", report.rules));
    }
    Ok(last.matches.clone())
}

#[test]
fn evaluator_gives_the_specification_verdict_on_every_peer_behaviour() {
    let mut bad = Vec::new();
    let all = cases();
    for c in &all {
        match verdict(c) {
            Ok(got) if got == c.want => {}
            Ok(got) => bad.push(format!(
                "{}: matches {got:?}, the specification says {:?}",
                c.name, c.want
            )),
            Err(e) => bad.push(format!("{}: {e}", c.name)),
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    for c in all.iter().filter(|c| !c.note.is_empty()) {
        println!("peer note: {}: {}", c.name, c.note);
    }
}
