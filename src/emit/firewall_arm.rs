//! `generate firewall-arm`: the `firewall-bicep` rules as an ARM deployment template,
//! one `Microsoft.Network/firewallPolicies/ruleCollectionGroups` resource in an existing
//! policy. Built from typed structures serialized by `serde_json` (field order is the
//! declaration order, so the output is deterministic), never by string concatenation.
//!
//! JSON has no comments: each rule's purpose and evidence (or documentation source) go
//! in its `description`, a property every firewall-policy rule has; what no rule can
//! express goes in the template's top-level `metadata`, which the schema leaves
//! unstructured. Free text goes through [`arm_literal`]; strings inside expressions
//! through [`arm_string`].

use serde::Serialize;

use crate::emit::vnet::{
    self, COLLECTION_PRIORITY, Firewall, FirewallRule, GROUP_PRIORITY, MAX_COLLECTION_OFFSET,
    NETWORK_API_VERSION, RULE_COLLECTION_GROUP_TYPE, RuleKind, Tag, Target, arm_literal,
    arm_string,
};
use crate::emit::{Emitter, Language};
use crate::plan::Plan;
use crate::report::one_line;

pub struct FirewallArm;

pub(crate) const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

impl Emitter for FirewallArm {
    fn target(&self) -> &'static str {
        "firewall-arm"
    }

    fn language(&self) -> Language {
        Language::ArmJson
    }

    fn description(&self) -> &'static str {
        "ARM template of an Azure Firewall policy rule collection group (customer-managed VNet)"
    }

    fn render(&self, plan: &Plan) -> String {
        let template = template(plan);
        // Plain structs of strings, numbers and vectors always serialize.
        let mut out = serde_json::to_string_pretty(&template)
            .expect("an ARM template of strings serializes to JSON");
        out.push('\n');
        out
    }
}

#[derive(Serialize)]
struct Template {
    #[serde(rename = "$schema")]
    schema: &'static str,
    #[serde(rename = "contentVersion")]
    content_version: &'static str,
    metadata: Metadata,
    parameters: Parameters,
    resources: Vec<Resource>,
}

#[derive(Serialize)]
struct Metadata {
    description: String,
    #[serde(rename = "notRules", skip_serializing_if = "Vec::is_empty")]
    not_rules: Vec<NotRule>,
    #[serde(rename = "deniedByPolicy", skip_serializing_if = "Vec::is_empty")]
    denied_by_policy: Vec<crate::emit::DeniedHost>,
}

#[derive(Serialize)]
struct NotRule {
    destination: String,
    ports: Vec<u16>,
    reason: String,
    purpose: String,
    provenance: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Parameters {
    firewall_policy_name: Parameter,
    rule_collection_group_name: Parameter,
    rule_collection_group_priority: Parameter,
    collection_priority: Parameter,
    source_addresses: Parameter,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Parameter>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Parameter {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_value: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_value: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_value: Option<u16>,
    metadata: Description,
}

#[derive(Serialize)]
struct Description {
    description: &'static str,
}

#[derive(Serialize)]
struct Resource {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    name: String,
    comments: String,
    properties: GroupProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupProperties {
    priority: String,
    rule_collections: Vec<Collection>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Collection {
    rule_collection_type: &'static str,
    name: &'static str,
    priority: String,
    action: Action,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Action {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Rule {
    Application(ApplicationRule),
    Network(NetworkRule),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationRule {
    rule_type: &'static str,
    name: String,
    description: String,
    source_addresses: &'static str,
    protocols: Vec<WebProtocol>,
    target_fqdns: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebProtocol {
    protocol_type: &'static str,
    port: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NetworkRule {
    rule_type: &'static str,
    name: String,
    description: String,
    ip_protocols: Vec<&'static str>,
    source_addresses: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    destination_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    destination_fqdns: Vec<String>,
    destination_ports: Vec<String>,
}

const SOURCE_ADDRESSES: &str = "[parameters('sourceAddresses')]";

fn template(plan: &Plan) -> Template {
    let firewall = vnet::firewall(plan);
    let parameter = |kind, default_value, description| Parameter {
        kind,
        default_value,
        min_value: None,
        max_value: None,
        metadata: Description { description },
    };
    let priority = |default: u16, max_value: u16, description| Parameter {
        kind: "int",
        default_value: Some(default.into()),
        min_value: Some(100),
        max_value: Some(max_value),
        metadata: Description { description },
    };
    let parameters = Parameters {
        firewall_policy_name: parameter("string", None, "Name of the existing Azure Firewall policy"),
        rule_collection_group_name: parameter(
            "string",
            Some(arm_literal(&vnet::group_name(plan)).into()),
            "Name of the rule collection group to create or replace in the policy",
        ),
        rule_collection_group_priority: priority(
            GROUP_PRIORITY,
            65000,
            "Priority of the rule collection group",
        ),
        collection_priority: priority(
            COLLECTION_PRIORITY,
            65000 - MAX_COLLECTION_OFFSET,
            "Priority of the first rule collection in the group; the others add 10, 20 and 30",
        ),
        source_addresses: parameter(
            "array",
            None,
            "Source addresses of every rule: the address prefixes of the compute subnet",
        ),
        region: firewall.needs_region().then(|| {
            parameter(
                "string",
                None,
                "Azure region of the workspace, for regional service tags such as Storage.<region> (e.g. westeurope)",
            )
        }),
    };
    let collections = firewall
        .collections
        .iter()
        .map(|collection| Collection {
            rule_collection_type: "FirewallPolicyFilterRuleCollection",
            name: collection.name,
            priority: if collection.offset == 0 {
                "[parameters('collectionPriority')]".to_string()
            } else {
                format!(
                    "[add(parameters('collectionPriority'), {})]",
                    collection.offset
                )
            },
            action: Action { kind: "Allow" },
            rules: collection.rules.iter().map(rule).collect(),
        })
        .collect();
    Template {
        schema: SCHEMA,
        content_version: "1.0.0.0",
        metadata: Metadata {
            description: description(plan, &firewall),
            not_rules: firewall
                .not_rules
                .iter()
                .map(|not_rule| NotRule {
                    destination: arm_literal(&one_line(&not_rule.destination)),
                    ports: not_rule.ports.iter().copied().collect(),
                    reason: not_rule.reason.to_string(),
                    purpose: arm_literal(&not_rule.about.description()),
                    provenance: arm_literal(&not_rule.about.provenance()),
                })
                .collect(),
            denied_by_policy: crate::emit::denied_metadata(plan),
        },
        parameters,
        resources: vec![Resource {
            kind: RULE_COLLECTION_GROUP_TYPE,
            api_version: NETWORK_API_VERSION,
            name: "[format('{0}/{1}', parameters('firewallPolicyName'), parameters('ruleCollectionGroupName'))]"
                .to_string(),
            comments: "Rules generated by pkgallow; each rule's description says why it exists."
                .to_string(),
            properties: GroupProperties {
                priority: "[parameters('ruleCollectionGroupPriority')]".to_string(),
                rule_collections: collections,
            },
        }],
    }
}

fn description(plan: &Plan, firewall: &Firewall) -> String {
    let mut text = format!(
        "{} ",
        crate::emit::provenance(plan, "firewall-arm").sentence()
    );
    if let Some(note) = vnet::hybrid_note(plan) {
        text.push_str(note);
        text.push(' ');
    }
    text.push_str("Azure Firewall rules for a customer-managed VNet: one rule collection group in an existing firewall policy, replaced as a whole on each deployment. Deploy to the policy's resource group with `az deployment group create --resource-group <policy group> --template-file <this file>`. Application rules allow HTTP(S) by host name; network rules carry every other port.");
    if firewall.has_fqdn_network_rules() {
        text.push_str(" Network rules with destinationFqdns need DNS proxy enabled on the firewall policy (and the compute using the firewall as its DNS server); they take no wildcards.");
    }
    if plan.core.is_empty() {
        text.push_str(
            " Azure ML's own service tags and hosts are not included: pass --include-azureml-core.",
        );
    }
    if firewall.collections.is_empty() {
        text.push_str(" No rules: the scan found no host that needs one.");
    }
    text
}

fn rule(rule: &FirewallRule) -> Rule {
    let description = arm_literal(&rule.about.summary());
    match &rule.kind {
        RuleKind::Application { fqdn, protocols } => Rule::Application(ApplicationRule {
            rule_type: "ApplicationRule",
            name: arm_literal(&rule.name),
            description,
            source_addresses: SOURCE_ADDRESSES,
            protocols: protocols
                .iter()
                .map(|(protocol, port)| WebProtocol {
                    protocol_type: protocol.as_str(),
                    port: *port,
                })
                .collect(),
            target_fqdns: vec![arm_literal(fqdn)],
        }),
        RuleKind::Network {
            protocol,
            target,
            ports,
        } => {
            let (destination_addresses, destination_fqdns) = match target {
                Target::Fqdn(host) => (Vec::new(), vec![arm_literal(host)]),
                Target::Address(address) => (vec![arm_literal(address)], Vec::new()),
                Target::Tag(tag) => (vec![tag_expression(tag)], Vec::new()),
            };
            Rule::Network(NetworkRule {
                rule_type: "NetworkRule",
                name: arm_literal(&rule.name),
                description,
                ip_protocols: vec![vnet::ip_protocol(*protocol)],
                source_addresses: SOURCE_ADDRESSES,
                destination_addresses,
                destination_fqdns,
                destination_ports: ports.iter().map(u16::to_string).collect(),
            })
        }
    }
}

/// `AzureMachineLearning`, or `[format('{0}.{1}', 'Storage', parameters('region'))]`.
pub(crate) fn tag_expression(tag: &Tag) -> String {
    if tag.regional {
        format!(
            "[format('{{0}}.{{1}}', {}, parameters('region'))]",
            arm_string(&tag.name)
        )
    } else {
        arm_literal(&tag.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::vnet::tests::sample_plan;
    use crate::plan::Cloud;

    fn parsed(plan: &Plan) -> serde_json::Value {
        serde_json::from_str(&FirewallArm.render(plan)).unwrap()
    }

    #[test]
    fn template_structure() {
        let template = parsed(&sample_plan(true, Cloud::Public));
        assert_eq!(template["$schema"], SCHEMA);
        let resource = &template["resources"][0];
        assert_eq!(resource["type"], RULE_COLLECTION_GROUP_TYPE);
        assert_eq!(resource["apiVersion"], NETWORK_API_VERSION);
        let collections = resource["properties"]["ruleCollections"]
            .as_array()
            .unwrap();
        assert_eq!(collections.len(), 4);
        for collection in collections {
            let rules = collection["rules"].as_array().unwrap();
            let types: std::collections::BTreeSet<&str> = rules
                .iter()
                .map(|rule| rule["ruleType"].as_str().unwrap())
                .collect();
            assert_eq!(types.len(), 1, "one rule type per collection");
            for rule in rules {
                assert_eq!(rule["sourceAddresses"], "[parameters('sourceAddresses')]");
                assert!(rule["description"].as_str().unwrap().contains(" — "));
            }
        }
        assert!(template["parameters"]["region"].is_object());
        let text = template.to_string();
        assert!(text.contains("[format('{0}.{1}', 'Storage', parameters('region'))]"));
        assert!(template["metadata"]["notRules"].as_array().unwrap().len() >= 2);
    }

    #[test]
    fn without_core_there_is_no_region() {
        let template = parsed(&sample_plan(false, Cloud::Public));
        assert!(template["parameters"].get("region").is_none());
        assert_eq!(
            template["parameters"]["ruleCollectionGroupName"]["defaultValue"],
            "pkgallow-ws-test"
        );
    }
}
