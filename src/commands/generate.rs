//! `pkgallow generate TARGET`: scans, builds the rule plan and renders it with the
//! target's emitter, to standard output or `--output FILE`. The file is written
//! atomically (a temporary file beside it, then a rename) and an existing file is only
//! replaced with `--force`. Scan warnings go to standard error.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

use crate::cli::{CloudName, GenerateArgs, Network, WildcardMode};
use crate::plan::{Cloud, NetworkMode, PlanOptions, Wildcards};
use crate::{emit, plan, report};

pub(crate) fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let destination = args
        .output
        .as_deref()
        .filter(|path| *path != Path::new("-"));
    if let Some(path) = destination
        && path.exists()
        && !args.force
    {
        bail!("`{}` exists; pass --force to overwrite it", path.display());
    }
    let resolution = super::run_scan(&args.input)?;
    let options = PlanOptions {
        network: match args.network {
            Network::Managed => NetworkMode::Managed,
            Network::CustomerManaged => NetworkMode::CustomerManaged,
            Network::Hybrid => NetworkMode::Hybrid,
        },
        wildcards: match args.wildcards {
            WildcardMode::Exact => Wildcards::Exact,
            WildcardMode::Collapse => Wildcards::Collapse,
        },
        include_azureml_core: args.include_azureml_core,
        cloud: match args.cloud {
            CloudName::Public => Cloud::Public,
            CloudName::China => Cloud::China,
            CloudName::Usgov => Cloud::UsGov,
        },
        workspace_name: args.workspace_name.clone(),
        resource_group: args.resource_group.clone(),
    };
    let plan = plan::build(&resolution.endpoints, options);
    let emitter = emit::emitter(args.target.name()).context("no emitter for this target")?;
    let text = emitter.render(&plan);
    match destination {
        Some(path) => write_atomically(path, &text)?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    if !resolution.diagnostics.is_empty() {
        std::io::stderr()
            .lock()
            .write_all(report::human::render(&resolution.diagnostics).as_bytes())?;
    }
    Ok(())
}

/// Writes to a temporary file in the same directory, then renames it over `path`, so a
/// reader never sees half a file and a failure leaves the old file untouched.
pub(crate) fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let directory = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .context("the output path names no file")?
        .to_string_lossy();
    let temporary = directory.join(format!(".{file_name}.pkgallow-{}.tmp", std::process::id()));
    fs_err::write(&temporary, text).context("cannot write the output")?;
    if let Err(error) = fs_err::rename(&temporary, path) {
        let _ = fs_err::remove_file(&temporary);
        return Err(error).context("cannot write the output");
    }
    Ok(())
}
