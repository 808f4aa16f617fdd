//! From endpoints to outbound rules: one FQDN rule per host, with a name Azure accepts,
//! the reasons and the evidence. Pure; every emitter renders the same plan.
//!
//! Rule names must match `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$` and be unique in a
//! workspace. They are derived from the host alone, so they are stable whatever else a
//! scan finds and in whatever order: dots become `-`; a host that already has a `-`
//! or a `*`, or is too long, gets `_` and 8 hex digits of a hash of the full host, so
//! two hosts can never share a name (`a-b.c` and `a.b-c`).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Endpoint, Evidence};

/// Ports managed-network FQDN rules support.
pub const FQDN_RULE_PORTS: [u16; 2] = [80, 443];

/// One outbound FQDN rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    /// The FQDN or `*.suffix`.
    pub destination: String,
    pub ports: BTreeSet<u16>,
    /// Why, one sentence per distinct purpose.
    pub purposes: BTreeSet<String>,
    pub evidence: BTreeSet<Evidence>,
}

/// A host no FQDN rule can serve, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub host: String,
    pub ports: BTreeSet<u16>,
    pub reason: String,
    pub evidence: BTreeSet<Evidence>,
}

/// What `generate` writes, whatever the target.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub rules: Vec<Rule>,
    pub skipped: Vec<Skipped>,
    /// Every host, for the plain hosts list.
    pub hosts: BTreeSet<String>,
    pub workspace_name: Option<String>,
    pub resource_group: Option<String>,
}

/// Builds the plan from scan endpoints (any order; the result is sorted).
pub fn build(endpoints: &[Endpoint]) -> Plan {
    let mut by_host: BTreeMap<&str, Vec<&Endpoint>> = BTreeMap::new();
    for endpoint in endpoints {
        by_host.entry(&endpoint.host).or_default().push(endpoint);
    }
    let mut plan = Plan::default();
    for (host, endpoints) in by_host {
        plan.hosts.insert(host.to_string());
        let evidence: BTreeSet<Evidence> = endpoints
            .iter()
            .flat_map(|e| e.evidence.iter().cloned())
            .collect();
        let (web, other): (Vec<&&Endpoint>, Vec<&&Endpoint>) = endpoints
            .iter()
            .partition(|e| FQDN_RULE_PORTS.contains(&e.port));
        if !other.is_empty() {
            let ports: BTreeSet<u16> = other.iter().map(|e| e.port).collect();
            let list = ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            plan.skipped.push(Skipped {
                host: host.to_string(),
                reason: format!(
                    "needs port {list}; managed-network FQDN rules allow only 80 and 443 (use HTTPS URLs, or a firewall network rule)"
                ),
                evidence: other.iter().flat_map(|e| e.evidence.iter().cloned()).collect(),
                ports,
            });
        }
        if web.is_empty() {
            continue;
        }
        if let Some(service) = private_endpoint_service(host) {
            plan.skipped.push(Skipped {
                host: host.to_string(),
                ports: web.iter().map(|e| e.port).collect(),
                reason: format!(
                    "is an Azure Storage account ({service}); in allow_only_approved_outbound FQDN rules cannot reach storage: add a private_endpoint rule to the account instead"
                ),
                evidence,
            });
            continue;
        }
        plan.rules.push(Rule {
            name: rule_name(host),
            destination: host.to_string(),
            ports: web.iter().map(|e| e.port).collect(),
            purposes: web.iter().map(|e| e.purpose.clone()).collect(),
            evidence,
        });
    }
    plan
}

/// Azure Storage endpoint suffixes and their private-endpoint subresources: FQDN rules
/// to storage accounts are not allowed in approved-only mode (Microsoft's managed-network
/// documentation, "you can't use an FQDN rule to reach Azure Storage").
const STORAGE_SUFFIXES: [(&str, &str); 5] = [
    (".blob.core.windows.net", "blob"),
    (".dfs.core.windows.net", "dfs"),
    (".file.core.windows.net", "file"),
    (".queue.core.windows.net", "queue"),
    (".table.core.windows.net", "table"),
];

/// The storage subresource of a host that must be reached through a private endpoint.
fn private_endpoint_service(host: &str) -> Option<&'static str> {
    STORAGE_SUFFIXES
        .iter()
        .find(|(suffix, _)| host.ends_with(suffix) && host.len() > suffix.len())
        .map(|(_, service)| *service)
}

/// The stable Azure rule name of a host.
pub fn rule_name(host: &str) -> String {
    const MAX: usize = 33;
    let readable: String = host
        .trim_start_matches("*.")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let readable = readable.trim_matches('-');
    let prefix = if host.starts_with("*.") { "any-" } else { "" };
    let plain = format!("{prefix}{readable}");
    let ambiguous = host.contains('-')
        || host.starts_with("*.")
        || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
    if !ambiguous
        && plain.len() <= MAX
        && plain.len() >= 3
        && plain.starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        return plain;
    }
    let hash = format!("{:08x}", fnv1a(host.as_bytes()) >> 32);
    let keep = MAX - hash.len() - 1;
    let mut head: String = plain.chars().take(keep).collect();
    while head.ends_with('-') {
        head.pop();
    }
    if head.is_empty() || !head.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        head = format!("h{head}");
    }
    format!("{head}_{hash}")
}

/// FNV-1a, 64 bits: small, stable across platforms and releases (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Azure's rule-name pattern.
pub fn is_valid_rule_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=33).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_readable_when_unambiguous() {
        assert_eq!(rule_name("github.com"), "github-com");
        assert_eq!(rule_name("files.example.org"), "files-example-org");
    }

    #[test]
    fn names_are_valid_unique_and_stable() {
        let hosts = [
            "a-b.c",
            "a.b-c",
            "*.example.org",
            "example.org",
            "download-r2.pytorch.org",
            "a.very.long.host.name.that.goes.on.and.on.example.com",
            "a.very.long.host.name.that.goes.on.and.on.example.net",
            "x.y",
            "10.0.0.1",
        ];
        let names: Vec<String> = hosts.iter().map(|h| rule_name(h)).collect();
        for (host, name) in hosts.iter().zip(&names) {
            assert!(is_valid_rule_name(name), "{host} -> {name}");
            assert_eq!(&rule_name(host), name, "stable");
        }
        let unique: BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }
}
