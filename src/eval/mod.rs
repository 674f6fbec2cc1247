//! Evaluating Sigma rules on JSON events (the engine behind `sigmaforge test`).
//!
//! Rules are evaluated from the typed model, never from rendered queries: each rule (with the filter
//! documents that name it) is compiled once ([`compile`]), then tested on every event, in parallel over
//! rules; correlations ([`correlation`]) run on the base rules' matches. The logsource is not
//! evaluated: the caller feeds the events it means the rules to see. Results come back in scan order
//! (path, document index), independent of thread scheduling.

pub mod backtest;
pub mod cases;
pub mod compile;
pub mod correlation;
pub mod elastic_view;
pub mod event;
pub mod matcher;
pub mod options;
pub mod reader;
pub mod ruleset;
pub mod stream;
pub mod suite;
pub mod time;
pub mod witness;

pub use event::{DEFAULT_MAX_EVENT_BYTES, Event, EventError, parse_events, read_events};
pub use options::{DEFAULT_TIMESTAMP_FIELDS, EvalOptions};
pub use ruleset::{EvalStatus, Report, RuleResult, RuleSet, Summary, evaluate};
