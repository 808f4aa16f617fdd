//! `pkgallow formats`: every supported format, its files and what is read from them.

use std::fmt::Write as _;
use std::io::Write;

use crate::cli::FormatsArgs;
use crate::formats::{FORMATS, markdown_table};

pub(crate) fn run(args: &FormatsArgs) -> anyhow::Result<()> {
    let text = if args.markdown {
        markdown_table()
    } else {
        let mut out = String::new();
        for format in FORMATS {
            let _ = writeln!(out, "{} ({})", format.title(), format.name());
            let _ = writeln!(out, "  files: {}", format.files().replace('`', ""));
            let _ = writeln!(out, "  reads: {}\n", format.reads().replace('`', ""));
        }
        out
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}
