//! `generate nsg`: outbound NSG security rules for a customer-managed VNet, as an ARM
//! deployment template with one `Microsoft.Network/networkSecurityGroups/securityRules`
//! resource per rule in an existing NSG. NSGs filter by address, port and service tag,
//! never by host name, so the rules are Azure ML's own service tags
//! (`--include-azureml-core`) and nothing else; the project's hosts are listed in the
//! template's `metadata` with a pointer to the firewall targets, and without
//! `--include-azureml-core` the template has no rules at all but says why.
//!
//! Built from typed structures serialized by `serde_json`. Each rule depends on the one
//! before it, so they are written one at a time rather than as concurrent updates of
//! one NSG. Free text goes through [`arm_literal`]; strings in expressions through
//! [`arm_string`].

use serde::Serialize;

use crate::emit::firewall_arm::SCHEMA;
use crate::emit::vnet::{
    self, NETWORK_API_VERSION, NSG_PRIORITY, NSG_PRIORITY_STEP, NsgRule, SECURITY_RULE_TYPE,
    arm_literal, arm_string,
};
use crate::emit::{Emitter, Language};
use crate::plan::Plan;
use crate::report::{evidence_list, one_line};

pub struct Nsg;

impl Emitter for Nsg {
    fn target(&self) -> &'static str {
        "nsg"
    }

    fn language(&self) -> Language {
        Language::ArmJson
    }

    fn description(&self) -> &'static str {
        "ARM template of outbound NSG rules for Azure ML's service tags (customer-managed VNet)"
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
#[serde(rename_all = "camelCase")]
struct Metadata {
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hosts_for_the_firewall: Vec<Host>,
    #[serde(rename = "deniedByPolicy", skip_serializing_if = "Vec::is_empty")]
    denied_by_policy: Vec<crate::emit::DeniedHost>,
}

/// A host no NSG rule can express.
#[derive(Serialize)]
struct Host {
    #[serde(rename = "host")]
    name: String,
    ports: Vec<u16>,
    purpose: String,
    evidence: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Parameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    network_security_group_name: Option<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_address_prefix: Option<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority_start: Option<Parameter>,
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
#[serde(rename_all = "camelCase")]
struct Resource {
    #[serde(rename = "type")]
    kind: &'static str,
    api_version: &'static str,
    name: String,
    comments: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
    properties: RuleProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleProperties {
    description: String,
    protocol: &'static str,
    source_address_prefix: &'static str,
    source_port_range: &'static str,
    destination_address_prefix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination_port_range: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    destination_port_ranges: Vec<String>,
    access: &'static str,
    direction: &'static str,
    priority: String,
}

fn template(plan: &Plan) -> Template {
    let rules = vnet::nsg_rules(plan);
    let parameter = |kind, default_value, description| Parameter {
        kind,
        default_value,
        min_value: None,
        max_value: None,
        metadata: Description { description },
    };
    let has_rules = !rules.is_empty();
    let parameters = Parameters {
        network_security_group_name: has_rules.then(|| {
            parameter(
                "string",
                None,
                "Name of the existing network security group of the compute subnet",
            )
        }),
        source_address_prefix: has_rules.then(|| {
            parameter(
                "string",
                Some("VirtualNetwork".into()),
                "Source of the rules: the compute subnet's address prefix, or VirtualNetwork",
            )
        }),
        region: vnet::nsg_needs_region(&rules).then(|| {
            parameter(
                "string",
                None,
                "Azure region of the workspace, for regional service tags such as Storage.<region> (e.g. westeurope)",
            )
        }),
        priority_start: has_rules.then(|| Parameter {
            kind: "int",
            default_value: Some(NSG_PRIORITY.into()),
            min_value: Some(100),
            max_value: Some(vnet::nsg_max_start(rules.len())),
            metadata: Description {
                description: "Priority of the first rule; each next one is 10 more",
            },
        }),
    };
    let mut resources = Vec::new();
    let mut previous: Option<&str> = None;
    let mut offset: u16 = 0;
    for rule in &rules {
        resources.push(resource(rule, offset, previous));
        previous = Some(&rule.name);
        offset = offset.saturating_add(NSG_PRIORITY_STEP);
    }
    Template {
        schema: SCHEMA,
        content_version: "1.0.0.0",
        metadata: Metadata {
            description: description(plan, &rules),
            hosts_for_the_firewall: vnet::unfiltered_hosts(plan)
                .into_iter()
                .map(|host| Host {
                    name: arm_literal(&one_line(&host.host)),
                    ports: host.ports.into_iter().collect(),
                    purpose: arm_literal(&host.about.description()),
                    evidence: arm_literal(&one_line(&evidence_list(
                        &host.about.evidence,
                        vnet::EVIDENCE_SHOWN,
                    ))),
                })
                .collect(),
            denied_by_policy: crate::emit::denied_metadata(plan),
        },
        parameters,
        resources,
    }
}

fn description(plan: &Plan, rules: &[NsgRule]) -> String {
    let mut text = format!("{} ", crate::emit::provenance(plan, "nsg").sentence());
    if let Some(note) = vnet::hybrid_note(plan) {
        text.push_str(note);
        text.push(' ');
    }
    text.push_str("Outbound NSG rules for a customer-managed VNet. NSGs cannot filter by host name (FQDN): they allow addresses, ports and service tags, so these rules are the service tags Azure Machine Learning needs, and the project's hosts (metadata.hostsForTheFirewall) need Azure Firewall: `pkgallow generate firewall-bicep` (or firewall-arm, firewall-az-cli).");
    if rules.is_empty() {
        text.push_str(" No rules: pass --include-azureml-core for Azure ML's service tags.");
    } else {
        text.push_str(" Deploy to the NSG's resource group with `az deployment group create --resource-group <group> --template-file <this file>`; each rule's comments say why it exists. Compute with a public IP also needs inbound TCP 44224 from the AzureMachineLearning tag, which is not written here.");
    }
    text
}

fn resource(rule: &NsgRule, offset: u16, previous: Option<&str>) -> Resource {
    let (destination_port_range, destination_port_ranges) = if rule.ports.len() == 1 {
        (rule.ports.first().map(u16::to_string), Vec::new())
    } else {
        (None, rule.ports.iter().map(u16::to_string).collect())
    };
    Resource {
        kind: SECURITY_RULE_TYPE,
        api_version: NETWORK_API_VERSION,
        name: format!(
            "[format('{{0}}/{{1}}', parameters('networkSecurityGroupName'), {})]",
            arm_string(&rule.name)
        ),
        comments: arm_literal(&rule.about.summary()),
        depends_on: previous
            .map(|previous| {
                format!(
                    "[resourceId({}, parameters('networkSecurityGroupName'), {})]",
                    arm_string(SECURITY_RULE_TYPE),
                    arm_string(previous)
                )
            })
            .into_iter()
            .collect(),
        properties: RuleProperties {
            description: arm_literal(&rule.description),
            protocol: vnet::nsg_protocol(rule.protocol),
            source_address_prefix: "[parameters('sourceAddressPrefix')]",
            source_port_range: "*",
            destination_address_prefix: crate::emit::firewall_arm::tag_expression(&rule.tag),
            destination_port_range,
            destination_port_ranges,
            access: "Allow",
            direction: "Outbound",
            priority: if offset == 0 {
                "[parameters('priorityStart')]".to_string()
            } else {
                format!("[add(parameters('priorityStart'), {offset})]")
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::vnet::tests::sample_plan;
    use crate::plan::Cloud;

    fn parsed(plan: &Plan) -> serde_json::Value {
        serde_json::from_str(&Nsg.render(plan)).unwrap()
    }

    #[test]
    fn destinations_are_service_tags_never_hosts() {
        let plan = sample_plan(true, Cloud::UsGov);
        let template = parsed(&plan);
        let resources = template["resources"].as_array().unwrap();
        assert!(!resources.is_empty());
        for resource in resources {
            let destination = resource["properties"]["destinationAddressPrefix"]
                .as_str()
                .unwrap();
            let tag = destination
                .strip_prefix("[format('{0}.{1}', '")
                .and_then(|rest| rest.strip_suffix("', parameters('region'))]"))
                .unwrap_or(destination);
            assert!(crate::azureml_core::is_valid_tag(tag), "{destination}");
            for flow in &plan.flows {
                assert!(!destination.contains(&flow.host), "{destination}");
            }
            assert_eq!(resource["properties"]["direction"], "Outbound");
        }
        // Each rule after the first waits for the one before.
        assert!(resources[0].get("dependsOn").is_none());
        assert!(resources[1]["dependsOn"].is_array());
        let hosts = template["metadata"]["hostsForTheFirewall"]
            .as_array()
            .unwrap();
        assert!(hosts.iter().any(|host| host["host"] == "gitlab.com"));
        assert!(
            template["metadata"]["description"]
                .as_str()
                .unwrap()
                .contains("pkgallow generate firewall-bicep")
        );
    }

    #[test]
    fn without_core_there_are_no_rules_but_an_explanation() {
        let template = parsed(&sample_plan(false, Cloud::Public));
        assert!(template["resources"].as_array().unwrap().is_empty());
        let description = template["metadata"]["description"].as_str().unwrap();
        assert!(description.contains("cannot filter by host name"));
        assert!(description.contains("--include-azureml-core"));
        assert!(template["parameters"].as_object().unwrap().is_empty());
    }

    #[test]
    fn priorities_step_by_ten() {
        let template = parsed(&sample_plan(true, Cloud::Public));
        let resources = template["resources"].as_array().unwrap();
        assert_eq!(
            resources[0]["properties"]["priority"],
            "[parameters('priorityStart')]"
        );
        assert_eq!(
            resources[2]["properties"]["priority"],
            "[add(parameters('priorityStart'), 20)]"
        );
        let max = template["parameters"]["priorityStart"]["maxValue"]
            .as_u64()
            .unwrap();
        assert_eq!(max + 10 * (resources.len() as u64 - 1), 4096);
    }
}
