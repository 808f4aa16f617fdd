//! `generate terraform`: a Terraform module of azurerm outbound-rule resources
//! (`azurerm_machine_learning_workspace_network_outbound_rule_fqdn` and
//! `…_private_endpoint`), with `variable "workspace_id"` as its input. azapi is used only
//! where azurerm lacks a value: the azurerm private-endpoint resource accepts
//! `sub_resource_target` only for Key Vault, Redis, Cognitive Services, Azure ML and
//! Storage (`resourceTypeSupportSubResType` in the provider), so a container-registry
//! rule (`registry`) becomes an `azapi_resource` of the same ARM type.
//!
//! Resource labels are the rule names (HCL identifiers allow `-`), so they stay the same
//! from run to run and Terraform state keeps following them. Every string goes through
//! [`quote`] (or [`escape`] for the literal parts of a template); the test suite parses
//! the output with checkov and python-hcl2.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::emit::arm::{API_VERSION, OUTBOUND_RULES_TYPE};
use crate::emit::{Emitter, Language};
use crate::plan::{Plan, PrivateEndpoint};
use crate::report::{evidence_list, one_line};

pub struct Terraform;

use crate::emit::EVIDENCE_SHOWN;

const FQDN_RESOURCE: &str = "azurerm_machine_learning_workspace_network_outbound_rule_fqdn";
const PRIVATE_ENDPOINT_RESOURCE: &str =
    "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint";
const AZAPI_RESOURCE: &str = "azapi_resource";

/// The `sub_resource_target` values the azurerm private-endpoint resource accepts
/// (its `StringInSlice` validation).
const AZURERM_SUBRESOURCE_TARGETS: [&str; 10] = [
    "account",
    "vault",
    "amlworkspace",
    "blob",
    "table",
    "queue",
    "file",
    "web",
    "dfs",
    "redisCache",
];

impl Emitter for Terraform {
    fn target(&self) -> &'static str {
        "terraform"
    }

    fn language(&self) -> Language {
        Language::Terraform
    }

    fn description(&self) -> &'static str {
        "Terraform module of azurerm outbound-rule resources (azapi only where azurerm lacks one)"
    }

    fn render(&self, plan: &Plan) -> String {
        let uses_azapi = plan.private_endpoints.iter().any(needs_azapi);
        let mut out = String::new();
        if let Some(note) = crate::emit::managed_hybrid_note(plan) {
            out.push_str("# ");
            out.push_str(note);
            out.push('\n');
        }
        out.push_str(
            &crate::emit::provenance(plan, "terraform").comment_lines("#", " Use it as a module:"),
        );
        out.push_str("#   module \"package_outbound_rules\" {\n");
        out.push_str("#     source       = \"./<this directory>\"\n");
        out.push_str("#     workspace_id = azurerm_machine_learning_workspace.<name>.id\n");
        out.push_str("#   }\n");
        out.push_str(
            "# or add a `provider \"azurerm\" { features {} }` block to apply it on its own.\n",
        );
        if let Some(name) = plan.workspace_name() {
            let _ = writeln!(out, "# Generated for workspace {}.", one_line(name));
        }
        out.push_str(
            "# FQDN rules need the managed network's isolation mode AllowOnlyApprovedOutbound;\n",
        );
        out.push_str(
            "# the first one provisions a managed Azure Firewall, which is billed. Each rule\n",
        );
        out.push_str(
            "# depends on the one before it: rules written to one workspace concurrently can\n",
        );
        out.push_str("# silently delete each other.\n\n");

        out.push_str("terraform {\n  required_providers {\n");
        out.push_str("    azurerm = {\n      source = \"hashicorp/azurerm\"\n    }\n");
        if uses_azapi {
            // `body` as an HCL object (not a JSON string) needs azapi 2.
            out.push_str(
                "    azapi = {\n      source  = \"Azure/azapi\"\n      version = \">= 2.0\"\n    }\n",
            );
        }
        out.push_str("  }\n}\n\n");

        out.push_str("variable \"workspace_id\" {\n");
        out.push_str("  description = \"Resource id of the Azure Machine Learning workspace the rules are added to\"\n");
        out.push_str("  type        = string\n}\n");
        if !plan.private_endpoints.is_empty() {
            out.push_str("\nvariable \"pe_subscription_id\" {\n");
            out.push_str("  description = \"Subscription of the resources the private-endpoint rules reach (default: the workspace's)\"\n");
            out.push_str("  type        = string\n  default     = null\n}\n");
            out.push_str("\nvariable \"pe_resource_group\" {\n");
            out.push_str("  description = \"Resource group of the resources the private-endpoint rules reach (default: the workspace's)\"\n");
            out.push_str("  type        = string\n  default     = null\n}\n");
            out.push_str("\nlocals {\n");
            out.push_str(
                "  # A workspace id is /subscriptions/<id>/resourceGroups/<group>/providers/….\n",
            );
            out.push_str("  pe_subscription_id = coalesce(var.pe_subscription_id, split(\"/\", var.workspace_id)[2])\n");
            out.push_str("  pe_resource_group  = coalesce(var.pe_resource_group, split(\"/\", var.workspace_id)[4])\n");
            out.push_str("}\n");
        }
        if plan.rules.is_empty() && plan.private_endpoints.is_empty() {
            out.push_str("\n# No outbound rules: the scan found no host that needs one.\n");
        }

        let mut labels = Labels::default();
        let mut previous: Option<String> = None;
        for rule in &plan.rules {
            out.push('\n');
            for purpose in &rule.purposes {
                let _ = writeln!(out, "# {}", one_line(purpose));
            }
            let _ = writeln!(
                out,
                "# evidence: {}",
                one_line(&evidence_list(&rule.evidence, EVIDENCE_SHOWN))
            );
            let label = labels.take(&rule.name);
            let _ = writeln!(out, "resource \"{FQDN_RESOURCE}\" \"{label}\" {{");
            let mut attributes = vec![
                ("name", quote(&rule.name)),
                ("workspace_id", "var.workspace_id".to_string()),
                ("destination_fqdn", quote(&rule.destination)),
            ];
            if let Some(previous) = &previous {
                attributes.push(("depends_on", format!("[{previous}]")));
            }
            write_attributes(&mut out, "  ", &attributes);
            out.push_str("}\n");
            previous = Some(format!("{FQDN_RESOURCE}.{label}"));
        }
        for endpoint in &plan.private_endpoints {
            out.push('\n');
            for purpose in &endpoint.purposes {
                let _ = writeln!(out, "# {}", one_line(purpose));
            }
            let _ = writeln!(
                out,
                "# {} — evidence: {}",
                one_line(&endpoint.host),
                one_line(&evidence_list(&endpoint.evidence, EVIDENCE_SHOWN))
            );
            let label = labels.take(&endpoint.name);
            let service_resource_id = service_resource_id(endpoint);
            let depends_on = previous.as_ref().map(|previous| format!("[{previous}]"));
            if needs_azapi(endpoint) {
                let _ = writeln!(
                    out,
                    "# azurerm's private-endpoint rule does not accept sub_resource_target {}, so azapi.",
                    one_line(endpoint.subresource_target)
                );
                let _ = writeln!(out, "resource \"{AZAPI_RESOURCE}\" \"{label}\" {{");
                write_attributes(
                    &mut out,
                    "  ",
                    &[
                        (
                            "type",
                            quote(&format!("{OUTBOUND_RULES_TYPE}@{API_VERSION}")),
                        ),
                        ("name", quote(&endpoint.name)),
                        ("parent_id", "var.workspace_id".to_string()),
                    ],
                );
                out.push_str("  body = {\n    properties = {\n");
                write_attributes(
                    &mut out,
                    "      ",
                    &[
                        ("type", quote("PrivateEndpoint")),
                        ("category", quote("UserDefined")),
                    ],
                );
                out.push_str("      destination = {\n");
                write_attributes(
                    &mut out,
                    "        ",
                    &[
                        ("serviceResourceId", service_resource_id),
                        ("subresourceTarget", quote(endpoint.subresource_target)),
                        ("sparkEnabled", endpoint.spark_enabled.to_string()),
                    ],
                );
                out.push_str("      }\n    }\n  }\n");
                if let Some(depends_on) = depends_on {
                    let _ = writeln!(out, "  depends_on = {depends_on}");
                }
                out.push_str("}\n");
                previous = Some(format!("{AZAPI_RESOURCE}.{label}"));
            } else {
                let _ = writeln!(
                    out,
                    "resource \"{PRIVATE_ENDPOINT_RESOURCE}\" \"{label}\" {{"
                );
                let mut attributes = vec![
                    ("name", quote(&endpoint.name)),
                    ("workspace_id", "var.workspace_id".to_string()),
                    ("service_resource_id", service_resource_id),
                    ("sub_resource_target", quote(endpoint.subresource_target)),
                    ("spark_enabled", endpoint.spark_enabled.to_string()),
                ];
                if let Some(depends_on) = depends_on {
                    attributes.push(("depends_on", depends_on));
                }
                write_attributes(&mut out, "  ", &attributes);
                out.push_str("}\n");
                previous = Some(format!("{PRIVATE_ENDPOINT_RESOURCE}.{label}"));
            }
        }
        crate::emit::write_not_rules(&mut out, plan, "#");
        crate::emit::write_denied(&mut out, plan, "#");
        out
    }
}

/// Whether azurerm's private-endpoint rule cannot express this one.
fn needs_azapi(endpoint: &PrivateEndpoint) -> bool {
    !AZURERM_SUBRESOURCE_TARGETS.contains(&endpoint.subresource_target)
}

/// The target's resource id as an HCL template over the subscription and resource group
/// locals (the same path as [`PrivateEndpoint::resource_id`]); the literal parts are
/// escaped.
fn service_resource_id(endpoint: &PrivateEndpoint) -> String {
    format!(
        "\"/subscriptions/${{local.pe_subscription_id}}/resourceGroups/${{local.pe_resource_group}}/providers/{}/{}\"",
        escape(endpoint.resource_type),
        escape(&endpoint.resource_name)
    )
}

/// Attribute lines with their `=` aligned, as `terraform fmt` writes them.
fn write_attributes(out: &mut String, indent: &str, attributes: &[(&str, String)]) {
    let width = attributes
        .iter()
        .map(|(key, _)| key.len())
        .max()
        .unwrap_or(0);
    for (key, value) in attributes {
        let _ = writeln!(out, "{indent}{key:width$} = {value}");
    }
}

/// Unique resource labels. A rule name is already a valid HCL identifier unless it
/// starts with a digit (identifiers start with a letter or `_`); then it gets a `rule_`
/// prefix. A clash, which stable rule names make unlikely, is numbered.
#[derive(Default)]
struct Labels {
    taken: BTreeSet<String>,
}

impl Labels {
    fn take(&mut self, rule_name: &str) -> String {
        let cleaned: String = rule_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let base = if cleaned.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            cleaned
        } else {
            format!("rule_{cleaned}")
        };
        let mut label = base.clone();
        let mut number = 2;
        while !self.taken.insert(label.clone()) {
            label = format!("{base}_{number}");
            number += 1;
        }
        label
    }
}

/// An HCL quoted string.
pub(crate) fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// The inside of an HCL quoted string: `\` and `"` escaped, `${` and `%{` doubled so
/// that they are not template interpolations or directives, and anything outside
/// printable ASCII as a `\u`/`\U` escape so that no control or invisible character
/// reaches the file.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            _ => {
                let code = u32::from(c);
                if code <= 0xFFFF {
                    let _ = write!(out, "\\u{code:04X}");
                } else {
                    let _ = write!(out, "\\U{code:08X}");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(quote("github.com"), "\"github.com\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("${x} %{y} $z %w"), "\"$${x} %%{y} $z %w\"");
        assert_eq!(
            quote("a\nb\u{202e}\u{1F600}"),
            "\"a\\nb\\u202E\\U0001F600\""
        );
    }

    #[test]
    fn labels_are_identifiers_and_unique() {
        let mut labels = Labels::default();
        assert_eq!(labels.take("github-com"), "github-com");
        assert_eq!(labels.take("github-com"), "github-com_2");
        assert_eq!(labels.take("1password-com"), "rule_1password-com");
        assert_eq!(labels.take("a.b"), "a_b");
    }
}
