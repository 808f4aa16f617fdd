//! pkgallow reads a repository's dependency files, works out which hosts its package
//! installs need (with the companions people forget, and `path:line` evidence for every
//! one), and writes the outbound rules a locked-down Azure Machine Learning workspace
//! needs.
//!
//! The pipeline is discover → parse → resolve → emit; see ARCHITECTURE.md. Everything
//! but `discover` (reads files) and `commands` (prints, writes) is pure.

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
pub mod model;
pub mod plan;
pub mod redact;
pub mod remote;
pub mod report;
pub mod resolve;
pub mod source;

use cli::{Cli, Command};

/// Runs a parsed command line.
pub fn run(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Scan(args) => commands::scan::run(args),
        Command::Generate(args) => commands::generate::run(args),
        Command::Formats(args) => commands::formats::run(args),
    }
}
