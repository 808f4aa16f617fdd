use super::{Rule, RuleMeta, rule_label, rule_position};
use crate::audit::{Candidate, Context, RuleKind, RuleSet, resource_of};

declare_rule! {
    /// ## What it does
    /// Flags a private-endpoint outbound rule without a subresource target, or with
    /// one that the resource type does not have: Azure Storage has `blob`, `file`,
    /// `queue`, `table`, `dfs`, `web` (and their `_secondary` forms); a container
    /// registry `registry`; a key vault `vault`; an Azure ML workspace `amlworkspace`;
    /// … (resource types not in the list are not checked).
    ///
    /// ## Why is this bad?
    /// The rule fails to deploy, or (a wrong but existing one) creates a private
    /// endpoint for the wrong service: a `file` endpoint does not carry blob downloads.
    ///
    /// ## Example
    /// ```yaml
    ///   destination:
    ///     service_resource_id: /subscriptions/…/Microsoft.ContainerRegistry/registries/acr
    ///     subresource_target: blob      # A013: a registry's is `registry`
    /// ```
    ///
    /// Source: <https://learn.microsoft.com/azure/private-link/private-endpoint-overview#private-link-resource>.
    InvalidSubresource {
        code: "A013",
        name: "invalid-subresource",
        severity: Error,
        summary: "a private-endpoint rule without a subresource target, or with one its resource type does not have",
        help: "use one of the resource type's private-link subresources",
    }
}

/// Private-link subresources by resource type (lower case), from
/// <https://learn.microsoft.com/azure/private-link/private-endpoint-overview#private-link-resource>.
const SUBRESOURCES: [(&str, &[&str]); 16] = [
    (
        "microsoft.appconfiguration/configurationstores",
        &["configurationStores"],
    ),
    ("microsoft.cache/redis", &["redisCache"]),
    ("microsoft.cognitiveservices/accounts", &["account"]),
    ("microsoft.containerregistry/registries", &["registry"]),
    (
        "microsoft.databricks/workspaces",
        &["databricks_ui_api", "browser_authentication"],
    ),
    (
        "microsoft.datafactory/factories",
        &["dataFactory", "portal"],
    ),
    (
        "microsoft.documentdb/databaseaccounts",
        &[
            "Sql",
            "MongoDB",
            "Cassandra",
            "Gremlin",
            "Table",
            "Analytical",
        ],
    ),
    ("microsoft.eventhub/namespaces", &["namespace"]),
    ("microsoft.keyvault/vaults", &["vault"]),
    (
        "microsoft.machinelearningservices/workspaces",
        &["amlworkspace"],
    ),
    ("microsoft.search/searchservices", &["searchService"]),
    ("microsoft.servicebus/namespaces", &["namespace"]),
    ("microsoft.sql/servers", &["sqlServer"]),
    (
        "microsoft.storage/storageaccounts",
        &[
            "blob",
            "blob_secondary",
            "file",
            "file_secondary",
            "queue",
            "queue_secondary",
            "table",
            "table_secondary",
            "dfs",
            "dfs_secondary",
            "web",
            "web_secondary",
        ],
    ),
    (
        "microsoft.synapse/workspaces",
        &["Sql", "SqlOnDemand", "Dev"],
    ),
    ("microsoft.web/sites", &["sites"]),
];

impl Rule for InvalidSubresource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], _context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            for rule in set
                .rules
                .iter()
                .filter(|rule| rule.kind == RuleKind::PrivateEndpoint)
            {
                let resource_type = rule
                    .destinations
                    .iter()
                    .find_map(|d| resource_of(&d.value))
                    .map(|(kind, _)| kind);
                let valid = resource_type.as_ref().and_then(|kind| {
                    let lower = kind.to_ascii_lowercase();
                    SUBRESOURCES
                        .iter()
                        .find(|(known, _)| *known == lower)
                        .map(|(_, valid)| *valid)
                });
                let Some(subresource) = &rule.subresource else {
                    if rule.is_user_defined() {
                        let mut candidate = Candidate::new(
                            set,
                            rule_position(rule),
                            format!("{} has no subresource target", rule_label(rule)),
                        );
                        if let Some(valid) = valid {
                            candidate =
                                candidate.with_help(format!("use one of: {}", valid.join(", ")));
                        }
                        out.push(candidate);
                    }
                    continue;
                };
                let (Some(resource_type), Some(valid)) = (resource_type, valid) else {
                    continue;
                };
                if !valid
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(&subresource.value))
                {
                    out.push(
                        Candidate::new(
                            set,
                            subresource.at,
                            format!(
                                "`{resource_type}` has no subresource `{}`",
                                subresource.value
                            ),
                        )
                        .with_help(format!("use one of: {}", valid.join(", "))),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted_and_lower_case() {
        let kinds: Vec<&str> = super::SUBRESOURCES.iter().map(|(kind, _)| *kind).collect();
        let mut sorted = kinds.clone();
        sorted.sort_unstable();
        assert_eq!(kinds, sorted);
        assert!(kinds.iter().all(|kind| kind.to_ascii_lowercase() == *kind));
    }
}
