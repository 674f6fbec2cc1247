//! pySigma processing pipelines: read (`model`), shipped (`builtin`) and applied to the IR
//! (`transform`). Files read bottom-up: `model` ← `builtin`, `model` ← `transform`.

mod builtin;
mod model;
pub(crate) mod transform;

pub use builtin::{
    BuiltinPipeline, LoadPipelineError, PIPELINE_FILE, builtin_pipelines, load_pipeline,
    order_pipelines,
};
pub use model::{Pipeline, PipelineError};
