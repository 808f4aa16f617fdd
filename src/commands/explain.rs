//! `pkgallow explain CODE`: prints an audit rule's documentation (its doc comment), or
//! the list of rules without a code. An unknown code is an error (exit 2).

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;

use crate::audit::rules;
use crate::cli::ExplainArgs;

pub(crate) fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let text = if let Some(code) = &args.code {
        let Some(rule) = rules::find(code) else {
            bail!(
                "unknown rule `{code}`; run `pkgallow explain` for the list (A001 to {})",
                rules::RULES.last().map_or("A001", |rule| rule.meta().code)
            );
        };
        rules::documentation(rule.meta())
    } else {
        let mut out = String::new();
        for rule in rules::RULES {
            let meta = rule.meta();
            let _ = writeln!(
                out,
                "{}  {:<30} {:<8} {}",
                meta.code,
                meta.name,
                meta.severity.as_str(),
                meta.summary
            );
        }
        out
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
