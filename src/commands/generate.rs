//! `pkgallow generate TARGET`: scans, builds the rule plan and renders it with the
//! target's emitter, to standard output or `--output FILE`. Scan warnings go to standard
//! error.

use std::io::Write;

use anyhow::Context;

use crate::cli::GenerateArgs;
use crate::{emit, plan, report};

pub(crate) fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let resolution = super::run_scan(&args.input)?;
    let mut plan = plan::build(&resolution.endpoints);
    plan.workspace_name.clone_from(&args.workspace_name);
    plan.resource_group.clone_from(&args.resource_group);
    let emitter = emit::emitter(args.target.name()).context("no emitter for this target")?;
    let text = emitter.render(&plan);
    match &args.output {
        Some(path) => fs_err::write(path, text).context("cannot write the output")?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    if !resolution.diagnostics.is_empty() {
        std::io::stderr()
            .lock()
            .write_all(report::human::render(&resolution.diagnostics).as_bytes())?;
    }
    Ok(())
}
