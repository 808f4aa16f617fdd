//! conda's and mamba's output. conda reports `CondaHTTPError: HTTP 000 CONNECTION FAILED
//! for url <https://conda.anaconda.org/conda-forge/linux-64/repodata.json>` and, a few
//! lines below, the requests/urllib3 exception that says why
//! (`ConnectTimeout(MaxRetryError("HTTPSConnectionPool(host='…', port=443): …`)
//! (conda/conda#9948, conda/conda#7172, conda/conda#9837). HTTP 000 means no response
//! at all; 407 is the proxy; 470 is Azure Firewall's answer to a denied plain-HTTP
//! request; other statuses (404: no such channel) are not network blocks. mamba and
//! micromamba use libcurl: `Download error (6) Couldn't resolve host name [URL]`
//! (mamba-org/mamba#980, mamba-org/mamba#3536) and `Could not resolve host: HOST`.

use std::sync::LazyLock;

use regex::Regex;

use super::{Blocked, Line, LogKind, Reason, finding, lines, network_reason, strongest, url_host};

pub struct Conda;

static HTTP_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"CondaHTTPError: HTTP (\d{3})[^<]*for url <([^>]+)>").expect("valid pattern")
});
static POOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"HTTPS?ConnectionPool\(host='([^']+)', port=(\d+)\)").expect("valid pattern")
});
static DOWNLOAD_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Download error \((\d+)\) ([^\[]*)\[([^\]]+)\]").expect("valid pattern")
});
static RESOLVE_HOST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Could not resolve host: ([^\s\]]+)").expect("valid pattern"));

impl LogKind for Conda {
    fn name(&self) -> &'static str {
        "conda"
    }

    fn title(&self) -> &'static str {
        "conda or mamba output"
    }

    fn detect(&self, text: &str) -> u8 {
        strongest(
            text,
            &[
                ("CondaHTTPError", 95),
                ("CondaSSLError", 95),
                ("libmamba", 90),
                ("Collecting package metadata", 80),
                ("Downloading and Extracting Packages", 80),
                ("Solving environment", 70),
                ("Preparing transaction", 70),
                ("Executing transaction", 70),
                ("conda env create", 40),
                ("mamba install", 40),
            ],
        )
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let all: Vec<Line> = lines(text).collect();
        let mut found = Vec::new();
        for (index, line) in all.iter().enumerate() {
            let content = line.content();
            let tool = if content.contains("mamba") {
                "mamba"
            } else {
                "conda"
            };
            if let Some(captures) = HTTP_ERROR.captures(content) {
                let reason = match &captures[1] {
                    // The exception that explains a failed connection follows within a
                    // few lines, after "Elapsed: -" and the advice paragraph.
                    "000" => all
                        .iter()
                        .skip(index + 1)
                        .take(12)
                        .find_map(|next| {
                            let next = next.content();
                            (next.contains("Error(") || next.contains("Error:"))
                                .then(|| network_reason(next))
                                .flatten()
                        })
                        .unwrap_or(Reason::Unreachable),
                    "407" => Reason::Proxy,
                    "470" => Reason::Denied,
                    _ => continue,
                };
                if let Some((host, port)) = url_host(&captures[2])
                    && let Some(blocked) = finding(tool, path, line, &host, port, reason)
                {
                    found.push(blocked);
                }
            } else if let Some(captures) = POOL.captures(content) {
                if let Some(reason) = network_reason(content)
                    && let Ok(port) = captures[2].parse()
                    && let Some(blocked) = finding(tool, path, line, &captures[1], port, reason)
                {
                    found.push(blocked);
                }
            } else if let Some(captures) = DOWNLOAD_ERROR.captures(content) {
                let reason = curl_reason(&captures[1], &captures[2]);
                if let Some((host, port)) = url_host(captures[3].trim())
                    && let Some(blocked) = finding("mamba", path, line, &host, port, reason)
                {
                    found.push(blocked);
                }
            } else if content.contains("mamba")
                && let Some(captures) = RESOLVE_HOST.captures(content)
                && let Some(blocked) = finding(
                    "mamba",
                    path,
                    line,
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

/// The reason of a libcurl error code (<https://curl.se/libcurl/c/libcurl-errors.html>),
/// falling back to its message.
pub(crate) fn curl_reason(code: &str, message: &str) -> Reason {
    match code {
        "5" | "97" => Reason::Proxy,
        "6" => Reason::NameResolution,
        "28" => Reason::Timeout,
        "35" | "51" | "58" | "60" | "77" | "83" | "90" | "91" => Reason::Tls,
        "52" | "55" | "56" => Reason::Reset,
        // 7 (could not connect) and the rest: the message says more.
        _ => network_reason(message).unwrap_or(Reason::Unreachable),
    }
}
