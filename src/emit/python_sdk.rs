//! `generate python-sdk`: a Python script that adds the rules with the Azure ML SDK v2
//! (`azure-ai-ml`): it reads the workspace, replaces the rules of the same names in
//! `managed_network.outbound_rules`, keeps every other rule, and calls
//! `ml_client.workspaces.begin_update`. (That call itself leaves Azure's required and
//! recommended rules out of the request, which the service would reject.)
//!
//! The subscription, resource group and workspace come from options or environment
//! variables, the resource group and workspace name defaulting to `--resource-group` and
//! `--workspace-name`. The script refuses to add FQDN rules to a workspace that is not in
//! approved-only mode instead of changing its isolation mode, which cannot be undone.
//! Every string literal goes through [`quote`].

use std::fmt::Write;

use crate::emit::{Emitter, Language};
use crate::plan::Plan;
use crate::report::{evidence_list, one_line};

pub struct PythonSdk;

use crate::emit::EVIDENCE_SHOWN;

impl Emitter for PythonSdk {
    fn target(&self) -> &'static str {
        "python-sdk"
    }

    fn language(&self) -> Language {
        Language::Python
    }

    fn description(&self) -> &'static str {
        "Python script that adds the rules with the Azure ML SDK v2 (azure-ai-ml)"
    }

    fn render(&self, plan: &Plan) -> String {
        let made = crate::emit::provenance(plan, "python-sdk");
        let mut out = String::from("#!/usr/bin/env python3\n");
        out.push_str(&made.comment_lines("#", ""));
        let _ = writeln!(out, "\"\"\"Adds {} to an Azure Machine", made.rules);
        out.push_str(HEADER);
        if let Some(note) = crate::emit::managed_hybrid_note(plan) {
            out.push_str("# ");
            out.push_str(note);
            out.push('\n');
        }
        for (constant, value) in [
            ("RESOURCE_GROUP", plan.resource_group()),
            ("WORKSPACE_NAME", plan.workspace_name()),
        ] {
            let _ = writeln!(
                out,
                "{constant} = {}",
                value.map_or_else(|| "None".to_string(), quote)
            );
        }
        out.push_str(RESOURCE_ID);

        out.push_str("def rules(pe_subscription_id, pe_resource_group):\n");
        out.push_str("    \"\"\"The rules this project needs, in pkgallow's order.\"\"\"\n");
        out.push_str("    return [\n");
        for rule in &plan.rules {
            for purpose in &rule.purposes {
                let _ = writeln!(out, "        # {}", one_line(purpose));
            }
            let _ = writeln!(
                out,
                "        # evidence: {}",
                one_line(&evidence_list(&rule.evidence, EVIDENCE_SHOWN))
            );
            let _ = writeln!(
                out,
                "        FqdnDestination(name={}, destination={}),",
                quote(&rule.name),
                quote(&rule.destination)
            );
        }
        for endpoint in &plan.private_endpoints {
            for purpose in &endpoint.purposes {
                let _ = writeln!(out, "        # {}", one_line(purpose));
            }
            let _ = writeln!(
                out,
                "        # {} — FQDN rules cannot reach it in approved-only mode; evidence: {}",
                one_line(&endpoint.host),
                one_line(&evidence_list(&endpoint.evidence, EVIDENCE_SHOWN))
            );
            out.push_str("        PrivateEndpointDestination(\n");
            let _ = writeln!(out, "            name={},", quote(&endpoint.name));
            let _ = writeln!(
                out,
                "            service_resource_id=resource_id(\n                pe_subscription_id,\n                pe_resource_group,\n                {},\n                {},\n            ),",
                quote(endpoint.resource_type),
                quote(&endpoint.resource_name)
            );
            let _ = writeln!(
                out,
                "            subresource_target={},",
                quote(endpoint.subresource_target)
            );
            let _ = writeln!(
                out,
                "            spark_enabled={},",
                if endpoint.spark_enabled {
                    "True"
                } else {
                    "False"
                }
            );
            out.push_str("        ),\n");
        }
        out.push_str("    ]\n");
        if !plan.skipped.is_empty() {
            out.push('\n');
        }
        crate::emit::write_not_rules(&mut out, plan, "#");
        crate::emit::write_denied(&mut out, plan, "#");
        out.push_str(MAIN);
        out
    }
}

/// Follows the interpreter line, the lines saying where the rules came from and the
/// docstring's first line.
const HEADER: &str = r#"Learning workspace's managed network, keeping the workspace's other rules.

usage: python3 THIS_FILE [--subscription-id ID] [--resource-group GROUP]
                         [--workspace-name NAME]
                         [--pe-subscription-id ID] [--pe-resource-group GROUP]

Each option defaults to an environment variable: AZURE_SUBSCRIPTION_ID,
AZURE_RESOURCE_GROUP, AZUREML_WORKSPACE_NAME, PE_SUBSCRIPTION_ID, PE_RESOURCE_GROUP.
The private-endpoint targets default to the workspace's subscription and resource group.
Needs `pip install azure-ai-ml azure-identity`; signs in with DefaultAzureCredential.

FQDN rules need the managed network's isolation mode allow_only_approved_outbound; the
first one provisions a managed Azure Firewall, which is billed.
"""

import argparse
import os
import sys

from azure.ai.ml import MLClient
from azure.ai.ml.entities import FqdnDestination, PrivateEndpointDestination
from azure.identity import DefaultAzureCredential

"#;

const RESOURCE_ID: &str = r#"

def resource_id(subscription_id, resource_group, resource_type, name):
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/{resource_type}/{name}"
    )


"#;

const MAIN: &str = r#"

def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Adds the outbound rules this project needs to an Azure ML workspace."
    )
    environ = os.environ.get
    parser.add_argument("--subscription-id", default=environ("AZURE_SUBSCRIPTION_ID"))
    parser.add_argument(
        "--resource-group", default=environ("AZURE_RESOURCE_GROUP", RESOURCE_GROUP)
    )
    parser.add_argument(
        "--workspace-name", default=environ("AZUREML_WORKSPACE_NAME", WORKSPACE_NAME)
    )
    parser.add_argument("--pe-subscription-id", default=environ("PE_SUBSCRIPTION_ID"))
    parser.add_argument("--pe-resource-group", default=environ("PE_RESOURCE_GROUP"))
    args = parser.parse_args(argv)
    for option in ("subscription_id", "resource_group", "workspace_name"):
        if not getattr(args, option):
            parser.error(f"--{option.replace('_', '-')} is required")

    wanted = rules(
        args.pe_subscription_id or args.subscription_id,
        args.pe_resource_group or args.resource_group,
    )
    ml_client = MLClient(
        DefaultAzureCredential(),
        args.subscription_id,
        args.resource_group,
        args.workspace_name,
    )
    workspace = ml_client.workspaces.get(args.workspace_name)
    network = workspace.managed_network
    # The service answers PascalCase, a YAML file snake_case.
    mode = str(network.isolation_mode if network else "").replace("_", "").lower()
    if mode in ("", "disabled"):
        sys.exit(
            f"{args.workspace_name} has no managed network; enable one with "
            "`az ml workspace update --managed-network allow_only_approved_outbound`"
        )
    if mode != "allowonlyapprovedoutbound" and any(
        isinstance(rule, FqdnDestination) for rule in wanted
    ):
        sys.exit(
            f"{args.workspace_name} allows all outbound traffic ({network.isolation_mode}); "
            "FQDN rules need allow_only_approved_outbound, which cannot be undone: "
            "`az ml workspace update --managed-network allow_only_approved_outbound`"
        )

    names = {rule.name for rule in wanted}
    kept = [rule for rule in network.outbound_rules or [] if rule.name not in names]
    network.outbound_rules = kept + wanted
    ml_client.workspaces.begin_update(workspace).result()
    print(f"{args.workspace_name}: {len(wanted)} rules set, {len(kept)} other rules kept")


if __name__ == "__main__":
    main()
"#;

/// A Python string literal: single-quoted, `\` and `'` escaped, and anything outside
/// printable ASCII as a `\x`/`\u`/`\U` escape, like `ascii(str)`.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            _ => {
                let code = u32::from(c);
                if code <= 0xFF {
                    let _ = write!(out, "\\x{code:02x}");
                } else if code <= 0xFFFF {
                    let _ = write!(out, "\\u{code:04x}");
                } else {
                    let _ = write!(out, "\\U{code:08x}");
                }
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
        assert_eq!(quote("github.com"), "'github.com'");
        assert_eq!(quote("it's \\"), "'it\\'s \\\\'");
        assert_eq!(
            quote("a\nb\u{e9}\u{202e}\u{1F600}"),
            "'a\\nb\\xe9\\u202e\\U0001f600'"
        );
    }
}
