use std::collections::BTreeSet;

use super::{Rule, RuleMeta};
use crate::audit::{Candidate, Context, RuleKind, RuleSet, covers};
use crate::host;
use crate::plan::FQDN_RULE_PORTS;

declare_rule! {
    /// ## What it does
    /// Flags a managed-network FQDN rule for a host that is reached on a port other
    /// than 80 and 443: a host the knowledge base lists only on other ports, or (with
    /// `--against`) a host the scan needs only on another port (`git+ssh://` needs 22,
    /// an index at `:8080`).
    ///
    /// ## Why is this bad?
    /// Managed-network FQDN rules allow ports 80 and 443 only. The rule looks like it
    /// allows the host, but `git clone git@gitlab.com:…` or `pip install -i
    /// http://mirror:8080/simple` still fails.
    ///
    /// ## Example
    /// A requirements line `-e git+ssh://git@gitlab.com/org/tools.git` and a rule
    /// `destination: gitlab.com`: use `git+https://` in the requirement, or a
    /// customer-managed firewall network rule for port 22.
    ///
    /// Source: <https://learn.microsoft.com/azure/machine-learning/how-to-managed-network#scenario-use-fqdn-outbound-rules>
    /// (FQDN rules "only support ports 80 and 443").
    WebRuleOtherPort {
        code: "A010",
        name: "fqdn-rule-other-port",
        severity: Warning,
        summary: "an FQDN rule for a host that is needed on a port other than 80/443, which FQDN rules never allow",
        help: "reach the host over HTTPS (443), or allow the port with a firewall network rule",
    }
}

impl Rule for WebRuleOtherPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            for rule in set.rules.iter().filter(|rule| rule.kind == RuleKind::Fqdn) {
                for destination in &rule.destinations {
                    let pattern = destination.value.trim().to_ascii_lowercase();
                    let mut ports = BTreeSet::new();
                    let mut web = false;
                    if let Some(needed) = context.needed {
                        for endpoint in needed
                            .endpoints
                            .iter()
                            .filter(|e| covers(&pattern, &e.host))
                        {
                            if FQDN_RULE_PORTS.contains(&endpoint.port) {
                                web = true;
                            } else {
                                ports.insert(endpoint.port);
                            }
                        }
                    }
                    if ports.is_empty()
                        && let Some(entry) = context.knowledge.lookup(&pattern)
                        && entry.host == host::reverse(&pattern)
                        && !entry
                            .ports
                            .iter()
                            .any(|port| FQDN_RULE_PORTS.contains(port))
                    {
                        ports.extend(entry.ports.iter().copied());
                    }
                    if web || ports.is_empty() {
                        continue;
                    }
                    let list = ports
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ");
                    out.push(Candidate::new(
                        set,
                        destination.at,
                        format!(
                            "`{}` is needed on port {list}, which FQDN rules never allow (only 80 and 443)",
                            destination.value
                        ),
                    ));
                }
            }
        }
    }
}
