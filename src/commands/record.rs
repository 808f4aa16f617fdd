//! `pkgallow record [--enforce RULES] -- COMMAND…`: starts the forward proxy on
//! 127.0.0.1, runs the command with every proxy variable installers read pointing at it
//! (and `NO_PROXY` cleared, so nothing bypasses it), waits for it, and writes the hosts
//! it asked for as scan JSON. Ctrl-C or a termination signal is passed on to the command
//! and the proxy stops after it; the command's exit code is pkgallow's. What was denied
//! (with `--enforce`) or failed is summarised on standard error, with the rule that
//! would allow each denied host.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::{ExitCode, ExitStatus, Stdio};

use anyhow::{Context, anyhow};

use crate::cli::{RecordArgs, RecordEcosystem};
use crate::model::{Ecosystem, Endpoint, Evidence, Kind};
use crate::resolve::Resolution;
use crate::wire::allowlist::{self, Allowlist};
use crate::wire::proxy::{Proxy, ProxyConfig, Verdict, Visit};
use crate::wire::resolver::Resolver;
use crate::{plan, redact, report, wire};

/// Variables that point installers at the proxy: the common ones in both cases, then
/// those of installers that read their own (pip's `--proxy`, npm's and yarn's config;
/// uv and conda read the common ones).
const PROXY_VARIABLES: [&str; 11] = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "PIP_PROXY",
    "npm_config_proxy",
    "npm_config_https_proxy",
    "YARN_HTTP_PROXY",
    "YARN_HTTPS_PROXY",
];

/// Variables that would let requests bypass the proxy.
const BYPASS_VARIABLES: [&str; 3] = ["NO_PROXY", "no_proxy", "npm_config_noproxy"];

pub(crate) fn run(args: &RecordArgs) -> anyhow::Result<ExitCode> {
    let allowlist = match &args.enforce {
        Some(path) => {
            let text = fs_err::read_to_string(path).context("cannot read the --enforce rules")?;
            Some(allowlist::load(&path.display().to_string(), &text).map_err(|e| anyhow!(e))?)
        }
        None => None,
    };
    let mut resolver = Resolver::system();
    for spec in &args.resolve {
        resolver
            .add(spec)
            .map_err(|error| anyhow!("--resolve: {error}"))?;
    }
    let (program, rest) = args
        .command
        .split_first()
        .context("no command to run after `--`")?;
    let command_line = redact::text(
        &args
            .command
            .iter()
            .map(|part| part.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
    );
    let ecosystem = args
        .ecosystem
        .map_or_else(|| guess_ecosystem(Path::new(program)), ecosystem_of);
    let runtime = wire::runtime().context("cannot start the network runtime")?;
    let config = ProxyConfig::new(allowlist.clone(), resolver);
    let (status, visits) = runtime.block_on(async {
        let proxy = Proxy::start(config)
            .await
            .context("cannot start the proxy on 127.0.0.1")?;
        let url = format!("http://{}", proxy.address());
        let mut command = tokio::process::Command::new(program);
        command.args(rest);
        for name in PROXY_VARIABLES {
            command.env(name, &url);
        }
        for name in BYPASS_VARIABLES {
            command.env_remove(name);
        }
        if args.out.is_none() {
            // Standard output carries the JSON; the command's output goes beside the
            // summary on standard error.
            command.stdout(stderr_handle()?);
        }
        // Watch for signals before the command starts, so that none is missed.
        let signals = Signals::new()?;
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot run `{}`", Path::new(program).display()))?;
        let status = signals.wait(&mut child).await;
        let visits = proxy.stop().await;
        anyhow::Ok((status?, visits))
    })?;
    let resolution = Resolution {
        endpoints: endpoints(&visits, ecosystem, &command_line, allowlist.as_ref()),
        diagnostics: Vec::new(),
    };
    let json = report::json::render(&resolution);
    match &args.out {
        Some(path) => fs_err::write(path, &json).context("cannot write --out")?,
        None => std::io::stdout().lock().write_all(json.as_bytes())?,
    }
    std::io::stderr()
        .lock()
        .write_all(summary(&visits, allowlist.as_ref()).as_bytes())?;
    Ok(exit_code(status))
}

/// A duplicate of this process's standard error for the child's standard output.
fn stderr_handle() -> anyhow::Result<Stdio> {
    use std::os::fd::AsFd;
    let duplicate = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .context("cannot duplicate standard error")?;
    Ok(Stdio::from(duplicate))
}

/// The signals passed on to the command: Ctrl-C, termination and hang-up.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt()).context("cannot watch for Ctrl-C")?,
            terminate: signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?,
            hangup: signal(SignalKind::hangup()).context("cannot watch for SIGHUP")?,
        })
    }

    /// Waits for the child, passing each signal on to it.
    async fn wait(mut self, child: &mut tokio::process::Child) -> anyhow::Result<ExitStatus> {
        loop {
            let forward = tokio::select! {
                status = child.wait() => return status.context("cannot wait for the command"),
                _ = self.interrupt.recv() => nix::sys::signal::Signal::SIGINT,
                _ = self.terminate.recv() => nix::sys::signal::Signal::SIGTERM,
                _ = self.hangup.recv() => nix::sys::signal::Signal::SIGHUP,
            };
            // A terminal's Ctrl-C reaches the whole process group, the command included;
            // a signal sent to pkgallow alone must reach the command too.
            if let Some(id) = child.id().and_then(|id| i32::try_from(id).ok()) {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(id), forward);
            }
        }
    }
}

/// The command's exit code; killed by a signal, 128 + its number as shells report it.
fn exit_code(status: ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn ecosystem_of(ecosystem: RecordEcosystem) -> Ecosystem {
    match ecosystem {
        RecordEcosystem::Python => Ecosystem::Python,
        RecordEcosystem::Conda => Ecosystem::Conda,
        RecordEcosystem::Container => Ecosystem::Container,
        RecordEcosystem::Os => Ecosystem::Os,
        RecordEcosystem::Npm => Ecosystem::Npm,
    }
}

/// The ecosystem a program installs for, by its name; Python when unknown.
fn guess_ecosystem(program: &Path) -> Ecosystem {
    let name = program
        .file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.trim_end_matches(".exe");
    match name {
        "conda" | "mamba" | "micromamba" | "conda-lock" | "pixi" => Ecosystem::Conda,
        "npm" | "npx" | "yarn" | "pnpm" | "node" | "bun" => Ecosystem::Npm,
        "docker" | "podman" | "buildah" | "skopeo" | "crane" => Ecosystem::Container,
        "apt" | "apt-get" | "apk" | "dnf" | "yum" | "tdnf" => Ecosystem::Os,
        _ => Ecosystem::Python,
    }
}

/// One endpoint per host and port, sorted as a scan's are.
fn endpoints(
    visits: &[Visit],
    ecosystem: Ecosystem,
    command_line: &str,
    allowlist: Option<&Allowlist>,
) -> Vec<Endpoint> {
    let mut by_host: BTreeMap<(&str, u16), Vec<&Visit>> = BTreeMap::new();
    for visit in visits {
        by_host
            .entry((&visit.host, visit.port))
            .or_default()
            .push(visit);
    }
    by_host
        .into_iter()
        .map(|((host, port), visits)| {
            let tunnel = visits.iter().any(|visit| visit.tunnel);
            let how = if tunnel {
                "CONNECT tunnel"
            } else {
                "plain HTTP"
            };
            let connected = visits
                .iter()
                .any(|visit| visit.verdict == Verdict::Connected);
            let denied = visits.iter().any(|visit| visit.verdict == Verdict::Denied);
            let purpose = if connected {
                format!("contacted by the recorded command ({how})")
            } else if denied {
                format!(
                    "asked for by the recorded command ({how}), denied: not allowed by {}",
                    allowlist.map_or("the allowlist", |list| list.source.as_str())
                )
            } else {
                let reason = visits
                    .iter()
                    .find_map(|visit| match &visit.verdict {
                        Verdict::Failed(reason) => Some(reason.as_str()),
                        _ => None,
                    })
                    .unwrap_or("unknown");
                format!("asked for by the recorded command ({how}), not reached: {reason}")
            };
            Endpoint {
                host: host.to_string(),
                port,
                scheme: if tunnel { "https" } else { "http" }.to_string(),
                ecosystem,
                kind: Kind::Observed,
                purpose,
                evidence: [Evidence {
                    path: format!("record: {command_line}"),
                    line: 0,
                    fetches: None,
                }]
                .into(),
                knowledge: None,
                service_domain: None,
            }
        })
        .collect()
}

/// The closing lines on standard error: counts, then denied hosts with the rule that
/// allows each, then failed connections.
fn summary(visits: &[Visit], allowlist: Option<&Allowlist>) -> String {
    let mut hosts: BTreeMap<(&str, u16), (bool, bool, Option<&str>)> = BTreeMap::new();
    for visit in visits {
        let entry = hosts
            .entry((&visit.host, visit.port))
            .or_insert((false, false, None));
        match &visit.verdict {
            Verdict::Connected => entry.0 = true,
            Verdict::Denied => entry.1 = true,
            Verdict::Failed(reason) => entry.2 = Some(reason),
        }
    }
    let denied: Vec<_> = hosts.iter().filter(|(_, state)| state.1).collect();
    let failed: Vec<_> = hosts
        .iter()
        .filter(|(_, state)| !state.0 && !state.1 && state.2.is_some())
        .collect();
    let connected = hosts.values().filter(|state| state.0).count();
    let mut out = format!(
        "pkgallow record: {} host{} asked for: {connected} connected, {} denied, {} failed\n",
        hosts.len(),
        if hosts.len() == 1 { "" } else { "s" },
        denied.len(),
        failed.len()
    );
    if !denied.is_empty() {
        let source = allowlist.map_or("the allowlist", |list| list.source.as_str());
        let _ = writeln!(
            out,
            "denied (not allowed by {source}); to allow them, add these FQDN rules:"
        );
        for ((host, port), _) in &denied {
            let _ = writeln!(
                out,
                "  {host}:{port}  rule `{}` type fqdn destination `{host}`",
                plan::rule_name(host)
            );
        }
    }
    if !failed.is_empty() {
        out.push_str("not reached (the proxy could not connect):\n");
        for ((host, port), state) in &failed {
            let _ = writeln!(out, "  {host}:{port}  {}", state.2.unwrap_or_default());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(host: &str, port: u16, tunnel: bool, verdict: Verdict) -> Visit {
        Visit {
            host: host.into(),
            port,
            tunnel,
            verdict,
        }
    }

    #[test]
    fn visits_become_endpoints_and_a_summary() {
        let visits = [
            visit("pkgs.test", 8080, false, Verdict::Connected),
            visit("pkgs.test", 8080, false, Verdict::Connected),
            visit("evil.test", 443, true, Verdict::Denied),
            visit("gone.test", 443, true, Verdict::Failed("refused".into())),
        ];
        let list = Allowlist {
            source: "allow.txt".into(),
            patterns: vec!["pkgs.test".into()],
        };
        let endpoints = endpoints(&visits, Ecosystem::Python, "pip download x", Some(&list));
        let hosts: Vec<_> = endpoints
            .iter()
            .map(|e| (e.host.as_str(), e.port))
            .collect();
        assert_eq!(
            hosts,
            [("evil.test", 443), ("gone.test", 443), ("pkgs.test", 8080)]
        );
        assert_eq!(endpoints[2].scheme, "http");
        assert!(
            endpoints[0].purpose.contains("denied"),
            "{}",
            endpoints[0].purpose
        );
        assert!(endpoints[1].purpose.ends_with("not reached: refused"));
        let summary = summary(&visits, Some(&list));
        assert_eq!(
            summary,
            "pkgallow record: 3 hosts asked for: 1 connected, 1 denied, 1 failed\n\
             denied (not allowed by allow.txt); to allow them, add these FQDN rules:\n  \
             evil.test:443  rule `evil-test` type fqdn destination `evil.test`\n\
             not reached (the proxy could not connect):\n  gone.test:443  refused\n"
        );
    }

    #[test]
    fn ecosystems_by_program() {
        assert_eq!(
            guess_ecosystem(Path::new("/usr/bin/pip3")),
            Ecosystem::Python
        );
        assert_eq!(guess_ecosystem(Path::new("micromamba")), Ecosystem::Conda);
        assert_eq!(guess_ecosystem(Path::new("npm")), Ecosystem::Npm);
        assert_eq!(guess_ecosystem(Path::new("apt-get")), Ecosystem::Os);
    }
}
