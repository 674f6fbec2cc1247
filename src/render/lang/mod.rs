//! The query languages the targets embed: EQL and ES|QL text of the IR (Lucene `query_string` text
//! lives in [`crate::mapping::query_string`], because overrides match on it). Targets call these;
//! a language never knows which target wraps it.

pub mod eql;
pub mod esql;
