//! `check`'s probe: for each target, name resolution, a TCP connection, a TLS handshake
//! with SNI (certificate checked against the roots) and one HTTP request, each step with
//! its own timeout, many targets at once. Through an `HTTPS_PROXY` the connection goes to
//! the proxy, which is asked to `CONNECT` (or, for plain HTTP, sent the absolute URL);
//! the DNS and TCP steps are then the proxy's.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::wire::outcome::{Outcome, Status, Timings, status_passes};
use crate::wire::proxy_env::{ProxyAddress, ProxySettings};
use crate::wire::resolver::Resolver;
use crate::wire::target::{Protocol, Target};

/// Largest response head read.
const MAX_HEAD: usize = 64 * 1024;

/// How to probe.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// The limit of each step (DNS, TCP, proxy, TLS, HTTP).
    pub timeout: Duration,
    /// Targets probed at the same time.
    pub concurrency: usize,
    pub resolver: Resolver,
    pub tls: Arc<ClientConfig>,
    pub proxy: ProxySettings,
}

/// Probes every target, `options.concurrency` at a time; results in input order.
pub async fn probe_all(targets: Vec<Target>, options: ProbeOptions) -> Vec<Outcome> {
    let options = Arc::new(options);
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let count = targets.len();
    for (index, target) in targets.into_iter().enumerate() {
        let options = Arc::clone(&options);
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = permits.acquire_owned().await.ok();
            (index, probe(target, &options).await)
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; count];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, outcome)) = joined {
            outcomes[index] = Some(outcome);
        }
    }
    outcomes.into_iter().flatten().collect()
}

/// A step that stopped the probe.
struct Stop {
    status: Status,
    detail: String,
}

fn stop(status: Status, detail: impl Into<String>) -> Stop {
    Stop {
        status,
        detail: detail.into(),
    }
}

/// What the probe has learnt so far.
struct Probe<'a> {
    target: &'a Target,
    options: &'a ProbeOptions,
    timings: Timings,
    address: Option<SocketAddr>,
    http_status: Option<u16>,
}

/// Probes one target.
pub async fn probe(target: Target, options: &ProbeOptions) -> Outcome {
    let started = Instant::now();
    let proxy = options
        .proxy
        .for_target(&target.host, target.protocol)
        .cloned();
    let mut probe = Probe {
        target: &target,
        options,
        timings: Timings::default(),
        address: None,
        http_status: None,
    };
    let result = if target.is_wildcard() {
        Err(stop(
            Status::Skipped,
            "a wildcard names no host to probe; probe a host under it",
        ))
    } else {
        probe.run(proxy.as_ref()).await
    };
    let (status, detail) = match result {
        Ok(detail) => (Status::Ok, detail),
        Err(stopped) => (stopped.status, stopped.detail),
    };
    let mut timings = probe.timings;
    timings.total = started.elapsed();
    let address = probe.address.map(|address| address.to_string());
    let http_status = probe.http_status;
    Outcome {
        target,
        status,
        detail,
        http_status,
        address,
        proxy: proxy.map(|proxy| format!("{}:{}", proxy.host, proxy.port)),
        timings,
    }
}

impl Probe<'_> {
    async fn run(&mut self, proxy: Option<&ProxyAddress>) -> Result<String, Stop> {
        let target = self.target;
        let (connect_host, connect_port) = match proxy {
            Some(proxy) => (proxy.host.as_str(), proxy.port),
            None => (target.host.as_str(), target.port),
        };
        let addresses = self.resolve(connect_host, connect_port).await?;
        let mut stream = self.connect(&addresses).await?;
        if let Some(proxy) = proxy
            && target.protocol != Protocol::Http
        {
            self.tunnel(&mut stream, proxy).await?;
        }
        match target.protocol {
            Protocol::Tcp => Ok("connected (TCP only: not an HTTP service)".to_string()),
            Protocol::Http => {
                let request_target = if proxy.is_some() {
                    target.url()
                } else {
                    target.path.clone()
                };
                self.http(&mut stream, &request_target).await
            }
            Protocol::Https => {
                let mut tls = self.handshake(stream).await?;
                let answer = self.http(&mut tls, &target.path).await?;
                Ok(format!("certificate valid; {answer}"))
            }
        }
    }

    fn step_timeout(&self) -> Duration {
        self.options.timeout
    }

    async fn resolve(&mut self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Stop> {
        let started = Instant::now();
        let looked_up = tokio::time::timeout(
            self.step_timeout(),
            self.options.resolver.lookup(host, port),
        )
        .await;
        self.timings.dns = Some(started.elapsed());
        match looked_up {
            Ok(Ok(addresses)) => Ok(addresses),
            Ok(Err(error)) => Err(stop(
                Status::DnsFailed,
                format!("cannot resolve `{host}`: {error}"),
            )),
            Err(_) => Err(stop(
                Status::DnsFailed,
                format!(
                    "resolving `{host}` took longer than {}",
                    seconds(self.step_timeout())
                ),
            )),
        }
    }

    /// Tries each address in turn within one step timeout.
    async fn connect(&mut self, addresses: &[SocketAddr]) -> Result<TcpStream, Stop> {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + self.step_timeout();
        let mut last: Option<io::Error> = None;
        for address in addresses {
            self.address = Some(*address);
            match tokio::time::timeout_at(deadline, TcpStream::connect(address)).await {
                Ok(Ok(stream)) => {
                    self.timings.tcp = Some(started.elapsed());
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Ok(Err(error)) => last = Some(error),
                Err(_) => {
                    self.timings.tcp = Some(started.elapsed());
                    return Err(stop(
                        Status::TcpTimeout,
                        format!(
                            "no answer from {address} within {}: packets dropped (a firewall?)",
                            seconds(self.step_timeout())
                        ),
                    ));
                }
            }
        }
        self.timings.tcp = Some(started.elapsed());
        let error = last.unwrap_or_else(|| io::Error::other("no address to connect to"));
        let address = self
            .address
            .map_or_else(String::new, |address| address.to_string());
        Err(if error.kind() == io::ErrorKind::ConnectionRefused {
            stop(
                Status::TcpRefused,
                format!("{address} refused the connection (nothing listens there)"),
            )
        } else {
            stop(
                Status::TcpFailed,
                format!("cannot connect to {address}: {error}"),
            )
        })
    }

    /// Asks an HTTP proxy for a tunnel to the target.
    async fn tunnel(&mut self, stream: &mut TcpStream, proxy: &ProxyAddress) -> Result<(), Stop> {
        let target = self.target;
        let authority = authority(&target.host, target.port);
        let request = format!(
            "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {}\r\n\r\n",
            user_agent()
        );
        let answered = tokio::time::timeout(self.step_timeout(), async {
            stream.write_all(request.as_bytes()).await?;
            read_head(stream).await
        })
        .await;
        let proxy = format!("{}:{}", proxy.host, proxy.port);
        match answered {
            Ok(Ok((code, _))) if (200..300).contains(&code) => Ok(()),
            Ok(Ok((_, line))) => Err(stop(
                Status::ProxyFailed,
                format!("the proxy {proxy} refused CONNECT {authority}: {line}"),
            )),
            Ok(Err(error)) => Err(stop(
                Status::ProxyFailed,
                format!("the proxy {proxy} failed CONNECT {authority}: {error}"),
            )),
            Err(_) => Err(stop(
                Status::ProxyFailed,
                format!(
                    "the proxy {proxy} did not answer CONNECT {authority} within {}",
                    seconds(self.step_timeout())
                ),
            )),
        }
    }

    async fn handshake(
        &mut self,
        stream: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Stop> {
        let host = &self.target.host;
        let name = ServerName::try_from(host.clone()).map_err(|error| {
            stop(
                Status::TlsFailed,
                format!("`{host}` cannot be a TLS server name: {error}"),
            )
        })?;
        let connector = TlsConnector::from(Arc::clone(&self.options.tls));
        let started = Instant::now();
        let shaken =
            tokio::time::timeout(self.step_timeout(), connector.connect(name, stream)).await;
        self.timings.tls = Some(started.elapsed());
        match shaken {
            Ok(Ok(tls)) => Ok(tls),
            Ok(Err(error)) => Err(stop(
                Status::TlsFailed,
                format!("TLS handshake with `{host}` failed: {error}"),
            )),
            Err(_) => Err(stop(
                Status::TlsTimeout,
                format!(
                    "connected, but no TLS handshake within {}: something in the path accepts and drops (a firewall or proxy?)",
                    seconds(self.step_timeout())
                ),
            )),
        }
    }

    async fn http<S>(&mut self, stream: &mut S, request_target: &str) -> Result<String, Stop>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let target = self.target;
        let default_port = match target.protocol {
            Protocol::Http => 80,
            _ => 443,
        };
        let host_header = if target.port == default_port {
            authority_host(&target.host)
        } else {
            authority(&target.host, target.port)
        };
        let request = format!(
            "GET {request_target} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            user_agent()
        );
        let started = Instant::now();
        let answered = tokio::time::timeout(self.step_timeout(), async {
            stream.write_all(request.as_bytes()).await?;
            read_head(stream).await
        })
        .await;
        self.timings.http = Some(started.elapsed());
        match answered {
            Ok(Ok((code, line))) => {
                self.http_status = Some(code);
                if status_passes(code) {
                    Ok(format!("GET {} answered {line}", target.path))
                } else {
                    Err(stop(
                        Status::HttpStatus,
                        format!("GET {} answered {line}", target.path),
                    ))
                }
            }
            Ok(Err(error)) => Err(stop(
                Status::HttpFailed,
                format!("GET {}: {error}", target.path),
            )),
            Err(_) => Err(stop(
                Status::HttpTimeout,
                format!(
                    "GET {} got no answer within {}",
                    target.path,
                    seconds(self.step_timeout())
                ),
            )),
        }
    }
}

/// Reads a response head: the status code and the status line.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<(u16, String)> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0_u8; 4096];
    loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the connection closed before an HTTP answer",
            ));
        }
        buffer.extend_from_slice(&chunk[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 100];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buffer) {
            Ok(httparse::Status::Complete(_)) => {
                let code = response.code.unwrap_or_default();
                let reason = response.reason.unwrap_or_default();
                let line = format!(
                    "HTTP/1.{} {code} {}",
                    response.version.unwrap_or(1),
                    crate::report::one_line(reason)
                );
                return Ok((code, line.trim_end().to_string()));
            }
            Ok(httparse::Status::Partial) if buffer.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the answer's head is larger than 64 KiB",
                ));
            }
            Err(error) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("not an HTTP answer: {error}"),
                ));
            }
        }
    }
}

fn authority_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

fn authority(host: &str, port: u16) -> String {
    format!("{}:{port}", authority_host(host))
}

fn user_agent() -> String {
    format!("pkgallow/{} (check)", env!("CARGO_PKG_VERSION"))
}

/// `2s`, `1.5s`, `300ms`.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else if duration.as_secs() == 0 {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::target::parse_entry;

    fn options(resolver: Resolver) -> ProbeOptions {
        ProbeOptions {
            timeout: Duration::from_secs(2),
            concurrency: 4,
            resolver,
            tls: crate::wire::tls::client_config(&[]).unwrap(),
            proxy: ProxySettings::default(),
        }
    }

    #[tokio::test]
    async fn unknown_names_and_closed_ports() {
        // No override and no system resolver: the name fails without a DNS query.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut resolver = Resolver::overrides_only();
        resolver.add("closed.test:127.0.0.1").unwrap();
        let targets = vec![
            parse_entry("nowhere.test", "t").unwrap(),
            parse_entry(&format!("closed.test:{closed}"), "t").unwrap(),
            parse_entry(&format!("tcp://closed.test:{closed}"), "t").unwrap(),
        ];
        let outcomes = probe_all(targets, options(resolver)).await;
        let statuses: Vec<Status> = outcomes.iter().map(|o| o.status).collect();
        assert_eq!(
            statuses,
            [Status::DnsFailed, Status::TcpRefused, Status::TcpRefused]
        );
        assert!(outcomes[0].detail.contains("nowhere.test"));
        assert!(outcomes[0].timings.dns.is_some() && outcomes[0].timings.tcp.is_none());
    }

    /// A listener whose accept queue is full and never accepted: Linux drops the SYNs
    /// that arrive then, which is what a firewall's drop looks like from the client.
    /// The queue is filled until a connection attempt goes unanswered, so the probe
    /// that follows meets dropped SYNs, not a free slot.
    #[tokio::test]
    async fn dropped_syns_are_a_tcp_timeout() {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut queued = Vec::new();
        for _ in 0..8 {
            let attempt = tokio::time::timeout(
                Duration::from_millis(300),
                TcpStream::connect(("127.0.0.1", port)),
            )
            .await;
            match attempt {
                Ok(Ok(stream)) => queued.push(stream),
                _ => break,
            }
        }
        let mut resolver = Resolver::overrides_only();
        resolver.add("full.test:127.0.0.1").unwrap();
        let mut options = options(resolver);
        options.timeout = Duration::from_millis(500);
        let outcome = probe(
            parse_entry(&format!("full.test:{port}"), "t").unwrap(),
            &options,
        )
        .await;
        assert_eq!(outcome.status, Status::TcpTimeout, "{}", outcome.detail);
        assert!(
            outcome.detail.contains("within 500ms"),
            "{}",
            outcome.detail
        );
        assert!(outcome.timings.tcp.unwrap() >= Duration::from_millis(500));
        drop((listener, queued));
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(seconds(Duration::from_secs(2)), "2s");
        assert_eq!(seconds(Duration::from_millis(300)), "300ms");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5s");
    }
}
