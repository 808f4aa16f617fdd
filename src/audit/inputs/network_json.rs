//! JSON printed by the Azure network CLI: `az network nsg show` (an NSG with
//! `securityRules`), `az network nsg rule list` (a list of rules with
//! `destinationAddressPrefix`), and `az network firewall policy rule-collection-group
//! show` (a group with `ruleCollections`).

use super::{AuditInputError, Input, Probe, azure};
use crate::audit::tree::{Node, Value};
use crate::audit::{RuleSet, SourceKind};

pub(crate) struct NetworkJson;

impl Input for NetworkJson {
    fn kind(&self) -> SourceKind {
        SourceKind::NetworkJson
    }

    fn description(&self) -> &'static str {
        "NSG and Azure Firewall policy JSON (`az network …`)"
    }

    fn read(&self, probe: &Probe<'_>) -> Option<Result<RuleSet, AuditInputError>> {
        let root = probe.json.as_ref()?;
        let mut set = RuleSet::empty(probe.file.path.clone(), SourceKind::NetworkJson);
        let body = root.get("properties").unwrap_or(root);
        if body.get("security_rules").is_some() {
            azure::nsg(root, &mut set);
        } else if body.get("rule_collections").is_some() {
            azure::firewall_group(root, &mut set);
        } else if let Value::Array(items) = &root.value
            && !items.is_empty()
            && items.iter().all(is_nsg_rule)
        {
            for item in items {
                set.rules.push(azure::nsg_rule(None, item, None));
            }
        } else {
            return None;
        }
        Some(Ok(set))
    }
}

fn is_nsg_rule(item: &Node) -> bool {
    let body = item.get("properties").unwrap_or(item);
    body.get("direction").is_some()
        && (body.get("destination_address_prefix").is_some()
            || body.get("destination_address_prefixes").is_some())
}
