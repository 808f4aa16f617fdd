//! `generate az-cli`: a bash script that adds each rule with
//! `az ml workspace outbound-rule set … --rule NAME --type fqdn --destination HOST`.
//! (`outbound-rule create` and `--rule-name`, seen in older guides, do not exist.)
//! Every value goes through [`shell_quote`]: quoting bugs in generated scripts are
//! security bugs.

use std::fmt::Write;

use crate::emit::{Emitter, PLACEHOLDER_WORKSPACE};
use crate::plan::Plan;
use crate::report::{evidence_list, one_line};

pub struct AzCli;

use crate::emit::EVIDENCE_SHOWN;

impl Emitter for AzCli {
    fn target(&self) -> &'static str {
        "az-cli"
    }

    fn language(&self) -> crate::emit::Language {
        crate::emit::Language::Bash
    }

    fn description(&self) -> &'static str {
        "bash script of `az ml workspace outbound-rule set` calls"
    }

    fn render(&self, plan: &Plan) -> String {
        let mut out = String::from("#!/usr/bin/env bash\n");
        if let Some(note) = crate::emit::managed_hybrid_note(plan) {
            out.push_str("# ");
            out.push_str(note);
            out.push('\n');
        }
        out.push_str(&crate::emit::provenance(plan, "az-cli").comment_lines("#", ""));
        out.push_str("# FQDN rules work only when the workspace's managed network is\n");
        out.push_str(
            "# allow_only_approved_outbound; the first one provisions a billed Azure Firewall.\n",
        );
        out.push_str("set -euo pipefail\n\n");
        match plan.resource_group() {
            Some(group) => {
                let _ = writeln!(out, "RG=\"${{RG:-\"{}\"}}\"", double_quoted(group));
            }
            None => out.push_str("RG=\"${RG:?set RG to the resource group of the workspace}\"\n"),
        }
        let workspace = plan.workspace_name().unwrap_or(PLACEHOLDER_WORKSPACE);
        let _ = writeln!(out, "WS=\"${{WS:-\"{}\"}}\"", double_quoted(workspace));
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
            let _ = writeln!(
                out,
                "az ml workspace outbound-rule set --resource-group \"$RG\" --workspace-name \"$WS\" --rule {} --type fqdn --destination {}",
                shell_quote(&rule.name),
                shell_quote(&rule.destination)
            );
        }
        if !plan.private_endpoints.is_empty() {
            out.push_str("\n# Private-endpoint rules: FQDN rules cannot reach these services in\n");
            out.push_str("# allow_only_approved_outbound. Set the subscription and resource group that hold them.\n");
            out.push_str("SUBSCRIPTION_ID=\"${SUBSCRIPTION_ID:?set SUBSCRIPTION_ID to the subscription of the private-endpoint targets}\"\n");
            out.push_str("TARGET_RG=\"${TARGET_RG:-$RG}\"\n");
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
            let _ = writeln!(
                out,
                "az ml workspace outbound-rule set --resource-group \"$RG\" --workspace-name \"$WS\" --rule {} --type private_endpoint --service-resource-id \"/subscriptions/${{SUBSCRIPTION_ID}}/resourceGroups/${{TARGET_RG}}/providers/{}/{}\" --subresource-target {} --spark-enabled {}",
                shell_quote(&endpoint.name),
                double_quoted(endpoint.resource_type),
                double_quoted(&endpoint.resource_name),
                shell_quote(endpoint.subresource_target),
                endpoint.spark_enabled
            );
        }
        for skipped in &plan.skipped {
            let _ = writeln!(
                out,
                "\n# not a rule: {} {}",
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

/// Quotes a word for bash: left bare when it holds only safe characters, otherwise
/// single-quoted with embedded quotes closed and escaped.
pub(crate) fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | ':' | '=' | '@' | ',')
        });
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Text inside double quotes, such as the nested ones of `"${VAR:-"…"}"`: escapes what
/// double quotes would interpret. (The nested quotes make `'` and `}` plain characters:
/// in the bare word of `${VAR:-…}` bash pairs single quotes, so one apostrophe is a
/// syntax error.)
fn double_quoted(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("github.com"), "github.com");
        assert_eq!(shell_quote("*.example.org"), "'*.example.org'");
        assert_eq!(shell_quote("a'b"), "'a'\\''b'");
        assert_eq!(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(double_quoted("ws$x}`'\""), "ws\\$x}\\`'\\\"");
    }
}
