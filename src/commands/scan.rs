//! `pkgallow scan`: prints endpoints in the chosen format, to standard output or
//! `--output FILE` (written atomically, an existing file replaced only with `--force`).
//! In table form the warnings go to standard error so that the table can be piped; the
//! other formats carry them inside.

use std::io::Write;
use std::path::Path;

use anyhow::bail;

use crate::cli::{ScanArgs, ScanFormat};
use crate::plan::{self, PlanOptions};
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
    let (project, resolution) = super::run_scan_project(&args.input)?;
    let text = match args.format {
        ScanFormat::Table => report::table::render(&resolution),
        ScanFormat::Json => report::json::render(&resolution),
        ScanFormat::Markdown => report::markdown::render(&resolution),
        ScanFormat::Html => {
            // The rules beside the evidence are what `generate` writes by default.
            let plan = plan::build(&resolution.endpoints, PlanOptions::default());
            report::html::render(&resolution, &plan, &project.files)
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
    Ok(())
}
