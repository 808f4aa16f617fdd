//! `generate firewall-az-cli`: the `firewall-bicep` rules as a bash script of
//! `az network firewall policy rule-collection-group` calls (the `azure-firewall` CLI
//! extension): `create` for the group, `collection add-filter-collection` with the
//! first rule of each collection (a filter collection cannot be created empty from the
//! CLI), then `collection rule add` for the others.
//!
//! `rule-collection-group create` writes the whole group (an ARM PUT), so a re-run starts
//! from an empty group instead of failing on rules that already exist. Every value goes
//! through [`shell_quote`]: quoting bugs in generated scripts are security bugs.

use std::fmt::Write;

use crate::emit::az_cli::shell_quote;
use crate::emit::vnet::{
    self, COLLECTION_PRIORITY, Collection, Firewall, FirewallRule, GROUP_PRIORITY, RuleKind, Tag,
    Target,
};
use crate::emit::{Emitter, Language};
use crate::plan::Plan;
use crate::report::one_line;

pub struct FirewallAzCli;

impl Emitter for FirewallAzCli {
    fn target(&self) -> &'static str {
        "firewall-az-cli"
    }

    fn language(&self) -> Language {
        Language::Bash
    }

    fn description(&self) -> &'static str {
        "bash script of `az network firewall policy rule-collection-group` calls (customer-managed VNet)"
    }

    fn render(&self, plan: &Plan) -> String {
        let firewall = vnet::firewall(plan);
        let mut out = String::from("#!/usr/bin/env bash\n");
        header(&mut out, plan, &firewall);
        out.push_str("set -euo pipefail\n\n");
        // No apostrophe in these messages: bash pairs single quotes inside `${VAR:?…}`
        // even within double quotes.
        out.push_str("RG=\"${RG:?set RG to the resource group of the firewall policy}\"\n");
        out.push_str("POLICY=\"${POLICY:?set POLICY to the name of the firewall policy}\"\n");
        let _ = writeln!(out, "RCG_DEFAULT={}", shell_quote(&vnet::group_name(plan)));
        out.push_str("RCG=\"${RCG:-$RCG_DEFAULT}\"\n");
        let _ = writeln!(out, "RCG_PRIORITY=\"${{RCG_PRIORITY:-{GROUP_PRIORITY}}}\"");
        let _ = writeln!(
            out,
            "COLLECTION_PRIORITY=\"${{COLLECTION_PRIORITY:-{COLLECTION_PRIORITY}}}\""
        );
        out.push_str("SOURCE_ADDRESSES=\"${SOURCE_ADDRESSES:?set SOURCE_ADDRESSES to the address prefixes of the compute subnet, space-separated}\"\n");
        // An array, so that each prefix is one argument whatever IFS holds.
        out.push_str("read -r -a SOURCES <<< \"$SOURCE_ADDRESSES\"\n");
        if firewall.needs_region() {
            out.push_str("REGION=\"${REGION:?set REGION to the Azure region of the workspace, e.g. westeurope}\"\n");
        }
        out.push_str("\naz network firewall policy rule-collection-group create --resource-group \"$RG\" --policy-name \"$POLICY\" --name \"$RCG\" --priority \"$RCG_PRIORITY\"\n");
        for collection in &firewall.collections {
            let _ = writeln!(out, "\n# {}: {}", collection.name, collection.summary);
            for (index, rule) in collection.rules.iter().enumerate() {
                write_rule(&mut out, collection, rule, index == 0);
            }
        }
        if !firewall.not_rules.is_empty() {
            out.push_str("\n# Not rules: what a firewall rule here cannot express.\n");
        }
        for not_rule in &firewall.not_rules {
            let _ = writeln!(
                out,
                "# {} ({}): {}",
                one_line(&not_rule.destination),
                vnet::ports_phrase(&not_rule.ports),
                not_rule.reason
            );
            let _ = writeln!(out, "#   {}", not_rule.about.description());
            let _ = writeln!(out, "#   {}", not_rule.about.provenance());
        }
        crate::emit::write_denied(&mut out, plan, "#");
        out
    }
}

fn header(out: &mut String, plan: &Plan, firewall: &Firewall) {
    out.push_str(&crate::emit::provenance(plan, "firewall-az-cli").comment_lines("#", ""));
    if let Some(note) = vnet::hybrid_note(plan) {
        let _ = writeln!(out, "# {note}");
    }
    out.push_str(
        "# Azure Firewall rules for a customer-managed VNet, in one rule collection group of an\n",
    );
    out.push_str(
        "# existing firewall policy (`az extension add --name azure-firewall`). The group is\n",
    );
    out.push_str(
        "# created or replaced first, so running the script again starts from an empty group.\n",
    );
    out.push_str(
        "# Application rules allow HTTP(S) by host name; network rules carry every other port.\n",
    );
    if firewall.has_fqdn_network_rules() {
        out.push_str("# Network rules with --destination-fqdns need DNS proxy enabled on the firewall policy\n");
        out.push_str(
            "# (and the compute using the firewall as its DNS server); they take no wildcards.\n",
        );
    }
    if plan.core.is_empty() {
        out.push_str(
            "# Azure ML's own service tags and hosts are not included: pass --include-azureml-core.\n",
        );
    }
    if firewall.collections.is_empty() {
        out.push_str("# No rules: the scan found no host that needs one.\n");
    }
}

fn write_rule(out: &mut String, collection: &Collection, rule: &FirewallRule, first: bool) {
    for purpose in &rule.about.purposes {
        let _ = writeln!(out, "# {}", one_line(purpose));
    }
    let _ = writeln!(out, "# {}", rule.about.provenance());
    let common =
        "--resource-group \"$RG\" --policy-name \"$POLICY\" --rule-collection-group-name \"$RCG\"";
    if first {
        let priority = if collection.offset == 0 {
            "\"$COLLECTION_PRIORITY\"".to_string()
        } else {
            format!("\"$((COLLECTION_PRIORITY + {}))\"", collection.offset)
        };
        let _ = write!(
            out,
            "az network firewall policy rule-collection-group collection add-filter-collection {common} --name {} --collection-priority {priority} --action Allow --rule-name {}",
            shell_quote(collection.name),
            shell_quote(&rule.name)
        );
    } else {
        let _ = write!(
            out,
            "az network firewall policy rule-collection-group collection rule add {common} --collection-name {} --name {}",
            shell_quote(collection.name),
            shell_quote(&rule.name)
        );
    }
    let _ = write!(
        out,
        " --rule-type {} --description={} --source-addresses \"${{SOURCES[@]}}\"",
        collection.rule_type,
        shell_quote(&rule.about.description())
    );
    match &rule.kind {
        RuleKind::Application { fqdn, protocols } => {
            out.push_str(" --protocols");
            for (protocol, port) in protocols {
                let _ = write!(
                    out,
                    " {}",
                    shell_quote(&format!("{}={port}", protocol.as_str()))
                );
            }
            let _ = write!(out, " --target-fqdns {}", shell_quote(fqdn));
        }
        RuleKind::Network {
            protocol,
            target,
            ports,
        } => {
            let _ = write!(out, " --ip-protocols {}", vnet::ip_protocol(*protocol));
            match target {
                Target::Fqdn(host) => {
                    let _ = write!(out, " --destination-fqdns {}", shell_quote(host));
                }
                Target::Address(address) => {
                    let _ = write!(out, " --destination-addresses {}", shell_quote(address));
                }
                Target::Tag(tag) => {
                    let _ = write!(out, " --destination-addresses {}", tag_word(tag));
                }
            }
            out.push_str(" --destination-ports");
            for port in ports {
                let _ = write!(out, " {port}");
            }
        }
    }
    out.push('\n');
}

/// `AzureMachineLearning`, or `Storage."$REGION"` for a regional tag: the tag part through
/// [`shell_quote`], the region a double-quoted expansion, one word.
fn tag_word(tag: &Tag) -> String {
    if tag.regional {
        format!("{}\"$REGION\"", shell_quote(&format!("{}.", tag.name)))
    } else {
        shell_quote(&tag.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::vnet::tests::sample_plan;
    use crate::plan::Cloud;

    #[test]
    fn first_rule_creates_the_collection_then_rules_are_added() {
        let text = FirewallAzCli.render(&sample_plan(true, Cloud::Public));
        assert!(text.contains("set -euo pipefail"));
        assert_eq!(
            text.matches("collection add-filter-collection").count(),
            4,
            "one per collection"
        );
        assert!(text.contains("rule-collection-group collection rule add"));
        assert!(text.contains("--rule-type ApplicationRule"));
        assert!(text.contains("--protocols Http=80 Https=443 --target-fqdns files.example.org"));
        assert!(
            text.contains(
                "--ip-protocols TCP --destination-fqdns gitlab.com --destination-ports 22"
            )
        );
        assert!(text.contains("--destination-addresses Storage.\"$REGION\""));
        assert!(text.contains("--target-fqdns '*.shards.example.net'"));
        assert!(text.contains("REGION=\"${REGION:?"));
        assert!(text.contains("\"$((COLLECTION_PRIORITY + 30))\""));
        // The wildcard on port 22 is a comment, not a rule.
        assert!(!text.contains("--destination-fqdns '*.shards.example.net'"));
        assert!(
            text.contains("# *.shards.example.net (port 22): network rules take no wildcard FQDNs")
        );
    }

    /// `bash -n` on hostile strings: a quoting mistake is a syntax error or a command.
    #[test]
    fn hostile_strings_pass_bash_syntax_check() {
        let text = FirewallAzCli.render(&crate::emit::vnet::tests::hostile_plan());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firewall.sh");
        std::fs::write(&path, &text).unwrap();
        let status = std::process::Command::new("bash")
            .arg("-n")
            .arg(&path)
            .status()
            .expect("bash runs");
        assert!(status.success(), "{text}");
        // The hostile purpose is one single-quoted word.
        assert!(text.contains("--description='purpose it'\\''s"));
    }

    #[test]
    fn values_are_quoted() {
        let mut plan = sample_plan(false, Cloud::Public);
        plan.options.workspace_name = Some("it's $(x)".into());
        for flow in &mut plan.flows {
            flow.purposes = ["it's `x` $(rm -rf /)".to_string()].into();
        }
        let text = FirewallAzCli.render(&plan);
        assert!(text.contains("RCG_DEFAULT=pkgallow-it-s---x"));
        assert!(text.contains("--description='it'\\''s `x` $(rm -rf /)'"));
        assert_eq!(
            tag_word(&Tag {
                name: "Storage".into(),
                regional: true
            }),
            "Storage.\"$REGION\""
        );
    }
}
