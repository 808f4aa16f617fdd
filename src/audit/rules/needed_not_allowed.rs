use super::{Rule, RuleMeta};
use crate::audit::{Candidate, Context, Need, RuleSet, needs, rule_allows};
use crate::report::evidence_list;

declare_rule! {
    /// ## What it does
    /// With `--against PATH`: flags every host (or private-endpoint resource, or host
    /// and port for a firewall) the scan of PATH needs that no rule of the audited files
    /// allows, under Azure Firewall semantics (`*.x.org` covers subdomains of any depth,
    /// never `x.org`). What is needed depends on the files: FQDN and private-endpoint
    /// rules for managed-network files, every host and port for firewall policies, host
    /// names for hosts lists; NSG files name no hosts and need nothing; a workspace in
    /// `allow_internet_outbound` needs no rule.
    ///
    /// ## Why is this bad?
    /// The install that needs the host fails inside the workspace, usually as a timeout
    /// long after the job started.
    ///
    /// ## Example
    /// A project installing from `download.pytorch.org` audited against a workspace YAML
    /// that allows only the default Python index.
    NeededNotAllowed {
        code: "A014",
        name: "needed-not-allowed",
        severity: Error,
        summary: "with `--against`: something the project needs that no rule allows",
        help: "add a rule for it (`pkgallow diff` prints what to add)",
    }
}

impl Rule for NeededNotAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], context: &Context<'_>, out: &mut Vec<Candidate>) {
        let (Some(needed), Some(first)) = (context.needed, sets.first()) else {
            return;
        };
        for need in needs(sets, needed) {
            let allowed = sets
                .iter()
                .flat_map(|set| &set.rules)
                .any(|rule| rule_allows(rule, &need));
            if allowed {
                continue;
            }
            let host = match &need {
                Need::Host { host, .. }
                | Need::Flow { host, .. }
                | Need::PrivateEndpoint { host, .. } => host,
            };
            let endpoints: Vec<_> = needed
                .endpoints
                .iter()
                .filter(|e| &e.host == host)
                .collect();
            let purpose = endpoints
                .first()
                .map_or(String::new(), |e| format!(" ({})", e.purpose));
            let evidence = evidence_list(endpoints.iter().flat_map(|e| &e.evidence), 3);
            let help = match &need {
                Need::Host { host, .. } => format!("add a rule allowing `{host}`"),
                Need::Flow { host, port } => format!("add a network rule for `{host}` port {port}"),
                Need::PrivateEndpoint {
                    resource_type,
                    resource_name,
                    subresource,
                    ..
                } => format!(
                    "add a private_endpoint rule: service_resource_id …/providers/{resource_type}/{resource_name}, subresource_target {subresource}"
                ),
            };
            out.push(
                Candidate::new(
                    first,
                    first.anchor,
                    format!(
                        "`{}` is needed{purpose} but no rule allows it; needed by {evidence}",
                        need.describe()
                    ),
                )
                .with_help(help),
            );
        }
    }
}
