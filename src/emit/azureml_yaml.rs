//! `generate azureml-yaml`: a workspace YAML (`az ml workspace create|update --file`)
//! whose `managed_network` is `allow_only_approved_outbound` with one `type: fqdn` rule
//! per host. Each rule is preceded by a comment with its purpose and evidence. Hosts
//! that need ports FQDN rules cannot carry are listed in comments, not as rules.
//!
//! Written by hand rather than through a YAML serializer because comments matter; every
//! scalar goes through [`quote`], and the output is checked by Microsoft's own loader
//! (`azure.ai.ml.load_workspace`) in the test suite.
//!
//! [`merge`] (`--merge FILE`) inserts the same rules into an existing workspace YAML
//! instead, keeping the rest of it byte for byte.

pub mod merge;

use std::fmt::Write;

use crate::emit::{Emitter, PLACEHOLDER_WORKSPACE};
use crate::plan::{Plan, Rule};
use crate::report::{evidence_list, one_line};

pub struct AzuremlYaml;

use crate::emit::EVIDENCE_SHOWN;

impl Emitter for AzuremlYaml {
    fn target(&self) -> &'static str {
        "azureml-yaml"
    }

    fn language(&self) -> crate::emit::Language {
        crate::emit::Language::WorkspaceYaml
    }

    fn description(&self) -> &'static str {
        "workspace YAML with a managed_network block (az ml workspace create|update --file)"
    }

    fn render(&self, plan: &Plan) -> String {
        let mut out = String::new();
        if let Some(note) = crate::emit::managed_hybrid_note(plan) {
            out.push_str("# ");
            out.push_str(note);
            out.push('\n');
        }
        out.push_str(
            &crate::emit::provenance(plan, "azureml-yaml").comment_lines("#", " Apply with:"),
        );
        out.push_str("#   az ml workspace update --resource-group <group> --file <this file>\n");
        out.push_str(
            "# FQDN rules need isolation_mode allow_only_approved_outbound; the first one\n",
        );
        out.push_str("# provisions a managed Azure Firewall, which is billed.\n");
        out.push_str(
            "$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\n",
        );
        let name = plan.workspace_name().unwrap_or(PLACEHOLDER_WORKSPACE);
        let _ = writeln!(out, "name: {}", quote(name));
        out.push_str("managed_network:\n  isolation_mode: allow_only_approved_outbound\n");
        if plan.rules.is_empty() {
            out.push_str("  outbound_rules: []\n");
        } else {
            out.push_str("  outbound_rules:\n");
        }
        for rule in &plan.rules {
            write_rule(&mut out, rule, &rule.name, "  ", "    ");
        }
        if !plan.private_endpoints.is_empty() {
            out.push_str(
                "# Private-endpoint rules to add (FQDN rules cannot reach these services in\n",
            );
            out.push_str(
                "# allow_only_approved_outbound). Fill in the subscription and resource group of\n",
            );
            out.push_str("# each resource, then move the rule into outbound_rules:\n");
        }
        for endpoint in &plan.private_endpoints {
            for purpose in &endpoint.purposes {
                let _ = writeln!(out, "#   # {}", one_line(purpose));
            }
            let _ = writeln!(
                out,
                "#   # {} — evidence: {}",
                one_line(&endpoint.host),
                one_line(&evidence_list(&endpoint.evidence, EVIDENCE_SHOWN))
            );
            let _ = writeln!(out, "#   - name: {}", quote(&endpoint.name));
            out.push_str(
                "#     type: private_endpoint
#     destination:
",
            );
            let _ = writeln!(
                out,
                "#       service_resource_id: {}",
                quote(&endpoint.resource_id("<subscription-id>", "<resource-group>"))
            );
            let _ = writeln!(
                out,
                "#       subresource_target: {}",
                endpoint.subresource_target
            );
            let _ = writeln!(out, "#       spark_enabled: {}", endpoint.spark_enabled);
        }
        for skipped in &plan.skipped {
            let _ = writeln!(
                out,
                "# not a rule: {} {}",
                one_line(&skipped.host),
                one_line(&skipped.reason)
            );
            let _ = writeln!(
                out,
                "#   evidence: {}",
                one_line(&evidence_list(&skipped.evidence, EVIDENCE_SHOWN))
            );
        }
        crate::emit::write_denied(&mut out, plan, "#");
        out
    }
}

/// One FQDN rule as a block-sequence item preceded by its purpose and evidence comments:
/// the comments and `- name:` at `dash_indent`, the other keys at `key_indent`. Shared
/// with `--merge` ([`merge`]) so that a merged rule reads exactly like a generated one;
/// `name` is separate from the rule because a merge may have to rename it.
pub(crate) fn write_rule(
    out: &mut String,
    rule: &Rule,
    name: &str,
    dash_indent: &str,
    key_indent: &str,
) {
    for purpose in &rule.purposes {
        let _ = writeln!(out, "{dash_indent}# {}", one_line(purpose));
    }
    let _ = writeln!(
        out,
        "{dash_indent}# evidence: {}",
        one_line(&evidence_list(&rule.evidence, EVIDENCE_SHOWN))
    );
    let _ = writeln!(out, "{dash_indent}- name: {}", quote(name));
    let _ = writeln!(out, "{key_indent}type: fqdn");
    let _ = writeln!(out, "{key_indent}destination: {}", quote(&rule.destination));
}

/// A YAML scalar: plain when it is unambiguously a string, single-quoted otherwise
/// (`*` would start an alias, `:`/`#` a mapping or a comment, `yes` a boolean).
pub(crate) fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        text.to_string()
    } else {
        format!("'{}'", one_line(text).replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("files.example.org"), "files.example.org");
        assert_eq!(quote("*.example.org"), "'*.example.org'");
        assert_eq!(quote("10.0.0.1"), "'10.0.0.1'");
        assert_eq!(quote("yes"), "'yes'");
        assert_eq!(quote("it's"), "'it''s'");
    }
}
