//! SV512: SigmaHQ file names start with a prefix derived from the logsource (`proc_creation_win_`, …),
//! so the folder listing groups rules by data source.

use super::{DocCx, Findings, Check, data, util};

validator!(
    "SV512",
    "filename-prefix",
    Warning,
    SigmaHq,
    ["sigmahq_filename_prefix"],
    "The file name does not start with the prefix SigmaHQ uses for the logsource."
);

impl Check for V {
    fn check_doc(&self, cx: &DocCx<'_>, out: &mut Findings<'_>) {
        let Some(r) = cx.rule() else { return };
        if cx
            .file
            .parsed
            .iter()
            .any(|(_, d)| matches!(d, crate::rule::Document::Correlation(_)))
        {
            return;
        }
        let (p, c, s) = util::logsource_of(r);
        let table = data::filename_prefixes();
        let prefix = table
            .get(&data::triple(p, c, s))
            .or_else(|| p.and_then(|p| table.get(&data::triple(Some(p), None, None))));
        let name = cx.file.file_name();
        if let Some(prefix) = prefix
            && !name.starts_with(prefix.as_str())
        {
            out.report(
                &cx.src.path,
                crate::diag::Pos::new(1, 1),
                format!("file name `{name}` should start with `{prefix}`"),
            );
        }
    }
}
