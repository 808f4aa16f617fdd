//! What `check` found for each target: one status for the first step that failed (or
//! `ok`), the detail in words, the HTTP status when one came back, and how long each
//! step took. Rendered as an aligned table or as JSON (`{"version":1,"results":[…]}`).
//! Pure: the probe fills it in, the command prints it.
//!
//! A timeout and a refusal are different findings: a firewall that drops packets looks
//! like `tcp-timeout` (or `tls-timeout`, when something in the path accepts the
//! connection and then drops the handshake), while `tcp-refused` means a host answered
//! that nothing listens there.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::wire::target::Target;

/// The outcome of one probe, named after the step that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every step passed and the HTTP status shows the server answered.
    Ok,
    /// Not probed (a wildcard names no host).
    Skipped,
    DnsFailed,
    /// No answer to the connection attempt: packets dropped, as a firewall drops them.
    TcpTimeout,
    /// Refused: something answered that nothing listens.
    TcpRefused,
    /// Any other connection error (unreachable network, reset).
    TcpFailed,
    /// The `HTTPS_PROXY` in use refused or failed the `CONNECT`.
    ProxyFailed,
    TlsTimeout,
    /// Handshake failed: certificate invalid for the name, untrusted, expired, or reset.
    TlsFailed,
    HttpTimeout,
    /// Not an HTTP answer, or the connection closed before one.
    HttpFailed,
    /// An answer, but one that says the request did not get through (5xx, 407, or 470,
    /// Azure Firewall's deny status).
    HttpStatus,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Skipped => "skipped",
            Status::DnsFailed => "dns-failed",
            Status::TcpTimeout => "tcp-timeout",
            Status::TcpRefused => "tcp-refused",
            Status::TcpFailed => "tcp-failed",
            Status::ProxyFailed => "proxy-failed",
            Status::TlsTimeout => "tls-timeout",
            Status::TlsFailed => "tls-failed",
            Status::HttpTimeout => "http-timeout",
            Status::HttpFailed => "http-failed",
            Status::HttpStatus => "http-status",
        }
    }

    pub fn is_failure(self) -> bool {
        !matches!(self, Status::Ok | Status::Skipped)
    }
}

/// Whether an HTTP status proves the path to the server is open. Any answer from the
/// server does (401 from a registry's `/v2/`, 404 for a path a mirror lacks), except
/// server errors, 407 (a proxy wants credentials) and 470 (Azure Firewall denied it).
pub fn status_passes(code: u16) -> bool {
    (100..500).contains(&code) && code != 407 && code != 470
}

/// Time spent in each step that ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    pub dns: Option<Duration>,
    pub tcp: Option<Duration>,
    pub tls: Option<Duration>,
    pub http: Option<Duration>,
    pub total: Duration,
}

/// One probed target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub target: Target,
    pub status: Status,
    /// What happened, in words.
    pub detail: String,
    pub http_status: Option<u16>,
    /// The address connected to (the proxy's, when one was used).
    pub address: Option<String>,
    /// `host:port` of the proxy used, if any.
    pub proxy: Option<String>,
    pub timings: Timings,
}

/// Counts for the closing line.
pub fn counts(outcomes: &[Outcome]) -> (usize, usize, usize) {
    let failed = outcomes.iter().filter(|o| o.status.is_failure()).count();
    let skipped = outcomes
        .iter()
        .filter(|o| o.status == Status::Skipped)
        .count();
    (outcomes.len() - failed - skipped, failed, skipped)
}

fn milliseconds(duration: Option<Duration>) -> Option<f64> {
    duration.map(|d| (d.as_secs_f64() * 10_000.0).round() / 10.0)
}

/// An aligned table, one row per target, and a closing count.
pub fn render_table(outcomes: &[Outcome]) -> String {
    let header = ["STATUS", "TARGET", "HTTP", "TIME", "DETAIL"].map(str::to_string);
    let rows: Vec<[String; 5]> = outcomes
        .iter()
        .map(|outcome| {
            [
                outcome.status.as_str().to_string(),
                outcome.target.url(),
                outcome
                    .http_status
                    .map_or_else(|| "-".to_string(), |code| code.to_string()),
                format!("{}ms", outcome.timings.total.as_millis()),
                crate::report::one_line(&outcome.detail),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..4)
        .map(|column| {
            rows.iter()
                .chain(std::iter::once(&header))
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let mut line = String::new();
        for column in 0..4 {
            let _ = write!(line, "{:width$}  ", row[column], width = widths[column]);
        }
        line.push_str(&row[4]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let (ok, failed, skipped) = counts(outcomes);
    let _ = writeln!(out, "\n{ok} ok, {failed} failed, {skipped} skipped");
    out
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    results: Vec<ResultOut<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    ok: usize,
    failed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct ResultOut<'a> {
    host: &'a str,
    port: u16,
    protocol: &'a str,
    url: String,
    reason: &'a str,
    status: &'a str,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy: Option<&'a str>,
    timings_ms: TimingsOut,
}

#[derive(Serialize)]
struct TimingsOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    dns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http: Option<f64>,
    total: f64,
}

/// `check --format json`: results in input order, then the counts. Field names are a
/// contract like scan's (`version: 1`); timings vary from run to run.
pub fn render_json(outcomes: &[Outcome]) -> String {
    let (ok, failed, skipped) = counts(outcomes);
    let document = Document {
        version: 1,
        results: outcomes
            .iter()
            .map(|outcome| ResultOut {
                host: &outcome.target.host,
                port: outcome.target.port,
                protocol: outcome.target.protocol.as_str(),
                url: outcome.target.url(),
                reason: &outcome.target.reason,
                status: outcome.status.as_str(),
                detail: &outcome.detail,
                http_status: outcome.http_status,
                address: outcome.address.as_deref(),
                proxy: outcome.proxy.as_deref(),
                timings_ms: TimingsOut {
                    dns: milliseconds(outcome.timings.dns),
                    tcp: milliseconds(outcome.timings.tcp),
                    tls: milliseconds(outcome.timings.tls),
                    http: milliseconds(outcome.timings.http),
                    total: milliseconds(Some(outcome.timings.total)).unwrap_or_default(),
                },
            })
            .collect(),
        summary: Summary {
            ok,
            failed,
            skipped,
        },
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::target::parse_entry;

    fn outcome(entry: &str, status: Status, detail: &str, code: Option<u16>) -> Outcome {
        Outcome {
            target: parse_entry(entry, "hosts.txt:1").unwrap(),
            status,
            detail: detail.to_string(),
            http_status: code,
            address: None,
            proxy: None,
            timings: Timings {
                dns: Some(Duration::from_micros(1234)),
                total: Duration::from_millis(7),
                ..Timings::default()
            },
        }
    }

    #[test]
    fn statuses_that_pass() {
        for code in [200, 204, 301, 401, 403, 404] {
            assert!(status_passes(code), "{code}");
        }
        for code in [407, 470, 500, 502, 503, 99, 600] {
            assert!(!status_passes(code), "{code}");
        }
        assert!(Status::TcpTimeout.is_failure());
        assert!(!Status::Skipped.is_failure());
    }

    #[test]
    fn table_and_json() {
        let outcomes = [
            outcome("a.test", Status::Ok, "HTTP/1.1 200 OK", Some(200)),
            outcome(
                "b.test:8443",
                Status::TcpTimeout,
                "no answer within 2s",
                None,
            ),
            outcome(
                "*.c.test",
                Status::Skipped,
                "a wildcard names no host",
                None,
            ),
        ];
        let table = render_table(&outcomes);
        assert_eq!(
            table,
            "STATUS       TARGET                 HTTP  TIME  DETAIL\n\
             ok           https://a.test:443/    200   7ms   HTTP/1.1 200 OK\n\
             tcp-timeout  https://b.test:8443/   -     7ms   no answer within 2s\n\
             skipped      https://*.c.test:443/  -     7ms   a wildcard names no host\n\
             \n1 ok, 1 failed, 1 skipped\n"
        );
        let json: serde_json::Value = serde_json::from_str(&render_json(&outcomes)).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["results"][1]["status"], "tcp-timeout");
        assert_eq!(json["results"][0]["timings_ms"]["dns"], 1.2);
        assert_eq!(json["results"][0]["http_status"], 200);
        assert_eq!(json["summary"]["failed"], 1);
    }
}
