//! `generate arm`: an ARM deployment template with one
//! `Microsoft.MachineLearningServices/workspaces/outboundRules` resource per rule, for
//! `az deployment group create --template-file`. Built from typed structures and
//! serialized by `serde_json`, never by string concatenation; field order is the
//! declaration order, so the output is deterministic.
//!
//! JSON has no comments, so each resource carries its purpose and evidence in
//! `comments`, the one free-text property the deployment-template schema
//! (`schemas/2019-04-01/deploymentTemplate.json`, `resourceBase`) allows on a resource;
//! hosts that are not rules go in the template's top-level `metadata`, which the schema
//! leaves unstructured.
//!
//! Every string ARM would evaluate goes through [`literal`] (a value that looks like a
//! `[expression]`) or [`expression_string`] (a quoted string inside an expression).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::emit::{Emitter, Language};
use crate::plan::{Plan, PrivateEndpoint, Rule};
use crate::report::{evidence_list, one_line};

pub struct Arm;

/// The outbound-rule resource type, shared with the Bicep and Terraform (azapi) targets.
pub(crate) const OUTBOUND_RULES_TYPE: &str =
    "Microsoft.MachineLearningServices/workspaces/outboundRules";

/// The latest stable API version with outbound rules (azure-rest-api-specs
/// `stable/2025-12-01`; the azure-ai-ml 1.35 REST client defaults to it too).
pub(crate) const API_VERSION: &str = "2025-12-01";

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

use crate::emit::EVIDENCE_SHOWN;

impl Emitter for Arm {
    fn target(&self) -> &'static str {
        "arm"
    }

    fn language(&self) -> Language {
        Language::ArmJson
    }

    fn description(&self) -> &'static str {
        "ARM deployment template of workspaces/outboundRules resources (az deployment group create)"
    }

    fn render(&self, plan: &Plan) -> String {
        let template = template(plan);
        // Serializing plain structs of strings, booleans and vectors cannot fail.
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
    metadata: TemplateMetadata,
    parameters: Parameters,
    resources: Vec<Resource>,
}

#[derive(Serialize)]
struct TemplateMetadata {
    description: String,
    #[serde(rename = "notRules", skip_serializing_if = "Vec::is_empty")]
    not_rules: Vec<NotRule>,
    #[serde(rename = "deniedByPolicy", skip_serializing_if = "Vec::is_empty")]
    denied_by_policy: Vec<crate::emit::DeniedHost>,
}

/// A host no rule here can serve, and why.
#[derive(Serialize)]
struct NotRule {
    host: String,
    reason: String,
    evidence: String,
}

#[derive(Serialize)]
struct Parameters {
    #[serde(rename = "workspaceName")]
    workspace_name: Parameter,
    #[serde(rename = "peSubscriptionId", skip_serializing_if = "Option::is_none")]
    pe_subscription_id: Option<Parameter>,
    #[serde(rename = "peResourceGroup", skip_serializing_if = "Option::is_none")]
    pe_resource_group: Option<Parameter>,
}

#[derive(Serialize)]
struct Parameter {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "defaultValue", skip_serializing_if = "Option::is_none")]
    default_value: Option<String>,
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
    #[serde(rename = "dependsOn", skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
    properties: Properties,
}

#[derive(Serialize)]
struct Properties {
    #[serde(rename = "type")]
    kind: &'static str,
    category: &'static str,
    destination: Destination,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Destination {
    Fqdn(String),
    PrivateEndpoint {
        #[serde(rename = "serviceResourceId")]
        service_resource_id: String,
        #[serde(rename = "subresourceTarget")]
        subresource_target: String,
        #[serde(rename = "sparkEnabled")]
        spark_enabled: bool,
    },
}

fn template(plan: &Plan) -> Template {
    let has_private_endpoints = !plan.private_endpoints.is_empty();
    let string_parameter = |default_value: Option<String>, description| Parameter {
        kind: "string",
        default_value,
        metadata: Description { description },
    };
    let parameters = Parameters {
        workspace_name: string_parameter(
            plan.workspace_name().map(literal),
            "Name of the Azure Machine Learning workspace the rules are added to",
        ),
        pe_subscription_id: has_private_endpoints.then(|| {
            string_parameter(
                Some("[subscription().subscriptionId]".to_string()),
                "Subscription of the resources the private-endpoint rules reach",
            )
        }),
        pe_resource_group: has_private_endpoints.then(|| {
            string_parameter(
                Some("[resourceGroup().name]".to_string()),
                "Resource group of the resources the private-endpoint rules reach",
            )
        }),
    };

    let mut resources = Vec::new();
    // Each rule waits for the one before: rules written to one workspace concurrently
    // can silently delete each other (Azure/terraform-provider-azapi#453).
    let mut previous: Option<&str> = None;
    for rule in &plan.rules {
        resources.push(resource(
            &rule.name,
            fqdn_comments(rule),
            previous,
            "FQDN",
            Destination::Fqdn(literal(&rule.destination)),
        ));
        previous = Some(&rule.name);
    }
    for endpoint in &plan.private_endpoints {
        resources.push(resource(
            &endpoint.name,
            private_endpoint_comments(endpoint),
            previous,
            "PrivateEndpoint",
            Destination::PrivateEndpoint {
                service_resource_id: format!(
                    "[resourceId(parameters('peSubscriptionId'), parameters('peResourceGroup'), {}, {})]",
                    expression_string(endpoint.resource_type),
                    expression_string(&endpoint.resource_name)
                ),
                subresource_target: literal(endpoint.subresource_target),
                spark_enabled: endpoint.spark_enabled,
            },
        ));
        previous = Some(&endpoint.name);
    }

    let not_rules = plan
        .skipped
        .iter()
        .map(|skipped| NotRule {
            host: literal(&one_line(&skipped.host)),
            reason: literal(&one_line(&skipped.reason)),
            evidence: literal(&one_line(&evidence_list(&skipped.evidence, EVIDENCE_SHOWN))),
        })
        .collect();

    Template {
        schema: SCHEMA,
        content_version: "1.0.0.0",
        metadata: TemplateMetadata {
            description: format!(
                "{}{} Deploy to the workspace's resource group with `az deployment group create --resource-group <group> --template-file <this file>`. FQDN rules need the managed network's isolation mode AllowOnlyApprovedOutbound; the first one provisions a managed Azure Firewall, which is billed. The rules are deployed one after another because the service can lose rules written concurrently.",
                crate::emit::managed_hybrid_note(plan)
                    .map_or_else(String::new, |note| format!("{note} ")),
                crate::emit::provenance(plan, "arm").sentence()
            ),
            not_rules,
            denied_by_policy: crate::emit::denied_metadata(plan),
        },
        parameters,
        resources,
    }
}

fn resource(
    name: &str,
    comments: String,
    previous: Option<&str>,
    kind: &'static str,
    destination: Destination,
) -> Resource {
    Resource {
        kind: OUTBOUND_RULES_TYPE,
        api_version: API_VERSION,
        name: format!(
            "[format('{{0}}/{{1}}', parameters('workspaceName'), {})]",
            expression_string(name)
        ),
        comments,
        depends_on: previous
            .map(|previous| {
                format!(
                    "[resourceId({}, parameters('workspaceName'), {})]",
                    expression_string(OUTBOUND_RULES_TYPE),
                    expression_string(previous)
                )
            })
            .into_iter()
            .collect(),
        properties: Properties {
            kind,
            category: "UserDefined",
            destination,
        },
    }
}

fn fqdn_comments(rule: &Rule) -> String {
    literal(&format!(
        "{} — evidence: {}",
        purposes(&rule.purposes),
        one_line(&evidence_list(&rule.evidence, EVIDENCE_SHOWN))
    ))
}

fn private_endpoint_comments(endpoint: &PrivateEndpoint) -> String {
    literal(&format!(
        "{} — {} — evidence: {}",
        purposes(&endpoint.purposes),
        one_line(&endpoint.host),
        one_line(&evidence_list(&endpoint.evidence, EVIDENCE_SHOWN))
    ))
}

fn purposes(purposes: &BTreeSet<String>) -> String {
    purposes
        .iter()
        .map(|purpose| one_line(purpose))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A literal string value: ARM evaluates a string that starts with `[` and ends with
/// `]` as an expression, unless it starts with `[[`.
fn literal(text: &str) -> String {
    if text.starts_with('[') && text.ends_with(']') {
        format!("[{text}")
    } else {
        text.to_string()
    }
}

/// A string literal inside an ARM expression: single-quoted, quotes doubled.
fn expression_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(literal("github.com"), "github.com");
        assert_eq!(literal("[::1]"), "[[::1]");
        assert_eq!(literal("[only-open"), "[only-open");
        assert_eq!(expression_string("it's"), "'it''s'");
    }
}
