//! Correlation rules over a timestamped event stream.
//!
//! Semantics (a sliding window, evaluated at each event): the base-rule hits are grouped by the
//! `group-by` values (an event lacking a group-by field joins no group), ordered by time, and at each hit
//! the window is every hit of its group no older than `timespan` before it. When the window satisfies
//! the correlation, the hit's event *fires*; a correlation's matches are its firing events. Events with
//! no readable timestamp take no part (they are counted in a warning).

use super::event::{self, Event, text};
use crate::rule::{CorrOp, Correlation, CorrelationType};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One referenced rule's hits: the names it can be referenced by (id, name) and its matching events.
#[derive(Debug, Clone)]
pub struct SourceHits<'a> {
    /// Reference names of the source rule.
    pub names: Vec<&'a str>,
    /// Indices of the events it matched, ascending.
    pub matches: &'a [usize],
}

struct Hit {
    millis: i64,
    event: usize,
    source: usize,
}

/// The first timestamp found under `fields`, in epoch milliseconds.
pub fn timestamp(ev: &Value, fields: &[String]) -> Option<i64> {
    fields.iter().find_map(|f| {
        event::scalars(&event::lookup(ev, f))
            .into_iter()
            .find_map(super::time::value_millis)
    })
}

/// The field a `group-by` or condition name stands for in source `k`: an alias resolves to that rule's
/// field, anything else is the field itself.
fn field_for<'c>(c: &'c Correlation, name: &'c str, source: &SourceHits) -> &'c str {
    c.aliases
        .iter()
        .find(|a| a.name.value == name)
        .and_then(|a| {
            a.fields
                .iter()
                .find(|(r, _)| source.names.contains(&r.value.as_str()))
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

/// Evaluates a correlation whose sources (in `c.rules` order) were already evaluated. Returns the
/// firing events (ascending) and warnings.
pub fn evaluate(
    c: &Correlation,
    sources: &[SourceHits],
    events: &[Event],
    timestamp_fields: &[String],
) -> Result<(Vec<usize>, Vec<String>), String> {
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
    let value_fields: Vec<&str> = c
        .condition
        .as_ref()
        .map(|k| k.field.iter().map(|f| f.value.as_str()).collect())
        .unwrap_or_default();
    if kind.needs_field() && value_fields.is_empty() {
        return Err(format!(
            "a `{}` correlation needs `condition.field`",
            kind.name()
        ));
    }
    let percentile = c.condition.as_ref().and_then(|k| k.percentile);
    if kind == CorrelationType::ValuePercentile && percentile.is_none() {
        return Err("a `value_percentile` correlation needs `condition.percentile`".into());
    }

    let span = i64::try_from(c.timespan.value.seconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000);
    let mut untimed = BTreeSet::new();
    let mut groups: BTreeMap<Vec<String>, Vec<Hit>> = BTreeMap::new();
    for (k, s) in sources.iter().enumerate() {
        for &i in s.matches {
            let ev = &events[i].value;
            let Some(millis) = timestamp(ev, timestamp_fields) else {
                untimed.insert(i);
                continue;
            };
            let key: Option<Vec<String>> = c
                .group_by
                .iter()
                .map(|g| first_text(ev, field_for(c, &g.value, s)))
                .collect();
            if let Some(key) = key {
                groups.entry(key).or_default().push(Hit {
                    millis,
                    event: i,
                    source: k,
                });
            }
        }
    }
    let mut warnings = Vec::new();
    if !untimed.is_empty() {
        warnings.push(format!(
            "{} matching event(s) have no timestamp in {} and were left out",
            untimed.len(),
            timestamp_fields.join(", ")
        ));
    }

    let mut fired = BTreeSet::new();
    for hits in groups.values_mut() {
        hits.sort_by_key(|h| (h.millis, h.event, h.source));
        let mut lo = 0;
        for j in 0..hits.len() {
            while hits[j].millis.saturating_sub(hits[lo].millis) > span {
                lo += 1;
            }
            let window = &hits[lo..=j];
            let ok = match kind {
                CorrelationType::EventCount => {
                    let n: BTreeSet<usize> = window.iter().map(|h| h.event).collect();
                    holds(&ops, n.len() as f64)
                }
                CorrelationType::ValueCount => {
                    let distinct: BTreeSet<Vec<String>> = window
                        .iter()
                        .filter_map(|h| {
                            value_fields
                                .iter()
                                .map(|f| {
                                    first_text(
                                        &events[h.event].value,
                                        field_for(c, f, &sources[h.source]),
                                    )
                                })
                                .collect::<Option<Vec<String>>>()
                        })
                        .collect();
                    holds(&ops, distinct.len() as f64)
                }
                CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile => {
                    let mut seen = BTreeSet::new();
                    let mut xs: Vec<f64> = window
                        .iter()
                        .filter(|h| seen.insert(h.event))
                        .filter_map(|h| {
                            let f = field_for(c, value_fields[0], &sources[h.source]);
                            event::scalars(&event::lookup(&events[h.event].value, f))
                                .into_iter()
                                .find_map(number)
                        })
                        .collect();
                    match kind {
                        CorrelationType::ValueSum => holds(&ops, xs.iter().sum()),
                        CorrelationType::ValueAvg => {
                            !xs.is_empty() && holds(&ops, xs.iter().sum::<f64>() / xs.len() as f64)
                        }
                        _ => {
                            xs.sort_by(f64::total_cmp);
                            let p = percentile.unwrap_or(50.0);
                            nearest_rank(&xs, p).is_some_and(|x| holds(&ops, x))
                        }
                    }
                }
                CorrelationType::Temporal => {
                    let n: BTreeSet<usize> = window.iter().map(|h| h.source).collect();
                    if ops.is_empty() {
                        n.len() == sources.len()
                    } else {
                        holds(&ops, n.len() as f64)
                    }
                }
                CorrelationType::TemporalOrdered => {
                    // Greedy earliest match of sources 0, 1, … in time order; the current hit must
                    // complete the sequence.
                    let mut next = 0;
                    for h in &window[..window.len() - 1] {
                        if next + 1 < sources.len() && h.source == next {
                            next += 1;
                        }
                    }
                    next + 1 == sources.len() && hits[j].source == next
                }
            };
            if ok {
                fired.insert(hits[j].event);
            }
        }
    }
    Ok((fired.into_iter().collect(), warnings))
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
    fn nearest_rank_percentiles() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(nearest_rank(&xs, 50.0), Some(2.0));
        assert_eq!(nearest_rank(&xs, 95.0), Some(4.0));
        assert_eq!(nearest_rank(&xs, 0.0), Some(1.0));
        assert_eq!(nearest_rank(&[], 50.0), None);
    }
}
