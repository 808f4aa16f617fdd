//! Docker's output: `docker pull`, the legacy builder (`Step 5/10 : RUN …`) and `BuildKit`
//! (`#8 [stage 3/5] RUN …`, `ERROR: failed to solve: …`). The daemon's Go HTTP client
//! names the URL it was fetching, then the failure: `Error response from daemon: Get
//! "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on
//! 10.0.2.3:53: … i/o timeout` (docker/for-mac#2152, cyberkernelofficial/docker-in-termux#14),
//! `net/http: request canceled while waiting for connection`, `x509: certificate …`,
//! `proxyconnect tcp: …`. Layer downloads fail the same way on the registry's blob host
//! (`failed to do request: Get "https://…cloudflare.docker.com/…"`). Older daemons write
//! the URL unquoted.

use std::sync::LazyLock;

use regex::Regex;

use super::{Blocked, LogKind, Reason, finding, lines, network_reason, strongest, url_host};

pub struct Docker;

static REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(?:Get|Head|Post|GET|HEAD)\s+"?(https?://[^"\s]+?)"?:\s+(.*)"#)
        .expect("valid pattern")
});
static LOOKUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"dial tcp: lookup ([A-Za-z0-9.-]+)").expect("valid pattern"));

impl LogKind for Docker {
    fn name(&self) -> &'static str {
        "docker"
    }

    fn title(&self) -> &'static str {
        "docker pull or build output"
    }

    fn detect(&self, text: &str) -> u8 {
        static STEP: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?m)^(?:Step \d+/\d+ : |#\d+ \[)").expect("valid pattern")
        });
        let score = strongest(
            text,
            &[
                ("Error response from daemon", 95),
                ("Sending build context to Docker daemon", 90),
                ("failed to solve", 80),
                ("Pulling fs layer", 80),
                (": Pulling from ", 80),
                ("dial tcp", 60),
                ("docker pull", 30),
            ],
        );
        // Wrapped builds put a timestamp before `Step`; the wrapper's own kind (Azure ML
        // image builds) scores those, and every line still reaches the extractor.
        if STEP.is_match(text) {
            score.max(80)
        } else {
            score
        }
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let mut found = Vec::new();
        for line in lines(text) {
            let content = line.content();
            if let Some(captures) = REQUEST.captures(content) {
                if let Some(reason) = network_reason(&captures[2])
                    && let Some((host, port)) = url_host(&captures[1])
                    && let Some(blocked) = finding("docker", path, &line, &host, port, reason)
                {
                    found.push(blocked);
                }
            } else if let Some(captures) = LOOKUP.captures(content)
                && let Some(blocked) = finding(
                    "docker",
                    path,
                    &line,
                    &captures[1],
                    443,
                    Reason::NameResolution,
                )
            {
                found.push(blocked);
            }
        }
        found
    }
}
