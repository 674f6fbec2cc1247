//! JUnit XML, for CI systems that show test reports: one test suite per finding code (as sigma-cli's
//! `--junitxml` groups by issue class), one failing test case per finding, and a suite of passing
//! cases for the files without findings so totals add up.

use crate::diag::Diagnostic;
use crate::validate::registry::CodeDoc;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Escapes text for XML attributes and content, dropping characters XML 1.0 cannot carry.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Renders the report; `files` lists every checked file so clean files appear as passing cases.
pub fn render(diags: &[Diagnostic], files: &[String], catalogue: &[CodeDoc]) -> String {
    let names: BTreeMap<&str, &str> = catalogue
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let mut by_code: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diags {
        by_code.entry(d.code.as_str()).or_default().push(d);
    }
    let dirty: BTreeSet<&str> = diags.iter().map(|d| d.path.as_str()).collect();
    let clean: Vec<&String> = files
        .iter()
        .filter(|f| !dirty.contains(f.as_str()))
        .collect();
    let tests = diags.len() + clean.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"sigmaforge check\" tests=\"{tests}\" failures=\"{}\">",
        diags.len()
    );
    for (code, found) in &by_code {
        let name = names.get(code).copied().unwrap_or("");
        let _ = writeln!(
            out,
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\">",
            esc(code),
            esc(name),
            found.len(),
            found.len()
        );
        for d in found {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{}:{}:{}\" file=\"{}\" line=\"{}\">",
                esc(code),
                esc(&d.path),
                d.line,
                d.col,
                esc(&d.path),
                d.line
            );
            let _ = writeln!(
                out,
                "      <failure message=\"{}: {}\" type=\"{}\">{}:{}:{}: {}</failure>",
                esc(code),
                d.severity,
                d.severity,
                esc(&d.path),
                d.line,
                d.col,
                esc(&d.message)
            );
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    let _ = writeln!(
        out,
        "  <testsuite name=\"clean files\" tests=\"{}\" failures=\"0\">",
        clean.len()
    );
    for f in clean {
        let _ = writeln!(
            out,
            "    <testcase classname=\"sigmaforge\" name=\"{}\" file=\"{}\"/>",
            esc(f),
            esc(f)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(esc("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
