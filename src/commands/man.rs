//! `pkgallow man [SUBCOMMAND]`: manual pages in roff, generated from the command line's
//! definition by `clap_mangen`, so they never fall behind the flags. `pkgallow man` is
//! pkgallow(1), which lists the subcommands as pkgallow-scan(1), pkgallow-generate(1), …;
//! `pkgallow man scan` prints that page. Install with
//! `pkgallow man > …/man1/pkgallow.1` and `pkgallow man scan > …/man1/pkgallow-scan.1`.

use anyhow::{Context, bail};
use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};

pub(crate) fn run(args: &ManArgs) -> anyhow::Result<()> {
    let page = render(args.subcommand.as_deref())?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), &page)?;
    Ok(())
}

/// The roff text of pkgallow(1), or of pkgallow-SUBCOMMAND(1).
pub(crate) fn render(subcommand: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let command = Cli::command();
    let page = match subcommand {
        None => command,
        Some(name) => {
            let Some(sub) = command.find_subcommand(name) else {
                let names: Vec<&str> = command
                    .get_subcommands()
                    .map(clap::Command::get_name)
                    .filter(|name| *name != "help")
                    .collect();
                bail!("no subcommand `{name}` (one of: {})", names.join(", "));
            };
            sub.clone()
                .name(format!("pkgallow-{name}"))
                .bin_name(format!("pkgallow {name}"))
                .version(crate::knowledge::VERSION)
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .context("cannot render the manual page")?;
    Ok(out)
}
