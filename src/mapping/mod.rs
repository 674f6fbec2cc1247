//! Field mapping: configs (sigmac's format, chained), logsource matching, the target-neutral query IR
//! and its builder, overrides on the IR, and correlations resolved onto the IR.
//!
//! The files read bottom-up with no circle: `finding` ← `ir` ← `lower` ← `query_string` ←
//! `overrides`/`pattern` ← `config` ← `typing` ← `chain` ← `build` ← `correlation` (see
//! `docs/ARCHITECTURE.md`); `catalog` stands apart (fields per index) and `chain`/`typing` use it.
//!
//! Flow: `ConfigSet::load(&["ecs-windows"])` → `set.build(&rule)` → [`RuleQueries`] → a target renders
//! each [`Query`]. Rules are never mutated; the IR is immutable once built.

mod build;
pub mod catalog;
mod chain;
mod config;
pub mod correlation;
pub mod finding;
pub mod ir;
mod lower;
pub mod overrides;
mod pattern;
pub mod pipeline;
pub mod query_string;
pub mod typing;

pub use build::BuildError;
pub use chain::ConfigSet;
pub use config::{Config, MappingConfigError, builtin_configs, load_config};
pub use finding::{FieldFinding, FindingKind};
pub use ir::{CaseStrategy, Expr, FieldKind, FieldTest, Keyword, Query, RuleQueries, Test};
pub use overrides::Override;
