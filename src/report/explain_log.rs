//! Renderers for `explain-log`: a report for people (each blocked host with the lines
//! that show it, what the knowledge base knows about it and what it needs next, then the
//! hosts to allow) and JSON (`version: 1`; fields may be added, never removed or
//! renamed). Text in, text out.

use std::fmt::Write as _;

use serde::Serialize;

use super::one_line;
use crate::logs::{Blocked, Detected, HostSummary, Summary};

/// Evidence lines shown per host; the rest are counted.
const SHOWN: usize = 3;
/// Longer log lines are cut around the host.
const WIDTH: usize = 160;

/// One log file and the kinds recognised in it.
#[derive(Clone, Debug, Serialize)]
pub struct LogFile {
    pub path: String,
    pub kinds: Vec<Detected>,
}

pub fn human(logs: &[LogFile], summary: &Summary) -> String {
    let mut out = String::new();
    for log in logs {
        let kinds: Vec<&str> = log.kinds.iter().map(|kind| kind.title).collect();
        let _ = writeln!(out, "{}: {}", one_line(&log.path), kinds.join(", "));
    }
    out.push('\n');
    if summary.hosts.is_empty() && summary.addresses.is_empty() {
        out.push_str("No blocked or unreachable host found.\n");
        return out;
    }
    for host in &summary.hosts {
        host_block(&mut out, host, summary);
    }
    if !summary.addresses.is_empty() {
        out.push_str(
            "Addresses (no FQDN rule can allow an address: often a proxy, or a firewall network rule):\n\n",
        );
        for address in &summary.addresses {
            host_block(&mut out, address, summary);
        }
    }
    let hosts = summary.hosts_to_allow();
    if hosts.is_empty() {
        return out;
    }
    let _ = writeln!(out, "Hosts to allow ({}):", hosts.len());
    for host in &hosts {
        let _ = writeln!(out, "  {host}");
    }
    out.push_str(
        "\nWrite the rules with `pkgallow explain-log --target azureml-yaml FILE...` (or any other generate target).\n",
    );
    out
}

/// One host: its port, tool and reason, the lines that show it, what the knowledge base
/// knows and what it needs next.
fn host_block(out: &mut String, host: &HostSummary, summary: &Summary) {
    let _ = writeln!(
        out,
        "{}:{}  {}: {}",
        host.host,
        host.port,
        host.tool,
        host.reason.describe()
    );
    let mut said: Option<&str> = None;
    for finding in host.evidence.iter().take(SHOWN) {
        let _ = writeln!(
            out,
            "  {}:{}:{}  {}",
            one_line(&finding.path),
            finding.line,
            finding.column,
            excerpt(finding)
        );
        // Said once for a run of lines inferred the same way.
        if let Some(how) = finding.inferred.as_deref()
            && said != Some(how)
        {
            let _ = writeln!(out, "    host inferred: {how}");
            said = Some(how);
        }
    }
    if host.evidence.len() > SHOWN {
        let _ = writeln!(out, "  (+{} more lines)", host.evidence.len() - SHOWN);
    }
    if let Some(known) = &host.knowledge {
        let _ = writeln!(out, "  known as `{}`: {}", known.id, known.purpose);
    }
    for also in summary.also_needed.iter().filter(|a| a.with == host.host) {
        let ports: Vec<String> = also.ports.iter().map(u16::to_string).collect();
        let _ = writeln!(
            out,
            "  also needed: {}:{} (`{}`): {}",
            also.host,
            ports.join(","),
            also.knowledge.id,
            also.knowledge.purpose
        );
    }
    out.push('\n');
}

/// The line, cut to [`WIDTH`] characters around the host when it is longer.
fn excerpt(finding: &Blocked) -> String {
    let text = one_line(&finding.text);
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= WIDTH {
        return text;
    }
    // The column counts from the untrimmed line; the host is searched again in the text.
    let at = text
        .to_ascii_lowercase()
        .find(&finding.host)
        .map_or(0, |byte| text[..byte].chars().count());
    let start = at.saturating_sub(WIDTH / 3).min(chars.len() - WIDTH);
    let end = start + WIDTH;
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[derive(Serialize)]
struct Json<'a> {
    version: u32,
    logs: &'a [LogFile],
    blocked: &'a [HostSummary],
    also_needed: &'a [crate::logs::AlsoNeeded],
    addresses: &'a [HostSummary],
    hosts: Vec<String>,
}

pub fn json(logs: &[LogFile], summary: &Summary) -> String {
    let document = Json {
        version: 1,
        logs,
        blocked: &summary.hosts,
        also_needed: &summary.also_needed,
        addresses: &summary.addresses,
        hosts: summary.hosts_to_allow().into_iter().collect(),
    };
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}
