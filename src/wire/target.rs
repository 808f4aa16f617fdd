//! What `check` probes: a host, a port, how to talk to it (TLS then HTTP, plain HTTP, or
//! TCP only) and the representative URL path to ask for. Targets come from scan
//! endpoints (the path chosen by what the endpoint is: a Python index answers at
//! `/simple/`, a container registry at `/v2/`), from a hosts list (`host`, `host:port` or
//! a URL per line) or from the destinations of a rules file. Pure.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{Ecosystem, Endpoint, Kind};

/// How a target is spoken to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// TLS with SNI, then an HTTP request inside.
    Https,
    /// A plain HTTP request.
    Http,
    /// Connect only (git over SSH and other non-HTTP services).
    Tcp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Https => "https",
            Protocol::Http => "http",
            Protocol::Tcp => "tcp",
        }
    }
}

/// One thing to probe.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Target {
    /// A host name or IP address; `*.suffix` is reported as not probed.
    pub host: String,
    pub port: u16,
    pub protocol: Protocol,
    /// The path of the HTTP request (`/` for TCP targets, unused there).
    pub path: String,
    /// Why it is probed: the endpoint kind, or where it was listed.
    pub reason: String,
}

impl Target {
    pub fn is_wildcard(&self) -> bool {
        self.host.starts_with("*.")
    }

    /// `https://host:port/path`, or `host:port` for TCP targets.
    pub fn url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.protocol {
            Protocol::Tcp => format!("{host}:{}", self.port),
            protocol => format!("{}://{host}:{}{}", protocol.as_str(), self.port, self.path),
        }
    }
}

/// The path that shows an endpoint of this kind answers as it should. A Python index
/// serves its project list at `/simple/`; a container registry's API root is `/v2/`
/// (401 without a token proves the registry is there); anything else gets `/`.
pub fn representative_path(ecosystem: Ecosystem, kind: Kind) -> &'static str {
    match (ecosystem, kind) {
        (Ecosystem::Python, Kind::Index) => "/simple/",
        (_, Kind::Registry) => "/v2/",
        _ => "/",
    }
}

/// How an endpoint's scheme and port are spoken to.
fn protocol_for(scheme: &str, port: u16) -> Protocol {
    let scheme = scheme.rsplit('+').next().unwrap_or(scheme);
    match scheme {
        "https" => Protocol::Https,
        "http" => Protocol::Http,
        _ if port == 443 => Protocol::Https,
        _ if port == 80 => Protocol::Http,
        _ => Protocol::Tcp,
    }
}

/// One target per endpoint host and port (the first kind seen names the path).
pub fn from_endpoints(endpoints: &[Endpoint]) -> Vec<Target> {
    let mut seen = BTreeSet::new();
    let mut targets = Vec::new();
    for endpoint in endpoints {
        if !seen.insert((endpoint.host.clone(), endpoint.port)) {
            continue;
        }
        targets.push(Target {
            host: endpoint.host.clone(),
            port: endpoint.port,
            protocol: protocol_for(&endpoint.scheme, endpoint.port),
            path: representative_path(endpoint.ecosystem, endpoint.kind).to_string(),
            reason: format!("{} {}", endpoint.ecosystem.as_str(), endpoint.kind.as_str()),
        });
    }
    targets
}

/// A hosts-list line that is not a host: the line number and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// Parses one entry: `host`, `host:port`, `[v6]:port` or `scheme://host[:port][/path]`.
/// A bare host is HTTPS on 443; a bare port 80 is plain HTTP; any other port is HTTPS.
pub fn parse_entry(entry: &str, reason: &str) -> Result<Target, String> {
    let entry = entry.trim();
    if let Some((scheme, _)) = entry.split_once("://") {
        let url = url::Url::parse(entry).map_err(|error| format!("not a URL: {error}"))?;
        let host = url
            .host_str()
            .ok_or_else(|| "the URL has no host".to_string())?;
        let protocol = match scheme.to_ascii_lowercase().as_str() {
            "https" => Protocol::Https,
            "http" => Protocol::Http,
            "tcp" => Protocol::Tcp,
            other => return Err(format!("unsupported scheme `{other}` (https, http or tcp)")),
        };
        let port = url.port().unwrap_or(match protocol {
            Protocol::Http => 80,
            _ => 443,
        });
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        return Ok(Target {
            host: host.trim_matches(['[', ']']).to_ascii_lowercase(),
            port,
            protocol,
            path,
            reason: reason.to_string(),
        });
    }
    let (host, port) = split_host_port(entry)?;
    let port = port.unwrap_or(443);
    if host.is_empty() || host.contains(['/', ' ', '\t', '@']) {
        return Err(format!("`{entry}` is not a host, host:port or URL"));
    }
    Ok(Target {
        host: host.to_ascii_lowercase(),
        port,
        protocol: if port == 80 {
            Protocol::Http
        } else {
            Protocol::Https
        },
        path: "/".to_string(),
        reason: reason.to_string(),
    })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` (a bare IPv6 address has no port).
pub fn split_host_port(text: &str) -> Result<(&str, Option<u16>), String> {
    let port = |digits: &str| {
        digits
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| format!("`{digits}` is not a port"))
    };
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("`{text}`: `[` without `]`"))?;
        return match after.strip_prefix(':') {
            Some(digits) => Ok((host, Some(port(digits)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(format!("`{text}`: unexpected `{after}`")),
        };
    }
    // More than one `:` is a bare IPv6 address, which has no port.
    match text.split_once(':') {
        Some((host, digits)) if !digits.contains(':') => Ok((host, Some(port(digits)?))),
        _ => Ok((text, None)),
    }
}

/// Parses a hosts list: one entry per line, `#` starts a comment.
pub fn parse_hosts(display_path: &str, text: &str) -> (Vec<Target>, Vec<BadLine>) {
    let mut targets = Vec::new();
    let mut bad = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        let reason = format!("{display_path}:{}", index + 1);
        match parse_entry(entry, &reason) {
            Ok(target) => targets.push(target),
            Err(message) => bad.push(BadLine {
                line: index + 1,
                message,
            }),
        }
    }
    (targets, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_in_every_spelling() {
        let target = parse_entry("pkgs.test:8443", "r").unwrap();
        assert_eq!(
            (target.host.as_str(), target.port, target.protocol),
            ("pkgs.test", 8443, Protocol::Https)
        );
        let target = parse_entry("Mirror.Example.com", "r").unwrap();
        assert_eq!(
            (target.host.as_str(), target.port),
            ("mirror.example.com", 443)
        );
        let target = parse_entry("archive.example.com:80", "r").unwrap();
        assert_eq!(target.protocol, Protocol::Http);
        let target = parse_entry("http://pkgs.test:8080/simple/?x=1", "r").unwrap();
        assert_eq!(
            (target.port, target.protocol, target.path.as_str()),
            (8080, Protocol::Http, "/simple/?x=1")
        );
        let target = parse_entry("tcp://git.example.com:22", "r").unwrap();
        assert_eq!(target.url(), "git.example.com:22");
        let target = parse_entry("[::1]:8443", "r").unwrap();
        assert_eq!(target.url(), "https://[::1]:8443/");
        assert!(parse_entry("host:notaport", "r").is_err());
        assert!(parse_entry("host:0", "r").is_err());
        assert!(parse_entry("ftp://x.example.com", "r").is_err());
        assert!(parse_entry("a b", "r").is_err());
    }

    #[test]
    fn hosts_lists_skip_comments_and_report_bad_lines() {
        let (targets, bad) = parse_hosts(
            "hosts.txt",
            "# comment\n\na.example.com  # trailing\nb.example.com:99999\n*.example.org\n",
        );
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0].reason, "hosts.txt:3");
        assert!(targets[1].is_wildcard());
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 4);
    }

    #[test]
    fn endpoints_get_a_path_that_proves_their_kind() {
        assert_eq!(
            representative_path(Ecosystem::Python, Kind::Index),
            "/simple/"
        );
        assert_eq!(
            representative_path(Ecosystem::Container, Kind::Registry),
            "/v2/"
        );
        assert_eq!(representative_path(Ecosystem::Npm, Kind::Index), "/");
        assert_eq!(protocol_for("git+ssh", 22), Protocol::Tcp);
        assert_eq!(protocol_for("git+https", 443), Protocol::Https);
        assert_eq!(protocol_for("http", 80), Protocol::Http);
    }
}
