//! The network side of pkgallow: `check` proves from where it runs that each endpoint is
//! reachable (DNS, TCP, TLS, HTTP), and `record` runs a command through a forward proxy
//! that records, or with an allowlist enforces, every host the command asks for. These
//! are the only parts of pkgallow that open sockets; `scan`, `generate` and `audit` stay
//! offline. Pure parts (what to probe, results, proxy settings, request heads,
//! allowlists) are separate from the ones that do I/O (`probe`, `proxy`, `resolver`) so
//! that they are unit-tested without a network.

pub mod allowlist;
pub mod outcome;
pub mod probe;
pub mod proxy;
pub mod proxy_env;
pub mod request;
pub mod resolver;
pub mod target;
pub mod tls;

use std::time::Duration;

/// A runtime for one command: two worker threads are plenty for I/O-bound work on the
/// small machines this runs on.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// `5s`, `500ms`, `1.5s`, `2` (seconds), `1m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(number) = text.strip_suffix("ms") {
        (number, 0.001)
    } else if let Some(number) = text.strip_suffix('s') {
        (number, 1.0)
    } else if let Some(number) = text.strip_suffix('m') {
        (number, 60.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (5s, 500ms, 2)"))?;
    let seconds = value * scale;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!("`{text}` is not a duration between 1ms and 24h"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        for bad in ["", "s", "0", "-1s", "soon", "NaN", "1e9"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
