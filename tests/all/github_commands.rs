//! Workflow-command output as a runner would read it: snapshot of a realistic annotation
//! batch, and properties of the escaping that keep untrusted text from forging commands.

use proptest::prelude::*;
use sigmaforge::github::commands::{
    escape_data, escape_property, format_output, render_annotations,
};
use sigmaforge::github::{Annotation, AnnotationLevel};

fn finding(
    path: &str,
    line: u32,
    severity: AnnotationLevel,
    title: &str,
    message: &str,
) -> Annotation {
    Annotation {
        path: path.to_string(),
        line: Some(line),
        col: Some(5),
        end_line: None,
        end_col: None,
        severity,
        title: Some(title.to_string()),
        message: message.to_string(),
    }
}

#[test]
fn annotation_batch_snapshot() {
    let mut items = Vec::new();
    for i in 0..12 {
        items.push(finding(
            &format!("rules/windows/proc_creation_{i:02}.yml"),
            9 + i,
            AnnotationLevel::Error,
            "SF101 unknown-modifier",
            "Unknown modifier 'endwith'\n(did you mean 'endswith'?)",
        ));
    }
    items.push(finding(
        "rules/linux/a,b:c.yml",
        3,
        AnnotationLevel::Warning,
        "SF204 yaml-1.1-scalar",
        "`IntegrityLevel: yes` is a boolean in YAML 1.1 (pySigma) but a string here: quote it. 100% sure.",
    ));
    items.push(Annotation {
        path: "rules/cloud/aws_x.yml".into(),
        line: None,
        col: None,
        end_line: None,
        end_col: None,
        severity: AnnotationLevel::Notice,
        title: None,
        message: "Technique T1078 newly covered".into(),
    });
    insta::assert_snapshot!(render_annotations(
        &items,
        "the step summary and the SARIF report"
    ));
}

/// Undo the toolkit escaping (what the runner does when it parses a command).
fn unescape(s: &str) -> String {
    s.replace("%2C", ",")
        .replace("%3A", ":")
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

proptest! {
    #[test]
    fn escaped_properties_cannot_break_out(s in "\\PC*|[%:,\r\n]{0,12}") {
        let e = escape_property(&s);
        prop_assert!(!e.contains([',', ':', '\n', '\r']));
        prop_assert_eq!(unescape(&e), s.clone());
        let d = escape_data(&s);
        prop_assert!(!d.contains(['\n', '\r']));
        prop_assert_eq!(unescape(&d), s);
    }

    #[test]
    fn outputs_round_trip_or_refuse(value in "[a-z\n=<]{0,40}", delim in "[A-Z]{1,3}") {
        match format_output("out", &value, &delim) {
            Ok(entry) => {
                prop_assert!(!value.contains(&delim));
                let body = entry
                    .strip_prefix(&format!("out<<{delim}\n"))
                    .and_then(|rest| rest.strip_suffix(&format!("\n{delim}\n")));
                prop_assert_eq!(body, Some(value.as_str()));
            }
            Err(_) => prop_assert!(value.contains(&delim)),
        }
    }
}
