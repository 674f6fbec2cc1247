//! Snapshots of every Elastic target on representative SigmaHQ rules (process creation with
//! windash, a security-log rule with `1 of`, a regex rule, keywords, an informational rule, a
//! CloudTrail rule under its own config) and on `examples/rules` when present. Review `.snap` diffs:
//! they are the artifacts users import.

use std::path::Path;

use sigmaforge::mapping::ConfigSet;
use sigmaforge::render::{self as target, Status};

const RULES: &[(&str, &str)] = &[
    (
        "ecs-windows",
        "corpus/sigmahq/rules/windows/process_creation/proc_creation_win_whoami_all_execution.yml",
    ),
    (
        "ecs-windows",
        "corpus/sigmahq/rules/windows/builtin/security/win_security_audit_log_cleared.yml",
    ),
    (
        "ecs-windows",
        "corpus/sigmahq/rules/windows/process_creation/proc_creation_win_susp_network_command.yml",
    ),
    (
        "ecs-windows",
        "corpus/sigmahq/rules/windows/pipe_created/pipe_created_powershell_execution_pipe.yml",
    ),
    (
        "ecs-linux",
        "corpus/sigmahq/rules/linux/builtin/lnx_shell_clear_cmd_history.yml",
    ),
    (
        "ecs-cloudtrail",
        "legacy/golden/rules/g03_aws_cloudtrail_disable_logging.yml",
    ),
];

fn snapshot_dir(name: &str) -> String {
    name.rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_end_matches(".yml")
        .to_string()
}

fn render_all(config: &str, path: &Path) -> String {
    let scan = sigmaforge::scan::scan(&[path.to_path_buf()]).expect("scan");
    let set = ConfigSet::load(&[config]).expect("config");
    let all = target::targets();
    let mut out = String::new();
    for o in sigmaforge::render::convert::convert(
        &scan,
        &set,
        &sigmaforge::attack::AttackData::embedded(),
        &all,
    ) {
        if o.target == "es-qs" {
            continue;
        }
        out.push_str(&format!("===== {} ({:?})\n", o.target, o.status));
        match o.status {
            Status::Converted => out.push_str(o.output.as_deref().unwrap_or_default()),
            _ => out.push_str(o.reason.as_deref().unwrap_or_default()),
        }
        out.push('\n');
    }
    out
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn representative_rules() {
    // Relative to the crate root (cargo's working directory for tests), so the file paths recorded
    // in the artifacts are the same on every machine.
    let shared = Path::new("../shared");
    if !Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .is_dir()
    {
        println!("skipped: ../shared is not present");
        return;
    }
    for (config, rel) in RULES {
        let text = render_all(config, &shared.join(rel));
        insta::assert_snapshot!(snapshot_dir(rel), text);
    }
}

/// Every example rule through every target, with the config its log source calls for. The whole
/// example repository is scanned so correlations resolve their rules and filters apply.
#[test]
fn example_rules() {
    let dir = Path::new("examples/rules");
    let scan = sigmaforge::scan::scan(&[dir.to_path_buf()]).expect("examples readable");
    assert!(scan.files.len() >= 25, "{} example files", scan.files.len());
    let all = target::targets();
    for config in ["ecs-cloudtrail", "ecs-linux", "ecs-proxy", "ecs-windows"] {
        let set = ConfigSet::load(&[config]).expect("config");
        let outcomes = sigmaforge::render::convert::convert(
            &scan,
            &set,
            &sigmaforge::attack::AttackData::embedded(),
            &all,
        );
        for file in &scan.files {
            let wanted = if file.contains("/cloud/") {
                "ecs-cloudtrail"
            } else if file.contains("/linux/") {
                "ecs-linux"
            } else if file.contains("/network/") {
                "ecs-proxy"
            } else {
                "ecs-windows"
            };
            if wanted != config {
                continue;
            }
            let mut text = String::new();
            for o in outcomes.iter().filter(|o| &o.path == file) {
                text.push_str(&format!("===== {} ({:?})\n", o.target, o.status));
                match o.status {
                    Status::Converted => text.push_str(o.output.as_deref().unwrap_or_default()),
                    _ => text.push_str(o.reason.as_deref().unwrap_or_default()),
                }
                text.push('\n');
            }
            assert!(!text.is_empty(), "{file}: no outcome");
            insta::assert_snapshot!(format!("example_{}", snapshot_dir(file)), text);
        }
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn option_variants() {
    if !Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .is_dir()
    {
        println!("skipped: ../shared is not present");
        return;
    }
    let path = Path::new("../shared").join(RULES[1].1);
    let scan = sigmaforge::scan::scan(&[path]).expect("scan");
    let set = ConfigSet::load(&["ecs-windows"]).expect("config");
    let variants: &[(&str, &[(&str, &str)])] = &[
        ("es-rule", &[("language", "eql"), ("interval", "15")]),
        ("es-rule", &[("language", "esql"), ("enabled", "false")]),
        (
            "xpack-watcher",
            &[("action", "email"), ("email_to", "soc@example.org")],
        ),
        (
            "xpack-watcher",
            &[
                ("action", "webhook"),
                ("webhook_url", "https://hooks.example.org:8443/sigma"),
            ],
        ),
        (
            "elastalert",
            &[
                ("alert", "email"),
                ("email_to", "a@example.org, b@example.org"),
            ],
        ),
        (
            "elastalert",
            &[
                ("alert", "post"),
                ("post_url", "https://hooks.example.org/ea"),
            ],
        ),
    ];
    let mut text = String::new();
    for (name, opts) in variants {
        let opts = opts
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let t = target::configured(name, &opts).expect("valid options");
        for o in sigmaforge::render::convert::convert(
            &scan,
            &set,
            &sigmaforge::attack::AttackData::embedded(),
            &[t.as_ref()],
        ) {
            text.push_str(&format!("===== {name} {opts:?}\n"));
            text.push_str(o.output.as_deref().unwrap_or_default());
            text.push('\n');
        }
    }
    insta::assert_snapshot!("option_variants", text);
}
