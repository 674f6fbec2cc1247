//! Validators: checks that go beyond "does the rule parse", from pySigma's validator set, SigmaHQ's CI
//! tests and repository-wide consistency rules.
//!
//! Every validator lives in its own file, owns one stable `SVnnn` code and reports through the shared
//! [`Diagnostic`] type, so every report format (text, JSON, SARIF, GitHub, JUnit) renders them alike.
//! Findings of other stages plug in through [`run_with`] (see [`Validator`]), e.g. the ATT&CK tag checks.

/// Declares a validator's unit struct, its static [`Info`] and its [`Validator`] implementation (whose
/// hooks are the file's [`registry::Check`] implementation), so each file reads as "what it is"
/// followed by "how it checks" and the description is written once.
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
        impl $crate::validate::registry::Validator for V {
            fn info(&self) -> &'static $crate::validate::registry::Info {
                &INFO
            }
            fn check_file(&self, f: &$crate::validate::FileCx<'_>, o: &mut $crate::validate::Findings<'_>) {
                $crate::validate::registry::Check::check_file(self, f, o)
            }
            fn check_doc(&self, d: &$crate::validate::DocCx<'_>, o: &mut $crate::validate::Findings<'_>) {
                $crate::validate::registry::Check::check_doc(self, d, o)
            }
            fn check_repo(&self, r: &$crate::validate::RepoCx<'_>, o: &mut $crate::validate::Findings<'_>) {
                $crate::validate::registry::Check::check_repo(self, r, o)
            }
        }
    };
}

/// Declares the modules of the built-in validators from the registry's list.
macro_rules! validator_modules {
    ($($m:ident),* $(,)?) => {
        $(mod $m;)*
    };
}

pub mod attack_tags;
pub mod config;
pub mod context;
pub mod data;
pub mod date;
pub mod info;
#[macro_use]
pub mod registry;
pub mod util;

with_builtin_list!(validator_modules);

pub use context::{DocCx, FileCx, Findings, RepoCx};
use registry::Check;
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
    run_with_findings(scan, config, extra, Vec::new())
}

/// [`run_with`] plus findings made outside the validators (the field catalog's `SF2xx`, see
/// `fieldcheck`), so the configuration's severities, `disable` and exclusions apply to them too.
pub fn run_with_findings(
    scan: &Scan,
    config: &ValidationConfig,
    extra: &[&dyn Validator],
    findings: Vec<Diagnostic>,
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
    drop_superseded(&mut all);
    all.extend(scan.diagnostics.iter().cloned());
    all.extend(findings);
    let mut all = config.apply(all, &infos, |path, line| repo.rule_ids_at(path, line));
    for d in &mut all {
        add_disable_hint(d, &infos);
    }
    diag::normalize(&mut all);
    all
}

/// One finding per problem: drops the `dropped` half of a [`registry::SUPERSEDES`] pair reported
/// at the same position as its `kept` half.
fn drop_superseded(all: &mut Vec<Diagnostic>) {
    let kept: std::collections::HashSet<(&str, &str, u32, u32)> = registry::SUPERSEDES
        .iter()
        .flat_map(|(kept, dropped)| {
            all.iter()
                .filter(move |d| d.code == *kept)
                .map(move |d| (*dropped, d.path.as_str(), d.line, d.col))
        })
        .collect();
    let drop: Vec<bool> = all
        .iter()
        .map(|d| kept.contains(&(d.code.as_str(), d.path.as_str(), d.line, d.col)))
        .collect();
    let mut flags = drop.into_iter();
    all.retain(|_| !flags.next().unwrap_or(false));
}

/// Every finding that can be switched off says how; parser errors cannot (the rule must be fixed).
fn add_disable_hint(d: &mut Diagnostic, infos: &[&Info]) {
    let key = match infos.iter().find(|i| i.code == d.code) {
        Some(info) => info.name.to_string(),
        None if d.severity == diag::Severity::Error => return,
        None => d.code.clone(),
    };
    d.message.push_str(&format!(
        " (to disable: `validation: {{disable: [{key}]}}`)"
    ));
}
