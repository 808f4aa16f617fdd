//! `generate firewall-bicep`: Azure Firewall rules for a customer-managed VNet, as a
//! Bicep file with one `Microsoft.Network/firewallPolicies/ruleCollectionGroups` resource
//! in an `existing` firewall policy. The rules come from [`crate::emit::vnet::firewall`]
//! (shared with `firewall-arm` and `firewall-az-cli`); this module only writes them, each
//! preceded by comments with its purpose and evidence (or documentation source).
//!
//! Written by hand because comments matter; every string goes through
//! [`crate::emit::bicep::quote`]. Arrays are always written one item per line, the
//! form every Bicep version and parser accepts.

use std::fmt::Write;

use crate::emit::bicep::quote;
use crate::emit::vnet::{
    self, COLLECTION_PRIORITY, FIREWALL_POLICY_TYPE, Firewall, FirewallRule, GROUP_PRIORITY,
    MAX_COLLECTION_OFFSET, NETWORK_API_VERSION, RULE_COLLECTION_GROUP_TYPE, RuleKind, Tag, Target,
};
use crate::emit::{Emitter, Language};
use crate::plan::Plan;
use crate::report::one_line;

pub struct FirewallBicep;

impl Emitter for FirewallBicep {
    fn target(&self) -> &'static str {
        "firewall-bicep"
    }

    fn language(&self) -> Language {
        Language::Bicep
    }

    fn description(&self) -> &'static str {
        "Bicep file of an Azure Firewall policy rule collection group (customer-managed VNet)"
    }

    fn render(&self, plan: &Plan) -> String {
        let firewall = vnet::firewall(plan);
        let mut out = String::new();
        header(&mut out, plan, &firewall);
        parameters(&mut out, plan, &firewall);
        let _ = writeln!(
            out,
            "\nresource policy '{FIREWALL_POLICY_TYPE}@{NETWORK_API_VERSION}' existing = {{\n  name: firewallPolicyName\n}}\n"
        );
        let _ = writeln!(
            out,
            "resource ruleCollectionGroup '{RULE_COLLECTION_GROUP_TYPE}@{NETWORK_API_VERSION}' = {{"
        );
        out.push_str("  parent: policy\n  name: ruleCollectionGroupName\n  properties: {\n");
        out.push_str("    priority: ruleCollectionGroupPriority\n    ruleCollections: [\n");
        for collection in &firewall.collections {
            let _ = writeln!(out, "      // {}", collection.summary);
            out.push_str(
                "      {\n        ruleCollectionType: 'FirewallPolicyFilterRuleCollection'\n",
            );
            let _ = writeln!(out, "        name: {}", quote(collection.name));
            if collection.offset == 0 {
                out.push_str("        priority: collectionPriority\n");
            } else {
                let _ = writeln!(
                    out,
                    "        priority: collectionPriority + {}",
                    collection.offset
                );
            }
            out.push_str(
                "        action: {\n          type: 'Allow'\n        }\n        rules: [\n",
            );
            for rule in &collection.rules {
                write_rule(&mut out, rule);
            }
            out.push_str("        ]\n      }\n");
        }
        out.push_str("    ]\n  }\n}\n");
        if !firewall.not_rules.is_empty() {
            out.push_str("\n// Not rules: what a firewall rule here cannot express.\n");
        }
        for not_rule in &firewall.not_rules {
            let _ = writeln!(
                out,
                "// {} ({}): {}",
                one_line(&not_rule.destination),
                vnet::ports_phrase(&not_rule.ports),
                not_rule.reason
            );
            let _ = writeln!(out, "//   {}", not_rule.about.description());
            let _ = writeln!(out, "//   {}", not_rule.about.provenance());
        }
        crate::emit::write_denied(&mut out, plan, "//");
        out
    }
}

fn header(out: &mut String, plan: &Plan, firewall: &Firewall) {
    out.push_str(&crate::emit::provenance(plan, "firewall-bicep").comment_lines("//", ""));
    if let Some(note) = vnet::hybrid_note(plan) {
        let _ = writeln!(out, "// {note}");
    }
    out.push_str(
        "// Azure Firewall rules for a customer-managed VNet: one rule collection group in an\n",
    );
    out.push_str(
        "// existing firewall policy, replaced as a whole on each deployment. Deploy to the\n",
    );
    out.push_str("// policy's resource group:\n");
    out.push_str(
        "//   az deployment group create --resource-group <policy group> --template-file <this file>\n",
    );
    out.push_str(
        "// Application rules allow HTTP(S) by host name; network rules carry every other port.\n",
    );
    if firewall.has_fqdn_network_rules() {
        out.push_str(
            "// Network rules with destinationFqdns need DNS proxy enabled on the firewall policy\n",
        );
        out.push_str(
            "// (and the compute using the firewall as its DNS server); they take no wildcards.\n",
        );
    }
    if plan.core.is_empty() {
        out.push_str(
            "// Azure ML's own service tags and hosts are not included: pass --include-azureml-core.\n",
        );
    }
    if firewall.collections.is_empty() {
        out.push_str("// No rules: the scan found no host that needs one.\n");
    }
}

fn parameters(out: &mut String, plan: &Plan, firewall: &Firewall) {
    out.push_str("\n@description('Name of the existing Azure Firewall policy')\n");
    out.push_str("param firewallPolicyName string\n\n");
    out.push_str(
        "@description('Name of the rule collection group to create or replace in the policy')\n",
    );
    let _ = writeln!(
        out,
        "param ruleCollectionGroupName string = {}\n",
        quote(&vnet::group_name(plan))
    );
    out.push_str(
        "@description('Priority of the rule collection group')\n@minValue(100)\n@maxValue(65000)\n",
    );
    let _ = writeln!(
        out,
        "param ruleCollectionGroupPriority int = {GROUP_PRIORITY}\n"
    );
    let _ = writeln!(
        out,
        "@description('Priority of the first rule collection in the group; the others add 10, 20 and 30')\n@minValue(100)\n@maxValue({})",
        65000 - MAX_COLLECTION_OFFSET
    );
    let _ = writeln!(
        out,
        "param collectionPriority int = {COLLECTION_PRIORITY}\n"
    );
    out.push_str("@description('Source addresses of every rule: the address prefixes of the compute subnet')\n");
    out.push_str("param sourceAddresses array\n");
    if firewall.needs_region() {
        out.push_str(
            "\n@description('Azure region of the workspace, for regional service tags such as Storage.<region> (e.g. westeurope)')\n",
        );
        out.push_str("param region string\n");
    }
}

fn write_rule(out: &mut String, rule: &FirewallRule) {
    const INDENT: &str = "          ";
    for purpose in &rule.about.purposes {
        let _ = writeln!(out, "{INDENT}// {}", one_line(purpose));
    }
    let _ = writeln!(out, "{INDENT}// {}", rule.about.provenance());
    let _ = writeln!(out, "{INDENT}{{");
    let field = format!("{INDENT}  ");
    match &rule.kind {
        RuleKind::Application { fqdn, protocols } => {
            let _ = writeln!(out, "{field}ruleType: 'ApplicationRule'");
            let _ = writeln!(out, "{field}name: {}", quote(&rule.name));
            let _ = writeln!(
                out,
                "{field}description: {}",
                quote(&rule.about.description())
            );
            let _ = writeln!(out, "{field}sourceAddresses: sourceAddresses");
            let _ = writeln!(out, "{field}protocols: [");
            for (protocol, port) in protocols {
                let _ = writeln!(
                    out,
                    "{field}  {{\n{field}    protocolType: '{}'\n{field}    port: {port}\n{field}  }}",
                    protocol.as_str()
                );
            }
            let _ = writeln!(out, "{field}]");
            array(out, &field, "targetFqdns", [quote(fqdn)]);
        }
        RuleKind::Network {
            protocol,
            target,
            ports,
        } => {
            let _ = writeln!(out, "{field}ruleType: 'NetworkRule'");
            let _ = writeln!(out, "{field}name: {}", quote(&rule.name));
            let _ = writeln!(
                out,
                "{field}description: {}",
                quote(&rule.about.description())
            );
            array(
                out,
                &field,
                "ipProtocols",
                [quote(vnet::ip_protocol(*protocol))],
            );
            let _ = writeln!(out, "{field}sourceAddresses: sourceAddresses");
            match target {
                Target::Fqdn(host) => array(out, &field, "destinationFqdns", [quote(host)]),
                Target::Address(address) => {
                    array(out, &field, "destinationAddresses", [quote(address)]);
                }
                Target::Tag(tag) => {
                    array(out, &field, "destinationAddresses", [tag_expression(tag)]);
                }
            }
            array(
                out,
                &field,
                "destinationPorts",
                ports.iter().map(|port| quote(&port.to_string())),
            );
        }
    }
    let _ = writeln!(out, "{INDENT}}}");
}

/// `key: [` items one per line `]`; items are Bicep expressions already.
fn array(out: &mut String, indent: &str, key: &str, items: impl IntoIterator<Item = String>) {
    let _ = writeln!(out, "{indent}{key}: [");
    for item in items {
        let _ = writeln!(out, "{indent}  {item}");
    }
    let _ = writeln!(out, "{indent}]");
}

/// `'AzureMachineLearning'`, or `'Storage.${region}'` for a regional tag. The tag part
/// goes through [`quote`] like every other string; the interpolation is ours.
pub(crate) fn tag_expression(tag: &Tag) -> String {
    if tag.regional {
        let literal = quote(&format!("{}.", tag.name));
        format!("{}${{region}}'", &literal[..literal.len() - 1])
    } else {
        quote(&tag.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::vnet::tests::sample_plan;
    use crate::plan::{Cloud, NetworkMode};

    #[test]
    fn renders_rules_collections_and_comments() {
        let text = FirewallBicep.render(&sample_plan(true, Cloud::Public));
        assert!(
            text.contains(
                "resource policy 'Microsoft.Network/firewallPolicies@2024-05-01' existing"
            )
        );
        assert!(text.contains("parent: policy"));
        assert!(text.contains("param sourceAddresses array"));
        assert!(text.contains("param region string"));
        assert!(text.contains("'Storage.${region}'"));
        assert!(text.contains("'AzureMachineLearning'"));
        assert!(text.contains("name: 'project-network'"));
        assert!(text.contains("priority: collectionPriority + 30"));
        assert!(text.contains("DNS proxy"));
        assert!(
            text.contains(
                "// *.shards.example.net (port 22): network rules take no wildcard FQDNs"
            )
        );
        assert!(!text.contains("destinationFqdns: [\n            '*."));
        assert!(text.contains("ruleCollectionGroupName string = 'pkgallow-ws-test'"));
        assert!(!text.contains(super::super::vnet::HYBRID_NOTE));
    }

    #[test]
    fn hybrid_and_empty_plans_say_so() {
        let mut plan = Plan::default();
        plan.options.network = NetworkMode::Hybrid;
        let text = FirewallBicep.render(&plan);
        assert!(text.contains(super::super::vnet::HYBRID_NOTE));
        assert!(text.contains("--include-azureml-core"));
        assert!(text.contains("No rules"));
        assert!(!text.contains("param region"));
    }

    #[test]
    fn regional_tags_interpolate_only_the_region() {
        let tag = Tag {
            name: "Storage".into(),
            regional: true,
        };
        assert_eq!(tag_expression(&tag), "'Storage.${region}'");
        let tag = Tag {
            name: "AzureMonitor".into(),
            regional: false,
        };
        assert_eq!(tag_expression(&tag), "'AzureMonitor'");
    }
}
