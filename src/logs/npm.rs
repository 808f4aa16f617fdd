//! npm's output (and yarn's and pnpm's, which print the same Node.js errors).
//! `npm ERR! network request to https://…/express failed, reason: connect ETIMEDOUT
//! 104.16.0.35:443` (npm 10 writes `npm error` instead of `npm ERR!`), and the
//! getaddrinfo form `getaddrinfo EAI_AGAIN registry.example.org:443` or
//! `getaddrinfo ENOTFOUND registry.example.org` that also appears in npm's debug log
//! (npm/npm#11832, npm/npm#17371, npm/npm#15059). A `connect ETIMEDOUT ip:port` line
//! without a URL names no host and is left out.

use std::sync::LazyLock;

use regex::Regex;

use super::{Blocked, LogKind, Reason, finding, lines, network_reason, strongest, url_host};

pub struct Npm;

static REQUEST_TO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"request to (\S+) failed, reason: (.*)").expect("valid pattern"));
static GETADDRINFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN|EAI_FAIL) ([A-Za-z0-9.-]+)(?::(\d+))?")
        .expect("valid pattern")
});

impl LogKind for Npm {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn title(&self) -> &'static str {
        "npm, yarn or pnpm output"
    }

    fn detect(&self, text: &str) -> u8 {
        strongest(
            text,
            &[
                ("npm ERR!", 95),
                ("npm error ", 80),
                ("npm WARN", 80),
                ("npm http fetch", 80),
                ("ERR_PNPM_", 80),
                ("verbose cli", 60),
                ("yarn install", 50),
                ("request to http", 30),
            ],
        )
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let mut found = Vec::new();
        for line in lines(text) {
            let content = line.content();
            if let Some(captures) = REQUEST_TO.captures(content) {
                let reason = network_reason(&captures[2]).unwrap_or(Reason::Unreachable);
                if let Some((host, port)) = url_host(&captures[1])
                    && let Some(blocked) = finding("npm", path, &line, &host, port, reason)
                {
                    found.push(blocked);
                }
            } else if let Some(captures) = GETADDRINFO.captures(content) {
                let port = captures
                    .get(2)
                    .and_then(|port| port.as_str().parse().ok())
                    .unwrap_or(443);
                if let Some(blocked) = finding(
                    "npm",
                    path,
                    &line,
                    &captures[1],
                    port,
                    Reason::NameResolution,
                ) {
                    found.push(blocked);
                }
            }
        }
        found
    }
}
