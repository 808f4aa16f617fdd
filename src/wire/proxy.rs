//! `record`'s forward proxy on 127.0.0.1: `CONNECT` tunnels (nothing inside is read: no
//! TLS interception) and plain-HTTP forwarding of absolute-form requests, recording every
//! host and port asked for and whether the connection was made. With an allowlist, a
//! host it does not allow gets `403` naming pkgallow and the host, and no connection.
//!
//! Bad clients cannot hold it up or make it leak: a request head must arrive within
//! `header_timeout` and fit in `max_head` bytes, malformed heads get a 4xx and a close,
//! and every connection is a task in one `JoinSet` that [`Proxy::stop`] aborts and
//! waits for, so no socket outlives the proxy. Host names go through the same
//! [`Resolver`] as `check`, so `--resolve pkgs.test:127.0.0.1` lets a test give a real
//! name to a loopback server (installers send `localhost` around their proxy).

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use crate::wire::allowlist::Allowlist;
use crate::wire::request::{self, ProxyRequest};
use crate::wire::resolver::Resolver;

/// How the proxy behaves.
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// `Some`: only hosts it allows pass (`record --enforce`).
    pub allowlist: Option<Allowlist>,
    pub resolver: Resolver,
    /// Limit for resolving and connecting to the upstream host.
    pub connect_timeout: Duration,
    /// Limit for a client to send its whole request head.
    pub header_timeout: Duration,
    /// Largest request head accepted.
    pub max_head: usize,
}

impl ProxyConfig {
    pub fn new(allowlist: Option<Allowlist>, resolver: Resolver) -> Self {
        Self {
            allowlist,
            resolver,
            connect_timeout: Duration::from_secs(15),
            header_timeout: Duration::from_secs(15),
            max_head: 32 * 1024,
        }
    }
}

/// What happened to one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Connected upstream (the tunnel opened, or the request was forwarded).
    Connected,
    /// Allowed, but the upstream connection failed (the reason).
    Failed(String),
    /// Refused by the allowlist.
    Denied,
}

/// One request the proxy served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub host: String,
    pub port: u16,
    /// `CONNECT` (HTTPS or other TLS) rather than forwarded plain HTTP.
    pub tunnel: bool,
    pub verdict: Verdict,
}

struct Shared {
    config: ProxyConfig,
    visits: Mutex<Vec<Visit>>,
}

impl Shared {
    fn record(&self, request: &ProxyRequest, verdict: Verdict) {
        self.visits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Visit {
                host: request.host().to_string(),
                port: request.port(),
                tunnel: matches!(request, ProxyRequest::Connect { .. }),
                verdict,
            });
    }
}

/// A running proxy.
pub struct Proxy {
    address: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Listens on 127.0.0.1 at a port the system picks.
    pub async fn start(config: ProxyConfig) -> io::Result<Proxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            visits: Mutex::new(Vec::new()),
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        Ok(Proxy {
            address,
            shared,
            stop: Some(stop),
            task,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Requests served so far, in the order they were decided.
    pub fn visits(&self) -> Vec<Visit> {
        self.shared
            .visits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops listening, closes every open connection and returns what was recorded.
    pub async fn stop(mut self) -> Vec<Visit> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
        self.visits()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(handle(stream, Arc::clone(&shared)));
                }
                // Out of file descriptors or a connection reset before accept: wait a
                // moment rather than spin, and go on serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// Why a request head could not be read.
enum HeadError {
    Closed,
    TooLarge,
    Bad(request::RequestError),
}

async fn read_head(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    max_head: usize,
) -> Result<(ProxyRequest, usize), HeadError> {
    let mut chunk = [0_u8; 4096];
    loop {
        match request::parse(buffer) {
            Ok(Some(parsed)) => return Ok(parsed),
            Ok(None) if buffer.len() >= max_head => return Err(HeadError::TooLarge),
            Ok(None) => {}
            Err(error) => return Err(HeadError::Bad(error)),
        }
        let read = stream
            .read(&mut chunk)
            .await
            .map_err(|_| HeadError::Closed)?;
        if read == 0 {
            return Err(HeadError::Closed);
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

async fn handle(mut client: TcpStream, shared: Arc<Shared>) {
    let config = &shared.config;
    let mut buffer = Vec::with_capacity(1024);
    let head = tokio::time::timeout(
        config.header_timeout,
        read_head(&mut client, &mut buffer, config.max_head),
    )
    .await;
    let (request, consumed) = match head {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(HeadError::Closed)) => return,
        Ok(Err(HeadError::TooLarge)) => {
            let body = format!(
                "pkgallow: request head larger than {} bytes\n",
                config.max_head
            );
            return respond(&mut client, 431, "Request Header Fields Too Large", &body).await;
        }
        Ok(Err(HeadError::Bad(error))) => {
            let (code, reason) = error.status();
            let body = format!("pkgallow: {}\n", error.message());
            return respond(&mut client, code, reason, &body).await;
        }
        Err(_) => {
            let body = "pkgallow: the request head did not arrive in time\n";
            return respond(&mut client, 408, "Request Timeout", body).await;
        }
    };
    let host = request.host().to_string();
    let port = request.port();
    if let Some(allowlist) = &config.allowlist
        && allowlist.allowing(&host).is_none()
    {
        shared.record(&request, Verdict::Denied);
        let body = format!(
            "pkgallow record --enforce: {host}:{port} is denied: no rule in {} allows `{host}`\n",
            allowlist.source
        );
        return respond(&mut client, 403, "Forbidden", &body).await;
    }
    let upstream = tokio::time::timeout(config.connect_timeout, async {
        let addresses = config.resolver.lookup(&host, port).await?;
        TcpStream::connect(addresses.as_slice()).await
    })
    .await;
    let mut upstream = match upstream {
        Ok(Ok(upstream)) => upstream,
        Ok(Err(error)) => {
            let reason = error.to_string();
            shared.record(&request, Verdict::Failed(reason.clone()));
            let body = format!("pkgallow: cannot connect to {host}:{port}: {reason}\n");
            return respond(&mut client, 502, "Bad Gateway", &body).await;
        }
        Err(_) => {
            let reason = format!(
                "no connection within {}s",
                config.connect_timeout.as_secs_f64()
            );
            shared.record(&request, Verdict::Failed(reason.clone()));
            let body = format!("pkgallow: cannot connect to {host}:{port}: {reason}\n");
            return respond(&mut client, 504, "Gateway Timeout", &body).await;
        }
    };
    shared.record(&request, Verdict::Connected);
    let _ = upstream.set_nodelay(true);
    let _ = client.set_nodelay(true);
    let started = match &request {
        ProxyRequest::Connect { .. } => {
            client
                .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                .await
        }
        ProxyRequest::Forward { head, .. } => upstream.write_all(head).await,
    };
    if started.is_err() {
        return;
    }
    // Bytes the client sent after its head (a TLS hello, a request body) go on.
    if buffer.len() > consumed && upstream.write_all(&buffer[consumed..]).await.is_err() {
        return;
    }
    drop(buffer);
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// Writes a short plain-text answer and closes; a client that does not read gets cut
/// off after a few seconds.
async fn respond(client: &mut TcpStream, code: u16, reason: &str, body: &str) {
    let answer = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        client.write_all(answer.as_bytes()).await?;
        client.shutdown().await
    })
    .await;
}
