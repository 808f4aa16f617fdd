//! pip's output. pip talks to indexes through urllib3, whose errors name the host in
//! `HTTPSConnectionPool(host='…', port=443)`: "Max retries exceeded" when pip gives up,
//! "Could not fetch URL https://…/simple/x/: There was a problem confirming the ssl
//! certificate" on TLS failures (pypa/pip#9190, microsoft/nlp-recipes#410). Its retry
//! warnings often name only the path:
//! `WARNING: Retrying (Retry(total=4, …)) after connection broken by
//! 'NewConnectionError('…: Failed to establish a new connection: [Errno 110] Connection
//! timed out')': /simple/numpy/` (a connect timeout names it: `Connection to HOST timed
//! out`) — the host is then the one of the last
//! `Starting new HTTPS connection (1): host:443` line (`-v`), else the index of
//! `Looking in indexes:`, else pip's default index (and its files host for
//! `/packages/…` paths). Such findings say how the host was inferred.

use std::sync::LazyLock;

use regex::Regex;

use super::{Blocked, Line, LogKind, Reason, finding, lines, network_reason, strongest, url_host};
use crate::host;

/// pip's default index and the host serving its files, reverse-labelled (these hosts are
/// never written forward in this repository); a test keeps them equal to the knowledge
/// base's `python-default-index` and its companion.
const DEFAULT_INDEX: &str = "org.pypi";
const DEFAULT_FILES: &str = "org.pythonhosted.files";

pub struct Pip;

static POOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"HTTPS?ConnectionPool\(host='([^']+)', port=(\d+)\)").expect("valid pattern")
});
static RETRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Retrying \(Retry\(total=\d+.*after connection broken by '(.*)': (/\S*)")
        .expect("valid pattern")
});
static COULD_NOT_FETCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Could not fetch URL (\S+?): (.*)").expect("valid pattern"));
/// urllib3's connect timeout names the host: `ConnectTimeoutError(<…>, 'Connection to
/// example.org timed out. (connect timeout=15)')`.
static CONNECTION_TO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Connection to ([A-Za-z0-9.-]+) timed out").expect("valid pattern")
});
/// urllib3 2's name-resolution error names the host too: `NameResolutionError("<…>:
/// Failed to resolve 'example.org' ([Errno -3] Temporary failure in name resolution)")`.
static FAILED_TO_RESOLVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Failed to resolve '([^']+)'").expect("valid pattern"));
static LOOKING_IN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Looking in indexes: (.*)").expect("valid pattern"));
static STARTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Starting new HTTPS? connection \(\d+\): ([^:\s]+):(\d+)").expect("valid pattern")
});

impl LogKind for Pip {
    fn name(&self) -> &'static str {
        "pip"
    }

    fn title(&self) -> &'static str {
        "pip output"
    }

    fn detect(&self, text: &str) -> u8 {
        strongest(
            text,
            &[
                ("Retrying (Retry(total=", 90),
                ("Could not fetch URL ", 90),
                ("pip._vendor", 80),
                ("Looking in indexes:", 80),
                ("No matching distribution found for", 70),
                ("Requirement already satisfied:", 70),
                ("Successfully installed ", 60),
                ("ERROR: Could not install packages", 70),
                ("Pip subprocess error:", 70),
                ("pip install", 20),
            ],
        )
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let mut found = Vec::new();
        // The index of `Looking in indexes:` (credentials are masked by pip or redacted
        // by us; only the host is kept).
        let mut index: Option<(String, u16)> = None;
        let mut last_connection: Option<(String, u16)> = None;
        for line in lines(text) {
            let content = line.content();
            if let Some(captures) = LOOKING_IN.captures(content) {
                index = captures[1]
                    .split(',')
                    .next()
                    .and_then(|url| url_host(url.trim()));
                continue;
            }
            if let Some(captures) = STARTING.captures(content) {
                last_connection = captures[2]
                    .parse()
                    .ok()
                    .map(|port| (captures[1].to_ascii_lowercase(), port));
                continue;
            }
            if let Some(blocked) = named(path, &line) {
                found.push(blocked);
            } else if let Some(captures) = RETRY.captures(content) {
                let reason = network_reason(&captures[1]).unwrap_or(Reason::Unreachable);
                let url_path = &captures[2];
                let (host, port, how) = infer(url_path, index.as_ref(), last_connection.as_ref());
                if let Some(mut blocked) = finding("pip", path, &line, &host, port, reason) {
                    blocked.column = column_of(&line, url_path);
                    blocked.inferred = Some(how);
                    found.push(blocked);
                }
            }
        }
        found
    }
}

/// A line that names the host itself.
fn named(path: &str, line: &Line) -> Option<Blocked> {
    let content = line.content();
    if let Some(captures) = POOL.captures(content) {
        let reason = network_reason(content)?;
        let port = captures[2].parse().ok()?;
        return finding("pip", path, line, &captures[1], port, reason);
    }
    if let Some(captures) = CONNECTION_TO.captures(content) {
        return finding("pip", path, line, &captures[1], 443, Reason::Timeout);
    }
    if let Some(captures) = FAILED_TO_RESOLVE.captures(content) {
        return finding("pip", path, line, &captures[1], 443, Reason::NameResolution);
    }
    let captures = COULD_NOT_FETCH.captures(content)?;
    let (host, port) = url_host(&captures[1])?;
    let reason = network_reason(&captures[2]).unwrap_or(Reason::Unreachable);
    finding("pip", path, line, &host, port, reason)
}

/// The host of a retry line that names only a path, and how it was worked out.
fn infer(
    url_path: &str,
    index: Option<&(String, u16)>,
    last_connection: Option<&(String, u16)>,
) -> (String, u16, String) {
    if let Some((host, port)) = last_connection {
        return (
            host.clone(),
            *port,
            "the last connection pip started (`Starting new HTTPS connection`)".to_string(),
        );
    }
    let default_index = host::reverse(DEFAULT_INDEX);
    match index {
        Some((host, port)) if *host != default_index => (
            host.clone(),
            *port,
            "the first index of `Looking in indexes:`".to_string(),
        ),
        _ if url_path.starts_with("/packages/") => (
            host::reverse(DEFAULT_FILES),
            443,
            "pip's default index serves `/packages/` from its files host".to_string(),
        ),
        _ => (
            default_index,
            443,
            "pip's default index; the log names no other".to_string(),
        ),
    }
}

fn column_of(line: &Line, needle: &str) -> u32 {
    let byte = line.visible.find(needle).unwrap_or(line.start);
    u32::try_from(line.visible[..byte].chars().count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urllib3_2_names_the_host_it_could_not_resolve() {
        let text = "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NameResolutionError(\"<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to resolve 'pkgs.example.com' ([Errno -3] Temporary failure in name resolution)\")': /simple/numpy/\n";
        let found = Pip.extract("pip.log", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].host, "pkgs.example.com");
        assert_eq!(found[0].reason, Reason::NameResolution);
        assert!(found[0].inferred.is_none());
    }
    use crate::knowledge::Knowledge;
    use crate::model::Ecosystem;

    #[test]
    fn default_hosts_match_the_knowledge_base() {
        let knowledge = Knowledge::embedded().expect("embedded knowledge loads");
        let index = knowledge
            .default_index(Ecosystem::Python)
            .expect("a default python index");
        assert_eq!(index.host, DEFAULT_INDEX);
        let files: Vec<&str> = index
            .companions
            .iter()
            .filter_map(|id| knowledge.get(id))
            .map(|entry| entry.host.as_str())
            .collect();
        assert!(files.contains(&DEFAULT_FILES), "{files:?}");
    }

    #[test]
    fn a_path_only_retry_names_the_default_index() {
        let text = "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<x>: Failed to establish a new connection: [Errno 110] Connection timed out')': /simple/numpy/\n";
        let found = Pip.extract("pip.log", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].host, host::reverse(DEFAULT_INDEX));
        assert_eq!(found[0].reason, Reason::Timeout);
        assert!(found[0].inferred.is_some());
    }
}
