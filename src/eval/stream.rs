//! Backtest state over a stream of events: per document, the lines (and files) of its matches, and
//! each correlation's [`Window`], fed one event at a time in stream order. Nothing else grows with the
//! number of events.

use super::correlation::Window;
use super::options::EvalOptions;
use super::ruleset::{Outcome, Report, RuleSet};
use crate::scan::Scan;
use serde_json::Value;

/// A correlation being evaluated: its entry, its sources' entries (in `rules` order) and its window.
struct Live<'s> {
    entry: usize,
    sources: Vec<usize>,
    window: Window<'s>,
}

/// What a backtest has found so far; [`StreamState::push`] each event with the detection rules it
/// matched, then [`StreamState::finish`].
pub struct StreamState<'r, 's> {
    set: &'r RuleSet<'s>,
    opts: &'r EvalOptions,
    live: Vec<Live<'s>>,
    failed: Vec<(usize, String)>,
    lines: Vec<Vec<usize>>,
    files: Vec<Vec<usize>>,
    fired: Vec<bool>,
    events: usize,
    matching: usize,
}

impl<'r, 's> StreamState<'r, 's> {
    /// Starts a backtest of the rule set (its correlations resolved against `scan`).
    pub fn new(set: &'r RuleSet<'s>, scan: &Scan, opts: &'r EvalOptions) -> Self {
        let mut live = Vec::new();
        let mut failed = Vec::new();
        for (entry, plan) in set.correlation_plan(scan) {
            let Some(c) = set.correlation_at(entry) else {
                continue;
            };
            let planned = plan.and_then(|sources| {
                let names: Vec<Vec<&str>> = sources.iter().map(|(_, n)| n.clone()).collect();
                Window::new(c, &names).map(|window| Live {
                    entry,
                    sources: sources.iter().map(|(j, _)| *j).collect(),
                    window,
                })
            });
            match planned {
                Ok(l) => live.push(l),
                Err(e) => failed.push((entry, e)),
            }
        }
        StreamState {
            set,
            opts,
            live,
            failed,
            lines: vec![Vec::new(); set.len()],
            files: vec![Vec::new(); set.len()],
            fired: vec![false; set.len()],
            events: 0,
            matching: 0,
        }
    }

    /// Adds the next event of the stream: `matched` are the detection rules it matches (ascending
    /// entry indices, as [`RuleSet::matching`] returns them), `line` and `file` where it starts.
    pub fn push(&mut self, ev: &Value, matched: &[usize], line: usize, file: usize) {
        let index = self.events;
        self.events += 1;
        if !matched.is_empty() {
            self.matching += 1;
        }
        for &i in matched {
            self.lines[i].push(line);
            self.files[i].push(file);
        }
        for l in &mut self.live {
            let mut fire = false;
            for (k, &j) in l.sources.iter().enumerate() {
                let hit = if self.set.rule_at(j).is_some() {
                    matched.binary_search(&j).is_ok()
                } else {
                    self.fired[j]
                };
                if hit && l.window.push(ev, index, k, &self.opts.timestamp_fields) {
                    fire = true;
                }
            }
            self.fired[l.entry] = fire;
            if fire {
                self.lines[l.entry].push(line);
                self.files[l.entry].push(file);
            }
        }
    }

    /// Correlation hits held now, over all correlations (bounded by their timespans).
    pub fn retained(&self) -> usize {
        self.live.iter().map(|l| l.window.retained()).sum()
    }

    /// The report: matches as lines; with more than one file, the file of each match and the files.
    pub fn finish(self, files: Vec<String>) -> Report {
        let several = files.len() > 1;
        let mut outcomes: Vec<Option<Outcome>> = vec![None; self.set.len()];
        let mut lines = self.lines;
        let mut match_files = self.files;
        let mut take = |i: usize| {
            let f = std::mem::take(&mut match_files[i]);
            (
                std::mem::take(&mut lines[i]),
                if several { f } else { Vec::new() },
            )
        };
        for (i, o) in outcomes.iter_mut().enumerate() {
            if self.set.rule_at(i).is_some() {
                let (m, f) = take(i);
                *o = Some(Ok((m, f, Vec::new())));
            }
        }
        for l in &self.live {
            let (m, f) = take(l.entry);
            outcomes[l.entry] = Some(Ok((m, f, l.window.warnings(&self.opts.timestamp_fields))));
        }
        for (i, reason) in self.failed {
            outcomes[i] = Some(Err(reason));
        }
        self.set.report(
            outcomes,
            self.events,
            self.matching,
            if several { files } else { Vec::new() },
        )
    }
}
