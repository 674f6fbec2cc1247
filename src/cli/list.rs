//! `sigmaforge list`: the built-in codes, validators, targets, mapping configs and pipelines.

use super::util::write_output;
use anyhow::Result;
use clap::ValueEnum;
use std::process::ExitCode;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ListWhat {
    /// Parser diagnostic codes.
    Codes,
    /// Validators with their pySigma equivalents.
    Validators,
    /// Conversion targets.
    Targets,
    /// Built-in mapping configs.
    Configs,
    /// Built-in pySigma processing pipelines.
    Pipelines,
}

#[derive(clap::Args, Debug)]
pub(super) struct ListArgs {
    /// What to list.
    #[arg(value_enum)]
    what: ListWhat,
    /// `markdown` (validators only): the table of docs/validators.md.
    #[arg(long, value_parser = ["text", "markdown"], default_value = "text")]
    format: String,
}

pub(super) fn list(args: ListArgs) -> Result<ExitCode> {
    let markdown = args.format == "markdown";
    anyhow::ensure!(
        !markdown || args.what == ListWhat::Validators,
        "--format markdown lists only validators"
    );
    match args.what {
        ListWhat::Validators if markdown => {
            write_output(None, &sigmaforge::validate::registry::markdown())?
        }
        ListWhat::Codes => {
            let mut out = String::new();
            for c in sigmaforge::rule::codes::ALL {
                out.push_str(&format!(
                    "{}  {:<24} {:<8} {}\n",
                    c.code, c.name, c.severity, c.doc
                ));
            }
            write_output(None, &out)?;
        }
        ListWhat::Validators => {
            let mut out = String::new();
            let attack_infos = sigmaforge::validate::attack_tags::INFOS.iter();
            let builtin = sigmaforge::validate::registry::builtin()
                .iter()
                .map(|v| v.info());
            let mut infos: Vec<_> = builtin.chain(attack_infos).collect();
            infos.sort_by_key(|i| i.code);
            for i in infos {
                let py = if i.pysigma.is_empty() {
                    format!("({})", i.origin.label())
                } else {
                    i.pysigma.join(", ")
                };
                out.push_str(&format!(
                    "{}  {:<40} {:<8} {:<48} {}\n",
                    i.code,
                    i.name,
                    i.severity.as_str(),
                    py,
                    i.doc
                ));
            }
            for (py, sf) in sigmaforge::validate::registry::PARSER_EQUIVALENTS {
                out.push_str(&format!(
                    "{sf}  (parser){:<32} {:<8} {py:<48} checked while parsing\n",
                    "", "-"
                ));
            }
            write_output(None, &out)?;
        }
        ListWhat::Targets => {
            let mut out = String::new();
            for t in sigmaforge::render::targets() {
                out.push_str(&format!("{:<14} {}\n", t.name(), t.about()));
            }
            write_output(None, &out)?;
        }
        ListWhat::Configs => {
            let mut out = String::new();
            for (name, _) in sigmaforge::mapping::builtin_configs() {
                let config = sigmaforge::mapping::load_config(name)?;
                out.push_str(&format!(
                    "{:<16} {}\n",
                    name,
                    config.title.as_deref().unwrap_or("")
                ));
            }
            write_output(None, &out)?;
        }
        ListWhat::Pipelines => {
            let mut out = String::new();
            for b in sigmaforge::mapping::pipeline::builtin_pipelines() {
                let p = sigmaforge::mapping::pipeline::load_pipeline(b.name)?;
                out.push_str(&format!(
                    "{:<20} priority {:<4} {}\n",
                    b.name, p.priority, b.about
                ));
            }
            write_output(None, &out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
