//! The blocking entry points the CLI calls: read the live state of every space, plan, and
//! optionally apply, all under one client (one deadline).

use super::apply::{ApplyOutcome, apply};
use super::client::{ClientOptions, Credentials, KibanaClient};
use super::error::{DeployError, Result};
use super::kibana_rules::{BulkAction, Space, find_owned};
use super::plan::{Desired, Plan, check_desired, plan_space};

/// Everything a deploy run needs besides the rules.
#[derive(Debug, Clone)]
pub struct DeploySettings {
    /// Kibana base URL.
    pub kibana_url: String,
    /// Spaces to deploy to (each gets the same rules).
    pub spaces: Vec<Space>,
    /// Authentication (from the environment).
    pub credentials: Credentials,
    /// TLS, timeouts, deadline, retries.
    pub client: ClientOptions,
    /// Delete rules removed from the repository instead of disabling them.
    pub delete_removed: bool,
    /// Rules per `_import` request.
    pub chunk: usize,
}

/// Default rules per `_import` request: well under Kibana's default upload limit
/// (`xpack.securitySolution.maxRuleImportPayloadBytes`, 10 MB) for typical rules.
pub const DEFAULT_CHUNK: usize = 200;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DeployError::Runtime)
}

async fn make_plan(
    client: &KibanaClient,
    settings: &DeploySettings,
    desired: &[Desired],
) -> Result<Plan> {
    let action = if settings.delete_removed {
        BulkAction::Delete
    } else {
        BulkAction::Disable
    };
    let mut spaces = Vec::new();
    for space in &settings.spaces {
        let live = find_owned(client, space).await?;
        spaces.push(plan_space(space.clone(), desired, &live, action));
    }
    Ok(Plan { spaces })
}

/// Read the live state and plan; `apply` also applies the plan. A plan-only run sends no write.
pub fn deploy(
    settings: &DeploySettings,
    desired: &[Desired],
    apply_it: bool,
) -> Result<(Plan, Option<ApplyOutcome>)> {
    check_desired(desired)?;
    if settings.spaces.is_empty() {
        return Err(DeployError::Config("no space to deploy to".to_string()));
    }
    let rt = runtime()?;
    rt.block_on(async {
        let client = KibanaClient::new(
            &settings.kibana_url,
            settings.credentials.clone(),
            settings.client.clone(),
        )?;
        let plan = make_plan(&client, settings, desired).await?;
        let outcome = if apply_it {
            Some(apply(&client, &plan, settings.chunk).await?)
        } else {
            None
        };
        Ok((plan, outcome))
    })
}
