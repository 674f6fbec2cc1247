//! SV513: correlation files are named `correlation_…` so they are recognisable next to base rules.

use super::{DocCx, Findings, Check};

validator!(
    "SV513",
    "correlation-filename",
    Warning,
    SigmaHq,
    ["sigmahq_correlation_filename_prefix"],
    "A correlation rule's file name does not start with `correlation_`."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        if matches!(cx.doc, crate::rule::Document::Correlation(_))
            && !cx.file.file_name().starts_with("correlation_")
        {
            out.report(
                &cx.src.path,
                cx.start(),
                format!(
                    "correlation file `{}` should start with `correlation_`",
                    cx.file.file_name()
                ),
            );
        }
    }
}
