//! The customer-managed VNet model shared by the `firewall-*` and `nsg*` targets: which
//! Azure Firewall rules and which NSG rules a plan becomes, with their names, so that the
//! Bicep, ARM and bash renderings cannot disagree.
//!
//! Firewall rules follow Azure Firewall's split: HTTP(S) by host name in application
//! rules (`Http:80`, `Https:443`; ports up to 64000), everything else in network rules.
//! Network rules reach a host through `destinationFqdns`, which needs DNS proxy on the
//! policy and takes no wildcard, so a wildcard host on another port is written as a
//! comment, never as a rule. Every rule in a rule collection has one type, so each
//! source (the project's hosts, Azure ML's own requirements) gets a network and an
//! application collection.
//!
//! Rule names are unique within the rule collection group and derived from what a rule
//! allows, never from its position, so they stay the same from run to run:
//! - project application rule: [`rule_name`] of the host (`github-com`);
//! - project network rule: that, `_` and the protocol (`gitlab-com_tcp`);
//! - Azure ML core host rules: the same with `_core` (`ml-azure-com_core`,
//!   `x_core-udp`);
//! - service-tag rules: the tag, `-region` when regional, the protocol and the ports
//!   (`Storage-region-tcp-445`).
//!
//! [`rule_name`] yields lower-case letters, digits and `-`, and a `_` only before eight
//! hex digits; `_tcp`, `_core…` can therefore never come out of it, and tag names start
//! with an upper-case letter, so the four kinds never collide.
//!
//! NSGs filter by address, port and service tag, never by host name: NSG rules are the
//! core service tags only, and package hosts are listed as what the NSG cannot do.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use crate::azureml_core::{Destination, Requirement, Transport};
use crate::model::Evidence;
use crate::plan::{NetworkMode, Plan, Protocol, rule_name};
use crate::report::{evidence_list, one_line};

/// `Microsoft.Network` API version of both the firewall-policy and the NSG resources.
pub(crate) const NETWORK_API_VERSION: &str = "2024-05-01";
pub(crate) const FIREWALL_POLICY_TYPE: &str = "Microsoft.Network/firewallPolicies";
pub(crate) const RULE_COLLECTION_GROUP_TYPE: &str =
    "Microsoft.Network/firewallPolicies/ruleCollectionGroups";
pub(crate) const NSG_TYPE: &str = "Microsoft.Network/networkSecurityGroups";
pub(crate) const SECURITY_RULE_TYPE: &str = "Microsoft.Network/networkSecurityGroups/securityRules";

/// Application rules take ports up to 64000 (the `azure-firewall` CLI extension's
/// schema for `protocols[].port`); HTTP(S) above that goes in a network rule.
const MAX_APPLICATION_PORT: u16 = 64000;

/// Default priority of the rule collection group (Azure: 100–65000).
pub(crate) const GROUP_PRIORITY: u16 = 200;
/// Default priority of the first rule collection; the others add [`Collection::offset`].
pub(crate) const COLLECTION_PRIORITY: u16 = 100;
/// The largest offset, so the collection-priority parameter can stay within 65000.
pub(crate) const MAX_COLLECTION_OFFSET: u16 = 30;

/// Default priority of the first NSG rule; each next one is [`NSG_PRIORITY_STEP`] more.
pub(crate) const NSG_PRIORITY: u16 = 200;
pub(crate) const NSG_PRIORITY_STEP: u16 = 10;
/// NSG rule priorities run from 100 to 4096.
pub(crate) const NSG_MAX_PRIORITY: u16 = 4096;

/// Evidence locations shown per rule.
pub(crate) use crate::emit::EVIDENCE_SHOWN;

/// The hybrid-mode label of every customer-managed output.
pub(crate) const HYBRID_NOTE: &str = "Hybrid network: these rules apply to attached compute behind your firewall (the workspace's own compute uses the managed network).";

/// Why a wildcard host on a port an application rule cannot carry is no rule.
const WILDCARD_NETWORK: &str = "network rules take no wildcard FQDNs; allow these ports with a service tag or an IP range instead";

/// Why a tag is not a firewall rule.
const NSG_ONLY_TAG: &str = "Azure Firewall rules cannot use this service tag (NSGs only)";

/// The hybrid label, when the plan is for a hybrid network.
pub(crate) fn hybrid_note(plan: &Plan) -> Option<&'static str> {
    (plan.options.network == NetworkMode::Hybrid).then_some(HYBRID_NOTE)
}

/// Why a rule exists: purposes, and either the scan's evidence or the documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct About {
    pub purposes: BTreeSet<String>,
    pub evidence: BTreeSet<Evidence>,
    pub sources: BTreeSet<String>,
}

impl About {
    fn core(requirement: &Requirement) -> Self {
        let purpose = match &requirement.when {
            Some(when) => format!("{} ({when})", requirement.purpose),
            None => requirement.purpose.clone(),
        };
        About {
            purposes: BTreeSet::from([purpose]),
            evidence: BTreeSet::new(),
            sources: BTreeSet::from([requirement.source.clone()]),
        }
    }

    fn merge(&mut self, other: About) {
        self.purposes.extend(other.purposes);
        self.evidence.extend(other.evidence);
        self.sources.extend(other.sources);
    }

    /// The purposes on one line, for a rule's `description`.
    pub(crate) fn description(&self) -> String {
        self.purposes
            .iter()
            .map(|purpose| one_line(purpose))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Description and provenance on one line, for JSON, which has no comments.
    pub(crate) fn summary(&self) -> String {
        let provenance = self.provenance();
        if provenance.is_empty() {
            self.description()
        } else {
            format!("{} — {provenance}", self.description())
        }
    }

    /// `evidence: path:line, …` for what the scan found, `source: URL` for what the
    /// documentation requires.
    pub(crate) fn provenance(&self) -> String {
        let mut parts = Vec::new();
        if !self.evidence.is_empty() {
            parts.push(format!(
                "evidence: {}",
                one_line(&evidence_list(&self.evidence, EVIDENCE_SHOWN))
            ));
        }
        if !self.sources.is_empty() {
            let sources: Vec<String> = self.sources.iter().map(|s| one_line(s)).collect();
            parts.push(format!("source: {}", sources.join(", ")));
        }
        parts.join("; ")
    }
}

/// `Http` or `Https` in an application rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum WebProtocol {
    Http,
    Https,
}

impl WebProtocol {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            WebProtocol::Http => "Http",
            WebProtocol::Https => "Https",
        }
    }
}

/// Azure Firewall's spelling of a network-rule protocol.
pub(crate) fn ip_protocol(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "TCP",
        Transport::Udp => "UDP",
        Transport::Any => "Any",
    }
}

/// An NSG rule's spelling of a protocol.
pub(crate) fn nsg_protocol(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "Tcp",
        Transport::Udp => "Udp",
        Transport::Any => "*",
    }
}

/// A service tag, regional ones completed with the output's region parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tag {
    /// Checked by [`crate::azureml_core::is_valid_tag`]: letters, digits and dots, so
    /// outputs may write it into expressions without quoting.
    pub name: String,
    pub regional: bool,
}

/// What a network rule allows traffic to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `destinationFqdns` (needs DNS proxy).
    Fqdn(String),
    /// `destinationAddresses`: an IP address.
    Address(String),
    /// `destinationAddresses`: a service tag.
    Tag(Tag),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RuleKind {
    Application {
        fqdn: String,
        protocols: BTreeSet<(WebProtocol, u16)>,
    },
    Network {
        protocol: Transport,
        target: Target,
        ports: BTreeSet<u16>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FirewallRule {
    pub name: String,
    pub kind: RuleKind,
    pub about: About,
}

/// A filter rule collection: every rule of one type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Collection {
    pub name: &'static str,
    /// `ApplicationRule` or `NetworkRule`.
    pub rule_type: &'static str,
    /// Added to the collection-priority parameter. Fixed per collection, so priorities
    /// do not move when another collection is empty.
    pub offset: u16,
    /// What the collection is for, one line.
    pub summary: &'static str,
    pub rules: Vec<FirewallRule>,
}

/// Something the firewall cannot be told, and why; written as a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NotRule {
    pub destination: String,
    pub ports: BTreeSet<u16>,
    pub reason: &'static str,
    pub about: About,
}

/// A plan as Azure Firewall rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Firewall {
    /// Non-empty collections, in priority order.
    pub collections: Vec<Collection>,
    pub not_rules: Vec<NotRule>,
}

impl Firewall {
    pub(crate) fn rules(&self) -> impl Iterator<Item = &FirewallRule> {
        self.collections.iter().flat_map(|c| c.rules.iter())
    }

    /// Whether some rule uses a regional service tag (the output needs a region).
    pub(crate) fn needs_region(&self) -> bool {
        self.rules().any(|rule| {
            matches!(&rule.kind, RuleKind::Network { target: Target::Tag(tag), .. } if tag.regional)
        })
    }

    /// Whether some network rule names a host (DNS proxy must be on).
    pub(crate) fn has_fqdn_network_rules(&self) -> bool {
        self.rules().any(|rule| {
            matches!(
                &rule.kind,
                RuleKind::Network {
                    target: Target::Fqdn(_),
                    ..
                }
            )
        })
    }
}

/// Rules of one source before they are named and ordered.
#[derive(Default)]
struct Pile {
    web: BTreeMap<String, (BTreeSet<(WebProtocol, u16)>, About)>,
    /// (destination, protocol) → ports.
    other: BTreeMap<(String, Transport), (BTreeSet<u16>, About)>,
}

impl Pile {
    fn web(&mut self, host: &str, protocol: WebProtocol, port: u16, about: About) {
        let entry = self.web.entry(host.to_string()).or_default();
        entry.0.insert((protocol, port));
        entry.1.merge(about);
    }

    fn other(&mut self, host: &str, transport: Transport, port: u16, about: About) {
        let entry = self.other.entry((host.to_string(), transport)).or_default();
        entry.0.insert(port);
        entry.1.merge(about);
    }
}

/// Splits the plan into firewall rules.
pub(crate) fn firewall(plan: &Plan) -> Firewall {
    let mut project = Pile::default();
    for flow in &plan.flows {
        let about = About {
            purposes: flow.purposes.clone(),
            evidence: flow.evidence.clone(),
            sources: BTreeSet::new(),
        };
        let web = match flow.protocol {
            Protocol::Http => Some(WebProtocol::Http),
            Protocol::Https => Some(WebProtocol::Https),
            Protocol::Tcp => None,
        };
        match web {
            Some(protocol) if flow.port <= MAX_APPLICATION_PORT && !is_address(&flow.host) => {
                project.web(&flow.host, protocol, flow.port, about);
            }
            _ => project.other(&flow.host, Transport::Tcp, flow.port, about),
        }
    }

    let mut core = Pile::default();
    let mut tag_rules = Vec::new();
    let mut not_rules: BTreeMap<(String, &'static str), NotRule> = BTreeMap::new();
    let mut not_rule = |destination: &str, ports: &BTreeSet<u16>, reason, about: About| {
        let entry = not_rules
            .entry((destination.to_string(), reason))
            .or_insert_with(|| NotRule {
                destination: destination.to_string(),
                ports: BTreeSet::new(),
                reason,
                about: About::default(),
            });
        entry.ports.extend(ports);
        entry.about.merge(about);
    };
    for requirement in &plan.core {
        let about = About::core(requirement);
        match &requirement.destination {
            Destination::Tag {
                name,
                regional,
                azure_firewall,
            } => {
                let tag = Tag {
                    name: name.clone(),
                    regional: *regional,
                };
                if *azure_firewall {
                    tag_rules.push(FirewallRule {
                        name: tag_rule_name(&tag, requirement.protocol, &requirement.ports),
                        kind: RuleKind::Network {
                            protocol: requirement.protocol,
                            target: Target::Tag(tag),
                            ports: requirement.ports.clone(),
                        },
                        about,
                    });
                } else {
                    not_rule(&tag_text(&tag), &requirement.ports, NSG_ONLY_TAG, about);
                }
            }
            Destination::Host(host) => {
                // The documentation gives TCP for hosts and says HTTP(S) ports belong
                // in application rules, every other port in network rules.
                for &port in &requirement.ports {
                    match (requirement.protocol, port) {
                        (Transport::Tcp, 80) => {
                            core.web(host, WebProtocol::Http, port, about.clone());
                        }
                        (Transport::Tcp, 443) => {
                            core.web(host, WebProtocol::Https, port, about.clone());
                        }
                        (transport, _) => core.other(host, transport, port, about.clone()),
                    }
                }
            }
        }
    }

    let mut collections = Vec::new();
    let mut core_network = tag_rules;
    core_network.extend(network_rules(core.other, "_core-", &mut not_rule));
    let project_network = network_rules(project.other, "_", &mut not_rule);
    let core_web = web_rules(core.web, "_core");
    let project_web = web_rules(project.web, "");
    for (name, rule_type, offset, summary, rules) in [
        (
            "azureml-core-network",
            "NetworkRule",
            0,
            "Azure Machine Learning's own requirements that are not HTTP(S) by host name: service tags and other ports.",
            core_network,
        ),
        (
            "azureml-core-application",
            "ApplicationRule",
            10,
            "Azure Machine Learning's own host names over HTTP(S).",
            core_web,
        ),
        (
            "project-network",
            "NetworkRule",
            20,
            "The project's hosts on ports other than HTTP(S).",
            project_network,
        ),
        (
            "project-application",
            "ApplicationRule",
            MAX_COLLECTION_OFFSET,
            "The project's hosts over HTTP(S), found in its dependency files.",
            project_web,
        ),
    ] {
        if !rules.is_empty() {
            collections.push(Collection {
                name,
                rule_type,
                offset,
                summary,
                rules,
            });
        }
    }
    Firewall {
        collections,
        not_rules: not_rules.into_values().collect(),
    }
}

fn web_rules(
    pile: BTreeMap<String, (BTreeSet<(WebProtocol, u16)>, About)>,
    suffix: &str,
) -> Vec<FirewallRule> {
    pile.into_iter()
        .map(|(host, (protocols, about))| FirewallRule {
            name: format!("{}{suffix}", rule_name(&host)),
            kind: RuleKind::Application {
                fqdn: host,
                protocols,
            },
            about,
        })
        .collect()
}

fn network_rules(
    pile: BTreeMap<(String, Transport), (BTreeSet<u16>, About)>,
    separator: &str,
    not_rule: &mut impl FnMut(&str, &BTreeSet<u16>, &'static str, About),
) -> Vec<FirewallRule> {
    let mut rules = Vec::new();
    for ((host, protocol), (ports, about)) in pile {
        if host.starts_with("*.") {
            not_rule(&host, &ports, WILDCARD_NETWORK, about);
            continue;
        }
        let target = if is_address(&host) {
            Target::Address(
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string(),
            )
        } else {
            Target::Fqdn(host.clone())
        };
        rules.push(FirewallRule {
            name: format!("{}{separator}{}", rule_name(&host), protocol.as_str()),
            kind: RuleKind::Network {
                protocol,
                target,
                ports,
            },
            about,
        });
    }
    rules
}

/// An IP address (IPv6 possibly in brackets): application rules match host names, so an
/// address goes in a network rule's `destinationAddresses`.
fn is_address(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
}

/// The tag as the documentation writes it: `Storage.<region>` for a regional tag.
pub(crate) fn tag_text(tag: &Tag) -> String {
    if tag.regional {
        format!("{}.<region>", tag.name)
    } else {
        tag.name.clone()
    }
}

/// `Storage-region-tcp-445`: the tag, `-region` when regional, the protocol and the
/// ports, so rules for one tag with other ports (a conditional port) stay apart.
pub(crate) fn tag_rule_name(tag: &Tag, protocol: Transport, ports: &BTreeSet<u16>) -> String {
    let mut name = tag.name.replace('.', "-");
    if tag.regional {
        name.push_str("-region");
    }
    name.push('-');
    name.push_str(protocol.as_str());
    for port in ports {
        name.push('-');
        name.push_str(&port.to_string());
    }
    name
}

/// A name Azure accepts for a firewall-policy rule, a rule collection group or an NSG
/// rule: 1–80 characters, letters, digits, `_`, `.` and `-`, starting with a letter or
/// digit and ending with a letter, digit or `_`. (The tests hold every generated name
/// to it.)
#[cfg(test)]
pub(crate) fn is_valid_azure_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=80).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && bytes
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// The default rule collection group name: `pkgallow-<workspace>` when a workspace is
/// named (so that two workspaces behind one policy do not replace each other's group),
/// reduced to the characters a name may hold.
pub(crate) fn group_name(plan: &Plan) -> String {
    let mut name = String::from("pkgallow");
    if let Some(workspace) = plan.workspace_name() {
        let cleaned: String = workspace
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let cleaned = cleaned.trim_matches(|c| c == '-' || c == '.');
        if !cleaned.is_empty() {
            name.push('-');
            name.extend(cleaned.chars().take(80 - name.len() - 1));
        }
    }
    while name.ends_with(['-', '.']) {
        name.pop();
    }
    name
}

/// One NSG security rule: a core service tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NsgRule {
    pub name: String,
    pub tag: Tag,
    pub protocol: Transport,
    pub ports: BTreeSet<u16>,
    /// The requirement's purpose, and its condition if both fit: NSG descriptions hold
    /// 140 characters.
    pub description: String,
    pub about: About,
}

/// The NSG rules of a plan: every core service tag, in the data's order.
pub(crate) fn nsg_rules(plan: &Plan) -> Vec<NsgRule> {
    plan.core
        .iter()
        .filter_map(|requirement| match &requirement.destination {
            Destination::Tag { name, regional, .. } => {
                let tag = Tag {
                    name: name.clone(),
                    regional: *regional,
                };
                Some(NsgRule {
                    name: tag_rule_name(&tag, requirement.protocol, &requirement.ports),
                    tag,
                    protocol: requirement.protocol,
                    ports: requirement.ports.clone(),
                    description: nsg_description(requirement),
                    about: About::core(requirement),
                })
            }
            Destination::Host(_) => None,
        })
        .collect()
}

/// The purpose, with the condition when both fit the 140 characters of an NSG rule
/// description (the purpose alone always does: the data is checked for it).
fn nsg_description(requirement: &Requirement) -> String {
    match &requirement.when {
        Some(when) => {
            let both = format!("{} ({when})", requirement.purpose);
            if both.chars().count() <= 140 {
                both
            } else {
                requirement.purpose.clone()
            }
        }
        None => requirement.purpose.clone(),
    }
}

/// A host an NSG cannot filter, with its ports and why it is needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnfilteredHost {
    pub host: String,
    pub ports: BTreeSet<u16>,
    pub about: About,
}

/// The project's hosts, which NSGs cannot express.
pub(crate) fn unfiltered_hosts(plan: &Plan) -> Vec<UnfilteredHost> {
    let mut hosts: BTreeMap<&str, UnfilteredHost> = BTreeMap::new();
    for flow in &plan.flows {
        let entry = hosts.entry(&flow.host).or_insert_with(|| UnfilteredHost {
            host: flow.host.clone(),
            ports: BTreeSet::new(),
            about: About::default(),
        });
        entry.ports.insert(flow.port);
        entry.about.merge(About {
            purposes: flow.purposes.clone(),
            evidence: flow.evidence.clone(),
            sources: BTreeSet::new(),
        });
    }
    hosts.into_values().collect()
}

/// Whether some NSG rule uses a regional tag.
pub(crate) fn nsg_needs_region(rules: &[NsgRule]) -> bool {
    rules.iter().any(|rule| rule.tag.regional)
}

/// The largest valid first priority for `count` rules.
pub(crate) fn nsg_max_start(count: usize) -> u16 {
    let steps = u16::try_from(count.saturating_sub(1)).unwrap_or(u16::MAX);
    NSG_MAX_PRIORITY.saturating_sub(steps.saturating_mul(NSG_PRIORITY_STEP))
}

/// `port 443`, `ports 8787, 18881` for comments.
pub(crate) fn ports_phrase(ports: &BTreeSet<u16>) -> String {
    let list = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if ports.len() == 1 {
        format!("port {list}")
    } else {
        format!("ports {list}")
    }
}

/// A literal ARM string value: ARM evaluates a string that starts with `[` and ends
/// with `]` as an expression, unless it starts with `[[`. (The same rule as the `arm`
/// target's, which keeps its helper private.)
pub(crate) fn arm_literal(text: &str) -> String {
    if text.starts_with('[') && text.ends_with(']') {
        format!("[{text}")
    } else {
        text.to_string()
    }
}

/// A string literal inside an ARM expression: single-quoted, quotes doubled.
pub(crate) fn arm_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Ecosystem, Endpoint, Kind};
    use crate::plan::{Cloud, PlanOptions, build};

    pub(crate) fn endpoint(host: &str, scheme: &str, port: u16) -> Endpoint {
        Endpoint {
            host: host.to_string(),
            port,
            scheme: scheme.to_string(),
            ecosystem: Ecosystem::Python,
            kind: Kind::Files,
            purpose: format!("serves {host}"),
            evidence: BTreeSet::from([Evidence {
                path: "requirements.txt".into(),
                line: 3,
                fetches: None,
            }]),
            knowledge: None,
            service_domain: None,
        }
    }

    /// A plan with every kind of flow, optionally with Azure ML's core requirements.
    pub(crate) fn sample_plan(core: bool, cloud: Cloud) -> Plan {
        let endpoints = [
            endpoint("files.example.org", "https", 443),
            endpoint("files.example.org", "http", 80),
            endpoint("*.shards.example.net", "https", 443),
            endpoint("*.shards.example.net", "ssh", 22),
            endpoint("gitlab.com", "ssh", 22),
            endpoint("mirror.example.com", "http", 8080),
            endpoint("huge-port.example.com", "https", 65000),
            endpoint("10.1.2.3", "http", 8080),
            endpoint("ml.azure.com", "https", 443),
        ];
        build(
            &endpoints,
            PlanOptions {
                include_azureml_core: core,
                cloud,
                workspace_name: Some("ws-test".into()),
                ..PlanOptions::default()
            },
        )
    }

    /// Strings no real scan yields but every quoting helper must survive.
    pub(crate) const HOSTILE: &str = "it's \"q\" \\ ${x} $(y) `z` [w] */ --> \u{202e}\n\t#";

    /// Flows whose host, purpose and evidence are hostile, on web and other ports.
    pub(crate) fn hostile_plan() -> Plan {
        let mut plan = sample_plan(true, Cloud::Public);
        for flow in &mut plan.flows {
            flow.purposes = BTreeSet::from([format!("purpose {HOSTILE}")]);
            flow.evidence = BTreeSet::from([Evidence {
                path: format!("dir/{HOSTILE}.txt"),
                line: 7,
                fetches: None,
            }]);
        }
        let mut odd = plan.flows[0].clone();
        odd.host = "[expression]".into();
        plan.flows.push(odd.clone());
        odd.host = HOSTILE.into();
        plan.flows.push(odd.clone());
        odd.protocol = Protocol::Tcp;
        odd.port = 2222;
        plan.flows.push(odd);
        plan.options.workspace_name = Some(HOSTILE.into());
        plan
    }

    /// Every string in a JSON document.
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(text) => out.push(text.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }

    #[test]
    fn hostile_strings_stay_data() {
        let plan = hostile_plan();
        for emitter in [
            &crate::emit::firewall_arm::FirewallArm as &dyn crate::emit::Emitter,
            &crate::emit::nsg::Nsg,
        ] {
            let text = emitter.render(&plan);
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            // Every string ARM would evaluate is either ours or escaped with `[[`.
            let mut strings = Vec::new();
            walk(&json, &mut strings);
            assert!(
                strings.iter().any(|s| s == "[[expression]"),
                "{}",
                emitter.target()
            );
            for text in strings {
                if text.starts_with('[') && text.ends_with(']') && !text.starts_with("[[") {
                    assert!(!text.contains(HOSTILE), "{text}");
                    assert!(!text.contains("expression"), "{text}");
                }
            }
        }
        for emitter in [
            &crate::emit::firewall_bicep::FirewallBicep as &dyn crate::emit::Emitter,
            &crate::emit::nsg_bicep::NsgBicep,
        ] {
            let text = emitter.render(&plan);
            // The hostile purpose is a comment or one string literal, never code.
            for line in text.lines().filter(|line| line.contains("purpose it")) {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                let inner = code
                    .strip_prefix("description: '")
                    .and_then(|rest| rest.strip_suffix('\''))
                    .unwrap_or_else(|| panic!("{}: {line}", emitter.target()));
                let bytes = inner.as_bytes();
                for (index, byte) in bytes.iter().enumerate() {
                    if *byte == b'\'' {
                        assert_eq!(bytes[index - 1], b'\\', "{}: {line}", emitter.target());
                    }
                }
            }
        }
    }

    #[test]
    fn web_ports_group_per_host_and_other_ports_go_to_network_rules() {
        let firewall = firewall(&sample_plan(false, Cloud::Public));
        let names: Vec<&str> = firewall.collections.iter().map(|c| c.name).collect();
        assert_eq!(names, ["project-network", "project-application"]);
        let application = &firewall.collections[1].rules;
        let files = application
            .iter()
            .find(|rule| rule.name == "files-example-org")
            .unwrap();
        assert_eq!(
            files.kind,
            RuleKind::Application {
                fqdn: "files.example.org".into(),
                protocols: BTreeSet::from([(WebProtocol::Http, 80), (WebProtocol::Https, 443)]),
            }
        );
        assert!(application.iter().any(|rule| matches!(
            &rule.kind,
            RuleKind::Application { protocols, .. } if protocols.contains(&(WebProtocol::Http, 8080))
        )));
        let network = &firewall.collections[0].rules;
        let targets: Vec<(&Target, &BTreeSet<u16>)> = network
            .iter()
            .map(|rule| match &rule.kind {
                RuleKind::Network { target, ports, .. } => (target, ports),
                RuleKind::Application { .. } => panic!("an application rule among network rules"),
            })
            .collect();
        assert!(targets.contains(&(&Target::Fqdn("gitlab.com".into()), &BTreeSet::from([22]))));
        // Above 64000 an application rule cannot carry the port.
        assert!(targets.contains(&(
            &Target::Fqdn("huge-port.example.com".into()),
            &BTreeSet::from([65000])
        )));
        // Application rules match host names; an address needs a network rule.
        assert!(targets.contains(&(&Target::Address("10.1.2.3".into()), &BTreeSet::from([8080]))));
        assert!(firewall.has_fqdn_network_rules());
        assert!(!firewall.needs_region());
    }

    #[test]
    fn wildcards_on_other_ports_become_comments() {
        let firewall = firewall(&sample_plan(false, Cloud::Public));
        assert!(firewall.rules().all(|rule| match &rule.kind {
            RuleKind::Network {
                target: Target::Fqdn(host),
                ..
            } => !host.contains('*'),
            _ => true,
        }));
        let not_rule = firewall
            .not_rules
            .iter()
            .find(|n| n.destination == "*.shards.example.net")
            .unwrap();
        assert_eq!(not_rule.ports, BTreeSet::from([22]));
        assert_eq!(not_rule.reason, WILDCARD_NETWORK);
        // The same wildcard on 443 is an application rule.
        assert!(firewall.rules().any(|rule| matches!(
            &rule.kind,
            RuleKind::Application { fqdn, .. } if fqdn == "*.shards.example.net"
        )));
    }

    #[test]
    fn core_requirements_become_tags_and_host_rules() {
        let plan = sample_plan(true, Cloud::Public);
        let firewall = firewall(&plan);
        let names: Vec<&str> = firewall.collections.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "azureml-core-network",
                "azureml-core-application",
                "project-network",
                "project-application"
            ]
        );
        let core_network = &firewall.collections[0];
        assert!(
            core_network
                .rules
                .iter()
                .any(|rule| rule.name == "AzureMachineLearning-udp-5831")
        );
        assert!(
            core_network
                .rules
                .iter()
                .any(|rule| rule.name == "Storage-region-tcp-443")
        );
        assert!(firewall.needs_region());
        // Entra ID sign-in: one application rule with Http:80 and Https:443.
        let login = firewall
            .rules()
            .find(|rule| rule.name == "login-microsoftonline-com_core")
            .unwrap();
        assert!(matches!(
            &login.kind,
            RuleKind::Application { protocols, .. } if protocols.len() == 2
        ));
        // A host both the project and Azure ML need is in both collections, by two names.
        assert!(firewall.rules().any(|rule| rule.name == "ml-azure-com"));
        assert!(
            firewall
                .rules()
                .any(|rule| rule.name == "ml-azure-com_core")
        );
        // The wildcard compute-instance host on 8787/18881 and the NSG-only tag are
        // comments.
        let comments: Vec<&str> = firewall
            .not_rules
            .iter()
            .map(|n| n.destination.as_str())
            .collect();
        assert!(comments.contains(&"*.instances.azureml.ms"), "{comments:?}");
        assert!(comments.contains(&"VirtualNetwork"), "{comments:?}");
        // Conditions travel with the purpose.
        assert!(firewall.rules().any(|rule| {
            rule.about
                .description()
                .contains("only if the workspace was created with hbi_workspace")
        }));
    }

    #[test]
    fn rule_names_are_valid_and_unique_in_every_cloud() {
        for cloud in [Cloud::Public, Cloud::China, Cloud::UsGov] {
            let plan = sample_plan(true, cloud);
            let firewall = firewall(&plan);
            let mut names = BTreeSet::new();
            for rule in firewall.rules() {
                assert!(is_valid_azure_name(&rule.name), "{}", rule.name);
                assert!(names.insert(rule.name.clone()), "{} twice", rule.name);
            }
            let mut nsg_names = BTreeSet::new();
            for rule in nsg_rules(&plan) {
                assert!(is_valid_azure_name(&rule.name), "{}", rule.name);
                assert!(nsg_names.insert(rule.name.clone()), "{} twice", rule.name);
                assert!(rule.description.chars().count() <= 140);
            }
            // Stable: the same plan names its rules the same way.
            let again: BTreeSet<String> = self::firewall(&sample_plan(true, cloud))
                .rules()
                .map(|rule| rule.name.clone())
                .collect();
            assert_eq!(names, again);
        }
    }

    #[test]
    fn names_of_the_four_kinds_cannot_collide() {
        // A host that looks like another rule's name still gets a different one.
        let tricky = [
            endpoint("gitlab.com.tcp", "https", 443),
            endpoint("gitlab.com", "ssh", 22),
            endpoint("ml.azure.com.core", "https", 443),
            endpoint("storage-region-tcp-443.example", "https", 443),
        ];
        let plan = build(
            &tricky,
            PlanOptions {
                include_azureml_core: true,
                ..PlanOptions::default()
            },
        );
        let mut names = BTreeSet::new();
        for rule in firewall(&plan).rules() {
            assert!(names.insert(rule.name.clone()), "{} twice", rule.name);
        }
    }

    #[test]
    fn azure_names() {
        assert!(is_valid_azure_name("Storage-region-tcp-445"));
        assert!(is_valid_azure_name("gitlab-com_tcp"));
        assert!(!is_valid_azure_name("-x"));
        assert!(!is_valid_azure_name("x-"));
        assert!(!is_valid_azure_name("x y"));
        assert!(!is_valid_azure_name(&"x".repeat(81)));
    }

    #[test]
    fn group_names() {
        let mut plan = Plan::default();
        assert_eq!(group_name(&plan), "pkgallow");
        plan.options.workspace_name = Some("ml prod's ws".into());
        assert_eq!(group_name(&plan), "pkgallow-ml-prod-s-ws");
        plan.options.workspace_name = Some("x".repeat(200));
        assert!(is_valid_azure_name(&group_name(&plan)));
        plan.options.workspace_name = Some("'$".into());
        assert_eq!(group_name(&plan), "pkgallow");
    }

    #[test]
    fn nsg_rules_are_tags_only() {
        assert!(nsg_rules(&sample_plan(false, Cloud::Public)).is_empty());
        let rules = nsg_rules(&sample_plan(true, Cloud::UsGov));
        assert!(!rules.is_empty());
        assert!(
            rules
                .iter()
                .all(|rule| crate::azureml_core::is_valid_tag(&rule.tag.name))
        );
        assert!(nsg_needs_region(&rules));
        assert!(nsg_max_start(rules.len()) >= 100);
        assert_eq!(nsg_max_start(1), 4096);
        assert_eq!(nsg_max_start(3), 4076);
    }
}
