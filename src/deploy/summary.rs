//! The "deploy plan" section of the pull-request comment, from the JSON `deploy plan --format
//! json` printed (so the comment can show what merging changes in production without the `run`
//! job needing Kibana credentials).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::{DeployError, Result};

/// Most rule ids listed per space and kind; the counts are always complete.
const MAX_IDS: usize = 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpaceLists {
    create: Vec<String>,
    update: Vec<String>,
    unchanged: Vec<String>,
    remove: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    spaces: BTreeMap<String, SpaceLists>,
}

/// Markdown for the PR comment from a plan JSON's text; `source` names the file in errors
/// (`file:line:col: …`).
pub fn plan_markdown(text: &str, source: &str) -> Result<String> {
    let plan: PlanFile = serde_json::from_str(text).map_err(|e| {
        DeployError::Config(format!(
            "{source}:{}:{}: not a deploy plan (the output of `sigmaforge deploy plan --format json`): {e}",
            e.line(),
            e.column()
        ))
    })?;
    let changes: usize = plan
        .spaces
        .values()
        .map(|s| s.create.len() + s.update.len() + s.remove.len())
        .sum();
    let mut md = String::from("\n### Deploy plan\n\n");
    md.push_str(&match changes {
        0 => "Merging this changes no rules in production.\n\n".to_string(),
        1 => "Merging this changes **1** rule in production.\n\n".to_string(),
        n => format!("Merging this changes **{n}** rules in production.\n\n"),
    });
    md.push_str("| Space | Create | Update | Remove | Unchanged |\n|---|---:|---:|---:|---:|\n");
    for (name, s) in &plan.spaces {
        md.push_str(&format!(
            "| `{name}` | {} | {} | {} | {} |\n",
            s.create.len(),
            s.update.len(),
            s.remove.len(),
            s.unchanged.len()
        ));
    }
    for (name, s) in &plan.spaces {
        for (kind, ids) in [
            ("create", &s.create),
            ("update", &s.update),
            ("remove", &s.remove),
        ] {
            if ids.is_empty() {
                continue;
            }
            let shown: Vec<String> = ids.iter().take(MAX_IDS).map(|i| format!("`{i}`")).collect();
            let more = ids.len().saturating_sub(MAX_IDS);
            md.push_str(&format!(
                "\n<details><summary>{name}: {kind} {}</summary>\n\n{}{}\n</details>\n",
                ids.len(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
    }
    Ok(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_changes_over_spaces() {
        let text = r#"{"spaces": {"default": {"create": ["a"], "update": ["b", "c"], "unchanged": ["d"], "remove": []},
                                  "soc": {"create": [], "update": [], "unchanged": [], "remove": ["z"]}}}"#;
        let md = plan_markdown(text, "plan.json").unwrap();
        assert!(
            md.contains("Merging this changes **4** rules in production."),
            "{md}"
        );
        assert!(md.contains("| `default` | 1 | 2 | 0 | 1 |"), "{md}");
        assert!(md.contains("| `soc` | 0 | 0 | 1 | 0 |"), "{md}");
        assert!(
            md.contains("<summary>soc: remove 1</summary>\n\n`z`"),
            "{md}"
        );
        let none = r#"{"spaces": {"default": {"create": [], "update": [], "unchanged": ["d"], "remove": []}}}"#;
        assert!(
            plan_markdown(none, "p")
                .unwrap()
                .contains("changes no rules")
        );
    }

    #[test]
    fn bad_plans_name_file_line_and_column() {
        let err =
            plan_markdown("{\"spaces\": {\"x\": {\"create\": 1}}}", "out/plan.json").unwrap_err();
        assert!(
            err.to_string().starts_with("deploy: out/plan.json:1:"),
            "{err}"
        );
        assert!(plan_markdown("{\"other\": 1}", "p").is_err());
    }
}
