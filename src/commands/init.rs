//! `pkgallow init`: writes the commented starter policy file ([`crate::policy::STARTER`])
//! to `pkgallow.toml` in the current directory, or to the given file or directory. An
//! existing file is replaced only with `--force`, atomically.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;

use crate::cli::InitArgs;
use crate::policy::{FILE_NAME, STARTER};

pub(crate) fn run(args: &InitArgs) -> anyhow::Result<()> {
    let mut path = args
        .path
        .clone()
        .or_else(|| args.output.clone())
        .unwrap_or_else(|| PathBuf::from(FILE_NAME));
    if path.is_dir() {
        path = path.join(FILE_NAME);
    }
    if path.exists() && !args.force {
        bail!("`{}` exists; pass --force to overwrite it", path.display());
    }
    super::generate::write_atomically(&path, STARTER)?;
    writeln!(
        std::io::stderr().lock(),
        "wrote {}: uncomment what the organisation needs; `pkgallow scan` and `pkgallow generate` read it",
        path.display()
    )?;
    Ok(())
}
