//! `pkgallow audit`: reads outbound rules people already have (workspace YAML, CLI JSON,
//! ARM, Bicep, Terraform, Azure Firewall policies, NSGs, hosts lists) into one
//! [`RuleSet`] model, runs every rule of [`rules::RULES`] over them and returns
//! [`Finding`]s with `path:line:col`. With a scan of the project (`--against`) it also
//! says which needed hosts no rule allows and which rules nothing needs; [`diff`] turns
//! the same comparison into a plan (`+ add`, `- remove`, `= keep`). Pure: the command
//! in `commands/audit.rs` reads the files and prints.

pub mod inputs;
pub mod output;
pub mod rules;
pub mod tree;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::host;
use crate::knowledge::Knowledge;
use crate::model::Endpoint;
use crate::plan::{self, Plan};
use crate::source::{Location, SourceFile};
pub use tree::Position;

/// What kind of file a rule set was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// An Azure ML workspace YAML with `managed_network:`.
    WorkspaceYaml,
    /// `az ml workspace show` JSON.
    WorkspaceShow,
    /// `az ml workspace outbound-rule list` JSON (REST casing).
    OutboundRuleList,
    /// An ARM deployment template.
    ArmTemplate,
    Bicep,
    Terraform,
    /// `az network nsg show` / `az network firewall policy rule-collection-group show`.
    NetworkJson,
    /// One host per line.
    Hosts,
    /// A shell script of `az ml workspace outbound-rule set` calls.
    AzCli,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::WorkspaceYaml => "workspace-yaml",
            SourceKind::WorkspaceShow => "workspace-show-json",
            SourceKind::OutboundRuleList => "outbound-rule-list-json",
            SourceKind::ArmTemplate => "arm-template",
            SourceKind::Bicep => "bicep",
            SourceKind::Terraform => "terraform",
            SourceKind::NetworkJson => "network-json",
            SourceKind::Hosts => "hosts",
            SourceKind::AzCli => "az-cli-script",
        }
    }
}

/// A managed network's isolation mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IsolationMode {
    Disabled,
    AllowInternetOutbound,
    AllowOnlyApprovedOutbound,
}

/// What a rule is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// Managed network FQDN rule.
    Fqdn,
    /// Managed network service-tag rule.
    ServiceTag,
    /// Managed network private-endpoint rule.
    PrivateEndpoint,
    /// NSG security rule.
    Nsg,
    /// Azure Firewall application rule (HTTP/HTTPS by host name).
    FirewallApplication,
    /// Azure Firewall network rule (FQDNs or addresses, any port).
    FirewallNetwork,
    /// A line of a hosts list.
    Host,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Fqdn => "fqdn",
            RuleKind::ServiceTag => "service-tag",
            RuleKind::PrivateEndpoint => "private-endpoint",
            RuleKind::Nsg => "nsg",
            RuleKind::FirewallApplication => "firewall-application",
            RuleKind::FirewallNetwork => "firewall-network",
            RuleKind::Host => "host",
        }
    }

    /// Whether the destinations are host names (FQDNs or `*.suffix`).
    pub fn names_hosts(self) -> bool {
        matches!(
            self,
            RuleKind::Fqdn
                | RuleKind::FirewallApplication
                | RuleKind::FirewallNetwork
                | RuleKind::Host
        )
    }

    /// Whether the rule is a managed-network outbound rule (one name space, Azure's
    /// name pattern).
    pub fn is_managed(self) -> bool {
        matches!(
            self,
            RuleKind::Fqdn | RuleKind::ServiceTag | RuleKind::PrivateEndpoint
        )
    }
}

/// A value and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned {
    pub value: String,
    pub at: Position,
}

/// One rule as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingRule {
    pub name: Option<Spanned>,
    pub kind: RuleKind,
    /// Host names (FQDN, firewall and hosts rules), address prefixes (NSG), the service
    /// tag, or the private endpoint's `service_resource_id`.
    pub destinations: Vec<Spanned>,
    /// Firewall network rules: `destinationAddresses` (IPs, CIDRs, service tags).
    pub addresses: Vec<Spanned>,
    /// Ports as written (`443`, `80-90`, `*`); firewall application rules: the
    /// protocols' ports.
    pub ports: Vec<String>,
    /// `TCP`, `Https`, … as written.
    pub protocols: Vec<String>,
    pub spark_enabled: Option<bool>,
    pub subresource: Option<Spanned>,
    /// `UserDefined`, `Required`, `Recommended`, as written.
    pub category: Option<String>,
    /// Firewall rule collection or NSG the rule is in (names are unique there).
    pub collection: Option<String>,
    /// NSG rules: `Inbound` or `Outbound`.
    pub direction: Option<String>,
    /// Where the rule starts.
    pub at: Position,
}

impl ExistingRule {
    pub fn new(kind: RuleKind, at: Position) -> Self {
        Self {
            name: None,
            kind,
            destinations: Vec::new(),
            addresses: Vec::new(),
            ports: Vec::new(),
            protocols: Vec::new(),
            spark_enabled: None,
            subresource: None,
            category: None,
            collection: None,
            direction: None,
            at,
        }
    }

    /// Rules Azure adds itself (`Required`, `Recommended`) are not the user's to fix.
    pub fn is_user_defined(&self) -> bool {
        self.category.as_deref().is_none_or(|category| {
            let category = tree::normalize(category);
            category != "required" && category != "recommended"
        })
    }
}

/// Everything read from one input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSet {
    /// The path as given on the command line.
    pub path: String,
    pub source_kind: SourceKind,
    /// The managed network's isolation mode, when the file says it.
    pub isolation_mode: Option<IsolationMode>,
    pub isolation_at: Option<Position>,
    /// Where rules the file lacks would go (its rule list, or line 1).
    pub anchor: Position,
    pub rules: Vec<ExistingRule>,
}

impl RuleSet {
    /// A file of `source_kind` with no rules read yet, anchored at its first line.
    pub fn empty(path: String, source_kind: SourceKind) -> Self {
        Self {
            path,
            source_kind,
            isolation_mode: None,
            isolation_at: None,
            anchor: Position {
                line: 1,
                column: 1,
                width: 1,
            },
            rules: Vec::new(),
        }
    }

    /// The host names (FQDNs and `*.suffix` wildcards) this file's rules allow, lower
    /// case, sorted: FQDN, firewall and hosts-list destinations. Private-endpoint,
    /// service-tag and NSG rules name no hosts.
    pub fn allowed_hosts(&self) -> BTreeSet<String> {
        self.rules
            .iter()
            .filter(|rule| rule.kind.names_hosts())
            .flat_map(|rule| &rule.destinations)
            .map(|destination| destination.value.trim().to_ascii_lowercase())
            .collect()
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub location: Location,
    /// Characters to underline from the column.
    pub width: u32,
    pub code: &'static str,
    pub severity: Severity,
    /// One line, specific to this finding.
    pub message: String,
    pub help: String,
    pub source_line: Option<String>,
}

/// What the project needs, from a scan (`--against`) or a scan's JSON (`--needed`).
#[derive(Clone, Debug)]
pub struct Needed {
    pub endpoints: Vec<Endpoint>,
    pub plan: Plan,
}

impl Needed {
    pub fn new(endpoints: Vec<Endpoint>) -> Self {
        let plan = plan::build(&endpoints, plan::PlanOptions::default());
        Self { endpoints, plan }
    }
}

/// What the rules see besides the rule sets.
pub struct Context<'a> {
    pub knowledge: &'a Knowledge,
    pub needed: Option<&'a Needed>,
}

/// Runs every rule over the rule sets (with their files, for source lines). Findings
/// are sorted and de-duplicated.
pub fn audit(sets: &[(RuleSet, SourceFile)], context: &Context<'_>) -> Vec<Finding> {
    let only_sets: Vec<&RuleSet> = sets.iter().map(|(set, _)| set).collect();
    let mut raw = Vec::new();
    for rule in rules::RULES {
        let mut found = Vec::new();
        rule.check(&only_sets, context, &mut found);
        let meta = rule.meta();
        for candidate in found {
            let file = sets
                .iter()
                .find(|(set, _)| set.path == candidate.path)
                .map(|(_, file)| file);
            let source_line = file
                .and_then(|file| file.line_text(candidate.at.line))
                .map(crate::redact::text);
            raw.push(Finding {
                location: Location::new(candidate.path, candidate.at.line, candidate.at.column),
                width: candidate.at.width,
                code: meta.code,
                severity: meta.severity,
                message: crate::redact::text(&candidate.message),
                help: crate::redact::text(&candidate.help.unwrap_or_else(|| meta.help.to_string())),
                source_line,
            });
        }
    }
    raw.sort();
    raw.dedup();
    raw
}

/// A finding before it is located in its file: what a rule reports.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub path: String,
    pub at: Position,
    pub message: String,
    /// Overrides the rule's help line.
    pub help: Option<String>,
}

impl Candidate {
    pub fn new(set: &RuleSet, at: Position, message: impl Into<String>) -> Self {
        Self {
            path: set.path.clone(),
            at,
            message: message.into(),
            help: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Something the project needs, in the form the rule sets' kind can express.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// A host on HTTP(S) (managed FQDN rules, firewall application rules, hosts lists).
    Host { host: String, ports: BTreeSet<u16> },
    /// A host on another port (firewall network rules).
    Flow { host: String, port: u16 },
    /// A private-endpoint rule (managed network).
    PrivateEndpoint {
        resource_type: String,
        resource_name: String,
        subresource: String,
        host: String,
    },
}

impl Need {
    pub fn describe(&self) -> String {
        match self {
            Need::Host { host, .. } => host.clone(),
            Need::Flow { host, port } => format!("{host}:{port}"),
            Need::PrivateEndpoint {
                resource_type,
                resource_name,
                subresource,
                ..
            } => format!("{resource_type}/{resource_name} ({subresource})"),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Need::Host { .. } => "host",
            Need::Flow { .. } => "flow",
            Need::PrivateEndpoint { .. } => "private-endpoint",
        }
    }
}

/// What the sets' kind of rules can express of what is needed: managed-network files
/// take FQDN and private-endpoint rules; firewall files take every host and port;
/// hosts lists take host names. NSG-only inputs cannot name hosts, so nothing is
/// needed of them. Files of an isolation mode that allows the internet need nothing.
pub fn needs(sets: &[&RuleSet], needed: &Needed) -> Vec<Need> {
    let managed = sets.iter().any(|set| {
        set.rules.iter().any(|rule| rule.kind.is_managed())
            || matches!(
                set.source_kind,
                SourceKind::WorkspaceYaml
                    | SourceKind::WorkspaceShow
                    | SourceKind::OutboundRuleList
                    | SourceKind::AzCli
            )
    });
    let firewall = sets.iter().any(|set| {
        set.rules.iter().any(|rule| {
            matches!(
                rule.kind,
                RuleKind::FirewallApplication | RuleKind::FirewallNetwork
            )
        })
    });
    let hosts = sets.iter().any(|set| set.source_kind == SourceKind::Hosts);
    let open = sets.iter().any(|set| {
        matches!(
            set.isolation_mode,
            Some(IsolationMode::AllowInternetOutbound | IsolationMode::Disabled)
        )
    });
    let mut out = BTreeSet::new();
    if open {
        return Vec::new();
    }
    if firewall {
        for flow in &needed.plan.flows {
            if flow.protocol == plan::Protocol::Tcp {
                out.insert(Need::Flow {
                    host: flow.host.clone(),
                    port: flow.port,
                });
            } else {
                out.insert(Need::Host {
                    host: flow.host.clone(),
                    ports: BTreeSet::from([flow.port]),
                });
            }
        }
    } else if managed {
        for rule in &needed.plan.rules {
            out.insert(Need::Host {
                host: rule.destination.clone(),
                ports: rule.ports.clone(),
            });
        }
        for endpoint in &needed.plan.private_endpoints {
            out.insert(Need::PrivateEndpoint {
                resource_type: endpoint.resource_type.to_string(),
                resource_name: endpoint.resource_name.clone(),
                subresource: endpoint.subresource_target.to_string(),
                host: endpoint.host.clone(),
            });
        }
    } else if hosts {
        for host in &needed.plan.hosts {
            out.insert(Need::Host {
                host: host.clone(),
                ports: BTreeSet::new(),
            });
        }
    }
    // Firewall needs on HTTP(S) with several ports merge into one host need.
    let mut merged: Vec<Need> = Vec::new();
    for need in out {
        if let (Some(Need::Host { host: last, ports }), Need::Host { host, ports: more }) =
            (merged.last_mut(), &need)
            && last == host
        {
            ports.extend(more);
            continue;
        }
        merged.push(need);
    }
    merged
}

/// Whether `pattern` (a rule destination, maybe `*.suffix`) covers `needed` (a host, maybe
/// itself `*.suffix`): Azure Firewall semantics, a wildcard covers any depth of
/// subdomain and never its apex.
pub fn covers(pattern: &str, needed: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    let needed = needed.to_ascii_lowercase();
    if pattern == needed {
        return true;
    }
    match needed.strip_prefix("*.") {
        // `*.a.b` is covered by `*.b` or `*.a.b` only.
        Some(suffix) => pattern
            .strip_prefix("*.")
            .is_some_and(|outer| suffix == outer || suffix.ends_with(&format!(".{outer}"))),
        None => host::allows(&pattern, &needed),
    }
}

/// Whether a rule allows a need.
pub fn rule_allows(rule: &ExistingRule, need: &Need) -> bool {
    match need {
        Need::Host { host, ports } => match rule.kind {
            RuleKind::Fqdn | RuleKind::Host => rule
                .destinations
                .iter()
                .any(|destination| covers(&destination.value, host)),
            RuleKind::FirewallApplication => {
                rule.destinations
                    .iter()
                    .any(|destination| covers(&destination.value, host))
                    && (rule.ports.is_empty()
                        || ports.iter().all(|port| port_listed(&rule.ports, *port)))
            }
            RuleKind::FirewallNetwork => {
                rule.destinations
                    .iter()
                    .any(|destination| destination.value.eq_ignore_ascii_case(host))
                    && ports.iter().all(|port| port_listed(&rule.ports, *port))
            }
            _ => false,
        },
        Need::Flow { host, port } => {
            matches!(rule.kind, RuleKind::FirewallNetwork)
                && rule
                    .destinations
                    .iter()
                    .any(|destination| destination.value.eq_ignore_ascii_case(host))
                && port_listed(&rule.ports, *port)
        }
        Need::PrivateEndpoint {
            resource_type,
            resource_name,
            subresource,
            ..
        } => {
            rule.kind == RuleKind::PrivateEndpoint
                && rule.destinations.iter().any(|destination| {
                    resource_of(&destination.value).is_some_and(|(kind, name)| {
                        kind.eq_ignore_ascii_case(resource_type)
                            && name.eq_ignore_ascii_case(resource_name)
                    })
                })
                && rule
                    .subresource
                    .as_ref()
                    .is_some_and(|target| target.value.eq_ignore_ascii_case(subresource))
        }
    }
}

/// Whether a port list (`443`, `80-90`, `*`, `80,443`) includes a port.
pub fn port_listed(listed: &[String], port: u16) -> bool {
    listed
        .iter()
        .flat_map(|entry| entry.split(','))
        .map(str::trim)
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            match entry.split_once('-') {
                Some((low, high)) => {
                    match (low.trim().parse::<u16>(), high.trim().parse::<u16>()) {
                        (Ok(low), Ok(high)) => (low..=high).contains(&port),
                        _ => false,
                    }
                }
                None => entry.parse::<u16>() == Ok(port),
            }
        })
}

/// The resource type and name a private endpoint's `service_resource_id` names, whether
/// written as a path (`/subscriptions/…/providers/Microsoft.Storage/storageAccounts/x`)
/// or as an ARM or Bicep `resourceId(…, 'Microsoft.Storage/storageAccounts', 'x')`.
pub fn resource_of(id: &str) -> Option<(String, String)> {
    let lower = id.to_ascii_lowercase();
    let start = lower.find("microsoft.")?;
    let rest = &id[start..];
    // The type is `Namespace/type` (two segments); then the name.
    let mut parts = rest.splitn(3, '/');
    let namespace = parts.next()?;
    let tail = parts.next()?;
    let type_name: String = tail
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let after = &tail[type_name.len()..];
    let name_source = match parts.next() {
        Some(path_rest) if after.is_empty() => path_rest,
        _ => after,
    };
    let name: String = name_source
        .trim_start_matches(['\'', '"', ',', ' ', '/'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (!type_name.is_empty() && !name.is_empty()).then(|| (format!("{namespace}/{type_name}"), name))
}

/// One line of `pkgallow diff`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DiffLine {
    /// `add`, `remove` or `keep`.
    pub action: &'static str,
    /// `host`, `flow`, `private-endpoint`, or the rule kind for removals.
    pub kind: String,
    /// The host, `host:port`, or `type/name (subresource)`.
    pub target: String,
    /// The rule that keeps or is to be removed, where it is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// The plan from the current rules to the needed ones: needs no rule allows (add), rules
/// that allow some need (keep) and rules that allow none (remove). Only rules that name
/// hosts or private endpoints and that the user defined are judged. Targets are
/// redacted (a destination written as a URL may carry credentials).
pub fn diff(sets: &[&RuleSet], needed: &Needed) -> Vec<DiffLine> {
    let needs = needs(sets, needed);
    let mut lines = Vec::new();
    for need in &needs {
        let allowing = sets
            .iter()
            .flat_map(|set| &set.rules)
            .any(|rule| rule_allows(rule, need));
        if !allowing {
            lines.push(DiffLine {
                action: "add",
                kind: need.kind().to_string(),
                target: crate::redact::text(&need.describe()),
                rule: None,
                at: None,
            });
        }
    }
    for set in sets {
        for rule in &set.rules {
            if !judged(rule) {
                continue;
            }
            let used = needs.iter().any(|need| rule_allows(rule, need));
            let target = rule
                .destinations
                .iter()
                .map(|destination| destination.value.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let target = match (&rule.kind, &rule.subresource) {
                (RuleKind::PrivateEndpoint, Some(sub)) => match resource_of(&target) {
                    Some((kind, name)) => format!("{kind}/{name} ({})", sub.value),
                    None => format!("{target} ({})", sub.value),
                },
                _ => target,
            };
            lines.push(DiffLine {
                action: if used { "keep" } else { "remove" },
                kind: rule.kind.as_str().to_string(),
                target: crate::redact::text(&target),
                rule: rule.name.as_ref().map(|name| name.value.clone()),
                at: Some(format!("{}:{}:{}", set.path, rule.at.line, rule.at.column)),
            });
        }
    }
    lines.sort_by(|a, b| {
        let order = |action: &str| match action {
            "add" => 0,
            "remove" => 1,
            _ => 2,
        };
        (order(a.action), &a.target, &a.at).cmp(&(order(b.action), &b.target, &b.at))
    });
    lines
}

/// Rules whose use `--against` and `diff` can judge: user-defined rules that name hosts
/// or private endpoints.
pub fn judged(rule: &ExistingRule) -> bool {
    rule.is_user_defined()
        && (rule.kind.names_hosts() || rule.kind == RuleKind::PrivateEndpoint)
        && !rule.destinations.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_in_every_spelling() {
        let expected = Some((
            "Microsoft.Storage/storageAccounts".to_string(),
            "mlartifacts".to_string(),
        ));
        assert_eq!(
            resource_of(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/mlartifacts"
            ),
            expected
        );
        assert_eq!(
            resource_of(
                "resourceId(peSubscriptionId, peResourceGroup, 'Microsoft.Storage/storageAccounts', 'mlartifacts')"
            ),
            expected
        );
        assert_eq!(
            resource_of(
                "[resourceId(parameters('a'), parameters('b'), 'Microsoft.Storage/storageAccounts', 'mlartifacts')]"
            ),
            expected
        );
        assert_eq!(resource_of("/subscriptions/s"), None);
    }

    #[test]
    fn wildcards_cover_wildcards_and_never_the_apex() {
        assert!(covers("*.example.org", "a.example.org"));
        assert!(covers("*.example.org", "*.cdn.example.org"));
        assert!(covers("*.example.org", "*.example.org"));
        assert!(!covers("*.cdn.example.org", "*.example.org"));
        assert!(!covers("*.example.org", "example.org"));
        assert!(covers("Example.org", "example.org"));
    }

    #[test]
    fn port_lists() {
        let listed = ["80-90".to_string(), "443".to_string()];
        assert!(port_listed(&listed, 85));
        assert!(port_listed(&listed, 443));
        assert!(!port_listed(&listed, 22));
        assert!(port_listed(&["*".to_string()], 22));
        assert!(port_listed(&["80, 8080".to_string()], 8080));
    }
}
