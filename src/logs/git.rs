//! git's output. Over HTTPS git reports libcurl's message after the URL it was fetching:
//! `fatal: unable to access 'https://github.com/o/r.git/': Failed to connect to
//! github.com port 443 after 21048 ms: Couldn't connect to server` (desktop/desktop#18137)
//! or `Could not resolve host: github.com`. The host to allow is the URL's: the message
//! may name a proxy instead (`Failed to connect to 10.10.78.62 port 3128`,
//! githubschool/on-demand-github-pages#2585). Over SSH: `ssh: Could not resolve hostname
//! github.com: …` and `ssh: connect to host github.com port 22: Connection timed out`.
//! `error: RPC failed; curl 28 Failed to connect to github.com port 443: Timed out` names
//! the host in the message only.

use std::sync::LazyLock;

use regex::Regex;

use super::conda::curl_reason;
use super::{Blocked, LogKind, Reason, finding, lines, network_reason, strongest, url_host};

pub struct Git;

static UNABLE_TO_ACCESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"fatal: unable to access '([^']+)': (.*)").expect("valid pattern")
});
static SSH_RESOLVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"ssh: Could not resolve hostname ([^\s:]+)").expect("valid pattern")
});
static SSH_CONNECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"ssh: connect to host ([^\s]+) port (\d+): (.*)").expect("valid pattern")
});
static RPC_FAILED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"RPC failed; curl (\d+) .*?Failed to connect to ([^\s]+) port (\d+)")
        .expect("valid pattern")
});

impl LogKind for Git {
    fn name(&self) -> &'static str {
        "git"
    }

    fn title(&self) -> &'static str {
        "git output"
    }

    fn detect(&self, text: &str) -> u8 {
        strongest(
            text,
            &[
                ("fatal: unable to access '", 95),
                ("ssh: Could not resolve hostname", 90),
                ("ssh: connect to host", 90),
                ("error: RPC failed; curl", 90),
                ("Cloning into '", 80),
                ("git clone", 30),
            ],
        )
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let mut found = Vec::new();
        for line in lines(text) {
            let content = line.content();
            let (host, port, reason) = if let Some(captures) = UNABLE_TO_ACCESS.captures(content) {
                // `The requested URL returned error: 403` is authentication, not the network.
                let Some(reason) = network_reason(&captures[2]) else {
                    continue;
                };
                let Some((host, port)) = url_host(&captures[1]) else {
                    continue;
                };
                (host, port, reason)
            } else if let Some(captures) = SSH_RESOLVE.captures(content) {
                (captures[1].to_string(), 22, Reason::NameResolution)
            } else if let Some(captures) = SSH_CONNECT.captures(content) {
                let Ok(port) = captures[2].parse() else {
                    continue;
                };
                let reason = network_reason(&captures[3]).unwrap_or(Reason::Unreachable);
                (captures[1].to_string(), port, reason)
            } else if let Some(captures) = RPC_FAILED.captures(content) {
                let Ok(port) = captures[3].parse() else {
                    continue;
                };
                (
                    captures[2].to_string(),
                    port,
                    curl_reason(&captures[1], content),
                )
            } else {
                continue;
            };
            if let Some(blocked) = finding("git", path, &line, &host, port, reason) {
                found.push(blocked);
            }
        }
        found
    }
}
