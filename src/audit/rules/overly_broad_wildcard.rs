use super::{Rule, RuleMeta, host_destinations};
use crate::audit::{Candidate, Context, RuleSet};
use crate::host;

declare_rule! {
    /// ## What it does
    /// Flags a wildcard over a public suffix (`*.com`, `*.co.uk`) or over a
    /// shared-hosting domain where every customer gets a subdomain
    /// (`*.blob.core.windows.net`, `*.github.io`, `*.s3.amazonaws.com`, `*.azurecr.io`;
    /// the list is `knowledge/shared-hosting.toml`), or over a parent of one
    /// (`*.windows.net` covers every storage account); and `*` alone in a firewall
    /// application rule.
    ///
    /// ## Why is this bad?
    /// Such a wildcard allows every tenant's content: anyone can publish a package, a
    /// model or a script there, and data can be sent to any storage account. It defeats
    /// the point of an approved-only network.
    ///
    /// ## Example
    /// ```yaml
    /// - name: storage
    ///   type: fqdn
    ///   destination: '*.blob.core.windows.net'   # A003
    /// ```
    /// Allow the one account you need (with a private-endpoint rule for Azure Storage).
    ///
    /// Public suffixes: <https://publicsuffix.org/list/public_suffix_list.dat> (the
    /// multi-label ones below are a reviewed selection; every single-label suffix is a
    /// top-level domain).
    OverlyBroadWildcard {
        code: "A003",
        name: "overly-broad-wildcard",
        severity: Warning,
        summary: "a wildcard over a public suffix or a shared-hosting domain (`*.com`, `*.blob.core.windows.net`)",
        help: "allow the exact hosts (or the one account, registry or site) you need",
    }
}

/// Multi-label public suffixes people write wildcards over, reverse-labelled, from
/// <https://publicsuffix.org/list/public_suffix_list.dat> (ICANN section).
const PUBLIC_SUFFIXES: [&str; 40] = [
    "ar.com", "au.com", "au.edu", "au.gov", "au.net", "au.org", "br.com", "br.net", "br.org",
    "cn.com", "cn.edu", "cn.gov", "cn.net", "cn.org", "hk.com", "id.co", "il.co", "in.co",
    "in.net", "in.org", "jp.ac", "jp.co", "jp.ne", "jp.or", "ke.co", "kr.co", "mx.com", "my.com",
    "nz.co", "nz.org", "sg.com", "th.co", "tr.com", "tw.com", "ua.com", "uk.ac", "uk.co", "uk.gov",
    "uk.org", "za.co",
];

impl Rule for OverlyBroadWildcard {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, sets: &[&RuleSet], context: &Context<'_>, out: &mut Vec<Candidate>) {
        for set in sets {
            for (rule, destination) in host_destinations(set) {
                let value = destination.value.trim().to_ascii_lowercase();
                if value == "*" && rule.kind == crate::audit::RuleKind::FirewallApplication {
                    out.push(Candidate::new(
                        set,
                        destination.at,
                        "`*` allows every host name".to_string(),
                    ));
                    continue;
                }
                let Some(suffix) = value.strip_prefix("*.") else {
                    continue;
                };
                if suffix.is_empty() || suffix.contains('*') {
                    continue;
                }
                if let Some(reason) = broad(suffix, context) {
                    out.push(Candidate::new(
                        set,
                        destination.at,
                        format!("`{}` {reason}", destination.value),
                    ));
                }
            }
        }
    }
}

/// Why a wildcard over `suffix` is too broad, if it is.
fn broad(suffix: &str, context: &Context<'_>) -> Option<String> {
    if !suffix.contains('.') {
        return Some(format!("covers the whole top-level domain `.{suffix}`"));
    }
    let reversed = host::reverse(suffix);
    let under = |listed: &str| listed == reversed || listed.starts_with(&format!("{reversed}."));
    if PUBLIC_SUFFIXES.iter().any(|listed| under(listed)) {
        return Some(format!(
            "covers a public suffix, where anyone can register a domain (`{suffix}`)"
        ));
    }
    context
        .knowledge
        .shared_suffixes()
        .iter()
        .find(|shared| under(&shared.suffix))
        .map(|shared| {
            format!(
                "covers the shared-hosting domain `{}` ({}): every tenant's content is allowed",
                host::reverse(&shared.suffix),
                shared.purpose
            )
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn public_suffixes_are_sorted_reverse_labels() {
        let mut sorted = super::PUBLIC_SUFFIXES.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, super::PUBLIC_SUFFIXES);
        assert!(
            super::PUBLIC_SUFFIXES
                .iter()
                .all(|suffix| crate::host::is_valid_reversed(suffix))
        );
    }
}
