//! The Sigma model and its parsers: YAML with positions, values, modifiers, conditions, correlations and
//! filters.

pub mod codes;
pub mod condition;
pub mod file;
pub mod model;
pub mod modifier;
pub mod parse;
pub mod value;
pub mod yaml;

pub use model::*;
