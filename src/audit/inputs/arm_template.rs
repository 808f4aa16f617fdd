//! ARM deployment templates (JSON with a `resources` list, `$schema` naming a deployment
//! template): `workspaces/outboundRules` resources, a workspace's
//! `properties.managedNetwork`, Azure Firewall policy rule collection groups, NSGs and
//! NSG security rules; nested `resources` too. `resources` may also be an object
//! (language version 2.0, symbolic names).

use super::{AuditInputError, Input, Probe, azure};
use crate::audit::tree::{Node, Position, Value};
use crate::audit::{RuleSet, SourceKind};

pub(crate) struct ArmTemplate;

impl Input for ArmTemplate {
    fn kind(&self) -> SourceKind {
        SourceKind::ArmTemplate
    }

    fn description(&self) -> &'static str {
        "ARM templates"
    }

    fn read(&self, probe: &Probe<'_>) -> Option<Result<RuleSet, AuditInputError>> {
        let root = probe.json.as_ref()?;
        let (key, resources) = root.entry("resources")?;
        let schema = root.get("$schema").and_then(Node::text).unwrap_or("");
        if !schema.contains("deploymentTemplate") && root.get("contentVersion").is_none() {
            return None;
        }
        let mut set = RuleSet {
            path: probe.file.path.clone(),
            source_kind: SourceKind::ArmTemplate,
            isolation_mode: None,
            isolation_at: None,
            anchor: Position {
                line: key.at.line,
                column: key.at.column,
                width: key.at.width,
            },
            rules: Vec::new(),
        };
        walk(resources, &mut set);
        Some(Ok(set))
    }
}

fn walk(resources: &Node, set: &mut RuleSet) {
    let items: Vec<&Node> = match &resources.value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(entries) => entries.iter().map(|(_, node)| node).collect(),
        _ => Vec::new(),
    };
    for resource in items {
        if let Some(kind) = resource.get("type").and_then(Node::text) {
            let name = resource.get("name").and_then(azure::child_name);
            azure::resource(kind, name, resource, set);
        }
        if let Some(nested) = resource.get("resources") {
            walk(nested, set);
        }
    }
}
