use std::net::IpAddr;

use super::{Rule, RuleMeta, host_destinations};
use crate::audit::{Candidate, Context, RuleKind, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags a destination of an FQDN rule, a firewall rule or a hosts list that is not a
    /// host name: a URL (`https://x.org/simple`), a path (`x.org/simple`), a port
    /// (`x.org:443`), spaces, an IP address, an empty or invalid label (`a..b`, `-a.org`,
    /// `a_b!.org`), a single label (`localhost`) or a wildcard that is not the whole
    /// first label (`a.*.org`, `pkg*.org`), or any wildcard in a firewall network rule
    /// (network rules take exact FQDNs only).
    ///
    /// ## Why is this bad?
    /// Azure takes an FQDN rule's destination as a host name: a URL or a path is
    /// rejected or matches nothing, and an install that needs the host still fails. A
    /// port is set by the rule (FQDN rules allow 80 and 443), never in the destination.
    /// IP addresses belong in firewall network rules or NSGs.
    ///
    /// ## Example
    /// ```yaml
    /// - name: python-index
    ///   type: fqdn
    ///   destination: https://download.pytorch.org/whl/cpu   # A001
    /// ```
    /// Use `destination: download.pytorch.org`.
    ///
    /// Source: <https://learn.microsoft.com/azure/machine-learning/how-to-managed-network#configure-an-allow-only-approved-outbound-managed-virtual-network>.
    InvalidDestination {
        code: "A001",
        name: "invalid-destination",
        severity: Error,
        summary: "a destination that is not a host name (URL, path, port, spaces, IP address, invalid label)",
        help: "write the host name only, e.g. `download.pytorch.org`; only `*.` may start a wildcard",
    }
}

impl Rule for InvalidDestination {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], _context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            for (rule, destination) in host_destinations(set) {
                if let Some((problem, help)) = problem(&destination.value, rule.kind) {
                    let mut candidate = Candidate::new(
                        set,
                        destination.at,
                        format!("`{}` {problem}", destination.value),
                    );
                    if let Some(help) = help {
                        candidate = candidate.with_help(help);
                    }
                    out.push(candidate);
                }
            }
        }
    }
}

/// What is wrong with a destination, and a specific help line when there is one.
pub(crate) fn problem(value: &str, kind: RuleKind) -> Option<(String, Option<String>)> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Some(("is empty".into(), None));
    }
    if trimmed.contains("://") {
        let host = url::Url::parse(trimmed)
            .ok()
            .and_then(|url| url.host_str().map(str::to_string));
        let help = host.map(|host| format!("write the host only: `{host}`"));
        return Some(("is a URL, not a host name".into(), help));
    }
    if trimmed.contains(char::is_whitespace) || trimmed != value {
        return Some(("contains spaces".into(), None));
    }
    let address = trimmed.split('/').next().unwrap_or(trimmed);
    if address.parse::<IpAddr>().is_ok()
        || trimmed.trim_matches(['[', ']']).parse::<IpAddr>().is_ok()
    {
        let help = if kind == RuleKind::FirewallNetwork {
            "put addresses in the rule's destinationAddresses"
        } else {
            "FQDN rules take host names; allow addresses with a firewall network rule or an NSG"
        };
        return Some((
            "is an IP address, not a host name".into(),
            Some(help.into()),
        ));
    }
    if let Some((host, _)) = trimmed.split_once('/') {
        return Some((
            "has a path; rules match host names only".into(),
            Some(format!("write the host only: `{host}`")),
        ));
    }
    if let Some((host, port)) = trimmed.rsplit_once(':') {
        return Some((
            format!("has a port (`{port}`); the rule sets ports, the destination is a host name"),
            Some(format!("write the host only: `{host}`")),
        ));
    }
    if trimmed == "*" && kind == RuleKind::FirewallApplication {
        // Every host: valid in an application rule, and A003's to flag.
        return None;
    }
    if kind == RuleKind::FirewallNetwork && trimmed.starts_with("*.") {
        return Some((
            "is a wildcard, which network rules do not take".into(),
            Some(
                "allow wildcard hosts with an application rule (HTTP/HTTPS), or list the hosts"
                    .into(),
            ),
        ));
    }
    let labels: Vec<&str> = trimmed.trim_end_matches('.').split('.').collect();
    if labels.len() < 2 {
        return Some((
            "is a single label, not a fully qualified domain name".into(),
            None,
        ));
    }
    if trimmed.len() > 253 {
        return Some(("is longer than 253 characters".into(), None));
    }
    for (index, label) in labels.iter().enumerate() {
        if *label == "*" && index == 0 {
            continue;
        }
        if label.contains('*') {
            return Some((
                "has a wildcard that is not the whole first label".into(),
                Some("only `*.suffix` wildcards exist (any depth of subdomain of suffix)".into()),
            ));
        }
        if label.is_empty() {
            return Some(("has an empty label".into(), None));
        }
        if label.len() > 63 {
            return Some((
                format!("has a label longer than 63 characters (`{label}`)"),
                None,
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some((
                format!("has a label that starts or ends with `-` (`{label}`)"),
                None,
            ));
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Some((
                format!("has the character `{bad}`, which no host name has"),
                None,
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_pass_and_others_fail() {
        for good in [
            "github.com",
            "*.vsblob.vsassets.io",
            "A.Example.org",
            "a_b.example.org",
        ] {
            assert_eq!(problem(good, RuleKind::Fqdn), None, "{good}");
        }
        for bad in [
            "https://x.org/simple",
            "x.org/simple",
            "x.org:443",
            "x .org",
            "10.0.0.1",
            "10.0.0.0/8",
            "localhost",
            "a..org",
            "-a.org",
            "a.*.org",
            "pkg*.org",
            "a!.org",
            "*",
            "",
        ] {
            assert!(problem(bad, RuleKind::Fqdn).is_some(), "{bad}");
        }
    }
}
