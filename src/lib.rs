//! sigmaforge: Sigma detection-as-code for Elastic.
//!
//! Data flows one way: discover → parse → validate → map → render → coverage → report.

pub mod artifacts;
pub mod attack;
pub mod compare;
pub mod config;
pub mod confine;
pub mod deploy;
pub mod diag;
pub mod discover;
pub mod embedded;
pub mod error_chain;
pub mod eval;
pub mod fieldcheck;
pub mod fsread;
pub mod github;
pub mod mapping;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod report;
pub mod rule;
pub mod scan;
pub mod validate;
