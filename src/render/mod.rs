//! Conversion targets: each renders the mapping IR (never rule text) into one artifact format.
//!
//! One module per target (`es_qs`, `es_rule`, `kibana`, `watcher`, `elastalert`, `eql`, `esql`); the
//! query languages they embed live in [`lang`], helpers two targets share in [`text`] and [`meta`], so
//! no target imports another. Targets are registered in [`targets`]; the CLI looks them up by name
//! (`-t es-qs`) and [`convert`] runs them over a scan. A target reports an `Err(reason)` for a rule it cannot
//! express faithfully; the rule is then `skipped` with that reason, never converted to something
//! that means something else.

pub mod convert;
pub mod elastalert;
pub mod eql;
pub mod es_qs;
pub mod es_rule;
pub mod es_rule_fields;
pub mod esql;
pub mod kibana;
pub mod lang;
pub mod meta;
pub mod output;
mod registry;
mod target;
pub mod text;
pub mod watcher;

pub use registry::{configured, configured_all, target, targets};
pub use target::{Outcome, RuleInput, Status, Target};
