//! wget's output. GNU wget prints each step: `--2026-11-27 10:00:00--  https://…`, then
//! `Resolving github.com (github.com)... failed: Temporary failure in name resolution.`
//! and `wget: unable to resolve host address 'github.com'`, or `Connecting to github.com
//! (github.com)|140.82.112.3|:443... failed: Connection timed out.`; `BusyBox` wget (Alpine
//! images) prints `wget: bad address 'github.com'`. The port of a name-resolution
//! failure comes from the URL wget was fetching, else 443.

use std::sync::LazyLock;

use regex::Regex;

use super::{Blocked, LogKind, Reason, finding, lines, network_reason, strongest, url_host};

pub struct Wget;

static START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^--\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}--\s+(\S+)").expect("valid pattern")
});
static RESOLVING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Resolving ([^\s(]+)(?: \([^)]*\))?\.\.\. failed: (.*)").expect("valid pattern")
});
static UNABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"wget: (?:unable to resolve host address|bad address) ['‘]([^'’]+)['’]")
        .expect("valid pattern")
});
static CONNECTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Connecting to ([^\s(|]+)(?: \([^)]*\))?(?:\|[^|]*\|)?:(\d+)\.\.\. failed: (.*)")
        .expect("valid pattern")
});

impl LogKind for Wget {
    fn name(&self) -> &'static str {
        "wget"
    }

    fn title(&self) -> &'static str {
        "wget output"
    }

    fn detect(&self, text: &str) -> u8 {
        static START_ANYWHERE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?m)--\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}--\s+\S+").expect("valid pattern")
        });
        let score = strongest(
            text,
            &[
                ("HTTP request sent, awaiting response", 90),
                ("wget: unable to resolve host address", 90),
                ("wget: bad address", 90),
                ("wget: can't connect", 80),
                ("wget ", 20),
            ],
        );
        if START_ANYWHERE.is_match(text) {
            score.max(90)
        } else {
            score
        }
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let mut found = Vec::new();
        let mut fetching: Option<(String, u16)> = None;
        for line in lines(text) {
            let content = line.content();
            let port_for = |host: &str| {
                fetching
                    .as_ref()
                    .filter(|(fetched, _)| fetched.eq_ignore_ascii_case(host))
                    .map_or(443, |(_, port)| *port)
            };
            let (host, port, reason) = if let Some(captures) = START.captures(content) {
                fetching = url_host(&captures[1]);
                continue;
            } else if let Some(captures) = RESOLVING.captures(content) {
                let reason = network_reason(&captures[2]).unwrap_or(Reason::NameResolution);
                let host = captures[1].to_string();
                let port = port_for(&host);
                (host, port, reason)
            } else if let Some(captures) = UNABLE.captures(content) {
                let host = captures[1].to_string();
                let port = port_for(&host);
                (host, port, Reason::NameResolution)
            } else if let Some(captures) = CONNECTING.captures(content) {
                let Ok(port) = captures[2].parse() else {
                    continue;
                };
                let reason = network_reason(&captures[3]).unwrap_or(Reason::Unreachable);
                (captures[1].to_string(), port, reason)
            } else {
                continue;
            };
            if let Some(blocked) = finding("wget", path, &line, &host, port, reason) {
                found.push(blocked);
            }
        }
        found
    }
}
