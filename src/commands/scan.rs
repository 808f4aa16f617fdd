//! `pkgallow scan`: prints endpoints in the chosen format; in table form the warnings go
//! to standard error so that the table can be piped.

use std::io::Write;

use crate::cli::{ScanArgs, ScanFormat};
use crate::report;

pub(crate) fn run(args: &ScanArgs) -> anyhow::Result<()> {
    let resolution = super::run_scan(&args.input)?.resolution;
    let text = match args.format {
        ScanFormat::Table => report::table::render(&resolution),
        ScanFormat::Json => report::json::render(&resolution),
        ScanFormat::Markdown => report::markdown::render(&resolution),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    if args.format == ScanFormat::Table && !resolution.diagnostics.is_empty() {
        let mut stderr = std::io::stderr().lock();
        stderr.write_all(b"\n")?;
        stderr.write_all(report::human::render(&resolution.diagnostics).as_bytes())?;
    }
    Ok(())
}
