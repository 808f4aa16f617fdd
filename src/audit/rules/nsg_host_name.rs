use std::net::IpAddr;

use super::{Rule, RuleMeta};
use crate::audit::{Candidate, Context, RuleKind, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags an NSG security rule whose `destinationAddressPrefix(es)` holds a host
    /// name or a wildcard host (`*.example.org`, `download.pytorch.org`).
    ///
    /// ## Why is this bad?
    /// NSGs filter by IP address, CIDR range, service tag (`Storage.westeurope`,
    /// `AzureMachineLearning`) and application security group, never by host name:
    /// the deployment fails, or a rule meant to allow one host is written as something
    /// else. Host names need Azure Firewall (application rules, or network rules with
    /// DNS proxy).
    ///
    /// ## Example
    /// ```json
    /// {"name": "allow-pytorch", "properties": {"direction": "Outbound",
    ///  "destinationAddressPrefix": "*.pytorch.org", ...}}          // A009
    /// ```
    ///
    /// Source: <https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules>.
    NsgHostName {
        code: "A009",
        name: "nsg-host-name",
        severity: Error,
        summary: "an NSG rule with a host name or wildcard in its destination address prefix",
        help: "NSGs take IP addresses, CIDR ranges, service tags and application security groups; allow host names in Azure Firewall",
    }
}

impl Rule for NsgHostName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], _context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            for rule in set.rules.iter().filter(|rule| rule.kind == RuleKind::Nsg) {
                for destination in &rule.destinations {
                    if is_host_name(&destination.value) {
                        out.push(Candidate::new(
                            set,
                            destination.at,
                            format!(
                                "`{}` is a host name; NSG rules cannot match host names",
                                destination.value
                            ),
                        ));
                    }
                }
            }
        }
    }
}

/// Whether an address prefix is a host name rather than `*`, an address, a CIDR range
/// or a service tag. Service tags start with a capital letter and have at most one dot
/// (`Storage.westeurope`); host names are written in lower case.
fn is_host_name(prefix: &str) -> bool {
    let prefix = prefix.trim();
    if prefix == "*" || prefix.is_empty() {
        return false;
    }
    let address = prefix.split('/').next().unwrap_or(prefix);
    if address.parse::<IpAddr>().is_ok() {
        return false;
    }
    if prefix.contains('*') {
        return true;
    }
    let tag_like =
        prefix.starts_with(|c: char| c.is_ascii_uppercase()) && prefix.matches('.').count() <= 1;
    prefix.contains('.') && !tag_like
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_names_and_the_rest() {
        for host in [
            "*.example.org",
            "download.pytorch.org",
            "x.blob.core.windows.net",
        ] {
            assert!(super::is_host_name(host), "{host}");
        }
        for other in [
            "*",
            "10.0.0.0/8",
            "10.0.0.1",
            "Storage.westeurope",
            "AzureMachineLearning",
            "Internet",
            "fd00::/8",
        ] {
            assert!(!super::is_host_name(other), "{other}");
        }
    }
}
