//! SV602: a temporal correlation relates several rules; with one it is an event count in disguise.

use super::{DocCx, Findings, Check};
use crate::rule::CorrelationType;

validator!(
    "SV602",
    "temporal-correlation-rules",
    Error,
    SigmaHq,
    ["sigmahq_correlation_rules_minimum"],
    "A temporal correlation references fewer than two rules."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if let crate::rule::Document::Correlation(c) = cx.doc
            && matches!(
                c.kind.value,
                CorrelationType::Temporal | CorrelationType::TemporalOrdered
            )
            && c.rules.len() < 2
        {
            out.report(
                &cx.src.path,
                c.kind.pos,
                format!("`{}` needs at least two rules", c.kind.value.name()),
            );
        }
    }
}
