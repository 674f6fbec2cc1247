//! Issue 12, what the coverage and the reports say: the SVG heat map readable and packed, platform
//! coverage from the rules' logsource products, "most" and "least covered" apart, one wording of
//! documents and rules, and no message with its location twice. Each runs the built binary in a
//! fresh temporary repository with the flags a user types.

use crate::first_day::{RULE, outcome, repo, run_in, text};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `RULE` on PowerShell (a sub-technique, so the sub-technique bar shows), with its own id.
fn powershell_rule(n: u32) -> String {
    RULE.replace(
        "    - attack.command-and-control\n    - attack.t1105\n",
        "    - attack.execution\n    - attack.t1059.001\n",
    )
    .replace(
        "5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e",
        &format!("5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b{n:02}"),
    )
    .replace(
        "title: Certutil Download",
        &format!("title: PowerShell {n}"),
    )
}

/// An AWS CloudTrail rule on Valid Accounts: Cloud Accounts (IaaS, Identity Provider, …).
const AWS_RULE: &str = "title: Console Login Without MFA
id: 6e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
status: test
description: Detects a console login without multi-factor authentication.
author: Test
date: 2024-01-01
tags:
    - attack.initial-access
    - attack.t1078.004
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: ConsoleLogin
        additionalEventData.MFAUsed: 'No'
    condition: selection
falsepositives:
    - Break-glass accounts
level: medium
";

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

// ---- SVG ----------------------------------------------------------------------------------------

/// One SVG element: its name (`rect`, `/g`, …) and attributes.
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
}

/// The elements of an SVG document in order (enough of XML for what sigmaforge writes).
fn elements(svg: &str) -> Vec<Element> {
    svg.split('<')
        .skip(1)
        .filter_map(|chunk| {
            let tag = chunk.split('>').next()?;
            let tag = tag.trim_end_matches('/');
            let name = tag.split_whitespace().next()?.to_string();
            let mut attrs = BTreeMap::new();
            let mut rest = &tag[name.len()..];
            while let Some(eq) = rest.find("=\"") {
                let key = rest[..eq].trim().to_string();
                let after = &rest[eq + 2..];
                let end = after.find('"')?;
                attrs.insert(key, after[..end].to_string());
                rest = &after[end + 1..];
            }
            Some(Element { name, attrs })
        })
        .collect()
}

/// WCAG 2 relative luminance of `#rrggbb`.
fn luminance(hex: &str) -> f64 {
    let h = hex.trim_start_matches('#');
    assert_eq!(h.len(), 6, "colour {hex}");
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&h[i..i + 2], 16).expect("hex")) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

/// WCAG 2 contrast ratio.
fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

fn num(e: &Element, key: &str) -> f64 {
    e.attrs
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{} without numeric {key}", e.name))
}

#[test]
fn svg_heatmap_cells_are_readable_bars_use_the_legend_colours_and_columns_are_packed() {
    let (p1, p2, p3) = (powershell_rule(1), powershell_rule(2), powershell_rule(3));
    let dir = repo(&[
        ("rules/proc_creation_win_certutil_download.yml", RULE),
        ("rules/proc_creation_win_powershell_1.yml", &p1),
        ("rules/proc_creation_win_powershell_2.yml", &p2),
        ("rules/proc_creation_win_powershell_3.yml", &p3),
    ]);
    let o = run_in(
        dir.path(),
        &["layer", "rules", "-o", "layer.json", "--svg", "heatmap.svg"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    let svg = read(dir.path(), "heatmap.svg");
    let els = elements(&svg);

    // every text of every cell (a group holding a 150×28 rectangle) against the cell's fill, and
    // every sub-technique bar (a 2 px rectangle in a cell)
    let (mut cells, mut uncovered, mut bars) = (0, 0, BTreeSet::new());
    let mut fill: Option<String> = None;
    for e in &els {
        match e.name.as_str() {
            "rect" if e.attrs.get("height").map(String::as_str) == Some("28") => {
                cells += 1;
                fill = e.attrs.get("fill").cloned();
            }
            "rect" if fill.is_some() && e.attrs.get("height").map(String::as_str) == Some("2") => {
                bars.insert(e.attrs["fill"].clone());
            }
            "text" => {
                if let Some(bg) = &fill {
                    let fg = &e.attrs["fill"];
                    let ratio = contrast(bg, fg);
                    assert!(ratio >= 4.5, "text {fg} on cell {bg}: {ratio:.2}:1");
                    if bg == "#f2f2f2" {
                        uncovered += 1;
                    }
                }
            }
            "/g" => fill = None,
            _ => {}
        }
    }
    assert!(cells > 200, "{cells} cells");
    assert!(uncovered > 200, "{uncovered} uncovered cell texts checked");
    assert!(!bars.is_empty(), "no sub-technique bar drawn");

    // the legend: everything after the "(log scale):" label
    let legend_at = svg.find("(log scale):").expect("legend label");
    let legend = elements(&svg[legend_at..]);
    let legend_fills: BTreeSet<String> = legend
        .iter()
        .filter(|e| e.name == "rect")
        .filter_map(|e| e.attrs.get("fill").cloned())
        .collect();
    for bar in &bars {
        assert!(
            legend_fills.contains(bar),
            "bar colour {bar} not in the legend {legend_fills:?}"
        );
    }
    // the legend's swatches are readable too
    let mut swatch: Option<String> = None;
    for e in &legend {
        match e.name.as_str() {
            "rect" if e.attrs.get("height").map(String::as_str) == Some("16") => {
                swatch = e.attrs.get("fill").cloned();
            }
            "text" if e.attrs.get("text-anchor").map(String::as_str) == Some("middle") => {
                let bg = swatch.take().expect("a swatch before its number");
                let ratio = contrast(&bg, &e.attrs["fill"]);
                assert!(ratio >= 4.5, "legend {bg}: {ratio:.2}:1");
            }
            _ => {}
        }
    }

    // packed columns: no column ends more than a header and two cells (100 px) above the tallest
    let mut bottoms: BTreeMap<u64, f64> = BTreeMap::new();
    for e in els
        .iter()
        .filter(|e| e.name == "rect" && e.attrs.get("width").map(String::as_str) == Some("150"))
    {
        let b = bottoms.entry(num(e, "x") as u64).or_default();
        *b = b.max(num(e, "y") + num(e, "height"));
    }
    let tallest = bottoms.values().copied().fold(0.0, f64::max);
    let tactics = els
        .iter()
        .filter(|e| e.name == "g" && e.attrs.contains_key("id"))
        .count();
    assert_eq!(bottoms.len(), tactics, "as many columns as tactics");
    for (x, bottom) in &bottoms {
        assert!(
            tallest - bottom <= 100.0,
            "column at x={x} leaves {} px empty under it",
            tallest - bottom
        );
    }
    // and the picture ends under the grid: legend and footer only
    let height = svg
        .split("height=\"")
        .nth(1)
        .and_then(|h| h.split('"').next())
        .and_then(|h| h.parse::<f64>().ok())
        .expect("svg height");
    assert!(
        height - tallest <= 80.0,
        "{height} vs grid bottom {tallest}"
    );
}

// ---- platforms, most and least covered ----------------------------------------------------------

fn stats_json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["coverage", "stats", "rules", "--format", "json"];
    args.extend_from_slice(extra);
    let o = run_in(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    serde_json::from_slice(&o.stdout).expect("stats JSON")
}

fn platform<'a>(stats: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    stats["platforms"]
        .as_array()
        .expect("platforms")
        .iter()
        .find(|p| p["platform"] == name)
        .unwrap_or_else(|| panic!("no platform {name}"))
}

#[test]
fn platform_coverage_counts_the_rules_logsource_products() {
    let dir = repo(&[
        ("rules/proc_creation_win_certutil_download.yml", RULE),
        ("rules/aws_console_login_without_mfa.yml", AWS_RULE),
    ]);
    let stats = stats_json(dir.path(), &[]);
    // T1105 lists macOS and Linux too, T1078.004 lists Identity Provider, SaaS, …: neither rule
    // watches macOS or Linux
    for name in ["macOS", "Linux", "ESXi", "Network Devices"] {
        let p = platform(&stats, name);
        assert_eq!(
            (p["techniques_covered"].as_u64(), p["rules"].as_u64()),
            (Some(0), Some(0)),
            "{name}: {p}"
        );
    }
    for name in ["Windows", "IaaS"] {
        let p = platform(&stats, name);
        assert_eq!(
            (p["techniques_covered"].as_u64(), p["rules"].as_u64()),
            (Some(1), Some(1)),
            "{name}: {p}"
        );
    }
    // the same numbers in the report a local `run` writes
    let o = run_in(dir.path(), &["run", "--targets", "es-qs"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    let report = read(dir.path(), "sigmaforge-out/report.md");
    assert!(report.contains("| macOS | 0/"), "{report}");
    assert!(report.contains("| Windows | 1/"), "{report}");
}

fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn most_and_least_covered_never_list_the_same_technique() {
    let (p1, p2) = (powershell_rule(1), powershell_rule(2));
    let dir = repo(&[
        ("rules/proc_creation_win_certutil_download.yml", RULE),
        ("rules/proc_creation_win_powershell_1.yml", &p1),
        ("rules/proc_creation_win_powershell_2.yml", &p2),
    ]);
    // two techniques covered, lists of ten: "most" has both, "least" none
    let stats = stats_json(dir.path(), &[]);
    assert_eq!(ids(&stats["most_covered"]), ["T1059.001", "T1105"]);
    assert!(ids(&stats["least_covered"]).is_empty(), "{stats}");
    // lists of one: one each, different
    let stats = stats_json(dir.path(), &["--top", "1"]);
    assert_eq!(ids(&stats["most_covered"]), ["T1059.001"]);
    assert_eq!(ids(&stats["least_covered"]), ["T1105"]);
    // the Markdown a user reads
    let o = run_in(dir.path(), &["coverage", "stats", "rules"]);
    let md = text(&o.stdout);
    assert!(md.contains("**Most covered:** T1059.001"), "{md}");
    assert!(!md.contains("Least covered"), "{md}");
}

// ---- documents and rules ------------------------------------------------------------------------

const CORRELATION: &str = "title: Many Certutil Downloads
id: 7f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e
status: test
correlation:
    type: event_count
    rules:
        - 5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e
    group-by:
        - Computer
    timespan: 1h
    condition:
        gte: 10
level: high
";

const FILTER: &str = "title: Exclude Build Servers
id: 8f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e
description: Build servers download with certutil.
author: Test
date: 2024-01-01
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e
    selection:
        ComputerName|startswith: 'BUILD-'
    condition: not selection
";

#[test]
fn documents_and_rules_are_counted_in_one_wording_everywhere() {
    let dir = repo(&[
        ("rules/proc_creation_win_certutil_download.yml", RULE),
        ("rules/correlation_certutil_many_downloads.yml", CORRELATION),
        ("rules/filters/filter_build_servers.yml", FILTER),
    ]);
    let counts = "3 document(s) (1 rule(s), 1 correlation(s), 1 filter(s))";
    let mut seen = String::new();
    for format in ["text", "github"] {
        let o = run_in(dir.path(), &["check", "rules", "--format", format]);
        let all = text(&o.stdout) + &text(&o.stderr);
        assert!(all.contains(counts), "check --format {format}: {all}");
        seen.push_str(&all);
    }
    let o = run_in(dir.path(), &["run", "--targets", "es-qs"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    let all = text(&o.stdout) + &text(&o.stderr);
    assert!(all.contains(counts), "run: {all}");
    seen.push_str(&all);
    // the Markdown report is the step summary and the PR comment body
    let report = read(dir.path(), "sigmaforge-out/report.md");
    assert!(
        report.starts_with(&format!("## ✅ sigmaforge: {counts}, 0 error(s)")),
        "{report}"
    );
    // coverage counts detection rules only, and says so
    assert!(
        report.contains("1 of 1 rule(s) with techniques"),
        "{report}"
    );
    seen.push_str(&report);
    // the action's outputs: `rules` counts detection rules, `documents` all three
    let outputs = dir.path().join("outputs.txt");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sigmaforge"))
        .current_dir(dir.path())
        .args(["run", "--targets", "es-qs"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .expect("sigmaforge runs");
    assert_eq!(o.status.code(), Some(0), "{:?}", outcome(&o));
    let all = text(&o.stdout) + &text(&o.stderr);
    assert!(all.contains(counts), "run in Actions: {all}");
    seen.push_str(&all);
    let outputs = std::fs::read_to_string(&outputs).expect("outputs written");
    let value = |key: &str| {
        let mut lines = outputs.lines();
        lines.find(|l| l.starts_with(&format!("{key}<<")))?;
        lines.next().map(str::to_string)
    };
    assert_eq!(value("rules").as_deref(), Some("1"), "{outputs}");
    assert_eq!(value("documents").as_deref(), Some("3"), "{outputs}");
    for vague in ["rule document", "parsed:", "scanned)"] {
        assert!(!seen.contains(vague), "`{vague}` in:\n{seen}");
    }
}

// ---- locations ----------------------------------------------------------------------------------

/// Problems that each report a location: paths ending in `.yml`/`.json` and `line N column M`.
fn location_twice(line: &str) -> Option<String> {
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == '`' || c == ',' || c == '=')
        .collect();
    let mut paths: BTreeMap<String, usize> = BTreeMap::new();
    for w in &words {
        let w = w.trim_matches(|c: char| c == '\'' || c == '"' || c == '(' || c == ')');
        let path = w.split(':').next().unwrap_or(w);
        if path.ends_with(".yml") || path.ends_with(".yaml") || path.ends_with(".json") {
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            *paths.entry(name).or_default() += 1;
        }
    }
    if let Some((p, _)) = paths.iter().find(|(_, n)| **n > 1) {
        return Some(format!("path {p} twice"));
    }
    let has_prefix = words.iter().any(|w| {
        let parts: Vec<&str> = w.split(':').collect();
        parts.len() >= 3 && parts[1].parse::<u32>().is_ok()
    });
    if has_prefix && line.contains(" at line ") && line.contains(" column ") {
        return Some("a path:line prefix and `at line`".into());
    }
    // the same `: `-separated segment twice (a cause printed in its message and again after it)
    let segments: Vec<&str> = line.split(": ").filter(|s| s.len() > 8).collect();
    for (i, s) in segments.iter().enumerate() {
        if segments[i + 1..].contains(s) {
            return Some(format!("`{s}` twice"));
        }
    }
    None
}

fn assert_each_location_once(what: &str, dir: &Path, args: &[&str]) -> String {
    let o = run_in(dir, args);
    let all = text(&o.stdout) + &text(&o.stderr);
    for line in all.lines() {
        if let Some(why) = location_twice(line) {
            panic!("{what}: {why}:\n{line}\n\nall output:\n{all}");
        }
    }
    all
}

#[test]
fn no_message_prints_its_location_twice() {
    // the checker itself catches what it must
    assert!(location_twice("rules/x.yml:3: rules/x.yml:3: bad").is_some());
    assert!(location_twice(".sigmaforge.yml:2:1: unknown field `x` at line 2 column 1").is_some());
    assert!(location_twice("a.json: cannot read it: No such file: No such file").is_some());
    assert!(location_twice("rules/x.yml:3:1: error[SF030]: unknown modifier `x`").is_none());

    let bad_modifier = RULE.replace("Image|endswith", "Image|endswithx");
    let bad_reference = CORRELATION.replace(
        "        - 5f2a1ac4-9a8e-4b8b-9c46-1a1f0d1c2b3e\n",
        "        - does-not-exist\n",
    );
    let dir = repo(&[
        (
            "rules/bad_yaml.yml",
            "title: Bad\ndetection:\n  sel: [a, b\n  condition: sel\n",
        ),
        ("rules/dup_key.yml", "title: a\ntitle: b\n"),
        ("rules/proc_creation_win_bad_modifier.yml", &bad_modifier),
        ("rules/correlation_bad_reference.yml", &bad_reference),
        (
            "mapping/bad_map.yml",
            "title: x\nfieldmappings:\n  Image: [a\n",
        ),
        ("attack.json", "{\n"),
    ]);
    let d = dir.path();
    let out = assert_each_location_once("check", d, &["check", "rules"]);
    assert!(out.contains("unknown modifier"), "{out}");
    assert_each_location_once("check github", d, &["check", "rules", "--format", "github"]);
    assert_each_location_once("convert", d, &["convert", "-t", "es-qs", "rules"]);
    let out = assert_each_location_once(
        "convert with a bad mapping config",
        d,
        &[
            "convert",
            "-t",
            "es-qs",
            "-c",
            "mapping/bad_map.yml",
            "rules",
        ],
    );
    assert!(out.contains("bad_map.yml:"), "{out}");
    assert_each_location_once("run", d, &["run", "--targets", "es-qs"]);
    let out = assert_each_location_once(
        "layer with bad ATT&CK data",
        d,
        &[
            "layer",
            "rules",
            "-o",
            "l.json",
            "--attack-data",
            "attack.json",
        ],
    );
    assert!(out.contains("attack.json"), "{out}");
    assert_each_location_once(
        "layer with missing ATT&CK data",
        d,
        &[
            "layer",
            "rules",
            "-o",
            "l.json",
            "--attack-data",
            "none.json",
        ],
    );

    // unknown fields in .sigmaforge.yml, at the top and in `validation:`
    for config in [
        "rules: [rules]\nbogus_key: 1\n",
        "rules: [rules]\nvalidation:\n  bogus: 1\n",
        "rules: [rules]\nfail-level: bogus\n",
        "rules: [rules]\ntargets:\n  - name: es-qs\n    configs: [mapping/bad_map.yml]\n",
    ] {
        std::fs::write(d.join(".sigmaforge.yml"), config).unwrap();
        let out = assert_each_location_once(config, d, &["check", "rules"]);
        assert!(out.contains("error"), "{config}: {out}");
        assert_each_location_once(config, d, &["run"]);
    }
}
