//! The integration tests, as one binary (`cargo test --test all`): one link of the library with
//! octocrab, tokio and wiremock instead of one per test file. Each former `tests/*.rs` file is a
//! module here; shared helpers live in [`util`]. Run one group with a filter, for example
//! `cargo test --test all lucene_oracle::`.

mod util;

mod attack_corpus;
mod attack_diff;
mod attack_layer;
mod attack_svg;
mod attack_tables;
mod conversion_proof;
mod corpus_parse;
mod deploy_kibana;
mod determinism;
mod es_rule_metadata;
mod eval_peers;
mod eval_regression;
mod field_catalog;
mod field_catalog_corpus;
mod first_day;
mod first_day_docs;
mod first_day_fork;
mod first_day_report;
mod first_day_workflows;
mod github_commands;
mod github_comment;
mod github_faults;
mod hostile_inputs;
mod import_cycles;
mod lucene_conformance;
mod lucene_oracle;
mod lucene_pysigma_diff;
mod lucene_regression;
mod lucene_snapshots;
mod mapping_docs;
mod mapping_golden;
mod mapping_legacy;
mod mapping_overrides_probe;
mod outputs;
mod parse_malformed;
mod pipelines;
mod release_files;
mod run_e2e;
mod targets_corpus;
mod targets_correlations;
mod targets_snapshots;
mod test_cli;
mod threat_attack_data;
mod validate_cli;
mod validate_fixtures;
