//! JSON printed by the Azure ML CLI: `az ml workspace outbound-rule list` (a list of
//! rules, REST casing `FQDN`/`PrivateEndpoint`/`ServiceTag`, `UserDefined`/`Required`,
//! each either flat or under `properties`; `{"value": [...]}` as the REST API returns
//! it) and `az ml workspace show` (snake case, the rules under `managed_network`).

use super::{AuditInputError, Input, Probe, azure};
use crate::audit::tree::{Node, Value, normalize};
use crate::audit::{RuleSet, SourceKind};

pub(crate) struct CliJson;

impl Input for CliJson {
    fn kind(&self) -> SourceKind {
        SourceKind::OutboundRuleList
    }

    fn description(&self) -> &'static str {
        "`az ml workspace outbound-rule list` and `az ml workspace show` JSON"
    }

    fn read(&self, probe: &Probe<'_>) -> Option<Result<RuleSet, AuditInputError>> {
        let root = probe.json.as_ref()?;
        let mut set = RuleSet::empty(probe.file.path.clone(), SourceKind::OutboundRuleList);
        if let Some(network) = root.get("managed_network") {
            set.source_kind = SourceKind::WorkspaceShow;
            azure::managed_network(network, &mut set);
            return Some(Ok(set));
        }
        let list = match &root.value {
            Value::Array(_) => root,
            Value::Object(_) => root
                .get("value")
                .filter(|v| matches!(v.value, Value::Array(_)))?,
            _ => return None,
        };
        if !list.items().iter().all(is_outbound_rule) {
            return None;
        }
        for item in list.items() {
            let name = item.get("name").and_then(azure::literal);
            if let Some(rule) = azure::outbound_rule(name, item) {
                set.rules.push(rule);
            }
        }
        Some(Ok(set))
    }
}

fn is_outbound_rule(item: &Node) -> bool {
    let body = item.get("properties").unwrap_or(item);
    body.get("type")
        .and_then(Node::text)
        .map(normalize)
        .is_some_and(|kind| matches!(kind.as_str(), "fqdn" | "privateendpoint" | "servicetag"))
}
