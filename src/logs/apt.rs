//! apt's output. A failed download is an `Err:1 http://archive.ubuntu.com/ubuntu jammy
//! InRelease` line with the reason indented below it (`Temporary failure resolving
//! 'archive.ubuntu.com'`, `Could not connect to archive.ubuntu.com:80 (…), connection
//! timed out`), repeated at the end as `W: Failed to fetch URL  reason` or
//! `E: Failed to fetch URL  Unable to connect to host:http: [IP: … 80]`
//! (microsoft/WSL#4792, actions/runner-images#7603). `470 status code 470` is Azure
//! Firewall's answer to a denied plain-HTTP request (it answers HTTP denies itself,
//! MicrosoftDocs/azure-docs#70564). `404  Not Found` and signature
//! errors are no network blocks.

use std::sync::LazyLock;

use regex::Regex;

use super::{Blocked, Line, LogKind, Reason, finding, lines, network_reason, strongest, url_host};

pub struct Apt;

static ERR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Err:\d+ (\S+)").expect("valid pattern"));
static RESOLVING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:Temporary failure resolving|Could not resolve) '([^']+)'")
        .expect("valid pattern")
});
static CONNECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:Could not|Unable to) connect to ([A-Za-z0-9.-]+):(\w+)").expect("valid pattern")
});
static FAILED_TO_FETCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Failed to fetch (\S+)\s+(.*)").expect("valid pattern"));

impl LogKind for Apt {
    fn name(&self) -> &'static str {
        "apt"
    }

    fn title(&self) -> &'static str {
        "apt output"
    }

    fn detect(&self, text: &str) -> u8 {
        static STATUS: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?m)^(?:Hit|Get|Err|Ign):\d+ https?://").expect("valid pattern")
        });
        let score = strongest(
            text,
            &[
                ("Failed to fetch http", 90),
                ("Reading package lists...", 80),
                ("Temporary failure resolving '", 70),
                ("apt-get", 30),
            ],
        );
        if STATUS.is_match(text) {
            score.max(90)
        } else {
            score
        }
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let all: Vec<Line> = lines(text).collect();
        let mut found = Vec::new();
        for (index, line) in all.iter().enumerate() {
            let content = line.content().trim_start();
            if let Some(captures) = ERR.captures(content) {
                // The reason is on the next line.
                let next = all.get(index + 1).map_or("", |next| next.content());
                if let Some(reason) = reason_of(next)
                    && let Some((host, port)) = url_host(&captures[1])
                    && let Some(blocked) = finding("apt", path, line, &host, port, reason)
                {
                    found.push(blocked);
                }
            } else if let Some(captures) = FAILED_TO_FETCH.captures(content) {
                if let Some(reason) = reason_of(&captures[2])
                    && let Some((host, port)) = url_host(&captures[1])
                    && let Some(blocked) = finding("apt", path, line, &host, port, reason)
                {
                    found.push(blocked);
                }
            } else if let Some(captures) = RESOLVING.captures(content) {
                // The port of the `Err:` line above, when it names the same host.
                let port = all[..index]
                    .iter()
                    .rev()
                    .take(2)
                    .find_map(|previous| ERR.captures(previous.content().trim_start()))
                    .and_then(|err| url_host(&err[1]))
                    .filter(|(host, _)| host.eq_ignore_ascii_case(&captures[1]))
                    .map_or(80, |(_, port)| port);
                if let Some(blocked) = finding(
                    "apt",
                    path,
                    line,
                    &captures[1],
                    port,
                    Reason::NameResolution,
                ) {
                    found.push(blocked);
                }
            } else if let Some(captures) = CONNECT.captures(content) {
                let port = match &captures[2] {
                    "http" => 80,
                    "https" => 443,
                    digits => digits.parse().unwrap_or(80),
                };
                let reason = network_reason(content).unwrap_or(Reason::Unreachable);
                if let Some(blocked) = finding("apt", path, line, &captures[1], port, reason) {
                    found.push(blocked);
                }
            }
        }
        found
    }
}

/// The network reason of an apt failure message; `None` for a 404 or a bad signature.
fn reason_of(message: &str) -> Option<Reason> {
    if message.contains("470 status code 470") || message.contains("470  status code 470") {
        return Some(Reason::Denied);
    }
    network_reason(message)
}
