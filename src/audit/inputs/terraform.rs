//! Terraform: azurerm's managed-network outbound rules
//! (`azurerm_machine_learning_workspace_network_outbound_rule_fqdn`, `_private_endpoint`,
//! `_service_tag`), `azapi_resource` outbound rules, the workspace's `managed_network`
//! block, NSG rules (`azurerm_network_security_rule`, `security_rule` blocks) and
//! firewall policy rule collection groups (`application_rule_collection` /
//! `network_rule_collection`). Resource bodies are read by the tolerant brace reader
//! (HCL syntax); expressions are kept as written, never evaluated.
//! Attribute names: <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs>.

use super::{AuditInputError, Input, Probe, azure, syntax};
use crate::audit::tree::{Braces, Node, Position, Syntax, normalize};
use crate::audit::{ExistingRule, RuleKind, RuleSet, SourceKind, Spanned};

pub(crate) struct Terraform;

const OUTBOUND_RULE: &str = "azurerm_machine_learning_workspace_network_outbound_rule_";

/// The other resource types read.
const HANDLED: [&str; 5] = [
    "azapi_resource",
    "azurerm_machine_learning_workspace",
    "azurerm_network_security_rule",
    "azurerm_network_security_group",
    "azurerm_firewall_policy_rule_collection_group",
];

impl Input for Terraform {
    fn kind(&self) -> SourceKind {
        SourceKind::Terraform
    }

    fn description(&self) -> &'static str {
        "Terraform files"
    }

    fn read(&self, probe: &Probe<'_>) -> Option<Result<RuleSet, AuditInputError>> {
        let file = probe.file;
        if probe.json.is_some() {
            return None;
        }
        let terraform = file.text.lines().any(|line| {
            [
                "resource \"",
                "terraform {",
                "variable \"",
                "provider \"",
                "module \"",
            ]
            .iter()
            .any(|start| line.starts_with(start))
        });
        if !terraform {
            return None;
        }
        let mut set = RuleSet::empty(file.path.clone(), SourceKind::Terraform);
        let mut offset = 0;
        for line in file.text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let Some(rest) = line.strip_prefix("resource \"") else {
                continue;
            };
            let Some(end) = rest.find('"') else {
                continue;
            };
            let resource_type = &rest[..end];
            // Only the bodies of the types that hold rules are read: a construct the
            // tolerant reader does not know (a heredoc) elsewhere cannot fail the audit.
            if !HANDLED.contains(&resource_type) && !resource_type.starts_with(OUTBOUND_RULE) {
                continue;
            }
            let Some(brace) = line.rfind('{') else {
                continue;
            };
            let body = match Braces::new(file, Syntax::Hcl, start + brace).value() {
                Ok(body) => body,
                Err(error) => return Some(Err(syntax(file, error.offset, &error.message))),
            };
            let at = Position::span(file, start, start + line.trim_end().len());
            resource(resource_type, &body, at, &mut set);
            if set.anchor.line == 1 {
                set.anchor = at;
            }
        }
        Some(Ok(set))
    }
}

fn resource(resource_type: &str, body: &Node, at: Position, set: &mut RuleSet) {
    let name = body.get("name").and_then(azure::literal);
    if let Some(kind) = resource_type.strip_prefix(OUTBOUND_RULE) {
        let kind = match kind {
            "fqdn" => RuleKind::Fqdn,
            "private_endpoint" => RuleKind::PrivateEndpoint,
            "service_tag" => RuleKind::ServiceTag,
            _ => return,
        };
        set.rules
            .push(azure::typed_outbound_rule(kind, name, body, at));
        return;
    }
    match resource_type {
        "azapi_resource" => {
            let kind = body.get("type").and_then(Node::text).unwrap_or("");
            if normalize(kind)
                .starts_with("microsoft.machinelearningservices/workspaces/outboundrules")
                && let Some(properties) = body.get("body").and_then(|b| b.get("properties"))
                && let Some(mut rule) = azure::outbound_rule(name, properties)
            {
                rule.at = at;
                set.rules.push(rule);
            }
        }
        "azurerm_machine_learning_workspace" => {
            for (key, block) in body.entries() {
                if normalize(&key.text) == "managednetwork"
                    && let Some(mode) = block.get("isolation_mode")
                {
                    set.isolation_mode = azure::isolation_mode(mode);
                    set.isolation_at = Some(mode.at);
                }
            }
        }
        "azurerm_network_security_rule" => {
            let mut rule = azure::nsg_rule(name, body, None);
            rule.at = at;
            set.rules.push(rule);
        }
        "azurerm_network_security_group" => {
            let nsg = body.get("name").and_then(Node::text);
            for (key, block) in body.entries() {
                if key.text == "security_rule" {
                    set.rules.push(azure::nsg_rule(None, block, nsg));
                }
            }
        }
        "azurerm_firewall_policy_rule_collection_group" => firewall_group(body, set),
        _ => {}
    }
}

/// `application_rule_collection { rule { protocols { type port } destination_fqdns } }`
/// and `network_rule_collection { rule { destination_fqdns destination_ports } }`.
fn firewall_group(body: &Node, set: &mut RuleSet) {
    for (key, collection) in body.entries() {
        let kind = match key.text.as_str() {
            "application_rule_collection" => RuleKind::FirewallApplication,
            "network_rule_collection" => RuleKind::FirewallNetwork,
            _ => continue,
        };
        let collection_name = collection
            .get("name")
            .and_then(Node::text)
            .map(str::to_string);
        for (rule_key, item) in collection.entries() {
            if rule_key.text != "rule" {
                continue;
            }
            let mut rule = ExistingRule::new(kind, item.at);
            rule.name = item.get("name").and_then(azure::literal);
            rule.collection.clone_from(&collection_name);
            let spans = |key: &str| -> Vec<Spanned> {
                item.get(key).map(azure::literals).unwrap_or_default()
            };
            rule.destinations = spans("destination_fqdns");
            if kind == RuleKind::FirewallApplication {
                for (protocol_key, protocol) in item.entries() {
                    if protocol_key.text == "protocols" {
                        if let Some(name) = protocol.get("type").and_then(Node::text) {
                            rule.protocols.push(name.to_string());
                        }
                        if let Some(port) = protocol.get("port").and_then(Node::text) {
                            rule.ports.push(port.to_string());
                        }
                    }
                }
            } else {
                rule.addresses = spans("destination_addresses");
                rule.ports = spans("destination_ports")
                    .into_iter()
                    .map(|s| s.value)
                    .collect();
                rule.protocols = spans("protocols").into_iter().map(|s| s.value).collect();
            }
            set.rules.push(rule);
        }
    }
}

#[cfg(test)]
mod tests {
    /// A construct the tolerant reader does not know, in a resource that holds no rules,
    /// does not fail the file.
    #[test]
    fn other_resources_are_not_parsed() {
        let text = "resource \"aws_iam_policy\" \"p\" {\n  policy = <<EOF\n{ \"a\": [\nEOF\n}\n\nresource \"azurerm_machine_learning_workspace_network_outbound_rule_fqdn\" \"x\" {\n  name             = \"xyz\"\n  destination_fqdn = \"github.com\"\n}\n";
        let set = crate::audit::inputs::read("main.tf", text).unwrap();
        assert_eq!(set.rules.len(), 1);
        assert_eq!(
            set.allowed_hosts().into_iter().collect::<Vec<_>>(),
            ["github.com"]
        );
    }

    #[test]
    fn workspace_block_sets_the_mode() {
        let text = "resource \"azurerm_machine_learning_workspace\" \"w\" {\n  managed_network {\n    isolation_mode = \"AllowInternetOutbound\"\n  }\n}\n";
        let set = crate::audit::inputs::read("main.tf", text).unwrap();
        assert_eq!(
            set.isolation_mode,
            Some(crate::audit::IsolationMode::AllowInternetOutbound)
        );
    }
}
