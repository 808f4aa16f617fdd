use super::{Rule, RuleMeta, rule_label, rule_position};
use crate::audit::{Candidate, Context, IsolationMode, RuleKind, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags an FQDN or service-tag outbound rule in a workspace whose managed network
    /// is `allow_internet_outbound`.
    ///
    /// ## Why is this bad?
    /// In `allow_internet_outbound` mode only private-endpoint outbound rules exist;
    /// Azure rejects FQDN and service-tag rules (and they would change nothing: the
    /// internet is already allowed). Often the author meant
    /// `allow_only_approved_outbound` and believes the network is locked down.
    ///
    /// ## Example
    /// ```yaml
    /// managed_network:
    ///   isolation_mode: allow_internet_outbound
    ///   outbound_rules:
    ///   - name: pytorch
    ///     type: fqdn           # A007
    ///     destination: download.pytorch.org
    /// ```
    ///
    /// Source: <https://learn.microsoft.com/azure/machine-learning/how-to-managed-network#configure-a-managed-virtual-network-to-allow-internet-outbound>.
    RuleNeedsApprovedOutbound {
        code: "A007",
        name: "rule-needs-approved-outbound",
        severity: Error,
        summary: "an FQDN or service-tag rule under `allow_internet_outbound`, which takes only private-endpoint rules",
        help: "set isolation_mode to allow_only_approved_outbound to restrict outbound traffic, or remove the rule",
    }
}

impl Rule for RuleNeedsApprovedOutbound {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], _context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            if set.isolation_mode != Some(IsolationMode::AllowInternetOutbound) {
                continue;
            }
            let mode_line = set.isolation_at.map_or(0, |at| at.line);
            for rule in &set.rules {
                if matches!(rule.kind, RuleKind::Fqdn | RuleKind::ServiceTag) {
                    let kind = if rule.kind == RuleKind::Fqdn {
                        "an FQDN"
                    } else {
                        "a service-tag"
                    };
                    out.push(Candidate::new(
                        set,
                        rule_position(rule),
                        format!(
                            "{} is {kind} rule, but the isolation mode (line {mode_line}) is allow_internet_outbound, which takes only private-endpoint rules",
                            rule_label(rule),
                        ),
                    ));
                }
            }
        }
    }
}
