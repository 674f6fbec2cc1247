//! Correlation rules over a timestamped event stream.
//!
//! Semantics (a sliding window, evaluated at each hit): the base-rule hits are grouped by the
//! `group-by` values (an event lacking a group-by field joins no group), ordered by time, and at each hit
//! the window is every hit of its group no older than `timespan` before it. When the window satisfies
//! the correlation, the hit's event *fires*; a correlation's matches are its firing events. Events with
//! no readable timestamp take no part (they are counted in a warning).
//!
//! [`Window`] keeps that state for a stream: hits are pushed one at a time and hits older than
//! `timespan` before the newest one are dropped (a group at its next hit, all groups at least once per
//! timespan of event time), so the state holds at most two timespans of hits, whatever the length of
//! the stream. Pushed in time order the result is exact; [`evaluate`] sorts the hits of a
//! batch first. A hit pushed after a later one is placed in time order, but hits already evaluated do
//! not see it (counted in a warning).

use super::event::{self, Event, text};
use crate::rule::{CorrOp, Correlation, CorrelationType};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, VecDeque};

/// One referenced rule's hits: the names it can be referenced by (id, name) and its matching events.
#[derive(Debug, Clone)]
pub struct SourceHits<'a> {
    /// Reference names of the source rule.
    pub names: Vec<&'a str>,
    /// Indices of the events it matched, ascending.
    pub matches: &'a [usize],
}

/// What a window keeps of one hit: only the values the condition reads, never the event.
#[derive(Debug, Clone)]
struct Hit {
    millis: i64,
    event: usize,
    source: usize,
    /// `value_count`: the condition fields' values (all present), compared exactly.
    distinct: Option<Vec<String>>,
    /// `value_sum` / `value_avg` / `value_percentile`: the condition field's number.
    number: Option<f64>,
}

/// The first timestamp found under `fields`, in epoch milliseconds.
pub fn timestamp(ev: &Value, fields: &[String]) -> Option<i64> {
    fields.iter().find_map(|f| {
        event::scalars(&event::lookup(ev, f))
            .into_iter()
            .find_map(super::time::value_millis)
    })
}

/// The field a `group-by` or condition name stands for in a source: an alias resolves to that rule's
/// field, anything else is the field itself.
fn field_for<'c>(c: &'c Correlation, name: &'c str, names: &[&str]) -> &'c str {
    c.aliases
        .iter()
        .find(|a| a.name.value == name)
        .and_then(|a| {
            a.fields
                .iter()
                .find(|(r, _)| names.contains(&r.value.as_str()))
                .map(|(_, f)| f.value.as_str())
        })
        .unwrap_or(name)
}

fn first_text(ev: &Value, field: &str) -> Option<String> {
    event::scalars(&event::lookup(ev, field))
        .into_iter()
        .find_map(|v| text(v).map(|t| t.into_owned()))
}

fn holds(ops: &[(CorrOp, f64)], x: f64) -> bool {
    ops.iter().all(|(op, b)| match op {
        CorrOp::Gt => x > *b,
        CorrOp::Gte => x >= *b,
        CorrOp::Lt => x < *b,
        CorrOp::Lte => x <= *b,
        CorrOp::Eq => x == *b,
        CorrOp::Neq => x != *b,
    })
}

/// The streaming state of one correlation: per group, the hits of the last `timespan`.
#[derive(Debug)]
pub struct Window<'c> {
    kind: CorrelationType,
    ops: Vec<(CorrOp, f64)>,
    percentile: Option<f64>,
    span: i64,
    /// Per source: the event fields of the `group-by` names.
    group_fields: Vec<Vec<&'c str>>,
    /// Per source: the event fields of the condition's `field` names.
    value_fields: Vec<Vec<&'c str>>,
    sources: usize,
    groups: HashMap<Vec<String>, VecDeque<Hit>>,
    newest: i64,
    last_sweep: i64,
    untimed: usize,
    last_untimed: Option<usize>,
    out_of_order: usize,
}

impl<'c> Window<'c> {
    /// Prepares a correlation whose sources (in `c.rules` order) go by `names`; `Err` says why it
    /// cannot be evaluated.
    pub fn new(c: &'c Correlation, names: &[Vec<&str>]) -> Result<Self, String> {
        let kind = c.kind.value;
        let ops: Vec<(CorrOp, f64)> = c
            .condition
            .as_ref()
            .map(|k| k.ops.clone())
            .unwrap_or_default();
        let temporal = matches!(
            kind,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        );
        if ops.is_empty() && !temporal {
            return Err(format!("a `{}` correlation needs a condition", kind.name()));
        }
        let fields: Vec<&str> = c
            .condition
            .as_ref()
            .map(|k| k.field.iter().map(|f| f.value.as_str()).collect())
            .unwrap_or_default();
        if kind.needs_field() && fields.is_empty() {
            return Err(format!(
                "a `{}` correlation needs `condition.field`",
                kind.name()
            ));
        }
        let percentile = c.condition.as_ref().and_then(|k| k.percentile);
        if kind == CorrelationType::ValuePercentile && percentile.is_none() {
            return Err("a `value_percentile` correlation needs `condition.percentile`".into());
        }
        let per_source = |list: &[&'c str]| -> Vec<Vec<&'c str>> {
            names
                .iter()
                .map(|n| list.iter().map(|f| field_for(c, f, n)).collect())
                .collect()
        };
        let group_by: Vec<&str> = c.group_by.iter().map(|g| g.value.as_str()).collect();
        Ok(Window {
            kind,
            ops,
            percentile,
            span: i64::try_from(c.timespan.value.seconds)
                .unwrap_or(i64::MAX)
                .saturating_mul(1000),
            group_fields: per_source(&group_by),
            value_fields: per_source(&fields),
            sources: names.len(),
            groups: HashMap::new(),
            newest: i64::MIN,
            last_sweep: i64::MIN,
            untimed: 0,
            last_untimed: None,
            out_of_order: 0,
        })
    }

    /// Adds a hit of source `source` (an index into `c.rules`) on event `event` (`ev` its value, read
    /// now and not kept). Returns whether the correlation fires at this hit.
    pub fn push(&mut self, ev: &Value, event: usize, source: usize, ts_fields: &[String]) -> bool {
        let Some(millis) = timestamp(ev, ts_fields) else {
            if self.last_untimed != Some(event) {
                self.untimed += 1;
                self.last_untimed = Some(event);
            }
            return false;
        };
        let key: Option<Vec<String>> = self.group_fields[source]
            .iter()
            .map(|f| first_text(ev, f))
            .collect();
        let Some(key) = key else { return false };
        let fields = &self.value_fields[source];
        let hit = Hit {
            millis,
            event,
            source,
            distinct: (self.kind == CorrelationType::ValueCount)
                .then(|| fields.iter().map(|f| first_text(ev, f)).collect())
                .flatten(),
            number: fields.first().and_then(|f| {
                event::scalars(&event::lookup(ev, f))
                    .into_iter()
                    .find_map(number)
            }),
        };
        if millis < self.newest {
            self.out_of_order += 1;
        }
        self.newest = self.newest.max(millis);
        let order = |h: &Hit| (h.millis, h.event, h.source);
        let hits = self.groups.entry(key).or_default();
        let at = hits.partition_point(|h| order(h) <= order(&hit));
        hits.insert(at, hit);
        let lo = hits.partition_point(|h| millis.saturating_sub(h.millis) > self.span);
        let fired = fires(
            self.kind,
            &self.ops,
            self.percentile,
            self.sources,
            hits.range(lo..=at),
        );
        let horizon = self.newest.saturating_sub(self.span);
        while hits.front().is_some_and(|h| h.millis < horizon) {
            hits.pop_front();
        }
        if self.newest.saturating_sub(self.last_sweep) > self.span {
            self.sweep();
        }
        fired
    }

    /// Drops every hit older than `timespan` before the newest hit, and empty groups.
    fn sweep(&mut self) {
        let horizon = self.newest.saturating_sub(self.span);
        self.groups.retain(|_, hits| {
            while hits.front().is_some_and(|h| h.millis < horizon) {
                hits.pop_front();
            }
            !hits.is_empty()
        });
        self.last_sweep = self.newest;
    }

    /// Hits held now, over all groups: at most the hits of the last two timespans.
    pub fn retained(&self) -> usize {
        self.groups.values().map(VecDeque::len).sum()
    }

    /// What the user should know about the stream: events without a timestamp, hits out of time
    /// order.
    pub fn warnings(&self, ts_fields: &[String]) -> Vec<String> {
        let mut w = Vec::new();
        if self.untimed > 0 {
            w.push(format!(
                "{} matching event(s) have no timestamp in {} and were left out",
                self.untimed,
                ts_fields.join(", ")
            ));
        }
        if self.out_of_order > 0 {
            w.push(format!(
                "{} hit(s) came after later hits in the stream; windows of hits already evaluated did not see them (sort the events by time for exact windows)",
                self.out_of_order
            ));
        }
        w
    }
}

/// Whether a window (ending with the current hit) satisfies the correlation.
fn fires<'h>(
    kind: CorrelationType,
    ops: &[(CorrOp, f64)],
    percentile: Option<f64>,
    sources: usize,
    window: impl DoubleEndedIterator<Item = &'h Hit> + Clone,
) -> bool {
    match kind {
        CorrelationType::EventCount => {
            let n: BTreeSet<usize> = window.map(|h| h.event).collect();
            holds(ops, n.len() as f64)
        }
        CorrelationType::ValueCount => {
            let distinct: BTreeSet<&Vec<String>> =
                window.filter_map(|h| h.distinct.as_ref()).collect();
            holds(ops, distinct.len() as f64)
        }
        CorrelationType::ValueSum
        | CorrelationType::ValueAvg
        | CorrelationType::ValuePercentile => {
            let mut seen = BTreeSet::new();
            let mut xs: Vec<f64> = window
                .filter(|h| seen.insert(h.event))
                .filter_map(|h| h.number)
                .collect();
            match kind {
                CorrelationType::ValueSum => holds(ops, xs.iter().sum()),
                CorrelationType::ValueAvg => {
                    !xs.is_empty() && holds(ops, xs.iter().sum::<f64>() / xs.len() as f64)
                }
                _ => {
                    xs.sort_by(f64::total_cmp);
                    let p = percentile.unwrap_or(50.0);
                    nearest_rank(&xs, p).is_some_and(|x| holds(ops, x))
                }
            }
        }
        CorrelationType::Temporal => {
            let n: BTreeSet<usize> = window.map(|h| h.source).collect();
            if ops.is_empty() {
                n.len() == sources
            } else {
                holds(ops, n.len() as f64)
            }
        }
        CorrelationType::TemporalOrdered => {
            // Greedy earliest match of sources 0, 1, … in time order; the current hit must
            // complete the sequence.
            let mut rest = window;
            let Some(current) = rest.next_back() else {
                return false;
            };
            let mut next = 0;
            for h in rest {
                if next + 1 < sources && h.source == next {
                    next += 1;
                }
            }
            next + 1 == sources && current.source == next
        }
    }
}

/// Evaluates a correlation whose sources (in `c.rules` order) were already evaluated on a batch of
/// events: the hits are pushed through a [`Window`] in time order. Returns the firing events
/// (ascending) and warnings.
pub fn evaluate(
    c: &Correlation,
    sources: &[SourceHits],
    events: &[Event],
    timestamp_fields: &[String],
) -> Result<(Vec<usize>, Vec<String>), String> {
    let names: Vec<Vec<&str>> = sources.iter().map(|s| s.names.clone()).collect();
    let mut window = Window::new(c, &names)?;
    let mut hits: Vec<(Option<i64>, usize, usize)> = sources
        .iter()
        .enumerate()
        .flat_map(|(k, s)| s.matches.iter().map(move |&i| (i, k)))
        .map(|(i, k)| (timestamp(&events[i].value, timestamp_fields), i, k))
        .collect();
    hits.sort_by_key(|&(millis, i, k)| (millis.is_some(), millis, i, k));
    let mut fired = BTreeSet::new();
    for (_, i, k) in hits {
        if window.push(&events[i].value, i, k, timestamp_fields) {
            fired.insert(i);
        }
    }
    Ok((
        fired.into_iter().collect(),
        window.warnings(timestamp_fields),
    ))
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// The nearest-rank percentile of sorted values.
fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::Document;
    use serde_json::json;

    fn corr(body: &str) -> Correlation {
        let src =
            format!("title: C\nid: 33333333-3333-4333-8333-333333333333\ncorrelation:\n{body}");
        match crate::eval::compile::tests::docs(&src).remove(0) {
            Document::Correlation(c) => c,
            other => panic!("{other:?}"),
        }
    }

    fn events(v: Vec<Value>) -> Vec<Event> {
        v.into_iter()
            .map(|value| Event { value, line: 1 })
            .collect()
    }

    fn ts(min: u32, sec: u32) -> String {
        format!("2026-01-01T10:{min:02}:{sec:02}Z")
    }

    fn fields() -> Vec<String> {
        vec!["@timestamp".to_string()]
    }

    #[test]
    fn event_count_per_group_in_window() {
        let c = corr(
            "    type: event_count\n    rules:\n        - r1\n    group-by:\n        - user\n    timespan: 1m\n    condition:\n        gte: 3\n",
        );
        let ev = events(vec![
            json!({"@timestamp": ts(0, 0), "user": "a"}),
            json!({"@timestamp": ts(0, 10), "user": "b"}),
            json!({"@timestamp": ts(0, 20), "user": "a"}),
            json!({"@timestamp": ts(0, 50), "user": "a"}),
            json!({"@timestamp": ts(2, 0), "user": "a"}),
            json!({"@timestamp": ts(0, 30), "user": "b"}),
            json!({"user": "a"}),
        ]);
        let all: Vec<usize> = (0..ev.len()).collect();
        let src = [SourceHits {
            names: vec!["r1"],
            matches: &all,
        }];
        let (fired, warnings) = evaluate(&c, &src, &ev, &fields()).unwrap();
        assert_eq!(
            fired,
            vec![3],
            "three `a` events within a minute; `b` has two"
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn window_is_inclusive_and_slides() {
        let c = corr(
            "    type: event_count\n    rules:\n        - r1\n    group-by:\n        - user\n    timespan: 10s\n    condition:\n        gte: 2\n",
        );
        let ev = events(vec![
            json!({"@timestamp": ts(0, 0), "user": "a"}),
            json!({"@timestamp": ts(0, 10), "user": "a"}),
            json!({"@timestamp": ts(0, 21), "user": "a"}),
        ]);
        let src = [SourceHits {
            names: vec!["r1"],
            matches: &[0, 1, 2],
        }];
        assert_eq!(evaluate(&c, &src, &ev, &fields()).unwrap().0, vec![1]);
    }

    #[test]
    fn value_count_and_lt() {
        let c = corr(
            "    type: value_count\n    rules:\n        - r1\n    group-by:\n        - src\n    timespan: 5m\n    condition:\n        field: dst\n        gt: 2\n",
        );
        let ev = events(vec![
            json!({"@timestamp": ts(0, 0), "src": "h", "dst": "x"}),
            json!({"@timestamp": ts(0, 1), "src": "h", "dst": "X"}),
            json!({"@timestamp": ts(0, 2), "src": "h", "dst": "y"}),
            json!({"@timestamp": ts(0, 3), "src": "h", "dst": "y"}),
            json!({"@timestamp": ts(0, 4), "src": "h", "dst": "z"}),
        ]);
        let src = [SourceHits {
            names: vec!["r1"],
            matches: &[0, 1, 2, 3, 4],
        }];
        assert_eq!(
            evaluate(&c, &src, &ev, &fields()).unwrap().0,
            vec![2, 3, 4],
            "values compare exactly: x and X differ"
        );
    }

    #[test]
    fn temporal_needs_every_rule_and_ordered_needs_order() {
        let body = |t: &str| {
            format!(
                "    type: {t}\n    rules:\n        - r1\n        - r2\n    group-by:\n        - host\n    timespan: 1m\n"
            )
        };
        let ev = events(vec![
            json!({"@timestamp": ts(0, 0), "host": "h"}),
            json!({"@timestamp": ts(0, 5), "host": "h"}),
            json!({"@timestamp": ts(0, 10), "host": "g"}),
            json!({"@timestamp": ts(0, 20), "host": "g"}),
        ]);
        // On host `h` r2 (event 0) precedes r1 (event 1); on `g` r1 (event 2) precedes r2 (event 3).
        let src = [
            SourceHits {
                names: vec!["r1"],
                matches: &[1, 2],
            },
            SourceHits {
                names: vec!["r2"],
                matches: &[0, 3],
            },
        ];
        let t = corr(&body("temporal"));
        assert_eq!(evaluate(&t, &src, &ev, &fields()).unwrap().0, vec![1, 3]);
        let o = corr(&body("temporal_ordered"));
        assert_eq!(evaluate(&o, &src, &ev, &fields()).unwrap().0, vec![3]);
        let swapped = [src[1].clone(), src[0].clone()];
        let o2 =
            corr(&body("temporal_ordered").replace("- r1\n        - r2", "- r2\n        - r1"));
        assert_eq!(evaluate(&o2, &swapped, &ev, &fields()).unwrap().0, vec![1]);
    }

    #[test]
    fn aliases_map_group_by_per_rule() {
        let c = corr(
            "    type: temporal\n    rules:\n        - r1\n        - r2\n    group-by:\n        - ip\n    timespan: 1m\n    aliases:\n        ip:\n            r1: src_ip\n            r2: dst_ip\n",
        );
        let ev = events(vec![
            json!({"@timestamp": ts(0, 0), "src_ip": "1.2.3.4"}),
            json!({"@timestamp": ts(0, 5), "dst_ip": "1.2.3.4"}),
            json!({"@timestamp": ts(0, 6), "dst_ip": "9.9.9.9"}),
        ]);
        let src = [
            SourceHits {
                names: vec!["r1"],
                matches: &[0],
            },
            SourceHits {
                names: vec!["r2"],
                matches: &[1, 2],
            },
        ];
        assert_eq!(evaluate(&c, &src, &ev, &fields()).unwrap().0, vec![1]);
    }

    #[test]
    fn value_sum_avg_percentile() {
        let ev = events(vec![
            json!({"@timestamp": ts(0, 0), "u": "a", "bytes": 100}),
            json!({"@timestamp": ts(0, 1), "u": "a", "bytes": "300"}),
            json!({"@timestamp": ts(0, 2), "u": "a", "bytes": 1000}),
        ]);
        let src = [SourceHits {
            names: vec!["r1"],
            matches: &[0, 1, 2],
        }];
        let c = |t: &str, cond: &str| {
            corr(&format!(
                "    type: {t}\n    rules:\n        - r1\n    group-by:\n        - u\n    timespan: 1h\n    condition:\n        field: bytes\n{cond}"
            ))
        };
        let run = |c: Correlation| evaluate(&c, &src, &ev, &fields()).unwrap().0;
        assert_eq!(run(c("value_sum", "        gte: 400\n")), vec![1, 2]);
        assert_eq!(run(c("value_avg", "        gt: 450\n")), vec![2]);
        assert_eq!(
            run(c("value_avg", "        gte: 100\n        lte: 200\n")),
            vec![0, 1]
        );
        assert_eq!(
            run(c(
                "value_percentile",
                "        percentile: 50\n        gte: 300\n"
            )),
            vec![2],
            "nearest rank: the median of [100, 300] is 100"
        );
    }

    #[test]
    fn window_state_stays_bounded_over_a_long_stream() {
        // 50,000 hits one second apart over 500 users, a one-minute window: at most the last two
        // minutes' hits (122) are held, whatever the stream's length.
        let c = corr(
            "    type: event_count\n    rules:\n        - r1\n    group-by:\n        - user\n    timespan: 1m\n    condition:\n        gte: 2\n",
        );
        let mut w = Window::new(&c, &[vec!["r1"]]).unwrap();
        let start = 1_767_225_600i64; // 2026-01-01T00:00:00Z
        let mut fired = 0;
        let mut most = 0;
        for i in 0..50_000i64 {
            // Only `busy` is seen twice within a minute: at seconds 100k and 100k + 1.
            let user = if i % 100 < 2 {
                "busy".to_string()
            } else {
                format!("u{}", i % 500)
            };
            let ev = json!({"@timestamp": (start + i) * 1000, "user": user});
            if w.push(&ev, i as usize, 0, &fields()) {
                fired += 1;
            }
            most = most.max(w.retained());
        }
        assert!(most <= 122, "held {most} hits");
        assert!(w.groups.len() <= 122, "{} groups", w.groups.len());
        assert_eq!(
            fired,
            50_000 / 100,
            "`busy` fires at the second of each pair"
        );
        assert!(w.warnings(&fields()).is_empty());
    }

    #[test]
    fn late_hits_are_placed_in_time_and_counted() {
        let c = corr(
            "    type: event_count\n    rules:\n        - r1\n    group-by:\n        - user\n    timespan: 1m\n    condition:\n        gte: 2\n",
        );
        let mut w = Window::new(&c, &[vec!["r1"]]).unwrap();
        let f = fields();
        assert!(!w.push(&json!({"@timestamp": ts(0, 30), "user": "a"}), 0, 0, &f));
        assert!(
            !w.push(&json!({"@timestamp": ts(0, 10), "user": "a"}), 1, 0, &f),
            "the late hit's window ends at its own time; the hit at 0:30 was evaluated before it came"
        );
        assert_eq!(w.retained(), 2);
        assert!(!w.push(&json!({"user": "a"}), 2, 0, &f));
        assert_eq!(w.warnings(&f).len(), 2, "{:?}", w.warnings(&f));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(nearest_rank(&xs, 50.0), Some(2.0));
        assert_eq!(nearest_rank(&xs, 95.0), Some(4.0));
        assert_eq!(nearest_rank(&xs, 0.0), Some(1.0));
        assert_eq!(nearest_rank(&[], 50.0), None);
    }
}
