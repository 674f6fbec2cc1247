//! Insta snapshots of representative es-qs outputs (review the .snap files when they change).

use std::fmt::Write;
use std::path::PathBuf;

use sigmaforge::mapping::ConfigSet;
use sigmaforge::render::es_qs::EsQs;

fn render(paths: &[PathBuf], config: &[&str]) -> String {
    let scan = sigmaforge::scan::scan(paths).unwrap();
    let set = ConfigSet::load(config).unwrap();
    let mut out = String::new();
    for o in sigmaforge::render::convert::convert(
        &scan,
        &set,
        &sigmaforge::attack::AttackData::embedded(),
        &[&EsQs::default()],
    ) {
        let name = o.path.rsplit('/').next().unwrap_or_default();
        let _ = writeln!(out, "{name} [{:?}]", o.status);
        if let Some(q) = &o.output {
            let _ = writeln!(out, "  {}", q.replace('\n', "\\n").replace('\t', "\\t"));
        }
        if let Some(r) = &o.reason {
            let _ = writeln!(out, "  reason: {r}");
        }
        if !o.overrides.is_empty() {
            let _ = writeln!(out, "  overrides: {}", o.overrides.join(", "));
        }
    }
    out
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn golden_rules_with_ecs_cloudtrail() {
    let Some(s) = crate::util::present(crate::util::shared()) else {
        return;
    };
    let dir = s.join("legacy/golden/rules");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().contains("g12"))
        .collect();
    paths.sort();
    insta::assert_snapshot!(render(&paths, &["ecs-cloudtrail"]));
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn windows_rules_with_ecs_windows() {
    let Some(s) = crate::util::present(crate::util::shared()) else {
        return;
    };
    let rules = s.join("corpus/sigmahq/rules/windows");
    let paths: Vec<PathBuf> = [
        "process_creation/proc_creation_win_whoami_all_execution.yml",
        "builtin/security/win_security_audit_log_cleared.yml",
        "process_creation/proc_creation_win_powershell_run_script_from_input_stream.yml",
        "network_connection/net_connection_win_domain_dropbox_api.yml",
        "process_creation/proc_creation_win_dllhost_no_cli_execution.yml",
    ]
    .iter()
    .map(|p| rules.join(p))
    .collect();
    let mut paths = paths;
    paths.push(s.join("legacy/golden/rules/g12_win_renamed_createdump.yml"));
    insta::assert_snapshot!(render(&paths, &["ecs-windows"]));
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared")]
fn jsonl_outcomes() {
    let Some(s) = crate::util::present(crate::util::shared()) else {
        return;
    };
    let g = s.join("legacy/golden/rules");
    let scan = sigmaforge::scan::scan(&[
        g.join("g01_aws_ec2_vm_export_failure_2020.yml"),
        g.join("g08_aws_enum_listing.yml"),
    ])
    .unwrap();
    let set = ConfigSet::load(&["ecs-cloudtrail"]).unwrap();
    let lines: Vec<String> = sigmaforge::render::convert::convert(
        &scan,
        &set,
        &sigmaforge::attack::AttackData::embedded(),
        &[&EsQs::default()],
    )
    .iter()
    .map(|o| {
        let mut o = o.clone();
        o.path = o.path.rsplit('/').next().unwrap_or_default().to_string();
        serde_json::to_string(&o).unwrap()
    })
    .collect();
    insta::assert_snapshot!(lines.join("\n"));
}
