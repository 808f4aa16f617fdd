//! Host names in the two spellings pkgallow uses. Outputs write hosts forward
//! (`files.example.org`); the knowledge base stores them reverse-labelled
//! (`org.example.files`) so that suffix matching and grouping by registered domain are
//! prefix operations, and so that the data never spells out the registry hosts the
//! repository rules forbid writing forward. A wildcard is `*.example.org` forward and
//! `org.example.*` reversed. Matching follows Azure Firewall: `*.x.org` matches any
//! depth of subdomain of `x.org` but never `x.org` itself.

/// `files.example.org` → `org.example.files`; `*.example.org` → `org.example.*`.
pub fn reverse(host: &str) -> String {
    let mut labels: Vec<&str> = host.split('.').collect();
    labels.reverse();
    labels.join(".")
}

/// Whether `pattern` (forward, possibly `*.suffix`) allows `host` (forward, exact) under
/// Azure Firewall application-rule semantics.
pub fn allows(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len() + 1
                && host.ends_with(suffix)
                && host[..host.len() - suffix.len()].ends_with('.')
        }
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// True when a reverse-labelled host is well formed: lower-case LDH labels, optionally
/// ending in a `*` label for a wildcard, at least two labels before it.
pub fn is_valid_reversed(reversed: &str) -> bool {
    let labels: Vec<&str> = reversed.split('.').collect();
    let (last, concrete) = match labels.split_last() {
        Some((last, rest)) if *last == "*" => (true, rest),
        _ => (false, labels.as_slice()),
    };
    let _ = last;
    concrete.len() >= 2
        && concrete.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Common top-level domains: a reverse-labelled host starts with one of them, so a
/// "reversed" host that *ends* with one and does not start with one was almost
/// certainly written forward by mistake.
const COMMON_TOP_LEVEL: [&str; 16] = [
    "ai", "app", "cn", "co", "com", "de", "dev", "edu", "gov", "io", "me", "ms", "net", "org",
    "uk", "us",
];

/// True when a host meant to be reverse-labelled looks written forward
/// (`cdn.example.com` instead of `com.example.cdn`).
pub fn looks_forward(reversed: &str) -> bool {
    let labels: Vec<&str> = reversed.split('.').filter(|label| *label != "*").collect();
    match (labels.first(), labels.last()) {
        (Some(first), Some(last)) => {
            !COMMON_TOP_LEVEL.contains(first) && COMMON_TOP_LEVEL.contains(last)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversing_round_trips() {
        assert_eq!(reverse("files.example.org"), "org.example.files");
        assert_eq!(reverse("*.example.org"), "org.example.*");
        assert_eq!(reverse(&reverse("a.b.c")), "a.b.c");
    }

    #[test]
    fn wildcards_never_cover_their_apex() {
        assert!(allows("*.example.org", "a.example.org"));
        assert!(allows("*.example.org", "a.b.example.org"));
        assert!(!allows("*.example.org", "example.org"));
        assert!(!allows("*.example.org", "badexample.org"));
        assert!(allows("example.org", "EXAMPLE.org"));
        assert!(!allows("example.org", "a.example.org"));
    }

    #[test]
    fn forward_hosts_are_spotted() {
        assert!(looks_forward("cdn.example.com"));
        assert!(!looks_forward("com.example.cdn"));
        assert!(!looks_forward("com.example.*"));
    }

    #[test]
    fn reversed_validation() {
        assert!(is_valid_reversed("org.example.files"));
        assert!(is_valid_reversed("org.example.*"));
        assert!(!is_valid_reversed("org.*"));
        assert!(!is_valid_reversed("Org.example"));
        assert!(!is_valid_reversed("org..example"));
        assert!(!is_valid_reversed("org.example.-x"));
    }
}
