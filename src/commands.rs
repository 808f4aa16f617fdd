//! The edge: the only code that reads arguments, prints and writes files. Each
//! subcommand is one module.

pub(crate) mod check;
pub(crate) mod formats;
pub(crate) mod generate;
pub(crate) mod record;
pub(crate) mod scan;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::ScanInput;
use crate::discover::{self, ScanOptions};
use crate::knowledge::Knowledge;
use crate::resolve::{self, Resolution};

/// Scans the input paths: discovery, parsing and resolution against the knowledge base.
pub(crate) fn run_scan(input: &ScanInput) -> anyhow::Result<Resolution> {
    let mut extra = Vec::new();
    for path in &input.knowledge {
        let text = fs_err::read_to_string(path).context("cannot read the knowledge file")?;
        extra.push((path.display().to_string(), text));
    }
    let knowledge = Knowledge::load(&extra).context("invalid knowledge file")?;
    let paths = if input.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        input.paths.clone()
    };
    let options = ScanOptions {
        env: input
            .env
            .then(|| std::env::vars().collect::<BTreeMap<String, String>>()),
    };
    let project = discover::discover(&paths, &options)?;
    Ok(resolve::resolve(&project, &knowledge))
}
