use super::{Rule, RuleMeta, rule_label, rule_position};
use crate::audit::{Candidate, Context, RuleKind, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags a private-endpoint outbound rule that does not say `spark_enabled`
    /// (`sparkEnabled`).
    ///
    /// ## Why is this bad?
    /// The `azure-ai-ml` loader requires the field in workspace YAML, and where it
    /// defaults (REST, Terraform) it defaults to `false`: serverless Spark jobs then
    /// cannot reach the resource, which shows up only when someone runs one. Writing it
    /// makes the choice visible.
    ///
    /// ## Example
    /// ```yaml
    /// - name: data
    ///   type: private_endpoint
    ///   destination:
    ///     service_resource_id: /subscriptions/…/storageAccounts/data
    ///     subresource_target: blob     # A012: spark_enabled missing
    /// ```
    ///
    /// Source: <https://learn.microsoft.com/azure/machine-learning/how-to-managed-network#configure-a-managed-virtual-network-to-allow-only-approved-outbound>.
    PrivateEndpointSparkUnset {
        code: "A012",
        name: "private-endpoint-spark-unset",
        severity: Warning,
        summary: "a private-endpoint rule without `spark_enabled`",
        help: "write `spark_enabled: true` if serverless Spark must reach the resource, `false` otherwise",
    }
}

impl Rule for PrivateEndpointSparkUnset {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], _context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            for rule in &set.rules {
                if rule.kind == RuleKind::PrivateEndpoint
                    && rule.spark_enabled.is_none()
                    && rule.is_user_defined()
                {
                    out.push(Candidate::new(
                        set,
                        rule_position(rule),
                        format!("{} does not say spark_enabled", rule_label(rule)),
                    ));
                }
            }
        }
    }
}
