//! Issue 12: every command the README and `docs/*.md` show runs. Fenced `sh` blocks are read, and
//! each line starting with `sigmaforge` or `cargo run … --` runs with the built binary in a
//! temporary folder holding a copy of `examples/` (the README's commands are written from the
//! repository root). A `sigmaforge` command in any other block must be listed in [`NOT_RUN`] with
//! the reason, so no documented command is skipped silently. The docs never point at `../shared`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Commands shown but not runnable on a fresh clone: (start of the command, why).
const NOT_RUN: &[(&str, &str)] = &[
    (
        "sigmaforge test RULES --elastic-view",
        "the Elastic view's synopsis, with placeholders",
    ),
    (
        "sigmaforge test rules rules-emerging-threats rules-threat-hunting --tests regression_data",
        "runs in a checkout of SigmaHQ/sigma, whose regression_data it reads",
    ),
    (
        "sigmaforge test --events EVENTS.ndjson --format json RULE...",
        "the interface's synopsis, with placeholders",
    ),
    (
        "sigmaforge layer rules/ -o layer.json --attack-data enterprise-attack-20.0.json",
        "needs MITRE's STIX bundle, downloaded by the user",
    ),
    (
        "sigmaforge check --validation-config tests/sigma_cli_conf.yml",
        "runs in a checkout of SigmaHQ/sigma (a measurement, not a how-to)",
    ),
    (
        "sigmaforge check --today 2026-08-05 rules rules-compliance",
        "runs in a checkout of SigmaHQ/sigma (a measurement, not a how-to)",
    ),
    (
        "sigmaforge deploy ",
        "needs a live Kibana and its API key (tests/all/deploy_kibana.rs runs it against a stand-in)",
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn docs() -> Vec<(String, String)> {
    let mut files = vec![root().join("README.md")];
    let mut more: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    more.sort();
    files.extend(more);
    files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(root()).unwrap().display().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// `(file, fence language, command)` for every command line in a fenced block (continuation
/// lines ending in `\` joined).
fn commands() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (name, text) in docs() {
        let mut lang: Option<String> = None;
        let mut pending = String::new();
        for line in text.lines() {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("```") {
                lang = match lang {
                    None => Some(rest.trim().to_string()),
                    Some(_) => None,
                };
                continue;
            }
            let Some(l) = &lang else { continue };
            let joined = format!("{pending}{t}");
            if let Some(head) = joined.strip_suffix('\\') {
                pending = format!("{} ", head.trim_end());
                continue;
            }
            pending.clear();
            if joined.starts_with("sigmaforge ") || joined.starts_with("cargo run") {
                out.push((name.clone(), l.clone(), joined));
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn every_documented_command_runs_on_the_examples() {
    let all = commands();
    let mut ran = 0;
    for (file, lang, cmd) in &all {
        // Strip a trailing comment.
        let cmd = cmd.split("  #").next().unwrap().trim();
        if lang != "sh" {
            assert!(
                NOT_RUN.iter().any(|(start, _)| cmd.starts_with(start)),
                "{file}: `{cmd}` is in a ```{lang} block: make it a runnable ```sh block or list it in NOT_RUN"
            );
            continue;
        }
        let args: Vec<&str> = match cmd.strip_prefix("sigmaforge ") {
            Some(rest) => rest.split_whitespace().collect(),
            None => cmd
                .split_once(" -- ")
                .unwrap_or_else(|| panic!("{file}: `{cmd}`: cargo run without `--`"))
                .1
                .split_whitespace()
                .collect(),
        };
        let work = tempfile::tempdir().unwrap();
        copy_dir(&root().join("examples"), &work.path().join("examples"));
        let out = Command::new(env!("CARGO_BIN_EXE_sigmaforge"))
            .current_dir(work.path())
            .args(&args)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_EVENT_NAME")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: `{cmd}` exited {:?}\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 5, "only {ran} documented commands ran: {all:#?}");
}

#[test]
fn docs_point_at_no_reference_data_users_do_not_have_and_no_internal_notes() {
    for (file, text) in docs() {
        for bad in [
            "../shared",
            "`shared/",
            "proposed to the lead",
            "Reported to the",
            "rule-engine owner",
        ] {
            assert!(!text.contains(bad), "{file} contains `{bad}`");
        }
    }
}

#[test]
fn release_is_quick_and_the_shipped_binary_uses_the_dist_profile() {
    let cargo: toml_like::Profiles = toml_like::read(&root().join("Cargo.toml"));
    let release = cargo.get("release").cloned().unwrap_or_default();
    assert!(
        !release
            .iter()
            .any(|(k, _)| k == "lto" || k == "codegen-units"),
        "[profile.release] must stay quick: {release:?}"
    );
    let dist = cargo.get("dist").expect("[profile.dist]");
    for (k, v) in [
        ("inherits", "\"release\""),
        ("lto", "\"thin\""),
        ("codegen-units", "1"),
        ("strip", "true"),
        ("panic", "\"abort\""),
    ] {
        assert!(
            dist.iter().any(|(a, b)| a == k && b == v),
            "dist {k}: {dist:?}"
        );
    }
    let script = std::fs::read_to_string(root().join("scripts/build-musl.sh")).unwrap();
    assert!(script.contains("--profile dist") && script.contains("/dist/sigmaforge"));
    let docker = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(docker.contains("scripts/build-musl.sh") && docker.contains("/dist/sigmaforge"));
}

/// Just enough of Cargo.toml's `[profile.NAME]` tables (`key = value` lines) for the test above,
/// without a TOML dependency.
mod toml_like {
    use std::collections::BTreeMap;
    use std::path::Path;

    pub type Profiles = BTreeMap<String, Vec<(String, String)>>;

    pub fn read(path: &Path) -> Profiles {
        let text = std::fs::read_to_string(path).unwrap();
        let mut out = Profiles::new();
        let mut current: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                current = line
                    .strip_prefix("[profile.")
                    .and_then(|r| r.strip_suffix(']'))
                    .map(String::from);
                continue;
            }
            if let (Some(p), Some((k, v))) = (&current, line.split_once('=')) {
                out.entry(p.clone())
                    .or_default()
                    .push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        out
    }
}

/// Default severity of every parser code and validator, as `sigmaforge list` prints them (the
/// registry itself, not a copy).
fn registry_severities() -> std::collections::BTreeMap<String, String> {
    let line = regex::Regex::new(r"^(S[VF]\d{3})\s+\S+\s+(error|warning|info)\b").unwrap();
    let mut out = std::collections::BTreeMap::new();
    for what in ["validators", "codes"] {
        let o = Command::new(env!("CARGO_BIN_EXE_sigmaforge"))
            .args(["list", what])
            .output()
            .unwrap();
        assert!(o.status.success(), "list {what}");
        for l in String::from_utf8_lossy(&o.stdout).lines() {
            if let Some(c) = line.captures(l) {
                out.insert(c[1].to_string(), c[2].to_string());
            }
        }
    }
    out
}

/// Codes a cell names before any `;` or `(`: `SV401, SV402`, ranges `SV250–SV254`.
fn codes_in(cell: &str) -> Vec<String> {
    let head = cell.split([';', '(']).next().unwrap_or("");
    let code = regex::Regex::new(r"(S[VF])(\d{3})(?:–S[VF](\d{3}))?").unwrap();
    code.captures_iter(head)
        .flat_map(|c| {
            let from: u32 = c[2].parse().unwrap();
            let to: u32 = c.get(3).map_or(from, |m| m.as_str().parse().unwrap());
            let prefix = c[1].to_string();
            (from..=to).map(move |n| format!("{prefix}{n:03}"))
        })
        .collect()
}

#[test]
fn docs_agree_with_the_registry_on_every_severity() {
    let registry = registry_severities();
    assert!(registry.len() > 100, "{registry:?}");
    let inline = regex::Regex::new(r"(S[VF]\d{3}) \([a-z-]+, (error|warning|info)\)").unwrap();
    let one_code = regex::Regex::new(r"^S[VF]\d{3}$").unwrap();
    let pysigma = |s: &str| match s {
        "HIGH" => Some("error"),
        "MEDIUM" => Some("warning"),
        "LOW" => Some("info"),
        _ => None,
    };
    let (mut claims, mut wrong, mut deviations) = (0, Vec::new(), BTreeSet::new());
    let mut exceptions_paragraph = String::new();
    for (file, text) in docs() {
        let mut in_paragraph = false;
        for (n, line) in text.lines().enumerate() {
            let at = format!("{file}:{}", n + 1);
            // the paragraph that states the pySigma rule and its exceptions
            if line.contains("Default severities follow pySigma") {
                in_paragraph = true;
            }
            if in_paragraph {
                if line.trim().is_empty() {
                    in_paragraph = false;
                } else {
                    exceptions_paragraph.push_str(line);
                    exceptions_paragraph.push('\n');
                }
            }
            for c in inline.captures_iter(line) {
                claims += 1;
                if registry.get(&c[1]).map(String::as_str) != Some(&c[2]) {
                    wrong.push(format!(
                        "{at}: {} says {}, registry {:?}",
                        &c[1],
                        &c[2],
                        registry.get(&c[1])
                    ));
                }
            }
            if !line.starts_with('|') {
                continue;
            }
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`'))
                .collect();
            // a row naming one code and one severity: `| SV250 | name | error | … |`
            let codes: Vec<&str> = cells
                .iter()
                .copied()
                .filter(|c| one_code.is_match(c))
                .collect();
            let sevs: Vec<&str> = cells
                .iter()
                .copied()
                .filter(|c| ["error", "warning", "info"].contains(c))
                .collect();
            if codes.len() == 1 && sevs.len() == 1 {
                claims += 1;
                if registry.get(codes[0]).map(String::as_str) != Some(sevs[0]) {
                    wrong.push(format!(
                        "{at}: {} says {}, registry {:?}",
                        codes[0],
                        sevs[0],
                        registry.get(codes[0])
                    ));
                }
            }
            // the pySigma mapping: `| pySigma name | package | HIGH, MEDIUM | SV401, SV402 … |`
            if cells.len() == 4 {
                let expected: Option<Vec<&str>> =
                    cells[2].split(',').map(|s| pysigma(s.trim())).collect();
                if let Some(expected) = expected {
                    for code in codes_in(cells[3]) {
                        claims += 1;
                        let actual = registry
                            .get(&code)
                            .unwrap_or_else(|| panic!("{at}: {code} is not a registered code"));
                        if !expected.contains(&actual.as_str()) {
                            deviations.insert(code);
                        }
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(claims > 100, "only {claims} severity claims found");
    // a deviation from pySigma's severity is fine when the docs say so
    let named: BTreeSet<String> = regex::Regex::new(r"S[VF]\d{3}")
        .unwrap()
        .find_iter(&exceptions_paragraph)
        .map(|m| m.as_str().to_string())
        .collect();
    assert_eq!(
        deviations, named,
        "codes whose severity differs from pySigma's vs the exceptions the docs name:\n{exceptions_paragraph}"
    );
}
