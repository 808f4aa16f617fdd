//! `generate nsg-bicep`: the `nsg` rules as a Bicep file, one
//! `Microsoft.Network/networkSecurityGroups/securityRules` child of an `existing` NSG
//! per rule. NSGs cannot filter by host name, so the rules are Azure ML's own service
//! tags only (`--include-azureml-core`); the project's hosts are listed in comments with
//! a pointer to the firewall targets. Each rule depends on the one before it, so they
//! are written one at a time rather than as concurrent updates of one NSG.
//!
//! Every string goes through [`crate::emit::bicep::quote`]; symbolic names are derived
//! from the rule names, which are unique.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::emit::bicep::quote;
use crate::emit::firewall_bicep::tag_expression;
use crate::emit::vnet::{
    self, NETWORK_API_VERSION, NSG_PRIORITY, NSG_PRIORITY_STEP, NSG_TYPE, NsgRule,
    SECURITY_RULE_TYPE,
};
use crate::emit::{Emitter, Language};
use crate::plan::Plan;
use crate::report::one_line;

pub struct NsgBicep;

impl Emitter for NsgBicep {
    fn target(&self) -> &'static str {
        "nsg-bicep"
    }

    fn language(&self) -> Language {
        Language::Bicep
    }

    fn description(&self) -> &'static str {
        "Bicep file of outbound NSG rules for Azure ML's service tags (customer-managed VNet)"
    }

    fn render(&self, plan: &Plan) -> String {
        let rules = vnet::nsg_rules(plan);
        let mut out = String::new();
        out.push_str(&crate::emit::provenance(plan, "nsg-bicep").comment_lines("//", ""));
        if let Some(note) = vnet::hybrid_note(plan) {
            let _ = writeln!(out, "// {note}");
        }
        out.push_str(
            "// Outbound NSG rules for a customer-managed VNet. NSGs cannot filter by host name\n",
        );
        out.push_str("// (FQDN): they allow addresses, ports and service tags, so these rules are the service\n");
        out.push_str("// tags Azure Machine Learning needs, and the project's hosts (listed at the end) need\n");
        out.push_str("// Azure Firewall: `pkgallow generate firewall-bicep`.\n");
        if rules.is_empty() {
            out.push_str("// No rules: pass --include-azureml-core for Azure ML's service tags.\n");
        } else {
            out.push_str("// Deploy to the NSG's resource group:\n");
            out.push_str("//   az deployment group create --resource-group <group> --template-file <this file>\n");
            out.push_str("// Compute with a public IP also needs inbound TCP 44224 from the AzureMachineLearning\n");
            out.push_str("// tag, which is not written here.\n");
            parameters(&mut out, &rules);
            let _ = writeln!(
                out,
                "\nresource nsg '{NSG_TYPE}@{NETWORK_API_VERSION}' existing = {{\n  name: networkSecurityGroupName\n}}"
            );
        }
        let mut symbols = BTreeSet::new();
        let mut previous: Option<String> = None;
        let mut offset: u16 = 0;
        for rule in &rules {
            let symbol = symbol(&mut symbols, &rule.name);
            write_rule(&mut out, rule, &symbol, offset, previous.as_deref());
            previous = Some(symbol);
            offset = offset.saturating_add(NSG_PRIORITY_STEP);
        }
        let hosts = vnet::unfiltered_hosts(plan);
        if !hosts.is_empty() {
            out.push_str(
                "\n// Hosts the project needs that no NSG rule can express; allow them in Azure\n",
            );
            out.push_str("// Firewall (`pkgallow generate firewall-bicep`):\n");
        }
        for host in &hosts {
            let _ = writeln!(
                out,
                "//   {} ({}): {}",
                one_line(&host.host),
                vnet::ports_phrase(&host.ports),
                host.about.description()
            );
            let _ = writeln!(out, "//     {}", host.about.provenance());
        }
        crate::emit::write_denied(&mut out, plan, "//");
        out
    }
}

fn parameters(out: &mut String, rules: &[NsgRule]) {
    out.push_str(
        "\n@description('Name of the existing network security group of the compute subnet')\n",
    );
    out.push_str("param networkSecurityGroupName string\n\n");
    out.push_str("@description('Source of the rules: the compute subnet\\'s address prefix, or VirtualNetwork')\n");
    out.push_str("param sourceAddressPrefix string = 'VirtualNetwork'\n");
    if vnet::nsg_needs_region(rules) {
        out.push_str("\n@description('Azure region of the workspace, for regional service tags such as Storage.<region> (e.g. westeurope)')\n");
        out.push_str("param region string\n");
    }
    let _ = writeln!(
        out,
        "\n@description('Priority of the first rule; each next one is {NSG_PRIORITY_STEP} more')\n@minValue(100)\n@maxValue({})\nparam priorityStart int = {NSG_PRIORITY}",
        vnet::nsg_max_start(rules.len())
    );
}

fn write_rule(out: &mut String, rule: &NsgRule, symbol: &str, offset: u16, previous: Option<&str>) {
    out.push('\n');
    for purpose in &rule.about.purposes {
        let _ = writeln!(out, "// {}", one_line(purpose));
    }
    let _ = writeln!(out, "// {}", rule.about.provenance());
    let _ = writeln!(
        out,
        "resource {symbol} '{SECURITY_RULE_TYPE}@{NETWORK_API_VERSION}' = {{\n  parent: nsg\n  name: {}\n  properties: {{",
        quote(&rule.name)
    );
    let _ = writeln!(out, "    description: {}", quote(&rule.description));
    let _ = writeln!(
        out,
        "    protocol: {}",
        quote(vnet::nsg_protocol(rule.protocol))
    );
    out.push_str("    sourceAddressPrefix: sourceAddressPrefix\n    sourcePortRange: '*'\n");
    let _ = writeln!(
        out,
        "    destinationAddressPrefix: {}",
        tag_expression(&rule.tag)
    );
    if rule.ports.len() == 1 {
        for port in &rule.ports {
            let _ = writeln!(
                out,
                "    destinationPortRange: {}",
                quote(&port.to_string())
            );
        }
    } else {
        out.push_str("    destinationPortRanges: [\n");
        for port in &rule.ports {
            let _ = writeln!(out, "      {}", quote(&port.to_string()));
        }
        out.push_str("    ]\n");
    }
    out.push_str("    access: 'Allow'\n    direction: 'Outbound'\n");
    if offset == 0 {
        out.push_str("    priority: priorityStart\n");
    } else {
        let _ = writeln!(out, "    priority: priorityStart + {offset}");
    }
    out.push_str("  }\n");
    if let Some(previous) = previous {
        let _ = writeln!(out, "  dependsOn: [\n    {previous}\n  ]");
    }
    out.push_str("}\n");
}

/// A Bicep identifier for a rule name: `rule_` and the name with every other character
/// as `_`, numbered on a clash. The prefix keeps it clear of keywords and parameters.
fn symbol(taken: &mut BTreeSet<String>, name: &str) -> String {
    let base: String = format!("rule_{name}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut candidate = base.clone();
    let mut number = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}_{number}");
        number += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::vnet::tests::sample_plan;
    use crate::plan::Cloud;

    #[test]
    fn rules_use_service_tags_and_list_hosts_as_comments() {
        let plan = sample_plan(true, Cloud::Public);
        let text = NsgBicep.render(&plan);
        assert!(text.contains(
            "resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' existing"
        ));
        assert!(text.contains("destinationAddressPrefix: 'Storage.${region}'"));
        assert!(text.contains("destinationPortRanges: [\n      '443'\n      '18881'\n    ]"));
        assert!(text.contains("protocol: '*'"));
        assert!(text.contains("priority: priorityStart + 10"));
        for line in text
            .lines()
            .filter(|line| line.contains("destinationAddressPrefix"))
        {
            for flow in &plan.flows {
                assert!(!line.contains(&flow.host), "{line}");
            }
        }
        assert!(text.contains("//   gitlab.com (port 22): "));
        assert!(text.contains("pkgallow generate firewall-bicep"));
    }

    #[test]
    fn without_core_only_comments() {
        let text = NsgBicep.render(&sample_plan(false, Cloud::Public));
        assert!(text.contains("No rules: pass --include-azureml-core"));
        assert!(!text.contains("resource "));
        assert!(!text.contains("param "));
        assert!(
            text.lines()
                .all(|line| line.is_empty() || line.starts_with("//"))
        );
    }

    #[test]
    fn symbols_are_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            symbol(&mut taken, "Storage-region-tcp-443"),
            "rule_Storage_region_tcp_443"
        );
        assert_eq!(
            symbol(&mut taken, "Storage.region-tcp-443"),
            "rule_Storage_region_tcp_443_2"
        );
    }
}
