//! Options shared by the ATT&CK coverage commands (`layer`, `coverage stats`, `coverage diff`).

use anyhow::Result;
use std::path::PathBuf;

/// Options shared by every ATT&CK coverage command.
#[derive(clap::Args, Debug, Clone)]
pub(super) struct CoverageFilterArgs {
    /// ATT&CK data (a sigmaforge table or a MITRE STIX bundle) instead of the embedded v19.1 tables.
    #[arg(long)]
    pub(super) attack_data: Option<PathBuf>,
    /// Matrix: enterprise, ics or mobile.
    #[arg(long, default_value = "enterprise", value_parser = parse_domain)]
    pub(super) domain: sigmaforge::attack::Domain,
    /// Score of a technique: count (rules), level (weighted by level) or status (weighted by status).
    #[arg(long, default_value = "count", value_parser = parse_score)]
    pub(super) score: sigmaforge::attack::ScoreMode,
    /// Only rules with one of these statuses (repeatable).
    #[arg(long = "status")]
    pub(super) statuses: Vec<String>,
    /// Only rules at least this mature (experimental < test < stable).
    #[arg(long)]
    pub(super) min_status: Option<String>,
    /// Only rules at this level or above.
    #[arg(long)]
    pub(super) min_level: Option<String>,
    /// Only rules under these folders (repeatable, repository-relative).
    #[arg(long = "include")]
    pub(super) include: Vec<String>,
    /// Drop rules under these folders (repeatable).
    #[arg(long = "exclude")]
    pub(super) exclude: Vec<String>,
}

impl CoverageFilterArgs {
    /// The rule filter, checked (unknown status or level names are errors).
    pub(super) fn filter(&self) -> Result<sigmaforge::attack::RuleFilter> {
        let f = sigmaforge::attack::RuleFilter {
            statuses: self.statuses.clone(),
            min_level: self.min_level.clone(),
            min_status: self.min_status.clone(),
            include_folders: self.include.clone(),
            exclude_folders: self.exclude.clone(),
        };
        f.validate()?;
        Ok(f)
    }
}

fn parse_domain(s: &str) -> Result<sigmaforge::attack::Domain, String> {
    sigmaforge::attack::Domain::parse(s)
        .ok_or_else(|| format!("unknown domain `{s}` (use enterprise, ics or mobile)"))
}

fn parse_score(s: &str) -> Result<sigmaforge::attack::ScoreMode, String> {
    sigmaforge::attack::ScoreMode::parse(s)
        .ok_or_else(|| format!("unknown score `{s}` (use count, level or status)"))
}
