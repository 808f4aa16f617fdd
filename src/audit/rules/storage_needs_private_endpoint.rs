use super::{Rule, RuleMeta};
use crate::audit::{Candidate, Context, IsolationMode, RuleKind, RuleSet};
use crate::plan;

declare_rule! {
    /// ## What it does
    /// Flags a managed-network FQDN rule for an Azure Storage account
    /// (`<account>.blob|dfs|file|queue|table.core.windows.net`) in
    /// `allow_only_approved_outbound` mode (or where the mode is not written: FQDN
    /// rules exist only in that mode).
    ///
    /// ## Why is this bad?
    /// Azure does not let FQDN rules reach Azure Storage in approved-only mode: the
    /// rule is rejected or has no effect, and downloads from the account still fail.
    /// A private-endpoint rule to the storage account, with the subresource of the
    /// host (`blob`, `dfs`, `file`, `queue`, `table`), is the way.
    ///
    /// ## Example
    /// ```yaml
    /// - name: wheels
    ///   type: fqdn
    ///   destination: mlartifacts.blob.core.windows.net   # A008
    /// ```
    /// Use `type: private_endpoint` with `service_resource_id:
    /// /subscriptions/…/providers/Microsoft.Storage/storageAccounts/mlartifacts` and
    /// `subresource_target: blob`. When the knowledge base knows the account to be a
    /// third party's (tiktoken's `openaipublic.blob.core.windows.net`), no private
    /// endpoint can be made either (only its owner could approve one): the help says so,
    /// and how to avoid the download.
    ///
    /// Source: <https://learn.microsoft.com/azure/machine-learning/how-to-managed-network#scenario-use-fqdn-outbound-rules>
    /// ("you can't use FQDN rules to reach Azure Storage").
    StorageNeedsPrivateEndpoint {
        code: "A008",
        name: "storage-needs-private-endpoint",
        severity: Error,
        summary: "an FQDN rule for an Azure Storage account in approved-only mode (a private-endpoint rule is needed)",
        help: "use a private_endpoint rule to the storage account with the host's subresource_target",
    }
}

impl Rule for StorageNeedsPrivateEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            if matches!(
                set.isolation_mode,
                Some(IsolationMode::AllowInternetOutbound | IsolationMode::Disabled)
            ) {
                continue;
            }
            for rule in set.rules.iter().filter(|rule| rule.kind == RuleKind::Fqdn) {
                for destination in &rule.destinations {
                    let host = destination.value.trim().to_ascii_lowercase();
                    let Some((resource_type, name, subresource)) =
                        plan::private_endpoint_target(&host)
                    else {
                        continue;
                    };
                    if resource_type != "Microsoft.Storage/storageAccounts" {
                        continue;
                    }
                    let help = match context.knowledge.lookup(&host).and_then(|entry| {
                        Some((entry.owned_by.as_deref()?, entry.purpose.as_str()))
                    }) {
                        Some((owner, purpose)) => format!(
                            "it belongs to {owner}, and only {owner} could approve a private endpoint to it: remove the rule and make the download unnecessary ({purpose})"
                        ),
                        None => format!(
                            "use a private_endpoint rule: service_resource_id …/providers/{resource_type}/{name}, subresource_target {subresource}"
                        ),
                    };
                    out.push(
                        Candidate::new(
                            set,
                            destination.at,
                            format!(
                                "`{}` is the Azure Storage account `{name}`: FQDN rules cannot reach Azure Storage in approved-only mode",
                                destination.value
                            ),
                        )
                        .with_help(help),
                    );
                }
            }
        }
    }
}
