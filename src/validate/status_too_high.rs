//! SV120: a new rule must prove itself before it is `test` or `stable` (SigmaHQ: 60 days, or immediately
//! up to `test` when it ships regression data). Depends on "today", which is injectable.

use crate::rule::Status;

use super::{
    DocCx, Findings, Check,
    date::Date,
    registry::{Param, ParamKind},
};

validator!("SV120", "status-too-high", Warning, SigmaHq, ["sigmahq_status_to_high"],
    "The status is above `experimental` for a rule younger than the probation period.",
    params: [Param { name: "min_days", kind: ParamKind::Int, default: "60", doc: "probation period in days" }]);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let m = cx.meta();
        let (Some(status), Some(date)) = (&m.status, &m.date) else {
            return;
        };
        let Some(created) = Date::parse(&date.value) else {
            return;
        };
        let regression = m
            .custom
            .iter()
            .any(|(k, _)| k.text == "regression_tests_path");
        let (min_days, allowed): (i64, &[Status]) = if regression {
            (0, &[Status::Experimental, Status::Test])
        } else {
            (out.int("min_days"), &[Status::Experimental])
        };
        let age = cx.file.today.days() - created.days();
        if age < min_days.max(1)
            && !allowed.contains(&status.value)
            && matches!(status.value, Status::Test | Status::Stable)
        {
            out.report(&cx.src.path, status.pos, format!(
                "status `{}` for a rule created {age} day(s) before {}; use `{}` until it is {} days old",
                status.value, cx.file.today, allowed[allowed.len() - 1], min_days.max(1)));
        }
    }
}
