//! Logs of failed installs, read backwards: which hosts were blocked or unreachable, and
//! the line that shows it. `pkgallow explain-log` feeds it the output of pip, uv,
//! conda/mamba, npm, apt, docker, curl, wget and git (alone or wrapped in a Docker or
//! Azure ML image build) and Azure Firewall deny logs, and turns the hosts into the same
//! rules `generate` writes.
//!
//! One module per log kind behind [`LogKind`], listed once in [`LOG_KINDS`]. `detect`
//! scores how surely a text is that kind's output (0–100, from markers only that tool
//! prints); `extract` returns every blocked host with `path:line:col`, the line (redacted)
//! and the reason. A text no kind scores at least [`KNOWN`] is not a log we know.
//! Extraction reads failure lines only, so the noise of a successful install (progress
//! bars, `Downloading …`, `Get:1 http://…`) never counts. Every kind whose score reaches
//! [`KNOWN`] runs, because one build log holds the output of several tools; the line
//! reader ([`lines`]) strips the prefixes that wrappers add (`BuildKit`'s `#8 12.34`, Azure
//! ML's and CI runners' timestamps, ANSI colours) so every extractor sees the tool's own
//! text. Pure: text in, values out.

pub mod apt;
pub mod azure_firewall;
pub mod azureml_build;
pub mod conda;
pub mod curl;
pub mod docker;
pub mod git;
pub mod npm;
pub mod pip;
pub mod uv;
pub mod wget;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::knowledge::Knowledge;
use crate::model::{Ecosystem, Endpoint, Evidence, Fact, Kind};
use crate::{redact, remote};

/// The score from which a text counts as a kind's log.
pub const KNOWN: u8 = 50;

/// Why a connection failed, as far as the log says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The host name did not resolve (DNS blocked or not forwarded).
    NameResolution,
    /// The connection or the response timed out (packets dropped).
    Timeout,
    /// The connection was refused.
    Refused,
    /// The connection was reset or closed early (a firewall ending a denied TLS flow).
    Reset,
    /// TLS failed (handshake, certificate, EOF during the handshake).
    Tls,
    /// The proxy refused or could not connect.
    Proxy,
    /// A firewall says it denied the request.
    Denied,
    /// The log says the host could not be reached without saying why.
    Unreachable,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NameResolution => "name-resolution",
            Reason::Timeout => "timeout",
            Reason::Refused => "refused",
            Reason::Reset => "reset",
            Reason::Tls => "tls",
            Reason::Proxy => "proxy",
            Reason::Denied => "denied",
            Reason::Unreachable => "unreachable",
        }
    }

    /// A phrase for people.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::NameResolution => "name did not resolve",
            Reason::Timeout => "connection timed out",
            Reason::Refused => "connection refused",
            Reason::Reset => "connection reset",
            Reason::Tls => "TLS failed",
            Reason::Proxy => "proxy failed",
            Reason::Denied => "denied by the firewall",
            Reason::Unreachable => "unreachable",
        }
    }
}

/// One host a log shows blocked or unreachable, and where.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Blocked {
    /// The log file as given on the command line.
    pub path: String,
    /// 1-based line and column (of the host on the line, or of the failure when the host
    /// is inferred).
    pub line: u32,
    pub column: u32,
    /// Lower-case host name, or an IP address (which [`summarize`] keeps apart).
    pub host: String,
    pub port: u16,
    /// The tool that printed the line (`pip`, `conda`, `azure-firewall`, …).
    pub tool: &'static str,
    /// The line, trimmed and with credentials removed.
    pub text: String,
    pub reason: Reason,
    /// How the host was worked out when the line does not name it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred: Option<String>,
}

/// One log kind: a tool's output, or a log format.
pub trait LogKind: Sync {
    /// Short name (`pip`).
    fn name(&self) -> &'static str;
    /// What it reads, for people (`pip output`).
    fn title(&self) -> &'static str;
    /// How surely `text` is this kind's output, 0 (not at all) to 100. [`explain`]
    /// passes the text with the wrappers' prefixes stripped from every line.
    fn detect(&self, text: &str) -> u8;
    /// Every blocked or unreachable host the text shows.
    fn extract(&self, path: &str, text: &str) -> Vec<Blocked>;
}

/// Every log kind, in the order ties are reported.
pub const LOG_KINDS: &[&dyn LogKind] = &[
    &pip::Pip,
    &uv::Uv,
    &conda::Conda,
    &npm::Npm,
    &apt::Apt,
    &docker::Docker,
    &curl::Curl,
    &wget::Wget,
    &git::Git,
    &azureml_build::AzuremlBuild,
    &azure_firewall::AzureFirewall,
];

/// A kind recognised in a file, with its score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Detected {
    pub name: &'static str,
    pub title: &'static str,
    pub confidence: u8,
}

/// What one log file shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explained {
    /// The kinds recognised, most certain first.
    pub kinds: Vec<Detected>,
    /// Sorted by line and column; one entry per line and host.
    pub blocked: Vec<Blocked>,
}

/// Reads one log; `None` when no kind recognises it.
pub fn explain(path: &str, text: &str) -> Option<Explained> {
    // Kinds judge the tools' own text: a BuildKit or Azure ML prefix must not hide a
    // line-anchored marker such as apt's `Err:2 http://…`.
    let own_text: Vec<String> = lines(text).map(|line| line.content().to_string()).collect();
    let own_text = own_text.join("\n");
    let mut kinds: Vec<(Detected, &dyn LogKind)> = LOG_KINDS
        .iter()
        .filter_map(|kind| {
            let confidence = kind.detect(&own_text);
            (confidence >= KNOWN).then_some((
                Detected {
                    name: kind.name(),
                    title: kind.title(),
                    confidence,
                },
                *kind,
            ))
        })
        .collect();
    if kinds.is_empty() {
        return None;
    }
    // Most certain first; the sort is stable, so equal scores keep the registry order.
    kinds.sort_by_key(|(detected, _)| std::cmp::Reverse(detected.confidence));
    // Two kinds can read the same line (urllib3's messages appear in pip's and conda's
    // output): the more certain kind keeps it.
    let mut seen = BTreeSet::new();
    let mut blocked: Vec<Blocked> = kinds
        .iter()
        .flat_map(|(_, kind)| kind.extract(path, text))
        .filter(|b| seen.insert((b.line, b.host.clone(), b.port)))
        .collect();
    blocked.sort();
    Some(Explained {
        kinds: kinds.into_iter().map(|(detected, _)| detected).collect(),
        blocked,
    })
}

/// The highest weight among the markers found in `text`.
pub(crate) fn strongest(text: &str, markers: &[(&str, u8)]) -> u8 {
    markers
        .iter()
        .filter(|(marker, _)| text.contains(marker))
        .map(|(_, weight)| *weight)
        .max()
        .unwrap_or(0)
}

/// One line of a log with the wrappers' prefixes removed.
#[derive(Clone, Debug)]
pub(crate) struct Line {
    /// 1-based.
    pub(crate) number: u32,
    /// The line without ANSI escapes (what a person sees).
    pub(crate) visible: String,
    /// Byte offset in `visible` where the tool's own text starts.
    pub(crate) start: usize,
}

impl Line {
    /// The tool's own text.
    pub(crate) fn content(&self) -> &str {
        &self.visible[self.start..]
    }
}

static ANSI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").expect("valid pattern"));

/// Prefixes wrappers put before a tool's own output, stripped repeatedly:
/// ISO timestamps of Azure ML's image-build log (`2025-02-16T00:22:57: Step 1/17 : …`,
/// seen in Azure/azure-sdk-for-python#39764) and of CI runners
/// (`2024-01-01T12:00:00.1234567Z `), ACR build timestamps (`2019/10/15 11:08:47 `,
/// microsoft/MLOpsPython#80), `BuildKit` step prefixes (`#15 3.212 `,
/// astral-sh/uv#9246) and npm debug-log counters are left alone (they carry meaning).
static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?:?\s+",
        r"|\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\s+",
        r"|#\d+ \d+(?:\.\d+)?\s+",
        r")"
    ))
    .expect("valid pattern")
});

/// The lines of a log, prefixes stripped (see [`PREFIX`]).
pub(crate) fn lines(text: &str) -> impl Iterator<Item = Line> + '_ {
    text.lines().enumerate().map(|(index, raw)| {
        let visible = if raw.contains('\x1b') {
            ANSI.replace_all(raw, "").into_owned()
        } else {
            raw.to_string()
        };
        let mut start = 0;
        while let Some(found) = PREFIX.find(&visible[start..]) {
            if found.end() == 0 {
                break;
            }
            start += found.end();
        }
        Line {
            number: u32::try_from(index + 1).unwrap_or(u32::MAX),
            visible,
            start,
        }
    })
}

/// A finding on `line` for `raw_host`, or `None` when it names nothing a rule could
/// allow (`localhost`, a loopback address, a single-label or `.local` name, garbage). IP
/// addresses are kept: [`summarize`] lists them apart, since no FQDN rule takes one.
pub(crate) fn finding(
    tool: &'static str,
    path: &str,
    line: &Line,
    raw_host: &str,
    port: u16,
    reason: Reason,
) -> Option<Blocked> {
    let host = remote::normalise_host(raw_host.trim_matches(|c| c == '[' || c == ']'))?;
    let address = host.parse::<std::net::IpAddr>().ok();
    let unusable = match address {
        Some(address) => address.is_loopback() || address.is_unspecified(),
        None => {
            host == "localhost" || !host.contains('.') || host.rsplit('.').next() == Some("local")
        }
    };
    if unusable {
        return None;
    }
    let column = line
        .visible
        .to_ascii_lowercase()
        .find(&host)
        .unwrap_or(line.start);
    Some(Blocked {
        path: path.to_string(),
        line: line.number,
        column: u32::try_from(line.visible[..column].chars().count() + 1).unwrap_or(u32::MAX),
        host,
        port,
        tool,
        text: redact::text(line.visible.trim()),
        reason,
        inferred: None,
    })
}

/// The host and port a URL contacts (credentials and paths ignored).
pub(crate) fn url_host(url: &str) -> Option<(String, u16)> {
    let url = url.trim_matches(|c: char| matches!(c, '"' | '\'' | '<' | '>' | '`' | '(' | ')'));
    remote::parse(url)
        .ok()
        .map(|remote| (remote.host, remote.port))
}

/// The network reason a message states, or `None` when it states none (a 404, a
/// version conflict). Order matters: a proxy's timeout is the proxy's fault, and a
/// "TLS handshake timeout" is a TLS failure.
pub(crate) fn network_reason(message: &str) -> Option<Reason> {
    let lower = message.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|needle| lower.contains(needle));
    if has(&[
        "proxyerror",
        "proxy connect",
        "proxyconnect",
        "cannot connect to proxy",
    ]) {
        Some(Reason::Proxy)
    } else if has(&[
        "name resolution",
        "name or service not known",
        "resolve host",
        "resolve hostname",
        "resolving",
        "getaddrinfo",
        "enotfound",
        "eai_again",
        "no such host",
        "nodename nor servname",
        "dns error",
        "failed to lookup address",
        "unable to resolve",
        "bad address",
        "errno -2]",
        "errno -3]",
        "errno 11001",
        "errno 11004",
        "dial tcp: lookup",
    ]) {
        Some(Reason::NameResolution)
    } else if has(&[
        "sslerror",
        "ssl:",
        "ssl_",
        "ssl certificate",
        "certificate verify",
        "tls handshake",
        "x509:",
        "gnutls",
        "unable_to_get_issuer",
        "self signed certificate",
        "self-signed certificate",
    ]) {
        Some(Reason::Tls)
    } else if has(&[
        "timed out",
        "timeout",
        "etimedout",
        "errno 110]",
        "10060",
        "request canceled while waiting for connection",
    ]) {
        Some(Reason::Timeout)
    } else if has(&["refused", "econnrefused", "errno 111]"]) {
        Some(Reason::Refused)
    } else if has(&[
        "connection reset",
        "econnreset",
        "errno 104]",
        "connection aborted",
        "remote end closed",
        "unexpected eof",
        "eof occurred",
        "empty reply from server",
    ]) {
        Some(Reason::Reset)
    } else if has(&[
        "couldn't connect to server",
        "failed to connect",
        "failed to establish a new connection",
        "unable to connect",
        "could not connect",
        "connection failed",
        "network is unreachable",
        "no route to host",
        "max retries exceeded",
        "request failed after",
        "error sending request",
    ]) {
        Some(Reason::Unreachable)
    } else {
        None
    }
}

/// A blocked host with everything the logs and the knowledge base say about it.
#[derive(Clone, Debug, Serialize)]
pub struct HostSummary {
    pub host: String,
    pub port: u16,
    /// The tool of the first line that shows it.
    pub tool: &'static str,
    /// The reason of the first line that shows it.
    pub reason: Reason,
    /// Every line that shows it, in file order.
    pub evidence: Vec<Blocked>,
    /// The knowledge-base entry for the host, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knowledge: Option<KnownAs>,
}

/// A knowledge-base fact about a host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KnownAs {
    pub id: String,
    pub purpose: String,
    pub source: String,
}

/// A host the knowledge base says is needed with a blocked one (the index's files host):
/// the next failure once the blocked host is allowed.
#[derive(Clone, Debug, Serialize)]
pub struct AlsoNeeded {
    pub host: String,
    pub ports: Vec<u16>,
    /// The blocked host that needs it.
    pub with: String,
    pub knowledge: KnownAs,
}

/// Everything the logs show, merged by host and port.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub hosts: Vec<HostSummary>,
    pub also_needed: Vec<AlsoNeeded>,
    /// IP addresses the logs show unreachable: no FQDN rule can allow them (often a proxy
    /// or a firewall network-rule deny); never rules, shown so nothing is hidden.
    pub addresses: Vec<HostSummary>,
}

impl Summary {
    /// Every host to allow: the blocked ones and what they need, sorted.
    pub fn hosts_to_allow(&self) -> BTreeSet<String> {
        self.hosts
            .iter()
            .map(|host| host.host.clone())
            .chain(self.also_needed.iter().map(|also| also.host.clone()))
            .collect()
    }
}

/// Merges findings by host and port, hosts in the order they first appear in `blocked`
/// (the files in the order given, each in line order), and adds what the knowledge base
/// says about each host and its companions.
pub fn summarize(blocked: &[Blocked], knowledge: &Knowledge) -> Summary {
    let mut order: Vec<(String, u16)> = Vec::new();
    let mut by_host: BTreeMap<(String, u16), Vec<Blocked>> = BTreeMap::new();
    for finding in blocked {
        let key = (finding.host.clone(), finding.port);
        let list = by_host.entry(key.clone()).or_default();
        if list.is_empty() {
            order.push(key);
        }
        list.push(finding.clone());
    }
    let blocked_hosts: BTreeSet<&str> = blocked.iter().map(|b| b.host.as_str()).collect();
    let mut summary = Summary::default();
    let mut companions_seen = BTreeSet::new();
    for key in order {
        let evidence = by_host.remove(&key).unwrap_or_default();
        let Some(first) = evidence.first() else {
            continue;
        };
        if key.0.parse::<std::net::IpAddr>().is_ok() {
            summary.addresses.push(HostSummary {
                host: key.0.clone(),
                port: key.1,
                tool: first.tool,
                reason: first.reason,
                knowledge: None,
                evidence,
            });
            continue;
        }
        let entry = knowledge.lookup(&key.0);
        if let Some(entry) = entry {
            for id in &entry.companions {
                let Some(companion) = knowledge.get(id) else {
                    continue;
                };
                let host = companion.forward_host();
                // Already blocked, or a wildcard over a blocked host (the region in use):
                // the exact host is the least privilege.
                if blocked_hosts
                    .iter()
                    .any(|blocked| *blocked == host || crate::host::allows(&host, blocked))
                    || !companions_seen.insert(host.clone())
                {
                    continue;
                }
                summary.also_needed.push(AlsoNeeded {
                    host,
                    ports: companion.ports.clone(),
                    with: key.0.clone(),
                    knowledge: KnownAs {
                        id: companion.id.clone(),
                        purpose: companion.purpose.clone(),
                        source: companion.source.clone(),
                    },
                });
            }
        }
        summary.hosts.push(HostSummary {
            host: key.0.clone(),
            port: key.1,
            tool: first.tool,
            reason: first.reason,
            knowledge: entry.map(|entry| KnownAs {
                id: entry.id.clone(),
                purpose: entry.purpose.clone(),
                source: entry.source.clone(),
            }),
            evidence,
        });
    }
    summary
}

/// The ecosystem a tool installs for. Emitters do not show it; curl, wget, git and the
/// firewall count as build-time downloads (`os`).
fn ecosystem_of(tool: &str) -> Ecosystem {
    match tool {
        "pip" | "uv" => Ecosystem::Python,
        "conda" | "mamba" => Ecosystem::Conda,
        "npm" => Ecosystem::Npm,
        "docker" => Ecosystem::Container,
        _ => Ecosystem::Os,
    }
}

fn scheme_of(port: u16) -> &'static str {
    match port {
        443 => "https",
        80 => "http",
        22 => "ssh",
        _ => "tcp",
    }
}

/// The endpoints to allow, for `plan::build` and every `generate` target: each blocked
/// host with its evidence lines, and each companion with the evidence of the host that
/// needs it.
pub fn endpoints(summary: &Summary, knowledge: &Knowledge) -> Vec<Endpoint> {
    let mut endpoints = Vec::new();
    let mut evidence_of: BTreeMap<&str, BTreeSet<Evidence>> = BTreeMap::new();
    for host in &summary.hosts {
        let evidence: BTreeSet<Evidence> = host
            .evidence
            .iter()
            .map(|b| Evidence {
                path: b.path.clone(),
                line: b.line,
                fetches: None,
            })
            .collect();
        evidence_of
            .entry(&host.host)
            .or_default()
            .extend(evidence.iter().cloned());
        let entry = knowledge.lookup(&host.host);
        endpoints.push(Endpoint {
            host: host.host.clone(),
            port: host.port,
            scheme: scheme_of(host.port).to_string(),
            ecosystem: entry
                .and_then(|entry| entry.ecosystem)
                .unwrap_or_else(|| ecosystem_of(host.tool)),
            kind: entry.map_or(Kind::Archive, |entry| entry.kind.0),
            purpose: match &host.knowledge {
                Some(known) => known.purpose.clone(),
                None => format!(
                    "needed per the {} log: {}",
                    host.tool,
                    host.reason.describe()
                ),
            },
            evidence,
            knowledge: host.knowledge.as_ref().map(|known| Fact {
                id: known.id.clone(),
                source: known.source.clone(),
                owned_by: entry.and_then(|entry| entry.owned_by.clone()),
            }),
            service_domain: entry
                .and_then(|entry| entry.service_domain.as_deref())
                .map(|domain| format!("*.{}", crate::host::reverse(domain))),
        });
    }
    for also in &summary.also_needed {
        let entry = knowledge.get(&also.knowledge.id);
        let evidence = evidence_of
            .get(also.with.as_str())
            .cloned()
            .unwrap_or_default();
        for &port in &also.ports {
            endpoints.push(Endpoint {
                host: also.host.clone(),
                port,
                scheme: entry.map_or_else(|| scheme_of(port).to_string(), |e| e.scheme.clone()),
                ecosystem: entry
                    .and_then(|entry| entry.ecosystem)
                    .unwrap_or(Ecosystem::Os),
                kind: entry.map_or(Kind::Files, |entry| entry.kind.0),
                purpose: format!("{} (needed with {})", also.knowledge.purpose, also.with),
                evidence: evidence.clone(),
                knowledge: Some(Fact {
                    id: also.knowledge.id.clone(),
                    source: also.knowledge.source.clone(),
                    owned_by: entry.and_then(|entry| entry.owned_by.clone()),
                }),
                service_domain: entry
                    .and_then(|entry| entry.service_domain.as_deref())
                    .map(|domain| format!("*.{}", crate::host::reverse(domain))),
            });
        }
    }
    endpoints
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_of_wrappers_are_stripped() {
        let text = "2025-02-16T00:22:57: #8 12.34 ERROR: boom\n\x1b[31mred\x1b[0m\nplain";
        let lines: Vec<Line> = lines(text).collect();
        assert_eq!(lines[0].content(), "ERROR: boom");
        assert_eq!(lines[1].content(), "red");
        assert_eq!(lines[2].content(), "plain");
        assert_eq!(lines[2].number, 3);
    }

    #[test]
    fn reasons_are_classified() {
        assert_eq!(
            network_reason("[Errno -3] Temporary failure in name resolution"),
            Some(Reason::NameResolution)
        );
        assert_eq!(
            network_reason("ProxyError('Cannot connect to proxy.', timeout)"),
            Some(Reason::Proxy)
        );
        assert_eq!(network_reason("connect ETIMEDOUT"), Some(Reason::Timeout));
        assert_eq!(network_reason("404  Not Found"), None);
    }

    #[test]
    fn loopback_and_local_names_are_no_findings() {
        let line = lines("x").next().expect("one line");
        assert!(finding("t", "p", &line, "10.0.0.4", 443, Reason::Timeout).is_some());
        assert!(finding("t", "p", &line, "127.0.0.1", 443, Reason::Timeout).is_none());
        assert!(finding("t", "p", &line, "localhost", 443, Reason::Timeout).is_none());
        assert!(finding("t", "p", &line, "intranet", 443, Reason::Timeout).is_none());
        assert!(finding("t", "p", &line, "Example.COM", 443, Reason::Timeout).is_some());
    }

    #[test]
    fn text_that_is_no_log_is_not_explained() {
        assert!(explain("notes.txt", "numpy==1.26\nrequests\n").is_none());
        assert!(
            explain(
                "README.md",
                "# Install\n\nRun `pip install -r requirements.txt`.\n"
            )
            .is_none()
        );
    }
}
