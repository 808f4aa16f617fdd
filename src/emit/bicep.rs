//! `generate bicep`: a Bicep file with the workspace as an `existing` resource and one
//! `Microsoft.MachineLearningServices/workspaces/outboundRules` child resource per rule,
//! for `az deployment group create --template-file`. Each rule is preceded by comments
//! with its purpose and evidence; hosts that are not rules are listed in comments.
//!
//! Written by hand because comments matter. Every string goes through [`quote`], every
//! symbolic name through [`Symbols`]; the test suite parses the output with checkov and
//! pycep, Bicep parsers independent of this code.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::emit::arm::{API_VERSION, OUTBOUND_RULES_TYPE};
use crate::emit::{Emitter, Language};
use crate::plan::Plan;
use crate::report::{evidence_list, one_line};

pub struct Bicep;

use crate::emit::EVIDENCE_SHOWN;

impl Emitter for Bicep {
    fn target(&self) -> &'static str {
        "bicep"
    }

    fn language(&self) -> Language {
        Language::Bicep
    }

    fn description(&self) -> &'static str {
        "Bicep file of workspaces/outboundRules resources (az deployment group create)"
    }

    fn render(&self, plan: &Plan) -> String {
        let mut out = String::new();
        if let Some(note) = crate::emit::managed_hybrid_note(plan) {
            out.push_str("// ");
            out.push_str(note);
            out.push('\n');
        }
        out.push_str(
            &crate::emit::provenance(plan, "bicep")
                .comment_lines("//", " Deploy to the workspace's"),
        );
        out.push_str("// resource group:\n");
        let _ = writeln!(
            out,
            "//   az deployment group create --resource-group {} --template-file <this file>",
            plan.resource_group()
                .map_or("<group>".to_string(), one_line)
        );
        out.push_str("// FQDN rules need the managed network's isolation mode\n");
        out.push_str(
            "// AllowOnlyApprovedOutbound; the first one provisions a managed Azure Firewall,\n",
        );
        out.push_str(
            "// which is billed. Each rule depends on the one before it: rules written to one\n",
        );
        out.push_str("// workspace concurrently can silently delete each other.\n\n");

        out.push_str(
            "@description('Name of the Azure Machine Learning workspace the rules are added to')\n",
        );
        match plan.workspace_name() {
            Some(name) => {
                let _ = writeln!(out, "param workspaceName string = {}", quote(name));
            }
            None => out.push_str("param workspaceName string\n"),
        }
        if !plan.private_endpoints.is_empty() {
            out.push_str(
                "\n@description('Subscription of the resources the private-endpoint rules reach')\n",
            );
            out.push_str("param peSubscriptionId string = subscription().subscriptionId\n\n");
            out.push_str(
                "@description('Resource group of the resources the private-endpoint rules reach')\n",
            );
            out.push_str("param peResourceGroup string = resourceGroup().name\n");
        }
        let _ = writeln!(
            out,
            "\nresource workspace 'Microsoft.MachineLearningServices/workspaces@{API_VERSION}' existing = {{\n  name: workspaceName\n}}"
        );
        if plan.rules.is_empty() && plan.private_endpoints.is_empty() {
            out.push_str("\n// No outbound rules: the scan found no host that needs one.\n");
        }

        let mut symbols = Symbols::default();
        let mut previous: Option<String> = None;
        for rule in &plan.rules {
            out.push('\n');
            for purpose in &rule.purposes {
                let _ = writeln!(out, "// {}", one_line(purpose));
            }
            let _ = writeln!(
                out,
                "// evidence: {}",
                one_line(&evidence_list(&rule.evidence, EVIDENCE_SHOWN))
            );
            let symbol = symbols.take(&rule.name);
            open_resource(&mut out, &symbol, &rule.name);
            out.push_str("    type: 'FQDN'\n    category: 'UserDefined'\n");
            let _ = writeln!(out, "    destination: {}", quote(&rule.destination));
            close_resource(&mut out, previous.as_deref());
            previous = Some(symbol);
        }
        for endpoint in &plan.private_endpoints {
            out.push('\n');
            for purpose in &endpoint.purposes {
                let _ = writeln!(out, "// {}", one_line(purpose));
            }
            let _ = writeln!(
                out,
                "// {} — evidence: {}",
                one_line(&endpoint.host),
                one_line(&evidence_list(&endpoint.evidence, EVIDENCE_SHOWN))
            );
            let symbol = symbols.take(&endpoint.name);
            open_resource(&mut out, &symbol, &endpoint.name);
            out.push_str("    type: 'PrivateEndpoint'\n    category: 'UserDefined'\n");
            out.push_str("    destination: {\n");
            let _ = writeln!(
                out,
                "      serviceResourceId: resourceId(peSubscriptionId, peResourceGroup, {}, {})",
                quote(endpoint.resource_type),
                quote(&endpoint.resource_name)
            );
            let _ = writeln!(
                out,
                "      subresourceTarget: {}",
                quote(endpoint.subresource_target)
            );
            let _ = writeln!(out, "      sparkEnabled: {}", endpoint.spark_enabled);
            out.push_str("    }\n");
            close_resource(&mut out, previous.as_deref());
            previous = Some(symbol);
        }
        crate::emit::write_not_rules(&mut out, plan, "//");
        crate::emit::write_denied(&mut out, plan, "//");
        out
    }
}

fn open_resource(out: &mut String, symbol: &str, name: &str) {
    let _ = writeln!(
        out,
        "resource {symbol} '{OUTBOUND_RULES_TYPE}@{API_VERSION}' = {{\n  parent: workspace\n  name: {}\n  properties: {{",
        quote(name)
    );
}

fn close_resource(out: &mut String, previous: Option<&str>) {
    out.push_str("  }\n");
    if let Some(previous) = previous {
        let _ = writeln!(out, "  dependsOn: [\n    {previous}\n  ]");
    }
    out.push_str("}\n");
}

/// Unique Bicep identifiers (`[A-Za-z_][A-Za-z0-9_]*`) for rule names: `rule_` and the
/// name with every other character as `_`, numbered on a clash. The `rule_` prefix keeps
/// them clear of keywords, the parameters and `workspace`.
#[derive(Default)]
struct Symbols {
    taken: BTreeSet<String>,
}

impl Symbols {
    fn take(&mut self, rule_name: &str) -> String {
        let base: String = format!("rule_{rule_name}")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let mut symbol = base.clone();
        let mut number = 2;
        while !self.taken.insert(symbol.clone()) {
            symbol = format!("{base}_{number}");
            number += 1;
        }
        symbol
    }
}

/// A Bicep string literal: single-quoted, with `\`, `'` and the `${` of an
/// interpolation escaped, and anything outside printable ASCII as `\u{…}` so that no
/// control or invisible character reaches the file.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            _ => {
                let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
            }
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("files.example.org"), "'files.example.org'");
        assert_eq!(quote("it's"), "'it\\'s'");
        assert_eq!(quote("a\\b"), "'a\\\\b'");
        assert_eq!(quote("${x} $y"), "'\\${x} $y'");
        assert_eq!(quote("a\nb\u{202e}"), "'a\\nb\\u{202E}'");
    }

    #[test]
    fn symbols_are_identifiers_and_unique() {
        let mut symbols = Symbols::default();
        assert_eq!(symbols.take("github-com"), "rule_github_com");
        assert_eq!(symbols.take("github_com"), "rule_github_com_2");
        assert_eq!(symbols.take("1password-com"), "rule_1password_com");
    }
}
