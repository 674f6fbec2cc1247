//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`): one run, the driver's
//! rules carry help text, each result points at a region in a repository-relative file.

use crate::diag::{Diagnostic, Severity};
use crate::validate::registry::CodeDoc;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The SARIF schema URI GitHub expects.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Turns a report path into a SARIF artifact URI: relative paths stay relative (GitHub resolves them
/// against the repository root), absolute ones become `file://` URIs; unsafe characters are escaped.
fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for c in path.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    out
}

fn help(d: &CodeDoc) -> (String, String) {
    let mut text = format!("{} ({}, default severity {}).", d.doc, d.origin, d.severity);
    let mut md = format!(
        "**{}** `{}`: {}\n\nOrigin: {}; default severity: {}.",
        d.code, d.name, d.doc, d.origin, d.severity
    );
    if !d.pysigma.is_empty() {
        let names = d.pysigma.join(", ");
        text.push_str(&format!(" pySigma equivalent: {names}."));
        md.push_str(&format!(
            "\n\npySigma equivalent: `{}`.",
            d.pysigma.join("`, `")
        ));
    }
    text.push_str(" Configure it in .sigmaforge.yml (validation: disable/severity/exclusions) by code or name.");
    md.push_str("\n\nConfigure it in `.sigmaforge.yml` under `validation:` (`disable`, `severity`, `exclusions`) by code or name.");
    (text, md)
}

/// Renders a SARIF log. `catalogue` documents every code (all of them become driver rules so rule
/// indices are stable across runs); unknown codes in `diags` are added with their own id.
pub fn render(
    diags: &[Diagnostic],
    catalogue: &[CodeDoc],
    version: &str,
) -> Result<String, serde_json::Error> {
    let mut docs: BTreeMap<&str, &CodeDoc> =
        catalogue.iter().map(|d| (d.code.as_str(), d)).collect();
    let extra: Vec<CodeDoc> = diags
        .iter()
        .filter(|d| !docs.contains_key(d.code.as_str()))
        .map(|d| CodeDoc {
            code: d.code.clone(),
            name: d.code.to_lowercase(),
            severity: d.severity,
            doc: format!("Finding {}.", d.code),
            origin: "external".into(),
            pysigma: vec![],
        })
        .collect();
    for e in &extra {
        docs.entry(e.code.as_str()).or_insert(e);
    }
    let index: BTreeMap<&str, usize> = docs.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = docs
        .values()
        .map(|d| {
            let (text, md) = help(d);
            json!({
                "id": d.code,
                "name": d.name,
                "shortDescription": {"text": d.doc},
                "fullDescription": {"text": d.doc},
                "help": {"text": text, "markdown": md},
                "defaultConfiguration": {"level": level(d.severity)},
                "properties": {"tags": [d.origin]}
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            json!({
                "ruleId": d.code,
                "ruleIndex": index.get(d.code.as_str()).copied().unwrap_or(0),
                "level": level(d.severity),
                "message": {"text": d.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&d.path)},
                        "region": {"startLine": d.line.max(1), "startColumn": d.col.max(1)}
                    }
                }]
            })
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sigmaforge",
                "semanticVersion": version,
                "informationUri": "https://github.com/sigmaforge/sigmaforge",
                "rules": rules
            }},
            "automationDetails": {"id": "sigmaforge/check/"},
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    });
    let mut s = serde_json::to_string_pretty(&log)?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(uri("rules/a b.yml"), "rules/a%20b.yml");
        assert_eq!(uri("/abs/x.yml"), "file:///abs/x.yml");
    }
}
