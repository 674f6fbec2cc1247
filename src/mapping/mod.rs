//! Field mapping: configs (sigmac's format, chained), logsource matching, the target-neutral query IR
//! and its builder, and overrides on the IR.
//!
//! Flow: `ConfigSet::load(&["ecs-windows"])` → `set.build(&rule)` → [`RuleQueries`] → a target renders
//! each [`Query`]. Rules are never mutated; the IR is immutable once built.

mod build;
mod chain;
mod config;
pub mod ir;
pub mod overrides;
mod pattern;

pub use build::BuildError;
pub use chain::ConfigSet;
pub use config::{Config, MappingConfigError, builtin_configs, load_config};
pub use ir::{CaseStrategy, Expr, FieldTest, Keyword, Query, RuleQueries, Test};
pub use overrides::Override;
