//! Deploying Elastic Security rules to Kibana: plan (what would change, per space) and apply
//! (import, disable or delete), so the repository is the source of truth for production.
//! `docs/deploy.md` describes the design; this file only declares and re-exports.

pub mod apply;
pub mod client;
mod error;
pub mod kibana_rules;
pub mod plan;
pub mod run;
pub mod summary;
pub mod version;

pub use apply::{ApplyOutcome, RuleFailure};
pub use client::{ClientOptions, Credentials, KibanaClient};
pub use error::{DeployError, Result};
pub use kibana_rules::{BulkAction, LiveRule, Space};
pub use plan::{Desired, Plan, PlannedRule, SpacePlan};
pub use run::{DEFAULT_CHUNK, DeploySettings, deploy};
pub use summary::plan_markdown;
