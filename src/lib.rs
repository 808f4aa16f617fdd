//! pkgallow reads a repository's dependency files, works out which hosts its package
//! installs need (with the companions people forget, and `path:line` evidence for every
//! one), and writes the outbound rules a locked-down Azure Machine Learning workspace
//! needs.
//!
//! The pipeline is discover → parse → resolve → emit; see ARCHITECTURE.md. Everything
//! but `discover` (reads files) and `commands` (prints, writes) is pure.

pub mod audit;
pub mod azureml_core;
pub mod cli;
mod commands;
pub mod container;
pub mod diagnostic;
pub mod discover;
pub mod emit;
pub mod formats;
pub mod host;
pub mod knowledge;
pub mod limits;
pub mod logs;
pub mod model;
pub mod plan;
pub mod policy;
pub mod redact;
pub mod remote;
pub mod report;
pub mod resolve;
pub mod runtime;
pub mod source;
pub mod wire;

use std::process::ExitCode;

use cli::{Cli, Command};

/// Runs a parsed command line. The exit code is the command's own verdict (0 clean,
/// 1 findings for the commands that gate CI); an `Err` means usage or I/O failure, which
/// the binary turns into exit code 2.
pub fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Scan(args) => commands::scan::run(args).map(|()| ExitCode::SUCCESS),
        Command::Generate(args) => commands::generate::run(args).map(|()| ExitCode::SUCCESS),
        Command::Formats(args) => commands::formats::run(args).map(|()| ExitCode::SUCCESS),
        Command::Init(args) => commands::init::run(args).map(|()| ExitCode::SUCCESS),
        Command::Completions(args) => commands::completions::run(args).map(|()| ExitCode::SUCCESS),
        Command::Man(args) => commands::man::run(args).map(|()| ExitCode::SUCCESS),
        Command::ExplainLog(args) => commands::explain_log::run(args),
        Command::Audit(args) => commands::audit::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Record(args) => commands::record::run(args),
    }
}
