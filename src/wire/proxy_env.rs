//! Which proxy a `check` request goes through, from the usual variables (`https_proxy`,
//! `HTTPS_PROXY`, `http_proxy`, `HTTP_PROXY`, `all_proxy`, `ALL_PROXY`; lower case wins,
//! as in curl) and `NO_PROXY` (`*`, exact hosts, and domain suffixes with or without a
//! leading dot, as curl and Python's requests read it). Only `http://` proxies are
//! supported: HTTPS goes through them with `CONNECT`. Pure: the caller passes the
//! variables in.

use crate::wire::target::Protocol;

/// A proxy's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyAddress {
    pub host: String,
    pub port: u16,
}

/// The proxy configuration in force.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxySettings {
    pub https: Option<ProxyAddress>,
    pub http: Option<ProxyAddress>,
    no_proxy: Vec<String>,
}

impl ProxySettings {
    /// Reads the settings through `get` (a variable name to its value).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let first = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| get(name).filter(|value| !value.trim().is_empty()))
        };
        let all = first(&["all_proxy", "ALL_PROXY"]);
        let https = first(&["https_proxy", "HTTPS_PROXY"]).or_else(|| all.clone());
        let http = first(&["http_proxy", "HTTP_PROXY"]).or(all);
        let no_proxy = first(&["no_proxy", "NO_PROXY"])
            .map(|list| {
                list.split(',')
                    .map(|entry| entry.trim().trim_start_matches("*.").to_ascii_lowercase())
                    .map(|entry| entry.trim_start_matches('.').to_string())
                    .filter(|entry| !entry.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            https: https.map(|url| parse_proxy(&url)).transpose()?,
            http: http.map(|url| parse_proxy(&url)).transpose()?,
            no_proxy,
        })
    }

    /// The proxy for a target, or `None` to connect directly. TCP-only targets use the
    /// HTTPS proxy (`CONNECT` carries any TCP stream).
    pub fn for_target(&self, host: &str, protocol: Protocol) -> Option<&ProxyAddress> {
        let proxy = match protocol {
            Protocol::Http => self.http.as_ref(),
            Protocol::Https | Protocol::Tcp => self.https.as_ref(),
        }?;
        (!self.bypassed(host)).then_some(proxy)
    }

    fn bypassed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.no_proxy.iter().any(|entry| {
            let entry = entry.split(':').next().unwrap_or(entry);
            entry == "*"
                || host == entry
                || host
                    .strip_suffix(entry)
                    .is_some_and(|head| head.ends_with('.'))
        })
    }
}

/// `http://host:port` (scheme optional, port 1080 by default as in curl).
fn parse_proxy(raw: &str) -> Result<ProxyAddress, String> {
    let raw = raw.trim();
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    let shown = crate::redact::url(raw);
    let url = url::Url::parse(&with_scheme)
        .map_err(|error| format!("the proxy `{shown}` is not a URL: {error}"))?;
    if url.scheme() != "http" {
        return Err(format!(
            "the proxy `{shown}` uses `{}`; only http:// proxies are supported",
            url.scheme()
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "the proxy `{shown}` carries credentials, which pkgallow does not send"
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| format!("the proxy `{shown}` has no host"))?;
    Ok(ProxyAddress {
        host: host.trim_matches(['[', ']']).to_string(),
        port: url.port().unwrap_or(1080),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<ProxySettings, String> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        ProxySettings::from_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn lower_case_wins_and_all_proxy_is_the_fallback() {
        let s = settings(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
            ("ALL_PROXY", "all:3"),
        ])
        .unwrap();
        assert_eq!(s.https.as_ref().unwrap().host, "lower");
        assert_eq!(s.http.as_ref().unwrap().port, 3);
        assert_eq!(settings(&[]).unwrap(), ProxySettings::default());
    }

    #[test]
    fn no_proxy_matches_hosts_and_suffixes() {
        let s = settings(&[
            ("HTTPS_PROXY", "http://proxy.test:3128"),
            (
                "NO_PROXY",
                "internal.example, .corp.example,*.lab.example,host.test:443",
            ),
        ])
        .unwrap();
        let via = |host| s.for_target(host, Protocol::Https).is_some();
        assert!(via("files.example.com"));
        assert!(!via("internal.example"));
        assert!(!via("a.internal.example"));
        assert!(via("notinternal.example"));
        assert!(!via("x.corp.example"));
        assert!(!via("x.lab.example"));
        assert!(!via("host.test"));
        assert!(s.for_target("x.example.com", Protocol::Http).is_none());
        let everything = settings(&[("https_proxy", "p:1"), ("no_proxy", "*")]).unwrap();
        assert!(everything.for_target("a.test", Protocol::Https).is_none());
    }

    #[test]
    fn unsupported_proxies_are_refused_without_showing_secrets() {
        let error = settings(&[("HTTPS_PROXY", "http://user:hunter2@p:1")]).unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(settings(&[("HTTPS_PROXY", "socks5://p:1")]).is_err());
    }
}
