//! `pkgallow scan`: prints endpoints in the chosen format, to standard output or
//! `--output FILE` (written atomically, an existing file replaced only with `--force`).
//! In table form the warnings go to standard error so that the table can be piped; the
//! other formats carry them inside.

use std::io::Write;
use std::path::Path;

use anyhow::bail;

use crate::cli::{ScanArgs, ScanFormat};
use crate::plan;
use crate::report;

pub(crate) fn run(args: &ScanArgs) -> anyhow::Result<()> {
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
    let scanned = super::run_scan(&args.input)?;
    let resolution = &scanned.resolution;
    let text = match args.format {
        ScanFormat::Table => report::table::render(resolution),
        ScanFormat::Json => report::json::render(resolution),
        ScanFormat::Markdown => report::markdown::render(resolution),
        ScanFormat::Html => {
            // The rules beside the evidence are what `generate` writes by default, with
            // the policy file's defaults, prefix and denied hosts.
            let mut plan = plan::build(&resolution.endpoints, scanned.policy.plan_options());
            plan.denied.clone_from(&scanned.denied);
            report::html::render(resolution, &plan, &scanned.project.excerpts)
        }
    };
    match destination {
        Some(path) => super::generate::write_atomically(path, &text)?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    if args.format == ScanFormat::Table && !resolution.diagnostics.is_empty() {
        let mut stderr = std::io::stderr().lock();
        stderr.write_all(b"\n")?;
        stderr.write_all(report::human::render(&resolution.diagnostics).as_bytes())?;
    }
    // Freeing a large tree's manifests and texts piece by piece takes tens of
    // milliseconds nobody waits for: a thread does it while the process exits (should
    // the thread not start, it is freed here).
    let _ = std::thread::Builder::new().spawn(move || drop(scanned));
    Ok(())
}
