//! The Azure resource shapes every reader shares, read from the spanned tree whatever the
//! syntax: managed-network outbound rules (REST casing `FQDN`/`PrivateEndpoint`/
//! `ServiceTag` and the CLI's snake case `fqdn`/`private_endpoint`/`service_tag`; flat
//! Terraform attributes too), Azure Firewall policy rule collection groups, and NSG
//! security rules. Keys and enum values compare through [`normalize`].
//!
//! Shapes: <https://learn.microsoft.com/azure/templates/microsoft.machinelearningservices/workspaces/outboundrules>,
//! <https://learn.microsoft.com/azure/templates/microsoft.network/firewallpolicies/rulecollectiongroups>,
//! <https://learn.microsoft.com/azure/templates/microsoft.network/networksecuritygroups/securityrules>.

use crate::audit::tree::{Node, Position, Value, normalize};
use crate::audit::{ExistingRule, IsolationMode, RuleKind, RuleSet, Spanned};

pub(crate) fn spanned(node: &Node) -> Option<Spanned> {
    Some(Spanned {
        value: node.text()?.to_string(),
        at: node.at,
    })
}

/// A literal string (not an expression: no `${…}` interpolation, no ARM `[…]`
/// expression): names and host names that can be checked as written.
pub(crate) fn literal(node: &Node) -> Option<Spanned> {
    let text = node.string()?;
    let arm_expression = text.starts_with('[') && !text.starts_with("[[") && text.ends_with(']');
    (!text.contains("${") && !arm_expression).then(|| Spanned {
        value: text.to_string(),
        at: node.at,
    })
}

/// Literal strings of a value that may be one string or a list.
pub(crate) fn literals(node: &Node) -> Vec<Spanned> {
    match &node.value {
        Value::Array(items) => items.iter().filter_map(literal).collect(),
        _ => literal(node).into_iter().collect(),
    }
}

pub(crate) fn isolation_mode(node: &Node) -> Option<IsolationMode> {
    match normalize(node.text()?).as_str() {
        "disabled" => Some(IsolationMode::Disabled),
        "allowinternetoutbound" => Some(IsolationMode::AllowInternetOutbound),
        "allowonlyapprovedoutbound" => Some(IsolationMode::AllowOnlyApprovedOutbound),
        _ => None,
    }
}

/// A managed network block (`managed_network:` / `managedNetwork`): its isolation mode
/// and rules. Outbound rules are a list of named rules (YAML, CLI JSON) or a map from
/// name to rule (ARM's `outboundRules`).
pub(crate) fn managed_network(network: &Node, set: &mut RuleSet) {
    if let Some(mode) = network.get("isolation_mode") {
        set.isolation_mode = isolation_mode(mode);
        set.isolation_at = Some(mode.at);
    }
    let Some((key, rules)) = network.entry("outbound_rules") else {
        return;
    };
    set.anchor = key.at;
    match &rules.value {
        Value::Array(items) => {
            for item in items {
                let name = item.get("name").and_then(literal);
                if let Some(rule) = outbound_rule(name, item) {
                    set.rules.push(rule);
                }
            }
        }
        Value::Object(entries) => {
            for (key, item) in entries {
                let name = Spanned {
                    value: key.text.clone(),
                    at: key.at,
                };
                if let Some(rule) = outbound_rule(Some(name), item) {
                    set.rules.push(rule);
                }
            }
        }
        _ => {}
    }
}

/// One outbound rule: `{name, type, destination, category}` as the CLI writes it,
/// `{name, properties: {type, destination, category}}` as REST does, or Terraform's
/// flat attributes (`destination_fqdn`, `service_resource_id`, …) with the kind given.
pub(crate) fn outbound_rule(name: Option<Spanned>, node: &Node) -> Option<ExistingRule> {
    let body = node.get("properties").unwrap_or(node);
    let kind = match normalize(body.get("type")?.text()?).as_str() {
        "fqdn" => RuleKind::Fqdn,
        "privateendpoint" => RuleKind::PrivateEndpoint,
        "servicetag" => RuleKind::ServiceTag,
        _ => return None,
    };
    Some(typed_outbound_rule(kind, name, body, node.at))
}

/// An outbound rule whose kind is known (Terraform names it in the resource type).
pub(crate) fn typed_outbound_rule(
    kind: RuleKind,
    name: Option<Spanned>,
    body: &Node,
    at: Position,
) -> ExistingRule {
    let mut rule = ExistingRule::new(kind, at);
    rule.name = name;
    rule.category = body
        .get("category")
        .and_then(Node::text)
        .map(str::to_string);
    let destination = body.get("destination");
    // Object destinations (private endpoints, service tags) or flat attributes.
    let fields = destination
        .filter(|node| matches!(node.value, Value::Object(_)))
        .unwrap_or(body);
    match kind {
        RuleKind::Fqdn => {
            if let Some(node) = destination.or_else(|| body.get("destination_fqdn")) {
                rule.destinations.extend(literals(node));
            }
        }
        RuleKind::PrivateEndpoint => {
            if let Some(id) = fields.get("service_resource_id").and_then(spanned) {
                rule.destinations.push(id);
            }
            rule.subresource = fields.get("subresource_target").and_then(spanned);
            rule.spark_enabled = fields
                .get("spark_enabled")
                .or_else(|| body.get("spark_enabled"))
                .and_then(Node::bool);
        }
        RuleKind::ServiceTag => {
            if let Some(tag) = fields.get("service_tag").and_then(literal) {
                rule.destinations.push(tag);
            }
            if let Some(protocol) = fields.get("protocol").and_then(Node::text) {
                rule.protocols.push(protocol.to_string());
            }
            if let Some(ports) = fields.get("port_ranges") {
                rule.ports
                    .extend(ports.strings().into_iter().map(|(value, _)| value));
            }
        }
        _ => {}
    }
    rule
}

/// An Azure Firewall policy rule collection group's `properties` (or the group itself):
/// application rules (`targetFqdns`, `protocols`) and network rules
/// (`destinationFqdns`, `destinationAddresses`, `destinationPorts`).
pub(crate) fn firewall_group(group: &Node, set: &mut RuleSet) {
    let body = group.get("properties").unwrap_or(group);
    let Some((key, collections)) = body.entry("rule_collections") else {
        return;
    };
    set.anchor = key.at;
    for collection in collections.items() {
        let collection_name = collection
            .get("name")
            .and_then(Node::text)
            .map(str::to_string);
        for item in collection.get("rules").map(Node::items).unwrap_or_default() {
            let kind = match item
                .get("rule_type")
                .and_then(Node::text)
                .map(normalize)
                .as_deref()
            {
                Some("applicationrule") => RuleKind::FirewallApplication,
                Some("networkrule") => RuleKind::FirewallNetwork,
                _ => continue,
            };
            let mut rule = ExistingRule::new(kind, item.at);
            rule.name = item.get("name").and_then(literal);
            rule.collection.clone_from(&collection_name);
            let spans = |key: &str| item.get(key).map(literals).unwrap_or_default();
            if kind == RuleKind::FirewallApplication {
                rule.destinations = spans("target_fqdns");
                for protocol in item.get("protocols").map(Node::items).unwrap_or_default() {
                    if let Some(name) = protocol.get("protocol_type").and_then(Node::text) {
                        rule.protocols.push(name.to_string());
                    }
                    if let Some(port) = protocol.get("port").and_then(Node::text) {
                        rule.ports.push(port.to_string());
                    }
                }
            } else {
                rule.destinations = spans("destination_fqdns");
                rule.addresses = spans("destination_addresses");
                rule.ports = spans("destination_ports")
                    .into_iter()
                    .map(|s| s.value)
                    .collect();
                rule.protocols = spans("ip_protocols").into_iter().map(|s| s.value).collect();
            }
            set.rules.push(rule);
        }
    }
}

/// One NSG security rule: `{name, properties: {…}}` or flat (`az network nsg rule list`).
pub(crate) fn nsg_rule(name: Option<Spanned>, node: &Node, nsg: Option<&str>) -> ExistingRule {
    let body = node.get("properties").unwrap_or(node);
    let mut rule = ExistingRule::new(RuleKind::Nsg, node.at);
    rule.name = name.or_else(|| node.get("name").and_then(literal));
    rule.collection = nsg.map(str::to_string);
    rule.direction = body
        .get("direction")
        .and_then(Node::text)
        .map(str::to_string);
    for key in ["destination_address_prefix", "destination_address_prefixes"] {
        if let Some(prefixes) = body.get(key) {
            rule.destinations.extend(literals(prefixes));
        }
    }
    for key in ["destination_port_range", "destination_port_ranges"] {
        if let Some(ports) = body.get(key) {
            rule.ports
                .extend(ports.strings().into_iter().map(|(value, _)| value));
        }
    }
    if let Some(protocol) = body.get("protocol").and_then(Node::text) {
        rule.protocols.push(protocol.to_string());
    }
    rule
}

/// NSG security rules of an NSG (`properties.securityRules` or `securityRules`).
pub(crate) fn nsg(group: &Node, set: &mut RuleSet) {
    let body = group.get("properties").unwrap_or(group);
    let nsg_name = group.get("name").and_then(Node::text).map(str::to_string);
    let Some((key, rules)) = body.entry("security_rules") else {
        return;
    };
    set.anchor = key.at;
    for item in rules.items() {
        set.rules.push(nsg_rule(None, item, nsg_name.as_deref()));
    }
}

/// The resource types [`resource`] reads (normalized, without the API version).
const RESOURCE_TYPES: [&str; 5] = [
    "microsoft.machinelearningservices/workspaces/outboundrules",
    "microsoft.machinelearningservices/workspaces",
    "microsoft.network/firewallpolicies/rulecollectiongroups",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/networksecuritygroups/securityrules",
];

/// Whether [`resource`] reads resources of this type (`Type@version` or `Type`), so that
/// readers parse only the bodies they need.
pub(crate) fn is_known_type(resource_type: &str) -> bool {
    let bare = resource_type.split('@').next().unwrap_or(resource_type);
    RESOURCE_TYPES.contains(&normalize(bare).as_str())
}

/// A resource of an ARM template or Bicep file, by type.
pub(crate) fn resource(resource_type: &str, name: Option<Spanned>, body: &Node, set: &mut RuleSet) {
    let bare = resource_type.split('@').next().unwrap_or(resource_type);
    match normalize(bare).as_str() {
        "microsoft.machinelearningservices/workspaces/outboundrules" => {
            if let Some(properties) = body.get("properties")
                && let Some(mut rule) = outbound_rule(name, properties)
            {
                rule.at = body.at;
                set.rules.push(rule);
            }
        }
        "microsoft.machinelearningservices/workspaces" => {
            if let Some(network) = body
                .get("properties")
                .and_then(|p| p.get("managed_network"))
            {
                managed_network(network, set);
            }
        }
        "microsoft.network/firewallpolicies/rulecollectiongroups" => firewall_group(body, set),
        "microsoft.network/networksecuritygroups" => nsg(body, set),
        "microsoft.network/networksecuritygroups/securityrules" => {
            let mut rule = nsg_rule(name, body, None);
            rule.at = body.at;
            set.rules.push(rule);
        }
        _ => {}
    }
}

/// The rule name of an ARM child resource's `name`: the last segment of `ws/rule`, or
/// the last string literal of an expression such as
/// `[format('{0}/{1}', parameters('workspaceName'), 'rule')]` (unless that literal names
/// a parameter or variable, when the name is unknown).
pub(crate) fn child_name(node: &Node) -> Option<Spanned> {
    let text = node.text()?;
    let value = if let Some(expression) = text.strip_prefix('[') {
        let end = expression.rfind('\'')?;
        let start = expression[..end].rfind('\'')?;
        let before = expression[..start].trim_end();
        if before.ends_with("parameters(") || before.ends_with("variables(") {
            return None;
        }
        expression[start + 1..end].to_string()
    } else {
        text.rsplit('/').next()?.to_string()
    };
    Some(Spanned { value, at: node.at })
}
