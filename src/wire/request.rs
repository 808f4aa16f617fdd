//! The head of a request to the `record` proxy, parsed with `httparse`: `CONNECT
//! host:port` opens a tunnel (HTTPS and anything else; nothing inside is read), and an
//! absolute-form request (`GET http://host:port/path HTTP/1.1`) is forwarded as plain
//! HTTP. A forwarded head is rewritten to origin form without the hop-by-hop proxy
//! headers and with `Connection: close`, so one client connection carries one request to
//! one host and a later request on it can never reach the wrong server. Pure.

use crate::wire::resolver::normalise;
use crate::wire::target::split_host_port;

/// Most headers a request head may have.
const MAX_HEADERS: usize = 100;

/// What the client asked the proxy for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyRequest {
    /// Open a tunnel to `host:port`.
    Connect { host: String, port: u16 },
    /// Forward a plain-HTTP request: `head` is the rewritten head to send upstream.
    Forward {
        host: String,
        port: u16,
        head: Vec<u8>,
    },
}

impl ProxyRequest {
    pub fn host(&self) -> &str {
        match self {
            ProxyRequest::Connect { host, .. } | ProxyRequest::Forward { host, .. } => host,
        }
    }

    pub fn port(&self) -> u16 {
        match self {
            ProxyRequest::Connect { port, .. } | ProxyRequest::Forward { port, .. } => *port,
        }
    }
}

/// Why a head was refused; each maps to the status the proxy answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// Not HTTP, or not a request a forward proxy serves (400).
    Malformed(String),
    /// Too many headers (431).
    TooManyHeaders,
    /// A scheme other than `http://` in absolute form (501: no TLS interception).
    UnsupportedScheme(String),
}

impl RequestError {
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            RequestError::Malformed(_) => (400, "Bad Request"),
            RequestError::TooManyHeaders => (431, "Request Header Fields Too Large"),
            RequestError::UnsupportedScheme(_) => (501, "Not Implemented"),
        }
    }

    pub fn message(&self) -> String {
        match self {
            RequestError::Malformed(message) => message.clone(),
            RequestError::TooManyHeaders => format!("more than {MAX_HEADERS} headers"),
            RequestError::UnsupportedScheme(scheme) => format!(
                "`{scheme}://` cannot be forwarded; HTTPS goes through CONNECT (no TLS interception)"
            ),
        }
    }
}

/// Parses a request head from the start of `buffer`: `Ok(None)` while incomplete,
/// otherwise the request and how many bytes the head took.
pub fn parse(buffer: &[u8]) -> Result<Option<(ProxyRequest, usize)>, RequestError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let length = match request.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(RequestError::TooManyHeaders),
        Err(error) => {
            return Err(RequestError::Malformed(format!(
                "not an HTTP request: {error}"
            )));
        }
    };
    let method = request.method.unwrap_or_default();
    let target = request.path.unwrap_or_default();
    if method.eq_ignore_ascii_case("CONNECT") {
        let (host, port) = split_host_port(target).map_err(RequestError::Malformed)?;
        let port =
            port.ok_or_else(|| RequestError::Malformed(format!("CONNECT `{target}` has no port")))?;
        return Ok(Some((
            ProxyRequest::Connect {
                host: checked_host(host)?,
                port,
            },
            length,
        )));
    }
    let Some((scheme, rest)) = target.split_once("://") else {
        return Err(RequestError::Malformed(format!(
            "`{method} {target}` is not a proxy request (absolute URL or CONNECT expected)"
        )));
    };
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(RequestError::UnsupportedScheme(scheme.to_ascii_lowercase()));
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(index) => (&rest[..index], &rest[index..]),
        None => (rest, "/"),
    };
    // Credentials in the URL are dropped here and never recorded.
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = split_host_port(authority).map_err(RequestError::Malformed)?;
    let host = checked_host(host)?;
    let port = port.unwrap_or(80);
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    let mut head = format!(
        "{method} {path} HTTP/1.{}\r\n",
        request.version.unwrap_or(1)
    )
    .into_bytes();
    let mut has_host = false;
    for header in request.headers.iter() {
        let name = header.name.to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "proxy-connection" | "proxy-authorization" | "connection" | "keep-alive"
        ) {
            continue;
        }
        has_host |= name == "host";
        head.extend_from_slice(header.name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(header.value);
        head.extend_from_slice(b"\r\n");
    }
    if !has_host {
        head.extend_from_slice(format!("Host: {authority}\r\n").as_bytes());
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    Ok(Some((ProxyRequest::Forward { host, port, head }, length)))
}

/// A host name or address as the proxy records and matches it.
fn checked_host(host: &str) -> Result<String, RequestError> {
    let host = normalise(host);
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    if valid {
        Ok(host)
    } else {
        Err(RequestError::Malformed(format!(
            "`{}` is not a host name",
            crate::report::one_line(&host)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> ProxyRequest {
        parse(text.as_bytes()).unwrap().unwrap().0
    }

    #[test]
    fn connect_names_host_and_port() {
        let request = "CONNECT Files.Example.com.:443 HTTP/1.1\r\nHost: x\r\n\r\nrest";
        let (parsed, length) = parse(request.as_bytes()).unwrap().unwrap();
        assert_eq!(
            parsed,
            ProxyRequest::Connect {
                host: "files.example.com".into(),
                port: 443
            }
        );
        assert_eq!(&request[length..], "rest");
        assert_eq!(parsed_connect("[::1]:8443"), ("::1".to_string(), 8443));
    }

    fn parsed_connect(authority: &str) -> (String, u16) {
        let request = parsed(&format!("CONNECT {authority} HTTP/1.1\r\n\r\n"));
        (request.host().to_string(), request.port())
    }

    #[test]
    fn absolute_form_is_rewritten_to_origin_form() {
        let request = parsed(
            "GET http://user:pw@pkgs.test:8080/simple/?a=1 HTTP/1.1\r\nHost: pkgs.test:8080\r\n\
             Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic eA==\r\nAccept: */*\r\n\r\n",
        );
        let ProxyRequest::Forward { host, port, head } = request else {
            panic!("not forwarded");
        };
        assert_eq!((host.as_str(), port), ("pkgs.test", 8080));
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "GET /simple/?a=1 HTTP/1.1\r\nHost: pkgs.test:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
        let ProxyRequest::Forward { head, port, .. } =
            parsed("HEAD http://pkgs.test HTTP/1.0\r\n\r\n")
        else {
            panic!("not forwarded");
        };
        assert_eq!(port, 80);
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "HEAD / HTTP/1.0\r\nHost: pkgs.test\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn incomplete_and_bad_heads() {
        assert_eq!(parse(b"CONNECT a.test:443 HTTP/1.1\r\n"), Ok(None));
        assert_eq!(parse(b""), Ok(None));
        let status = |text: &str| parse(text.as_bytes()).unwrap_err().status().0;
        assert_eq!(status("\x16\x03\x01\x02\x00garbage\r\n\r\n"), 400);
        assert_eq!(status("GET /relative HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
        assert_eq!(status("CONNECT a.test HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("CONNECT a.test:99999 HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("CONNECT bad\u{7f}host:1 HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("GET https://a.test/ HTTP/1.1\r\n\r\n"), 501);
        let many = format!(
            "GET http://a.test/ HTTP/1.1\r\n{}\r\n",
            "X: y\r\n".repeat(200)
        );
        assert_eq!(status(&many), 431);
    }
}
