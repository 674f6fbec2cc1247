//! The validator catalogue: what every validator is called, how bad its findings are by default, and
//! which pySigma validator(s) it stands in for, so sigma-cli configurations keep working.

use super::context::{DocCx, FileCx, Findings, RepoCx};
use crate::diag::Severity;

pub use super::info::{Info, Origin, Param, ParamKind};

/// A check. Implement whichever of the three hooks fits; the runner calls every hook of every enabled
/// validator (file and document hooks in parallel, repository hooks once at the end).
///
/// Other modules (e.g. `attack`) implement this trait and pass their validators to
/// [`super::run_with`]; declaring the pySigma names they replace (`attacktag`,
/// `sigmahq_tags_techniques_without_tactics`) in [`Info::pysigma`] makes sigma-cli configurations that
/// name them apply automatically.
pub trait Validator: Send + Sync {
    /// The static description.
    fn info(&self) -> &'static Info;
    /// Checks one file's raw text (formatting, file names).
    fn check_file(&self, _file: &FileCx<'_>, _out: &mut Findings<'_>) {}
    /// Checks one parsed document.
    fn check_doc(&self, _doc: &DocCx<'_>, _out: &mut Findings<'_>) {}
    /// Checks properties of the whole set of scanned rules (uniqueness, references).
    fn check_repo(&self, _repo: &RepoCx<'_>, _out: &mut Findings<'_>) {}
}

/// The checks of a built-in validator. Its file implements whichever hooks fit; `validator!` pairs
/// them with the file's [`Info`] into a [`Validator`], so a validator's description is written once.
pub(crate) trait Check {
    /// Checks one file's raw text (formatting, file names).
    fn check_file(&self, _file: &FileCx<'_>, _out: &mut Findings<'_>) {}
    /// Checks one parsed document.
    fn check_doc(&self, _doc: &DocCx<'_>, _out: &mut Findings<'_>) {}
    /// Checks properties of the whole set of scanned rules (uniqueness, references).
    fn check_repo(&self, _repo: &RepoCx<'_>, _out: &mut Findings<'_>) {}
}

/// The one list of built-in validators, ordered by code: each entry is the name of the validator's
/// file (`src/validate/<name>.rs`, declared with `validator!`). Adding a validator means writing its
/// file and adding its line here; `$then` receives the list (the module declarations in `mod.rs` and
/// [`builtin`] below are generated from it).
macro_rules! with_builtin_list {
    ($then:ident) => {
        $then! {
            identifier_missing,
            duplicate_id,
            duplicate_title,
            duplicate_filename,
            filename_length,
            related_unknown,
            duplicate_references,
            duplicate_tag,
            identifier_not_uuid,
            author_missing,
            date_missing,
            modified_order,
            modified_without_date,
            modified_redundant,
            description_missing,
            description_short,
            description_link,
            level_missing,
            status_missing,
            status_too_high,
            status_deprecated,
            fields_deprecated,
            unknown_field,
            custom_attribute_typo,
            github_branch_link,
            mitre_link,
            fp_banned_word,
            fp_capital,
            fp_typo,
            title_case,
            title_end,
            title_length,
            title_start,
            logsource_extra_key,
            tag_format,
            tag_namespace,
            car_tag,
            cve_tag,
            stp_tag,
            detection_tag_pattern,
            tlp_tag,
            tlpv1_tag,
            tlpv2_tag,
            d3fend_tag,
            detection_tag_missing,
            detection_tags_multiple,
            tlp_tags_multiple,
            tlp_unauthorized,
            all_of_them,
            them_single,
            of_without_asterisk,
            of_selection_single,
            of_them_single,
            duplicate_detection,
            modifier_all_without_contains,
            modifier_windash_all,
            modifier_all_single,
            duplicate_value,
            wildcards_instead_of_modifiers,
            control_character,
            double_wildcard,
            escaped_wildcard,
            number_as_string,
            specific_logsource,
            category_eventid,
            category_provider,
            localized_user,
            fieldname_case,
            fieldname_unknown,
            hash_kv,
            redundant_field,
            fieldname_space,
            sysmon_eventid,
            regex_escape,
            one_element_list,
            source_eventlog,
            eventid_with_provider,
            logsource_unknown,
            logsource_taxonomy,
            logsource_fields,
            filename_convention,
            filename_prefix,
            correlation_filename,
            correlation_group_by,
            correlation_rules_minimum,
            indentation,
            trailing_spaces,
            newline_eof,
            document_start,
            comment_spacing,
            empty_lines,
            title_first,
            trademark,
        }
    };
}

macro_rules! builtin_fn {
    ($($m:ident),* $(,)?) => {
        /// Every built-in validator, ordered by code.
        pub fn builtin() -> &'static [&'static dyn Validator] {
            static ALL: &[&dyn Validator] = &[$(&super::$m::V),*];
            ALL
        }
    };
}

with_builtin_list!(builtin_fn);

/// SigmaHQ's repository conventions: checks that judge a rule by how SigmaHQ organises its public
/// repository (file names, title case, its logsource and field taxonomy, its folders, TLP, the
/// `ATT&CK` trademark string) rather than by the specification or the rule's correctness. They run
/// only with `profile: sigmahq` (or when named in `validators:`/`enable:`), so a private repository
/// is not failed by someone else's house style.
pub const SIGMAHQ_CONVENTIONS: &[&str] = &[
    "SV105", // file-name length
    "SV121", // deprecated/unsupported folders
    "SV130", // title case
    "SV211", // rules-emerging-threats/… folders need detection.* tags
    "SV214", // TLP of a public rule set
    "SV414", // field-name case against the taxonomy
    "SV415", // field names of the taxonomy
    "SV501", // logsource taxonomy
    "SV502", // SigmaHQ CI's logsource.json
    "SV503", // fields of SigmaHQ CI's logsource.json
    "SV511", // file-name convention
    "SV512", // file-name prefixes
    "SV513", // correlation file-name prefix
    "SV708", // the ATT&CK trademark string
];

/// Pairs `(kept, dropped)` of checks that report the same problem from two sources of the same
/// data: when both fire at one position, only `kept` is reported (one finding per problem).
pub const SUPERSEDES: &[(&str, &str)] = &[("SV501", "SV502"), ("SV415", "SV503")];

/// pySigma validators whose checks the parser already performs, with the parser code that reports them.
/// Configurations naming them are accepted; parser errors cannot be switched off, warnings can.
pub const PARSER_EQUIVALENTS: &[(&str, &str)] = &[
    ("dangling_condition", "SF041"),
    ("dangling_detection", "SF044"),
    ("invalid_modifier_combinations", "SF031"),
    ("sigmahq_unsupported_regex_group_construct", "SF032"),
];

/// pySigma validators implemented outside this module (ATT&CK tags, in `attack`). Configurations naming
/// them are accepted; they take effect once a validator declaring the name is passed to `run_with`.
pub const DELEGATED: &[(&str, &str)] = &[
    ("attacktag", "attack"),
    ("sigmahq_tags_techniques_without_tactics", "attack"),
];

/// Looks a built-in or extra validator up by code, name or pySigma name (several may share a pySigma
/// name); the result is ordered by code.
pub fn resolve<'a>(key: &str, infos: &[&'a Info]) -> Vec<&'a Info> {
    let mut found: Vec<&Info> = infos
        .iter()
        .copied()
        .filter(|i| i.code.eq_ignore_ascii_case(key) || i.name == key || i.pysigma.contains(&key))
        .collect();
    found.sort_by_key(|i| i.code);
    found
}

/// Documentation of one diagnostic code (parser or validator), for SARIF rule metadata and listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDoc {
    /// Code.
    pub code: String,
    /// Kebab-case name.
    pub name: String,
    /// Default severity.
    pub severity: Severity,
    /// One-line description.
    pub doc: String,
    /// Origin label (`parser`, `pysigma`, `sigmahq-ci`, …).
    pub origin: String,
    /// pySigma names it stands in for.
    pub pysigma: Vec<String>,
}

/// Every code sigmaforge's parser and the given validators can emit, ordered by code.
pub fn catalogue(extra: &[&dyn Validator]) -> Vec<CodeDoc> {
    let mut out: Vec<CodeDoc> = crate::rule::codes::ALL
        .iter()
        .map(|c| CodeDoc {
            code: c.code.to_string(),
            name: c.name.to_string(),
            severity: c.severity,
            doc: c.doc.to_string(),
            origin: "parser".into(),
            pysigma: PARSER_EQUIVALENTS
                .iter()
                .filter(|(_, sf)| *sf == c.code)
                .map(|(py, _)| py.to_string())
                .collect(),
        })
        .collect();
    for v in builtin().iter().chain(extra.iter()) {
        let i = v.info();
        out.push(CodeDoc {
            code: i.code.into(),
            name: i.name.into(),
            severity: i.severity,
            doc: i.doc.into(),
            origin: i.origin.label().into(),
            pysigma: i.pysigma.iter().map(|s| s.to_string()).collect(),
        });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out.dedup_by(|a, b| a.code == b.code);
    out
}

/// Markdown of the built-in validators (a table of every validator, then one of their parameters), the
/// generated part of `docs/validators.md` and the output of `sigmaforge list validators --format
/// markdown`, so the documentation cannot drift from the code.
pub fn markdown() -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from(
        "| code | name | default | pySigma equivalent (or origin) | what it flags |\n|---|---|---|---|---|\n",
    );
    for v in builtin() {
        let i = v.info();
        let py = if i.pysigma.is_empty() {
            format!("({})", i.origin.label())
        } else {
            i.pysigma.join(", ")
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            i.code,
            i.name,
            i.severity,
            cell(&py),
            cell(i.doc)
        ));
    }
    out.push_str(
        "\n| validator | parameter | type | default | what it changes |\n|---|---|---|---|---|\n",
    );
    for v in builtin() {
        let i = v.info();
        for p in i.params {
            let kind = match p.kind {
                ParamKind::Int => "integer",
                ParamKind::List => "list",
            };
            out.push_str(&format!(
                "| {} `{}` | `{}` | {kind} | `{}` | {} |\n",
                i.code,
                i.name,
                p.name,
                p.default,
                cell(p.doc)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for v in builtin() {
            let i = v.info();
            assert!(codes.insert(i.code), "duplicate code {}", i.code);
            assert!(names.insert(i.name), "duplicate name {}", i.name);
            assert!(i.code.starts_with("SV") && i.code.len() == 5, "{}", i.code);
            assert!(
                i.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                i.name
            );
            assert!(!i.doc.is_empty() && !i.doc.contains('\n'));
        }
    }

    #[test]
    fn registry_is_ordered_by_code() {
        let codes: Vec<&str> = builtin().iter().map(|v| v.info().code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
    }

    const DOC: &str = "docs/validators.md";
    const BEGIN: &str =
        "<!-- BEGIN generated by `sigmaforge list validators --format markdown` -->\n";
    const END: &str = "<!-- END generated -->\n";

    /// `docs/validators.md` holds [`markdown`] between the markers; `SIGMAFORGE_BLESS=1` rewrites it.
    #[test]
    fn docs_validators_md_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC);
        let text = std::fs::read_to_string(&path).expect("docs/validators.md");
        let start = text
            .find(BEGIN)
            .expect("BEGIN marker in docs/validators.md")
            + BEGIN.len();
        let end = start
            + text[start..]
                .find(END)
                .expect("END marker in docs/validators.md");
        let want = markdown();
        if text[start..end] == want {
            return;
        }
        if std::env::var_os("SIGMAFORGE_BLESS").is_some() {
            let updated = format!("{}{want}{}", &text[..start], &text[end..]);
            std::fs::write(&path, updated).expect("rewriting docs/validators.md");
            return;
        }
        panic!(
            "{DOC} is out of date with the validator registry; regenerate it with\n    \
             SIGMAFORGE_BLESS=1 cargo test --lib validate::registry::tests::docs_validators_md_is_current\n\
             (or paste the output of `sigmaforge list validators --format markdown` between the markers)"
        );
    }
}
