use std::collections::BTreeSet;

use super::{Rule, RuleMeta, host_destinations};
use crate::audit::{Candidate, Context, RuleSet, covers};
use crate::host;

declare_rule! {
    /// ## What it does
    /// Flags a wildcard `*.example.org` when `example.org` itself is needed (by the
    /// scan, with `--against`) or is a host the knowledge base knows as a service, and
    /// no rule allows it.
    ///
    /// ## Why is this bad?
    /// In Azure Firewall (which enforces managed-network FQDN rules) `*.example.org`
    /// matches any depth of subdomain and never `example.org` itself. `*.github.com`
    /// does not allow `git clone https://github.com/…`.
    ///
    /// ## Example
    /// ```yaml
    /// - name: github
    ///   type: fqdn
    ///   destination: '*.github.com'   # A002: github.com is not covered
    /// ```
    /// Add a rule for `github.com` (and keep the wildcard only if subdomains are needed).
    ///
    /// Source: <https://learn.microsoft.com/azure/firewall/rule-processing> and
    /// <https://learn.microsoft.com/azure/firewall/fqdn-filtering-network-rules>.
    WildcardMissesApex {
        code: "A002",
        name: "wildcard-misses-apex",
        severity: Warning,
        summary: "a wildcard `*.x.org` where `x.org` itself is needed or known, and no rule allows it",
        help: "a wildcard never matches its apex: add a rule for the apex itself",
    }
}

impl Rule for WildcardMissesApex {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], context: &Context<'_>, out: &mut Vec<Candidate>) {
        let allowed: BTreeSet<String> = sets.iter().flat_map(|set| set.allowed_hosts()).collect();
        let needed: BTreeSet<&str> = context
            .needed
            .map(|needed| needed.endpoints.iter().map(|e| e.host.as_str()).collect())
            .unwrap_or_default();
        for set in sets {
            for (_, destination) in host_destinations(set) {
                let value = destination.value.trim().to_ascii_lowercase();
                let Some(apex) = value.strip_prefix("*.") else {
                    continue;
                };
                if apex.contains('*') || allowed.iter().any(|pattern| covers(pattern, apex)) {
                    continue;
                }
                let why = if needed.contains(apex) {
                    Some("which the project needs".to_string())
                } else {
                    context
                        .knowledge
                        .lookup(apex)
                        .filter(|entry| entry.host == host::reverse(apex))
                        .map(|entry| format!("which serves {}", entry.purpose))
                };
                if let Some(why) = why {
                    out.push(
                        Candidate::new(
                            set,
                            destination.at,
                            format!("`{}` does not cover `{apex}`, {why}", destination.value),
                        )
                        .with_help(format!(
                            "a wildcard never matches its apex: add a rule for `{apex}`"
                        )),
                    );
                }
            }
        }
    }
}
