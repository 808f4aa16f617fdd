//! Name resolution for `check` and the `record` proxy: the system resolver, with
//! `--resolve HOST:IP` overrides in front of it (as curl's option). The overrides let
//! tests give a real name (`pkgs.test`) to a loopback server, so SNI, certificate names
//! and proxy host checks are the real ones; `*.suffix` maps every subdomain.

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, SocketAddr};

/// Overrides in front of the system resolver.
#[derive(Clone, Debug, Default)]
pub struct Resolver {
    overrides: BTreeMap<String, Vec<IpAddr>>,
    /// Ask the system resolver for names without an override (off only in tests that
    /// must not send a DNS query).
    system: bool,
}

impl Resolver {
    /// The system resolver alone.
    pub fn system() -> Self {
        Self {
            overrides: BTreeMap::new(),
            system: true,
        }
    }

    /// Overrides only: a name without one fails as an unknown name would.
    pub fn overrides_only() -> Self {
        Self::default()
    }

    /// Adds one `HOST:IP` override (`*.suffix:IP` for every subdomain; an IPv6 address
    /// may be written bare or in brackets).
    pub fn add(&mut self, spec: &str) -> Result<(), String> {
        let (host, address) = spec
            .split_once(':')
            .ok_or_else(|| format!("`{spec}` is not HOST:IP"))?;
        let address: IpAddr = address
            .trim_matches(['[', ']'])
            .parse()
            .map_err(|_| format!("`{address}` in `{spec}` is not an IP address"))?;
        if host.is_empty() {
            return Err(format!("`{spec}` has no host"));
        }
        self.overrides
            .entry(normalise(host))
            .or_default()
            .push(address);
        Ok(())
    }

    /// The override for a host, exact names first, then the longest wildcard.
    fn overridden(&self, host: &str) -> Option<&[IpAddr]> {
        if let Some(addresses) = self.overrides.get(host) {
            return Some(addresses);
        }
        self.overrides
            .iter()
            .filter(|(pattern, _)| crate::host::allows(pattern, host))
            .max_by_key(|(pattern, _)| pattern.len())
            .map(|(_, addresses)| addresses.as_slice())
    }

    /// Every address of `host` (an IP literal is its own address).
    pub async fn lookup(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        let host = normalise(host);
        if let Ok(address) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(address, port)]);
        }
        if let Some(addresses) = self.overridden(&host) {
            return Ok(addresses
                .iter()
                .map(|address| SocketAddr::new(*address, port))
                .collect());
        }
        if !self.system {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no address for `{host}` (no --resolve override)"),
            ));
        }
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await?
            .collect();
        if addresses.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no address for `{host}`"),
            ));
        }
        Ok(addresses)
    }
}

/// Lower case without a trailing dot: the form names are compared in.
pub fn normalise(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn overrides_exact_then_wildcard_and_literals() {
        let mut resolver = Resolver::overrides_only();
        resolver.add("pkgs.test:127.0.0.1").unwrap();
        resolver.add("*.bench.test:127.0.0.2").unwrap();
        resolver.add("six.test:[::1]").unwrap();
        let one = |addresses: Vec<SocketAddr>| addresses[0].to_string();
        assert_eq!(
            one(resolver.lookup("PKGS.test.", 80).await.unwrap()),
            "127.0.0.1:80"
        );
        assert_eq!(
            one(resolver.lookup("a.b.bench.test", 1).await.unwrap()),
            "127.0.0.2:1"
        );
        assert_eq!(
            one(resolver.lookup("six.test", 2).await.unwrap()),
            "[::1]:2"
        );
        assert_eq!(
            one(resolver.lookup("127.0.0.9", 3).await.unwrap()),
            "127.0.0.9:3"
        );
        assert!(resolver.lookup("bench.test", 1).await.is_err());
        assert!(resolver.lookup("other.test", 1).await.is_err());
        assert!(resolver.add("nohost").is_err());
        assert!(resolver.add("x.test:not-an-ip").is_err());
        assert!(resolver.add(":127.0.0.1").is_err());
    }
}
