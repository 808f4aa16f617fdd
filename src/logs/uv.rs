//! uv's output. uv prints an error and its causes, one per line, either as
//! ``error: Failed to fetch: `https://…/simple/numpy/` `` followed by indented
//! `Caused by: Request failed after 3 retries`, `Caused by: error sending request for url
//! (…)`, `Caused by: dns error: failed to lookup address information: …`
//! (astral-sh/uv#3933, astral-sh/uv#17266), or in the newer tree form
//! `× Failed to fetch: …` / `├─▶ …` / `╰─▶ …`. The URL is on the first line; the reason
//! is in the causes below it, so they are read together.

use std::sync::LazyLock;

use regex::Regex;

use super::{Blocked, Line, LogKind, finding, lines, network_reason, strongest, url_host};

pub struct Uv;

static FAILED_TO_FETCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Failed to fetch: `([^`]+)`").expect("valid pattern"));
static SENDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:error sending request for url|Transient request failure for) \(?([^\s)]+)\)?")
        .expect("valid pattern")
});
static CAUSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:Caused by:|[├╰│]─▶|│)").expect("valid pattern"));

impl LogKind for Uv {
    fn name(&self) -> &'static str {
        "uv"
    }

    fn title(&self) -> &'static str {
        "uv output"
    }

    fn detect(&self, text: &str) -> u8 {
        static RESOLVED: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?m)^\s*(?:Resolved|Prepared|Installed|Audited) \d+ packages? in \d")
                .expect("valid pattern")
        });
        let mut score = strongest(
            text,
            &[
                ("Failed to fetch: `", 90),
                ("Transient request failure for", 90),
                ("uv pip install", 60),
                ("uv sync", 60),
                ("uv lock", 60),
                ("Request failed after", 40),
            ],
        );
        if RESOLVED.is_match(text) {
            score = score.max(70);
        }
        score
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let all: Vec<Line> = lines(text).collect();
        let mut found = Vec::new();
        for (index, line) in all.iter().enumerate() {
            let content = line.content();
            let url = FAILED_TO_FETCH
                .captures(content)
                .or_else(|| SENDING.captures(content))
                .map(|captures| captures[1].to_string());
            let Some(url) = url else {
                continue;
            };
            let Some((host, port)) = url_host(&url) else {
                continue;
            };
            // The reason: this line, then the causes below it.
            let mut chain = content.to_string();
            for next in all.iter().skip(index + 1).take(12) {
                if !CAUSE.is_match(next.content()) {
                    break;
                }
                chain.push('\n');
                chain.push_str(next.content());
            }
            // An HTTP status (a 404 from the index) is no network block.
            let Some(reason) = network_reason(&chain) else {
                continue;
            };
            if let Some(blocked) = finding("uv", path, line, &host, port, reason) {
                found.push(blocked);
            }
        }
        found
    }
}
