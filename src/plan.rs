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

/// Where the rules are enforced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NetworkMode {
    /// The workspace's managed network (`allow_only_approved_outbound`): FQDN,
    /// private-endpoint and service-tag outbound rules.
    #[default]
    Managed,
    /// The customer's own VNet behind Azure Firewall (and NSGs).
    CustomerManaged,
    /// Both: the managed network serves the workspace's own compute, the customer's
    /// firewall serves attached compute.
    Hybrid,
}

/// How hosts become rule destinations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Wildcards {
    /// One rule per exact host (least privilege).
    #[default]
    Exact,
    /// Hosts the knowledge base marks as one service share a wildcard rule; the apex
    /// always keeps its own rule (a wildcard never covers its apex).
    Collapse,
}

/// The Azure cloud, for the core Azure ML requirements of a customer-managed VNet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cloud {
    #[default]
    Public,
    China,
    UsGov,
}

impl Cloud {
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::China => "china",
            Cloud::UsGov => "usgov",
        }
    }
}

/// Options that shape a plan.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub network: NetworkMode,
    pub wildcards: Wildcards,
    /// Add the hosts and service tags Azure ML itself needs in a customer-managed VNet.
    pub include_azureml_core: bool,
    pub cloud: Cloud,
    pub workspace_name: Option<String>,
    pub resource_group: Option<String>,
    /// Prepended to every workspace outbound rule name (FQDN and private-endpoint
    /// rules), from the organisation's policy; at most [`MAX_RULE_PREFIX`] characters of
    /// `[a-zA-Z0-9_-]`, starting with a letter or digit.
    pub rule_prefix: Option<String>,
    /// The logs the plan was made from (`explain-log`), as given on its command line;
    /// empty for a plan made from a scan. Every target's header says which, and how to
    /// make the file again.
    pub from_logs: Vec<String>,
}

/// The longest rule-name prefix: it leaves 17 characters, room for a hashed name.
pub const MAX_RULE_PREFIX: usize = 16;

impl PlanOptions {
    /// The rule name of a host under this plan's prefix: the prefix, then the host's
    /// name shortened to fit, so the whole name still matches Azure's pattern. Names
    /// stay unique because the unprefixed names are.
    pub fn rule_name(&self, host: &str) -> String {
        match self
            .rule_prefix
            .as_deref()
            .filter(|prefix| !prefix.is_empty())
        {
            Some(prefix) => format!(
                "{prefix}{}",
                rule_name_within(host, MAX_RULE_NAME - prefix.len().min(MAX_RULE_PREFIX))
            ),
            None => rule_name(host),
        }
    }
}

/// A needed host the organisation's policy denies (`deny` in `pkgallow.toml`): it is in
/// no rule of any target, and the targets with comments say so with the evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied {
    pub host: String,
    /// The `deny` entry that matched, as written.
    pub pattern: String,
    pub ports: BTreeSet<u16>,
    pub evidence: BTreeSet<Evidence>,
}

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

/// A private-endpoint rule to suggest instead of an FQDN rule: Azure forbids FQDN rules
/// to storage accounts in approved-only mode, and container registries and key vaults
/// are reached privately. The subscription and resource group are not knowable from a
/// repository, so every target writes them as parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateEndpoint {
    /// Rule name, derived from the resource and subresource.
    pub name: String,
    /// The host that revealed the resource.
    pub host: String,
    /// ARM resource type, e.g. `Microsoft.Storage/storageAccounts`.
    pub resource_type: &'static str,
    /// The resource's name (the storage account, registry or vault).
    pub resource_name: String,
    /// `blob`, `dfs`, `file`, `queue`, `table`, `registry`, `vault`.
    pub subresource_target: &'static str,
    /// Serverless Spark needs it on; the loader requires the field either way.
    pub spark_enabled: bool,
    pub purposes: BTreeSet<String>,
    pub evidence: BTreeSet<Evidence>,
}

impl PrivateEndpoint {
    /// The resource id with the subscription and resource group as named placeholders,
    /// which each target replaces with its own parameter syntax.
    pub fn resource_id(&self, subscription: &str, resource_group: &str) -> String {
        format!(
            "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/{}/{}",
            self.resource_type, self.resource_name
        )
    }
}

/// Transport of a host:port a firewall must allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// Plain HTTP: an Azure Firewall application rule `Http:port`.
    Http,
    /// HTTPS: an application rule `Https:port`.
    Https,
    /// Anything else over TCP (git over SSH, svn): a network rule.
    Tcp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "Http",
            Protocol::Https => "Https",
            Protocol::Tcp => "TCP",
        }
    }
}

/// One host, protocol and port a customer-managed firewall must allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    /// Rule name derived from the host and port.
    pub name: String,
    pub host: String,
    pub protocol: Protocol,
    pub port: u16,
    pub purposes: BTreeSet<String>,
    pub evidence: BTreeSet<Evidence>,
}

/// What `generate` writes, whatever the target.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Managed network: FQDN rules.
    pub rules: Vec<Rule>,
    /// Managed network: private-endpoint suggestions.
    pub private_endpoints: Vec<PrivateEndpoint>,
    /// Managed network: hosts FQDN rules cannot carry (other ports).
    pub skipped: Vec<Skipped>,
    /// Customer-managed firewall: every host, protocol and port.
    pub flows: Vec<Flow>,
    /// Every host, for the plain hosts list.
    pub hosts: BTreeSet<String>,
    /// Customer-managed VNet: what Azure ML itself needs in `options.cloud`, only with
    /// `options.include_azureml_core`.
    pub core: Vec<crate::azureml_core::Requirement>,
    /// Needed hosts the organisation's policy keeps out of every rule.
    pub denied: Vec<Denied>,
    pub options: PlanOptions,
}

impl Plan {
    pub fn workspace_name(&self) -> Option<&str> {
        self.options.workspace_name.as_deref()
    }

    pub fn resource_group(&self) -> Option<&str> {
        self.options.resource_group.as_deref()
    }
}

/// Builds the plan from scan endpoints (any order; the result is sorted).
pub fn build(endpoints: &[Endpoint], options: PlanOptions) -> Plan {
    let mut by_host: BTreeMap<&str, Vec<&Endpoint>> = BTreeMap::new();
    for endpoint in endpoints {
        by_host.entry(&endpoint.host).or_default().push(endpoint);
    }
    let mut plan = Plan {
        options,
        ..Plan::default()
    };
    for (host, endpoints) in by_host {
        plan.hosts.insert(host.to_string());
        let evidence: BTreeSet<Evidence> = endpoints
            .iter()
            .flat_map(|e| e.evidence.iter().cloned())
            .collect();
        let purposes: BTreeSet<String> = endpoints.iter().map(|e| e.purpose.clone()).collect();
        for endpoint in &endpoints {
            let protocol = match endpoint.scheme.as_str() {
                "https" => Protocol::Https,
                "http" => Protocol::Http,
                _ => Protocol::Tcp,
            };
            plan.flows.push(Flow {
                name: rule_name(&format!("{host}.{}", endpoint.port)),
                host: host.to_string(),
                protocol,
                port: endpoint.port,
                purposes: BTreeSet::from([endpoint.purpose.clone()]),
                evidence: endpoint.evidence.clone(),
            });
        }
        if let Some((resource_type, resource_name, subresource_target)) =
            private_endpoint_target(host)
        {
            // A third party's resource (a library publisher's public storage account):
            // only its owner could approve a private endpoint to it, and no FQDN rule
            // reaches it in approved-only mode. (A customer-managed firewall's flows,
            // above, can still allow it.)
            if let Some(owner) = endpoints
                .iter()
                .find_map(|endpoint| endpoint.knowledge.as_ref()?.owned_by.as_deref())
            {
                let purposes: Vec<&str> = purposes.iter().map(String::as_str).collect();
                plan.skipped.push(Skipped {
                    host: host.to_string(),
                    ports: endpoints.iter().map(|endpoint| endpoint.port).collect(),
                    reason: format!(
                        "belongs to {owner}: an approved-only managed network reaches it only through a private endpoint, which only {owner} could approve, so no rule can allow it; make the download unnecessary ({})",
                        purposes.join("; ")
                    ),
                    evidence,
                });
                continue;
            }
            plan.private_endpoints.push(PrivateEndpoint {
                name: plan
                    .options
                    .rule_name(&format!("pe.{resource_name}.{subresource_target}")),
                host: host.to_string(),
                resource_type,
                resource_name,
                subresource_target,
                spark_enabled: false,
                purposes,
                evidence,
            });
            continue;
        }
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
        plan.rules.push(Rule {
            name: plan.options.rule_name(host),
            destination: host.to_string(),
            ports: web.iter().map(|e| e.port).collect(),
            purposes: web.iter().map(|e| e.purpose.clone()).collect(),
            evidence,
        });
    }
    if plan.options.wildcards == Wildcards::Collapse {
        let domains: BTreeMap<&str, &str> = endpoints
            .iter()
            .filter_map(|e| Some((e.host.as_str(), e.service_domain.as_deref()?)))
            .collect();
        plan.rules = collapse(std::mem::take(&mut plan.rules), &domains, &plan.options);
    }
    // Two flows can share a host and port (https and http on 443 is nonsense, but
    // keep the plan a set).
    plan.flows
        .sort_by(|a, b| (&a.host, a.port, a.protocol).cmp(&(&b.host, b.port, b.protocol)));
    plan.flows
        .dedup_by(|a, b| a.host == b.host && a.port == b.port && a.protocol == b.protocol);
    if plan.options.include_azureml_core {
        plan.core = crate::azureml_core::requirements(plan.options.cloud);
    }
    plan
}

/// `--wildcards collapse`: rules for two or more hosts the knowledge base marks as one
/// service (`service-domain`) become one `*.domain` rule. The apex is never folded in: a
/// wildcard does not cover it in Azure Firewall, so it keeps its own rule.
fn collapse(rules: Vec<Rule>, domains: &BTreeMap<&str, &str>, options: &PlanOptions) -> Vec<Rule> {
    let mut groups: BTreeMap<&str, Vec<Rule>> = BTreeMap::new();
    let mut kept = Vec::new();
    for rule in rules {
        match domains.get(rule.destination.as_str()) {
            Some(wildcard) if crate::host::allows(wildcard, &rule.destination) => {
                groups.entry(wildcard).or_default().push(rule);
            }
            _ => kept.push(rule),
        }
    }
    for (wildcard, members) in groups {
        if members.len() < 2 {
            kept.extend(members);
            continue;
        }
        let mut merged = Rule {
            name: options.rule_name(wildcard),
            destination: wildcard.to_string(),
            ports: BTreeSet::new(),
            purposes: BTreeSet::new(),
            evidence: BTreeSet::new(),
        };
        for member in members {
            merged.ports.extend(member.ports);
            merged.purposes.extend(member.purposes);
            merged.evidence.extend(member.evidence);
        }
        kept.push(merged);
    }
    kept.sort_by(|a, b| a.destination.cmp(&b.destination));
    kept
}

/// Private-endpoint-capable services reached by host: (suffix, ARM type, subresource).
/// Sources: Azure Storage standard endpoints
/// (<https://learn.microsoft.com/azure/storage/common/storage-account-overview#standard-endpoints>),
/// private-endpoint subresources
/// (<https://learn.microsoft.com/azure/private-link/private-endpoint-overview#private-link-resource>),
/// and the managed-network rule "you can't use an FQDN rule to reach Azure Storage"
/// (<https://learn.microsoft.com/azure/machine-learning/how-to-managed-network>).
const PRIVATE_ENDPOINT_SUFFIXES: [(&str, &str, &str); 13] = [
    (
        ".blob.core.windows.net",
        "Microsoft.Storage/storageAccounts",
        "blob",
    ),
    (
        ".dfs.core.windows.net",
        "Microsoft.Storage/storageAccounts",
        "dfs",
    ),
    (
        ".file.core.windows.net",
        "Microsoft.Storage/storageAccounts",
        "file",
    ),
    (
        ".queue.core.windows.net",
        "Microsoft.Storage/storageAccounts",
        "queue",
    ),
    (
        ".table.core.windows.net",
        "Microsoft.Storage/storageAccounts",
        "table",
    ),
    (
        ".blob.core.chinacloudapi.cn",
        "Microsoft.Storage/storageAccounts",
        "blob",
    ),
    (
        ".blob.core.usgovcloudapi.net",
        "Microsoft.Storage/storageAccounts",
        "blob",
    ),
    (
        ".azurecr.io",
        "Microsoft.ContainerRegistry/registries",
        "registry",
    ),
    (
        ".azurecr.cn",
        "Microsoft.ContainerRegistry/registries",
        "registry",
    ),
    (
        ".azurecr.us",
        "Microsoft.ContainerRegistry/registries",
        "registry",
    ),
    (".vault.azure.net", "Microsoft.KeyVault/vaults", "vault"),
    (".vault.azure.cn", "Microsoft.KeyVault/vaults", "vault"),
    (
        ".vault.usgovcloudapi.net",
        "Microsoft.KeyVault/vaults",
        "vault",
    ),
];

/// The private-endpoint target a host reveals: (ARM type, resource name, subresource).
pub fn private_endpoint_target(host: &str) -> Option<(&'static str, String, &'static str)> {
    if host.starts_with("*.") {
        return None;
    }
    PRIVATE_ENDPOINT_SUFFIXES
        .iter()
        .find_map(|(suffix, resource_type, subresource)| {
            let prefix = host.strip_suffix(suffix)?;
            // `<registry>.<region>.data.azurecr.io` is the registry's data endpoint.
            let name = prefix.split('.').next()?.to_string();
            (!name.is_empty()).then_some((*resource_type, name, *subresource))
        })
}

/// The longest name Azure accepts for a workspace outbound rule.
const MAX_RULE_NAME: usize = 33;

/// The stable Azure rule name of a host.
pub fn rule_name(host: &str) -> String {
    rule_name_within(host, MAX_RULE_NAME)
}

/// The rule name of a host in at most `max` characters (at least 10: a hashed name is
/// one character, `_` and eight hex digits).
fn rule_name_within(host: &str, max: usize) -> String {
    let max = max.max(10);
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
        && plain.len() <= max
        && plain.len() >= 3
        && plain.starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        return plain;
    }
    let hash = format!("{:08x}", fnv1a(host.as_bytes()) >> 32);
    let keep = max - hash.len() - 1;
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

    fn endpoint(host: &str, domain: Option<&str>) -> Endpoint {
        Endpoint {
            host: host.to_string(),
            port: 443,
            scheme: "https".into(),
            ecosystem: crate::model::Ecosystem::Python,
            kind: crate::model::Kind::Files,
            purpose: format!("serves {host}"),
            evidence: BTreeSet::from([Evidence {
                path: "r.txt".into(),
                line: 1,
                fetches: None,
            }]),
            knowledge: None,
            service_domain: domain.map(str::to_string),
        }
    }

    #[test]
    fn collapse_groups_one_service_and_keeps_the_apex() {
        let endpoints = [
            endpoint("a.example.org", Some("*.example.org")),
            endpoint("b.example.org", Some("*.example.org")),
            endpoint("example.org", Some("*.example.org")),
            endpoint("lonely.example.net", Some("*.example.net")),
            endpoint("other.example.com", None),
        ];
        let exact = build(&endpoints, PlanOptions::default());
        assert_eq!(exact.rules.len(), 5);
        let collapsed = build(
            &endpoints,
            PlanOptions {
                wildcards: Wildcards::Collapse,
                ..PlanOptions::default()
            },
        );
        let destinations: Vec<&str> = collapsed
            .rules
            .iter()
            .map(|r| r.destination.as_str())
            .collect();
        assert_eq!(
            destinations,
            [
                "*.example.org",
                "example.org",
                "lonely.example.net",
                "other.example.com"
            ]
        );
        assert_eq!(collapsed.rules[0].purposes.len(), 2);
        assert!(is_valid_rule_name(&collapsed.rules[0].name));
    }

    /// A storage account the project may own gets a private-endpoint suggestion; one the
    /// knowledge base says is a third party's gets neither that nor a rule, but a reason,
    /// while a customer-managed firewall may still allow it.
    #[test]
    fn a_third_partys_storage_gets_no_private_endpoint() {
        let mut theirs = endpoint("openaipublic.blob.core.windows.net", None);
        theirs.knowledge = Some(crate::model::Fact {
            id: "openai-public-blob".into(),
            source: "https://example.com".into(),
            owned_by: Some("OpenAI".into()),
        });
        let ours = endpoint("ourdata.blob.core.windows.net", None);
        let plan = build(&[theirs, ours], PlanOptions::default());
        let suggested: Vec<&str> = plan
            .private_endpoints
            .iter()
            .map(|endpoint| endpoint.host.as_str())
            .collect();
        assert_eq!(suggested, ["ourdata.blob.core.windows.net"]);
        assert!(plan.rules.is_empty());
        assert_eq!(plan.skipped.len(), 1);
        let skipped = &plan.skipped[0];
        assert_eq!(skipped.host, "openaipublic.blob.core.windows.net");
        assert!(
            skipped.reason.starts_with("belongs to OpenAI: "),
            "{}",
            skipped.reason
        );
        assert!(
            skipped
                .reason
                .contains("serves openaipublic.blob.core.windows.net"),
            "{}",
            skipped.reason
        );
        assert_eq!(skipped.evidence.len(), 1);
        assert_eq!(plan.flows.len(), 2);
    }

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
