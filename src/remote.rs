//! Turning what a dependency file writes (an index URL, a VCS URL, `git@host:path`) into
//! the network address it makes a client contact: scheme, host and port. Deliberately
//! tolerant and tiny: the authority is split by hand so that `${VAR}` placeholders and
//! credentials never make a whole line unusable, and the host is then validated and
//! normalised (lower case, IDNA) by the `url` crate's host parser.

use crate::redact;

/// A network address a source points at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Remote {
    /// The transport: `https`, `http`, `ssh`, `git`, `svn`.
    pub scheme: String,
    /// Lower-case host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// The path, used by knowledge triggers (`/releases/download/`); never shown.
    pub path: String,
    /// The whole URL with credentials removed, safe to show.
    pub display: String,
}

/// Why a string gave no remote address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoRemote {
    /// A local path or `file:` URL: nothing to allow.
    Local,
    /// `${NAME}` left unexpanded in the host or port: the host is unknown.
    UnresolvedVariable(String),
    /// Not a URL we understand.
    Invalid(String),
}

/// Version control systems pip understands as `vcs+scheme://` prefixes.
pub const VCS_PREFIXES: [&str; 4] = ["git", "hg", "svn", "bzr"];

/// Parses a URL (optionally prefixed with `git+`, `hg+`, `svn+`, `bzr+`) or an scp-like
/// `user@host:path` into the address it contacts.
pub fn parse(raw: &str) -> Result<Remote, NoRemote> {
    let raw = raw.trim();
    let Some((scheme_part, rest)) = raw.split_once("://") else {
        if raw.starts_with("file:") {
            return Err(NoRemote::Local);
        }
        // `git+git@github.com:owner/repo.git` and `git@github.com:owner/repo`.
        let bare = strip_vcs_prefix(raw).1;
        if let Some((user_host, _path)) = bare.split_once(':')
            && let Some((_, host)) = user_host.split_once('@')
            && !host.is_empty()
            && !host.contains('/')
        {
            return finish("ssh", host, None, "/", raw);
        }
        return Err(if looks_local(raw) {
            NoRemote::Local
        } else {
            NoRemote::Invalid(format!("`{}` is not a URL", redact::url(raw)))
        });
    };
    let scheme_lower = scheme_part.to_ascii_lowercase();
    let (_, transport) = strip_vcs_prefix(&scheme_lower);
    let transport = transport.to_string();
    if transport == "file" {
        return Err(NoRemote::Local);
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    // Credentials end at the last `@` of the authority.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = split_host_port(host_port);
    if host.contains('$') || port.is_some_and(|p| p.contains('$')) {
        let name = variable_name(host_port).unwrap_or_default();
        return Err(NoRemote::UnresolvedVariable(name));
    }
    finish(&transport, host, port, path, raw)
}

fn finish(
    transport: &str,
    host: &str,
    port: Option<&str>,
    path: &str,
    raw: &str,
) -> Result<Remote, NoRemote> {
    let default_port = match transport {
        "https" => 443,
        "http" => 80,
        "ssh" => 22,
        "git" => 9418,
        "svn" => 3690,
        "ftp" => 21,
        other => {
            return Err(NoRemote::Invalid(format!(
                "unsupported URL scheme `{other}` in `{}`",
                redact::url(raw)
            )));
        }
    };
    let port = match port {
        None | Some("") => default_port,
        Some(text) => text
            .parse::<u16>()
            .map_err(|_| NoRemote::Invalid(format!("invalid port in `{}`", redact::url(raw))))?,
    };
    let host = normalise_host(host)
        .ok_or_else(|| NoRemote::Invalid(format!("invalid host in `{}`", redact::url(raw))))?;
    Ok(Remote {
        scheme: transport.to_string(),
        host,
        port,
        path: path.to_string(),
        display: redact::url(raw),
    })
}

/// Lower-cases and validates a host name or IP literal; `None` when it is not one.
pub fn normalise_host(host: &str) -> Option<String> {
    if host.is_empty() {
        return None;
    }
    let trimmed = host.trim_end_matches('.');
    let parsed = if trimmed.contains(':') {
        url::Host::parse(&format!("[{trimmed}]")).ok()?
    } else {
        url::Host::parse(trimmed).ok()?
    };
    match parsed {
        url::Host::Domain(domain) => {
            let valid = !domain.is_empty()
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                });
            valid.then_some(domain)
        }
        url::Host::Ipv4(ip) => Some(ip.to_string()),
        url::Host::Ipv6(ip) => Some(ip.to_string()),
    }
}

fn split_host_port(host_port: &str) -> (&str, Option<&str>) {
    if let Some(rest) = host_port.strip_prefix('[') {
        // IPv6 literal.
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => (host_port, None),
        };
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    }
}

/// Splits `git+https` into (`Some("git")`, `https`).
pub fn strip_vcs_prefix(scheme: &str) -> (Option<&'static str>, &str) {
    for vcs in VCS_PREFIXES {
        if let Some(rest) = scheme.strip_prefix(vcs)
            && let Some(rest) = rest.strip_prefix('+')
        {
            return (Some(vcs), rest);
        }
    }
    (None, scheme)
}

/// The VCS of a requirement URL (`git+https://…` → `git`), if any.
pub fn vcs_of(raw: &str) -> Option<&'static str> {
    let lower = raw.trim().get(..4).unwrap_or("").to_ascii_lowercase();
    VCS_PREFIXES
        .into_iter()
        .find(|vcs| lower.starts_with(vcs) && raw.trim().as_bytes().get(vcs.len()) == Some(&b'+'))
}

/// True for things pip treats as local: relative or absolute paths and `file:` URLs.
pub fn looks_local(raw: &str) -> bool {
    let raw = raw.trim();
    raw.starts_with('.')
        || raw.starts_with('/')
        || raw.starts_with('~')
        || raw.starts_with("file:")
        || raw.starts_with('\\')
        || raw.as_bytes().get(1) == Some(&b':') // C:\path
        || (!raw.contains("://") && raw.contains('/'))
}

/// True when the string starts with a URL scheme (`https://`, `git+ssh://`, `file:`).
pub fn has_scheme(raw: &str) -> bool {
    let raw = raw.trim();
    if raw.starts_with("file:") {
        return true;
    }
    match raw.split_once("://") {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        }
        None => false,
    }
}

fn variable_name(text: &str) -> Option<String> {
    let start = text.find('$')? + 1;
    let rest = &text[start..];
    if let Some(braced) = rest.strip_prefix('{') {
        let end = braced.find('}')?;
        return Some(braced[..end].to_string());
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(raw: &str) -> String {
        let remote = parse(raw).unwrap();
        format!("{}://{}:{}", remote.scheme, remote.host, remote.port)
    }

    #[test]
    fn schemes_and_ports() {
        assert_eq!(
            address("https://Example.COM/simple"),
            "https://example.com:443"
        );
        assert_eq!(
            address("http://example.com:8080/x"),
            "http://example.com:8080"
        );
        assert_eq!(
            address("git+https://github.com/o/r@v1#egg=r"),
            "https://github.com:443"
        );
        assert_eq!(
            address("git+ssh://git@github.com/o/r"),
            "ssh://github.com:22"
        );
        assert_eq!(address("git@gitlab.com:o/r.git"), "ssh://gitlab.com:22");
        assert_eq!(address("git+git@gitlab.com:o/r.git"), "ssh://gitlab.com:22");
        assert_eq!(address("git://example.org/r"), "git://example.org:9418");
        assert_eq!(
            address("svn+svn://svn.example.org/r"),
            "svn://svn.example.org:3690"
        );
        assert_eq!(address("https://[::1]:8443/simple"), "https://::1:8443");
    }

    #[test]
    fn credentials_never_reach_display() {
        let remote = parse("https://user:s3cret@example.com/simple").unwrap();
        assert_eq!(remote.host, "example.com");
        assert!(!remote.display.contains("s3cret"));
        assert!(!remote.display.contains("user"));
    }

    #[test]
    fn variables_and_locals() {
        assert_eq!(
            parse("https://${INDEX_HOST}/simple"),
            Err(NoRemote::UnresolvedVariable("INDEX_HOST".into()))
        );
        assert_eq!(
            parse("https://${USER}:${TOKEN}@example.com/simple")
                .unwrap()
                .host,
            "example.com"
        );
        assert_eq!(parse("file:///tmp/x.whl"), Err(NoRemote::Local));
        assert_eq!(parse("git+file:///tmp/repo"), Err(NoRemote::Local));
        assert_eq!(parse("./wheels/x.whl"), Err(NoRemote::Local));
        assert!(matches!(
            parse("https://exa mple.com/"),
            Err(NoRemote::Invalid(_))
        ));
        assert!(matches!(
            parse("https://example.com:99999/"),
            Err(NoRemote::Invalid(_))
        ));
    }

    #[test]
    fn vcs_detection() {
        assert_eq!(vcs_of("git+https://x/y"), Some("git"));
        assert_eq!(vcs_of("HG+https://x/y"), Some("hg"));
        assert_eq!(vcs_of("github.com/x"), None);
    }
}
