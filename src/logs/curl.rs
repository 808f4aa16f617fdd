//! curl's errors: `curl: (6) Could not resolve host: github.com`, `curl: (28) Failed to
//! connect to github.com port 443 after 2000 ms: Timeout`, `curl: (7) Failed to connect
//! to … port 443 after 21 ms: Couldn't connect to server`, `curl: (35) OpenSSL
//! SSL_connect: SSL_ERROR_SYSCALL in connection to github.com:443` (the numbers are
//! libcurl's error codes, <https://curl.se/libcurl/c/libcurl-errors.html>). Messages
//! without a host (`Connection timed out after 10001 milliseconds`) are left out.
//! `Could not resolve host` does not give the port: it is 80 when the log shows an
//! `http://` URL on that host, else 443.

use std::sync::LazyLock;

use regex::Regex;

use super::conda::curl_reason;
use super::{Blocked, LogKind, finding, lines, strongest};

pub struct Curl;

static ERROR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"curl: \((\d+)\) (.*)").expect("valid pattern"));
static RESOLVE_HOST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Could not resolve host: ([^\s;]+)").expect("valid pattern"));
static CONNECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:Failed to connect to|in connection to) ([^\s:]+)(?: port |:)(\d+)")
        .expect("valid pattern")
});

impl LogKind for Curl {
    fn name(&self) -> &'static str {
        "curl"
    }

    fn title(&self) -> &'static str {
        "curl output"
    }

    fn detect(&self, text: &str) -> u8 {
        strongest(
            text,
            &[
                ("curl: (", 90),
                ("% Total    % Received", 60),
                ("curl -", 20),
            ],
        )
    }

    fn extract(&self, path: &str, text: &str) -> Vec<Blocked> {
        let mut found = Vec::new();
        for line in lines(text) {
            let Some(captures) = ERROR.captures(line.content()) else {
                continue;
            };
            let reason = curl_reason(&captures[1], &captures[2]);
            let message = &captures[2];
            let (host, port) = if let Some(host) = RESOLVE_HOST.captures(message) {
                let host = host[1].to_string();
                let port = if text.contains(&format!("http://{host}")) {
                    80
                } else {
                    443
                };
                (host, port)
            } else if let Some(connect) = CONNECT.captures(message) {
                let Ok(port) = connect[2].parse() else {
                    continue;
                };
                (connect[1].to_string(), port)
            } else {
                continue;
            };
            if let Some(blocked) = finding("curl", path, &line, &host, port, reason) {
                found.push(blocked);
            }
        }
        found
    }
}
