//! Backtests: every rule of a scan over event files (`sigmaforge test --events`), reported with the
//! 0-based line on which each matching event starts in its file, which for NDJSON is the event's
//! line number.

use super::event::{self, Event, EventError};
use super::options::EvalOptions;
use super::ruleset::{Report, RuleSet};
use super::suite::is_event_file;
use crate::scan::Scan;
use std::path::{Path, PathBuf};

/// The events of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFile {
    /// Path as shown in reports.
    pub path: String,
    /// Its events, Windows event JSON flattened.
    pub events: Vec<Event>,
}

fn walk(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), EventError> {
    let io = |source| EventError::Io {
        path: p.display().to_string(),
        source,
    };
    if !p.is_dir() {
        out.push(p.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for e in entries {
        if e.is_dir() || is_event_file(&e) {
            walk(&e, out)?;
        }
    }
    Ok(())
}

/// Reads event files: each path is a file (any name) or a folder searched for `.json`, `.ndjson` and
/// `.jsonl` files in path order. Files over `max_bytes` are refused.
pub fn read_event_paths(paths: &[PathBuf], max_bytes: u64) -> Result<Vec<EventFile>, EventError> {
    let mut files = Vec::new();
    for p in paths {
        walk(p, &mut files)?;
    }
    files
        .iter()
        .map(|f| {
            let events = event::read_events(f, max_bytes)?
                .into_iter()
                .map(|e| Event {
                    value: event::flatten_windows_event(e.value),
                    line: e.line,
                })
                .collect();
            Ok(EventFile {
                path: crate::discover::display_path(f),
                events,
            })
        })
        .collect()
}

/// Evaluates the scan on the files' events (one stream, in file order, for correlations). Each
/// rule's `matches` become the 0-based lines where its matching events start; with more than one
/// file, `match_files` says which file (an index into `summary.files`) each match is in.
pub fn backtest(scan: &Scan, files: &[EventFile], opts: &EvalOptions) -> Report {
    let mut origin = Vec::new();
    let mut events = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for e in &f.events {
            origin.push((fi, e.line.saturating_sub(1)));
            events.push(e.clone());
        }
    }
    let mut report = RuleSet::compile(scan, opts).evaluate(scan, &events, opts);
    let several = files.len() > 1;
    for r in &mut report.rules {
        if several {
            r.match_files = r.matches.iter().map(|&i| origin[i].0).collect();
        }
        r.matches = r.matches.iter().map(|&i| origin[i].1).collect();
    }
    if several {
        report.summary.files = files.iter().map(|f| f.path.clone()).collect();
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_line_numbers_and_files_are_named_when_several() {
        let dir = tempfile::tempdir().unwrap();
        let rule = "title: Whoami\nid: 44444444-4444-4444-8444-444444444444\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n";
        std::fs::write(dir.path().join("r.yml"), rule).unwrap();
        let ev = dir.path().join("ev");
        std::fs::create_dir(&ev).unwrap();
        // Blank lines shift NDJSON line numbers away from event indices.
        std::fs::write(
            ev.join("a.ndjson"),
            "{\"Image\": \"C:\\\\whoami.exe\"}\n\n{\"Image\": \"x\"}\n\n{\"Image\": \"C:\\\\WHOAMI.exe\"}\n",
        )
        .unwrap();
        std::fs::write(ev.join("b.json"), "[{\"Image\": \"y\\\\whoami.exe\"}]").unwrap();
        std::fs::write(ev.join("notes.txt"), "not events").unwrap();
        let scan = crate::scan::scan(&[dir.path().join("r.yml")]).unwrap();
        let one = read_event_paths(&[ev.join("a.ndjson")], 1 << 20).unwrap();
        let report = backtest(&scan, &one, &EvalOptions::default());
        assert_eq!(report.rules[0].matches, vec![0, 4]);
        assert!(report.rules[0].match_files.is_empty());
        assert!(report.summary.files.is_empty());
        let both = read_event_paths(std::slice::from_ref(&ev), 1 << 20).unwrap();
        assert_eq!(both.len(), 2, "the .txt file is not read from a folder");
        let report = backtest(&scan, &both, &EvalOptions::default());
        assert_eq!(report.rules[0].matches, vec![0, 4, 0]);
        assert_eq!(report.rules[0].match_files, vec![0, 0, 1]);
        assert_eq!(report.summary.events, 4);
        assert_eq!(report.summary.files.len(), 2);
    }
}
