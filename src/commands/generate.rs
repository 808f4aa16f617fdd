//! `pkgallow generate TARGET`: scans, builds the rule plan and renders it with the
//! target's emitter, to standard output or `--output FILE`. The file is written
//! atomically (a temporary file beside it, then a rename) and an existing file is only
//! replaced with `--force`. Scan warnings go to standard error.
//!
//! `--merge FILE` (azureml-yaml only) reads and checks an existing workspace YAML before
//! scanning, then writes that file with the rules merged in (see
//! [`crate::emit::azureml_yaml::merge`]) to the same destination as any output, and
//! reports what it added or kept on standard error. FILE is never written as such: it
//! changes only when it is also `--output` (with `--force`, as any existing file), and
//! then atomically, so an error leaves it untouched.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, anyhow, bail};

use crate::cli::{CloudName, GenerateArgs, Network, Target, WildcardMode};
use crate::emit::azureml_yaml::merge::{MergeError, Workspace};
use crate::plan::{Cloud, NetworkMode, PlanOptions, Wildcards};
use crate::{emit, plan, report};

pub(crate) fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    if args.merge.is_some() && args.target != Target::AzuremlYaml {
        bail!(
            "--merge works only with the azureml-yaml target (it edits a workspace YAML), not with {}",
            args.target.name()
        );
    }
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
    // Read and check the file to merge into first: a bad file fails before any scan.
    let existing = match &args.merge {
        Some(path) => Some((
            path.as_path(),
            fs_err::read_to_string(path).context("cannot read the workspace YAML to merge into")?,
        )),
        None => None,
    };
    let workspace = match &existing {
        Some((path, text)) => Some((
            *path,
            Workspace::parse(text).map_err(|error| located(path, &error))?,
        )),
        None => None,
    };
    let scanned = super::run_scan(&args.input)?;
    let resolution = &scanned.resolution;
    // Flags win over the policy file's `[generate]` defaults.
    let defaults = &scanned.policy.generate;
    let options = PlanOptions {
        network: args
            .network
            .map(|network| match network {
                Network::Managed => NetworkMode::Managed,
                Network::CustomerManaged => NetworkMode::CustomerManaged,
                Network::Hybrid => NetworkMode::Hybrid,
            })
            .or(defaults.network)
            .unwrap_or_default(),
        wildcards: args
            .wildcards
            .map(|wildcards| match wildcards {
                WildcardMode::Exact => Wildcards::Exact,
                WildcardMode::Collapse => Wildcards::Collapse,
            })
            .or(defaults.wildcards)
            .unwrap_or_default(),
        include_azureml_core: args.include_azureml_core,
        cloud: args
            .cloud
            .map(|cloud| match cloud {
                CloudName::Public => Cloud::Public,
                CloudName::China => Cloud::China,
                CloudName::Usgov => Cloud::UsGov,
            })
            .or(defaults.cloud)
            .unwrap_or_default(),
        workspace_name: args
            .workspace_name
            .clone()
            .or_else(|| defaults.workspace_name.clone()),
        resource_group: args
            .resource_group
            .clone()
            .or_else(|| defaults.resource_group.clone()),
        rule_prefix: scanned.policy.rule_prefix.clone(),
        from_logs: Vec::new(),
    };
    let mut plan = plan::build(&resolution.endpoints, options);
    plan.denied.clone_from(&scanned.denied);
    let emitter = emit::emitter(args.target.name()).context("no emitter for this target")?;
    let (text, merge_report) = match &workspace {
        Some((path, workspace)) => {
            let merged = workspace
                .merge(&plan)
                .map_err(|error| located(path, &error))?;
            let mut lines = String::new();
            for note in &merged.notes {
                match note.warning_line() {
                    Some(line) => {
                        let _ = writeln!(lines, "warning: {}:{line}: {note}", path.display());
                    }
                    None => {
                        let _ = writeln!(lines, "{note}");
                    }
                }
            }
            (merged.text, lines)
        }
        None => (emitter.render(&plan), String::new()),
    };
    match destination {
        Some(path) => write_atomically(path, &text)?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(merge_report.as_bytes())?;
    if !resolution.diagnostics.is_empty() {
        stderr.write_all(report::human::render(&resolution.diagnostics).as_bytes())?;
    }
    Ok(())
}

/// A merge error with the file and, where known, the line and column:
/// `workspace.yml:3:7: not valid YAML: …`.
fn located(path: &Path, error: &MergeError) -> anyhow::Error {
    match error.position() {
        Some((line, column)) => anyhow!("{}:{line}:{column}: {error}", path.display()),
        None => anyhow!("{}: {error}", path.display()),
    }
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
