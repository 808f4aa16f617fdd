//! `pkgallow check`: builds the targets (from a scan, a hosts list or a rules file),
//! probes them all from this machine and prints the table or JSON. Exit code 1 when any
//! probe failed, so that it can gate a compute instance's set-up.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, anyhow};

use crate::cli::{CheckArgs, CheckFormat};
use crate::wire::outcome;
use crate::wire::probe::{self, ProbeOptions};
use crate::wire::proxy_env::ProxySettings;
use crate::wire::resolver::Resolver;
use crate::wire::target::{self, Target};
use crate::wire::{self, allowlist, tls};

pub(crate) fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let targets = targets(args)?;
    let mut resolver = Resolver::system();
    for spec in &args.resolve {
        resolver
            .add(spec)
            .map_err(|error| anyhow!("--resolve: {error}"))?;
    }
    let mut bundles = Vec::new();
    for path in &args.ca_file {
        let pem = fs_err::read(path).context("cannot read --ca-file")?;
        bundles.push((path.display().to_string(), pem));
    }
    if let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|path| !path.is_empty()) {
        let pem = fs_err::read(&path).context("cannot read SSL_CERT_FILE")?;
        bundles.push((std::path::Path::new(&path).display().to_string(), pem));
    }
    let tls = tls::client_config(&bundles).map_err(|error| anyhow!(error))?;
    let proxy = ProxySettings::from_vars(|name| std::env::var(name).ok())
        .map_err(|error| anyhow!(error))?;
    let options = ProbeOptions {
        timeout: args.timeout,
        concurrency: usize::from(args.concurrency),
        resolver,
        tls,
        proxy,
    };
    let runtime = wire::runtime().context("cannot start the network runtime")?;
    let outcomes = runtime.block_on(probe::probe_all(targets, options));
    let text = match args.format {
        CheckFormat::Table if outcomes.is_empty() => "no endpoints to check\n".to_string(),
        CheckFormat::Table => outcome::render_table(&outcomes),
        CheckFormat::Json => outcome::render_json(&outcomes),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    let failed = outcomes.iter().any(|outcome| outcome.status.is_failure());
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The targets the arguments name; unusable lines of a hosts list are warnings.
fn targets(args: &CheckArgs) -> anyhow::Result<Vec<Target>> {
    if let Some(path) = &args.hosts {
        let text = fs_err::read_to_string(path).context("cannot read the hosts list")?;
        let display = path.display().to_string();
        let (targets, bad) = target::parse_hosts(&display, &text);
        let mut stderr = std::io::stderr().lock();
        for line in bad {
            writeln!(
                stderr,
                "warning: {display}:{}: {} (line skipped)",
                line.line, line.message
            )?;
        }
        return Ok(targets);
    }
    if let Some(path) = &args.rules {
        let text = fs_err::read_to_string(path).context("cannot read the rules file")?;
        let display = path.display().to_string();
        let rules = allowlist::load(&display, &text).map_err(|error| anyhow!(error))?;
        return rules
            .patterns
            .iter()
            .map(|pattern| {
                target::parse_entry(pattern, &display)
                    .map_err(|error| anyhow!("{display}: {error}"))
            })
            .collect();
    }
    let resolution = super::run_scan(&args.input)?.resolution;
    if !resolution.diagnostics.is_empty() {
        std::io::stderr()
            .lock()
            .write_all(crate::report::human::render(&resolution.diagnostics).as_bytes())?;
    }
    Ok(target::from_endpoints(&resolution.endpoints))
}
