//! Test servers on 127.0.0.1, run on a background tokio runtime that lives as long as
//! the `Net` value: HTTPS (any status by path), a silent server, a static plain-HTTP
//! file server, and a test CA that issues server certificates.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// A background runtime for the servers of one test.
pub(crate) struct Net {
    pub runtime: tokio::runtime::Runtime,
}

impl Net {
    pub(crate) fn new() -> Self {
        Self {
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    /// An HTTPS server with this configuration; `/status/NNN` answers NNN, anything
    /// else 200.
    pub(crate) fn https(&self, config: Arc<ServerConfig>) -> u16 {
        let listener = Self::listener();
        let port = listener.local_addr().unwrap().port();
        let acceptor = TlsAcceptor::from(config);
        self.runtime.spawn(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(mut tls)) =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
                    {
                        answer(&mut tls, |path| {
                            let code = path
                                .strip_prefix("/status/")
                                .and_then(|code| code.parse().ok())
                                .unwrap_or(200);
                            (code, "text/plain", b"ok\n".to_vec())
                        })
                        .await;
                    }
                });
            }
        });
        port
    }

    /// Accepts connections and never sends a byte: what a path that drops packets after
    /// the TCP handshake looks like.
    pub(crate) fn silent(&self) -> u16 {
        let listener = Self::listener();
        let port = listener.local_addr().unwrap().port();
        self.runtime.spawn(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut sink = [0_u8; 1024];
                    while matches!(stream.read(&mut sink).await, Ok(read) if read > 0) {}
                });
            }
        });
        port
    }

    /// A listener whose accept queue is full and never drained: Linux drops every SYN
    /// that arrives, as a firewall drops packets, so connecting times out. The queue is
    /// filled until a connection attempt goes unanswered.
    pub(crate) fn dropping(&self) -> u16 {
        self.runtime.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let listener = socket.listen(0).unwrap();
            let port = listener.local_addr().unwrap().port();
            let mut queued = Vec::new();
            for _ in 0..8 {
                let attempt = tokio::time::timeout(
                    Duration::from_millis(300),
                    tokio::net::TcpStream::connect(("127.0.0.1", port)),
                )
                .await;
                match attempt {
                    Ok(Ok(stream)) => queued.push(stream),
                    _ => break,
                }
            }
            // Kept open as long as the runtime lives.
            tokio::spawn(async move {
                let _kept = (listener, queued);
                std::future::pending::<()>().await;
            });
            port
        })
    }

    /// A plain-HTTP server of the files under `root` (`/dir/` serves `dir/index.html`).
    pub(crate) fn files(&self, root: PathBuf) -> u16 {
        let listener = Self::listener();
        let port = listener.local_addr().unwrap().port();
        self.runtime.spawn(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            while let Ok((mut stream, _)) = listener.accept().await {
                let root = root.clone();
                tokio::spawn(async move {
                    answer(&mut stream, |path| {
                        let path = path.split('?').next().unwrap_or("/");
                        let mut file = root.join(path.trim_start_matches('/'));
                        if path.ends_with('/') {
                            file = file.join("index.html");
                        }
                        let html = file.extension().is_some_and(|e| e == "html");
                        match std::fs::read(&file) {
                            Ok(bytes) if !path.contains("..") => (
                                200,
                                if html {
                                    "text/html"
                                } else {
                                    "application/octet-stream"
                                },
                                bytes,
                            ),
                            _ => (404, "text/plain", b"not found\n".to_vec()),
                        }
                    })
                    .await;
                });
            }
        });
        port
    }

    fn listener() -> std::net::TcpListener {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        listener
    }
}

/// Reads one request head and answers it with what `route` says for its path.
async fn answer<S>(stream: &mut S, route: impl Fn(&str) -> (u16, &'static str, Vec<u8>))
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut head = Vec::new();
    let mut chunk = [0_u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
            Ok(Ok(read)) if read > 0 && head.len() < 65_536 => {
                head.extend_from_slice(&chunk[..read]);
            }
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split(' ').nth(1).unwrap_or("/").to_string();
    let (code, content_type, body) = route(&path);
    let response = format!(
        "HTTP/1.1 {code} Test\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

/// A port nothing listens on (bound, then closed): connecting is refused.
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A certificate authority made for the test.
pub(crate) struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub(crate) fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "pkgallow test CA");
        Self {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    pub(crate) fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server configuration with a certificate for `names` signed by this CA.
    pub(crate) fn server(&self, names: &[&str]) -> Arc<ServerConfig> {
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(names.iter().map(|n| (*n).to_string()).collect::<Vec<_>>())
                .unwrap();
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        server_config(certificate.der().clone(), &key)
    }
}

/// A server configuration with a self-signed certificate no client trusts.
pub(crate) fn untrusted(names: &[&str]) -> Arc<ServerConfig> {
    let certified = rcgen::generate_simple_self_signed(
        names.iter().map(|n| (*n).to_string()).collect::<Vec<_>>(),
    )
    .unwrap();
    server_config(certified.cert.der().clone(), &certified.signing_key)
}

fn server_config(
    certificate: tokio_rustls::rustls::pki_types::CertificateDer<'static>,
    key: &KeyPair,
) -> Arc<ServerConfig> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Arc::new(
        ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certificate], key)
            .unwrap(),
    )
}
