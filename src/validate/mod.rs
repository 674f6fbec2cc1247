//! Validators: checks that go beyond "does the rule parse", from pySigma's validator set, SigmaHQ's CI
//! tests and repository-wide consistency rules.
//!
//! Every validator lives in its own file, owns one stable `SVnnn` code and reports through the shared
//! [`Diagnostic`] type, so every report format (text, JSON, SARIF, GitHub, JUnit) renders them alike.
//! Findings of other stages plug in through [`run_with`] (see [`Validator`]), e.g. the ATT&CK tag checks.

/// Declares a validator's unit struct and static [`Info`] in one place, so each file reads as
/// "what it is" followed by "how it checks".
macro_rules! validator {
    ($code:literal, $name:literal, $sev:ident, $origin:ident, [$($py:literal),*], $doc:literal $(, params: [$($p:expr),* $(,)?])?) => {
        /// The validator (see its [`INFO`]).
        pub(crate) struct V;
        /// Static description.
        pub(crate) static INFO: $crate::validate::registry::Info = $crate::validate::registry::Info {
            code: $code,
            name: $name,
            severity: $crate::diag::Severity::$sev,
            doc: $doc,
            pysigma: &[$($py),*],
            origin: $crate::validate::registry::Origin::$origin,
            params: &[$($($p),*)?],
        };
    };
}

pub mod attack_tags;
pub mod config;
pub mod context;
pub mod data;
pub mod date;
pub mod registry;
pub mod util;

mod all_of_them;
mod author_missing;
mod car_tag;
mod category_eventid;
mod category_provider;
mod comment_spacing;
mod control_character;
mod correlation_filename;
mod correlation_group_by;
mod correlation_rules_minimum;
mod custom_attribute_typo;
mod cve_tag;
mod d3fend_tag;
mod date_missing;
mod description_link;
mod description_missing;
mod description_short;
mod detection_tag_missing;
mod detection_tag_pattern;
mod detection_tags_multiple;
mod document_start;
mod double_wildcard;
mod duplicate_detection;
mod duplicate_filename;
mod duplicate_id;
mod duplicate_references;
mod duplicate_tag;
mod duplicate_title;
mod duplicate_value;
mod empty_lines;
mod escaped_wildcard;
mod eventid_with_provider;
mod fieldname_case;
mod fieldname_space;
mod fieldname_unknown;
mod fields_deprecated;
mod filename_convention;
mod filename_length;
mod filename_prefix;
mod fp_banned_word;
mod fp_capital;
mod fp_typo;
mod github_branch_link;
mod hash_kv;
mod identifier_missing;
mod indentation;
mod level_missing;
mod localized_user;
mod logsource_extra_key;
mod logsource_fields;
mod logsource_taxonomy;
mod logsource_unknown;
mod mitre_link;
mod modified_order;
mod modified_redundant;
mod modified_without_date;
mod modifier_all_single;
mod modifier_all_without_contains;
mod modifier_windash_all;
mod newline_eof;
mod number_as_string;
mod of_selection_single;
mod of_them_single;
mod of_without_asterisk;
mod one_element_list;
mod redundant_field;
mod regex_escape;
mod related_unknown;
mod source_eventlog;
mod specific_logsource;
mod status_deprecated;
mod status_missing;
mod status_too_high;
mod stp_tag;
mod sysmon_eventid;
mod tag_format;
mod tag_namespace;
mod them_single;
mod title_case;
mod title_end;
mod title_first;
mod title_length;
mod title_start;
mod tlp_tag;
mod tlp_tags_multiple;
mod tlp_unauthorized;
mod tlpv1_tag;
mod tlpv2_tag;
mod trademark;
mod trailing_spaces;
mod unknown_field;
mod wildcards_instead_of_modifiers;

pub use context::{DocCx, FileCx, Findings, RepoCx};
pub use registry::{Info, Param, ParamKind, Validator};

use crate::diag::{self, Diagnostic};
use crate::scan::Scan;
use config::ValidationConfig;
use rayon::prelude::*;

/// Runs the built-in validators over a scan and merges their findings with the scan's own diagnostics,
/// applying the configuration (enabled set, severities, per-rule exclusions). The result is sorted.
pub fn run(scan: &Scan, config: &ValidationConfig) -> Vec<Diagnostic> {
    run_with(scan, config, &[])
}

/// Like [`run`], with extra validators from other modules (the ATT&CK tag checks plug in here without
/// this module depending on them). Extra validators take part in configuration like built-in ones: their
/// code, name and pySigma names can be enabled, disabled, re-levelled and excluded per rule.
pub fn run_with(
    scan: &Scan,
    config: &ValidationConfig,
    extra: &[&dyn Validator],
) -> Vec<Diagnostic> {
    let mut validators: Vec<&dyn Validator> = registry::builtin().to_vec();
    validators.extend_from_slice(extra);
    let infos: Vec<&'static Info> = validators.iter().map(|v| v.info()).collect();
    let active: Vec<&dyn Validator> = validators
        .into_iter()
        .filter(|v| config.is_enabled(v.info()))
        .collect();
    let repo = RepoCx::build(scan, config.today(), config.base_dir());
    let mut all: Vec<Diagnostic> = repo
        .files
        .par_iter()
        .flat_map_iter(|file| {
            let mut found = Vec::new();
            for v in &active {
                let mut out = Findings::new(v.info(), config.params_for(v.info().code));
                v.check_file(file, &mut out);
                for doc in file.docs() {
                    v.check_doc(&doc, &mut out);
                }
                found.extend(out.into_diagnostics());
            }
            found
        })
        .collect();
    for v in &active {
        let mut out = Findings::new(v.info(), config.params_for(v.info().code));
        v.check_repo(&repo, &mut out);
        all.extend(out.into_diagnostics());
    }
    all.extend(scan.diagnostics.iter().cloned());
    let mut all = config.apply(all, &infos, |path, line| repo.rule_ids_at(path, line));
    diag::normalize(&mut all);
    all
}
