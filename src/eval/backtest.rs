//! Backtests: every rule of a scan over event files (`sigmaforge test --events`), reported with the
//! 0-based line on which each matching event starts in its file, which for NDJSON is the event's
//! line number.
//!
//! The events are streamed: a reader thread parses them in chunks of [`CHUNK`] (a bounded channel
//! holds at most two chunks ahead), each chunk is evaluated in parallel over its events, and the hits
//! are merged in event order, so memory does not grow with the number of events (only the hit lists
//! do) and the output does not depend on thread scheduling.

use super::event::{self, EventError};
use super::options::EvalOptions;
use super::reader::EventReader;
use super::ruleset::{Report, RuleSet};
use super::stream::StreamState;
use super::suite::is_event_file;
use crate::scan::Scan;
use rayon::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Events per chunk: large enough to keep every core busy, small enough to stay a few megabytes.
pub const CHUNK: usize = 2048;

/// One event of a chunk: its value (Windows event JSON flattened), its 0-based line, its file.
struct Item {
    value: Value,
    line: usize,
    file: usize,
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

/// The event files of the paths: each path is a file (any name) or a folder searched for `.json`,
/// `.ndjson` and `.jsonl` files in path order.
pub fn event_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, EventError> {
    let mut files = Vec::new();
    for p in paths {
        walk(p, &mut files)?;
    }
    Ok(files)
}

/// Reads the files' events in order on a separate thread, sending chunks of [`CHUNK`] events; stops
/// at the first error (sent) or when the receiver is gone.
fn produce(
    files: &[PathBuf],
    max_bytes: u64,
    tx: &std::sync::mpsc::SyncSender<Result<Vec<Item>, EventError>>,
) {
    let mut chunk = Vec::with_capacity(CHUNK);
    for (file, f) in files.iter().enumerate() {
        let reader = match EventReader::open(f, max_bytes) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        for e in reader {
            match e {
                Ok(e) => chunk.push(Item {
                    value: event::flatten_windows_event(e.value),
                    line: e.line.saturating_sub(1),
                    file,
                }),
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
            if chunk.len() == CHUNK
                && tx
                    .send(Ok(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))))
                    .is_err()
            {
                return;
            }
        }
    }
    if !chunk.is_empty() {
        let _ = tx.send(Ok(chunk));
    }
}

/// Evaluates the scan on the events of the paths (files or folders, see [`event_files`]), streamed
/// as one sequence in file order (for correlations). Each rule's `matches` are the 0-based lines
/// where its matching events start; with more than one file, `match_files` says which file (an
/// index into `summary.files`) each match is in. NDJSON is read line by line (`max_bytes` bounds one
/// event); a JSON array file is read whole (`max_bytes` bounds the file).
pub fn backtest(
    scan: &Scan,
    paths: &[PathBuf],
    opts: &EvalOptions,
    max_bytes: u64,
) -> Result<Report, EventError> {
    let files = event_files(paths)?;
    let compiled = RuleSet::compile(scan, opts);
    let set = &compiled;
    let mut state = StreamState::new(set, scan, opts);
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let files = &files;
        s.spawn(move || produce(files, max_bytes, &tx));
        for chunk in rx {
            let chunk = chunk?;
            // Events in parallel, a few dozen per task so each task reuses its probes.
            let matched: Vec<Vec<usize>> = chunk
                .par_chunks(32)
                .flat_map_iter(|part| {
                    let mut probes = set.probes();
                    part.iter()
                        .map(move |e| set.matching_with(&e.value, &mut probes))
                })
                .collect();
            for (e, m) in chunk.iter().zip(&matched) {
                state.push(&e.value, m, e.line, e.file);
            }
        }
        Ok::<(), EventError>(())
    })?;
    Ok(state.finish(
        files
            .iter()
            .map(|f| crate::discover::display_path(f))
            .collect(),
    ))
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
        let opts = EvalOptions::default();
        let report = backtest(&scan, &[ev.join("a.ndjson")], &opts, 1 << 20).unwrap();
        assert_eq!(report.rules[0].matches, vec![0, 4]);
        assert!(report.rules[0].match_files.is_empty());
        assert!(report.summary.files.is_empty());
        let both = event_files(std::slice::from_ref(&ev)).unwrap();
        assert_eq!(both.len(), 2, "the .txt file is not read from a folder");
        let report = backtest(&scan, std::slice::from_ref(&ev), &opts, 1 << 20).unwrap();
        assert_eq!(report.rules[0].matches, vec![0, 4, 0]);
        assert_eq!(report.rules[0].match_files, vec![0, 0, 1]);
        assert_eq!(report.summary.events, 4);
        assert_eq!(report.summary.files.len(), 2);
    }

    #[test]
    fn streaming_agrees_with_batch_over_many_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let rules = "title: Whoami\nid: 44444444-4444-4444-8444-444444444444\nname: whoami\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n---\ntitle: Many whoami\nid: 55555555-5555-4555-8555-555555555555\ncorrelation:\n    type: event_count\n    rules:\n        - whoami\n    group-by:\n        - User\n    timespan: 30s\n    condition:\n        gte: 3\n";
        std::fs::write(dir.path().join("r.yml"), rules).unwrap();
        let mut text = String::new();
        for i in 0..(3 * CHUNK + 17) {
            let image = if i % 7 == 0 || i % 11 == 0 {
                r"C:\\W\\whoami.exe"
            } else {
                r"C:\\W\\cmd.exe"
            };
            text.push_str(&format!(
                "{{\"@timestamp\": {}, \"Image\": \"{image}\", \"User\": \"u{}\"}}\n",
                1_767_225_600_000i64 + i as i64 * 700,
                i % 2
            ));
        }
        let ev = dir.path().join("ev.ndjson");
        std::fs::write(&ev, &text).unwrap();
        let scan = crate::scan::scan(&[dir.path().join("r.yml")]).unwrap();
        let opts = EvalOptions::default();
        let streamed = backtest(&scan, std::slice::from_ref(&ev), &opts, 1 << 20).unwrap();
        let events = event::parse_events("ev.ndjson", &text).unwrap();
        let batch = crate::eval::evaluate(&scan, &events, &opts);
        assert_eq!(streamed, batch, "no blank lines: lines are event indices");
        assert!(streamed.rules[0].matches.len() > 1000);
        assert!(!streamed.rules[1].matches.is_empty());

        // A bad line after the first chunks: the error names it.
        text.push_str("{\"Image\": }\n");
        std::fs::write(&ev, &text).unwrap();
        let e = backtest(&scan, &[ev], &opts, 1 << 20).unwrap_err();
        assert!(
            e.to_string()
                .contains(&format!("ev.ndjson:{}:", 3 * CHUNK + 18)),
            "{e}"
        );
    }
}
