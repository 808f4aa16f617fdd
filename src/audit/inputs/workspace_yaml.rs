//! Azure ML workspace YAML (`az ml workspace create/update --file`): the rules under
//! `managed_network: outbound_rules:` and the `isolation_mode`, with saphyr's node
//! positions. Recognised by a top-level `managed_network:` key or the workspace
//! `$schema` (a workspace without a managed network has no rules and reaches the
//! internet).

use saphyr::{LoadableYamlNode, MarkedYamlOwned};

use super::{AuditInputError, Input, Probe, azure};
use crate::audit::tree::{self, Position};
use crate::audit::{IsolationMode, RuleSet, SourceKind};

pub(crate) struct WorkspaceYaml;

impl Input for WorkspaceYaml {
    fn kind(&self) -> SourceKind {
        SourceKind::WorkspaceYaml
    }

    fn description(&self) -> &'static str {
        "workspace YAML with `managed_network:`"
    }

    fn read(&self, probe: &Probe<'_>) -> Option<Result<RuleSet, AuditInputError>> {
        let file = probe.file;
        if probe.json.is_some()
            || !(file.text.contains("managed_network")
                || file.text.contains("workspace.schema.json"))
        {
            return None;
        }
        let documents = match MarkedYamlOwned::load_from_str(&file.text) {
            Ok(documents) => documents,
            Err(error) => {
                // Only a file that looks like a workspace YAML is this reader's to reject.
                if !file
                    .text
                    .lines()
                    .any(|line| line.starts_with("managed_network:"))
                {
                    return None;
                }
                return Some(Err(AuditInputError::Syntax {
                    path: file.path.clone(),
                    line: u32::try_from(error.marker().line()).unwrap_or(0),
                    column: u32::try_from(error.marker().col() + 1).unwrap_or(0),
                    message: format!("not valid YAML: {}", error.info()),
                }));
            }
        };
        let root = tree::from_yaml(documents.first()?, file);
        let network = root.get("managed_network");
        let schema = root
            .get("$schema")
            .and_then(|node| node.string())
            .unwrap_or("");
        if network.is_none() && !schema.contains("workspace.schema.json") {
            return None;
        }
        let mut set = RuleSet {
            path: file.path.clone(),
            source_kind: SourceKind::WorkspaceYaml,
            isolation_mode: None,
            isolation_at: None,
            anchor: root.entry("managed_network").map_or(
                Position {
                    line: 1,
                    column: 1,
                    width: 1,
                },
                |(key, _)| key.at,
            ),
            rules: Vec::new(),
        };
        match network {
            Some(network) => azure::managed_network(network, &mut set),
            // Without a managed network the workspace's compute reaches the internet.
            None => set.isolation_mode = Some(IsolationMode::Disabled),
        }
        Some(Ok(set))
    }
}
