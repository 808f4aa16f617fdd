//! `record`'s proxy in-process, against clients that misbehave: malformed heads, heads
//! that never end, heads too large, connections closed half-way, and 1,000 tunnels open
//! at once. After each, the proxy still serves, and once the clients are gone no socket
//! of the proxy's and no task is left: the sockets are counted from `/proc/self/fd`
//! (only those on the proxy's or the echo server's port, since other tests run in this
//! process at the same time) and the tasks from the test's own tokio runtime.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pkgallow::wire::proxy::{Proxy, ProxyConfig, Verdict};
use pkgallow::wire::resolver::Resolver;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Barrier;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A server that echoes each connection until the client closes its side.
async fn echo_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = stream.split();
                let _ = tokio::io::copy(&mut reader, &mut writer).await;
                let _ = writer.shutdown().await;
            });
        }
    });
    port
}

fn config(allowed: Option<&str>) -> ProxyConfig {
    let mut resolver = Resolver::overrides_only();
    resolver.add("*.test:127.0.0.1").unwrap();
    let allowlist =
        allowed.map(|hosts| pkgallow::wire::allowlist::load("allow.txt", hosts).unwrap());
    let mut config = ProxyConfig::new(allowlist, resolver);
    config.header_timeout = Duration::from_millis(400);
    config.connect_timeout = Duration::from_secs(2);
    config.max_head = 4096;
    config
}

/// Sends `raw`, then reads until the proxy closes (at most 5 s).
async fn exchange(proxy: SocketAddr, raw: &[u8], close_write: bool) -> String {
    let mut stream = TcpStream::connect(proxy).await.unwrap();
    stream.write_all(raw).await.unwrap();
    if close_write {
        stream.shutdown().await.unwrap();
    }
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the proxy kept the connection open after {raw:?}"
    );
    String::from_utf8_lossy(&answer).to_string()
}

/// Opens a tunnel to `host:port` and checks a round trip through it.
async fn tunnel(proxy: SocketAddr, host: &str, port: u16, message: &str) -> TcpStream {
    try_tunnel(proxy, host, port, message).await.unwrap()
}

/// [`tunnel`], with a failure as a value (within 30 s) instead of a panic.
async fn try_tunnel(
    proxy: SocketAddr,
    host: &str,
    port: u16,
    message: &str,
) -> Result<TcpStream, String> {
    let opened = async {
        let mut stream = TcpStream::connect(proxy).await.map_err(|e| e.to_string())?;
        stream
            .write_all(
                format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n").as_bytes(),
            )
            .await
            .map_err(|e| e.to_string())?;
        let established = b"HTTP/1.1 200 Connection Established\r\n\r\n";
        let mut head = vec![0_u8; established.len()];
        stream
            .read_exact(&mut head)
            .await
            .map_err(|e| e.to_string())?;
        if head != established {
            return Err(format!("answer: {}", String::from_utf8_lossy(&head)));
        }
        stream
            .write_all(message.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut echoed = vec![0_u8; message.len()];
        stream
            .read_exact(&mut echoed)
            .await
            .map_err(|e| e.to_string())?;
        if echoed != message.as_bytes() {
            return Err(format!("echoed {}", String::from_utf8_lossy(&echoed)));
        }
        Ok(stream)
    };
    tokio::time::timeout(Duration::from_secs(30), opened)
        .await
        .map_err(|_| "no tunnel within 30 s".to_string())?
}

/// This process's open TCP sockets (not listeners) with a local or remote port in
/// `ports`.
fn sockets_on(ports: &[u16]) -> usize {
    let inodes: BTreeSet<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().to_string();
            Some(
                link.strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_string(),
            )
        })
        .collect();
    let port_of = |address: &str| {
        address
            .rsplit(':')
            .next()
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
    };
    ["/proc/self/net/tcp", "/proc/self/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| text.lines().skip(1).map(str::to_string).collect::<Vec<_>>())
        .filter(|row| {
            let columns: Vec<&str> = row.split_whitespace().collect();
            columns.len() > 9
                && columns[3] != "0A"
                && inodes.contains(columns[9])
                && [columns[1], columns[2]]
                    .iter()
                    .any(|address| port_of(address).is_some_and(|port| ports.contains(&port)))
        })
        .count()
}

/// Waits up to 10 s for `done`.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn bad_clients_get_an_answer_and_a_close_and_the_proxy_serves_on() {
    runtime().block_on(async {
        let echo = echo_server().await;
        let proxy = Proxy::start(config(Some("*.test\n"))).await.unwrap();
        let address = proxy.address();
        let status = |answer: &str| answer.lines().next().unwrap_or("").to_string();

        let garbage = exchange(address, b"\x16\x03\x01\x00\xa5junk\r\n\r\n", false).await;
        assert!(status(&garbage).starts_with("HTTP/1.1 400"), "{garbage}");
        assert!(garbage.contains("pkgallow"), "{garbage}");
        let relative = exchange(address, b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n", false).await;
        assert!(status(&relative).starts_with("HTTP/1.1 400"), "{relative}");
        let https = exchange(address, b"GET https://a.test/ HTTP/1.1\r\n\r\n", false).await;
        assert!(status(&https).starts_with("HTTP/1.1 501"), "{https}");
        let huge = format!(
            "GET http://a.test/ HTTP/1.1\r\nX-Big: {}",
            "a".repeat(10_000)
        );
        let huge = exchange(address, huge.as_bytes(), false).await;
        assert!(status(&huge).starts_with("HTTP/1.1 431"), "{huge}");

        // A head that never ends is cut off after the header timeout.
        let started = Instant::now();
        let slow = exchange(address, b"CONNECT a.test:1 HTTP/1.1\r\n", false).await;
        assert!(status(&slow).starts_with("HTTP/1.1 408"), "{slow}");
        assert!(started.elapsed() < Duration::from_secs(3));

        // Half-open: the client closes its side before a full head, or before any byte.
        assert_eq!(exchange(address, b"CONNECT a.te", true).await, "");
        assert_eq!(exchange(address, b"", true).await, "");
        // Gone before the head ends.
        drop(TcpStream::connect(address).await.unwrap());

        // Allowed, but nothing listens: 502, recorded as failed.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let refused = exchange(
            address,
            format!("CONNECT gone.test:{closed} HTTP/1.1\r\n\r\n").as_bytes(),
            false,
        )
        .await;
        assert!(status(&refused).starts_with("HTTP/1.1 502"), "{refused}");

        // And a real tunnel still works; a half-close through it reaches the server,
        // whose answer and close come back.
        let mut stream = tunnel(address, "echo.test", echo, "still serving").await;
        stream.write_all(b" and more").await.unwrap();
        stream.shutdown().await.unwrap();
        let mut rest = String::new();
        stream.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, " and more");

        let visits = proxy.stop().await;
        let verdicts: Vec<(&str, &Verdict)> = visits
            .iter()
            .map(|visit| (visit.host.as_str(), &visit.verdict))
            .collect();
        assert_eq!(verdicts.len(), 2, "{visits:?}");
        assert_eq!(verdicts[0].0, "gone.test");
        assert!(matches!(verdicts[0].1, Verdict::Failed(_)));
        assert_eq!(verdicts[1], ("echo.test", &Verdict::Connected));
    });
}

#[test]
fn denied_hosts_get_403_naming_pkgallow_and_the_host() {
    runtime().block_on(async {
        let proxy = Proxy::start(config(Some("*.allowed.test\n")))
            .await
            .unwrap();
        let address = proxy.address();
        for (request, host) in [
            ("CONNECT allowed.test:443 HTTP/1.1\r\n\r\n", "allowed.test"),
            (
                "GET http://evil.test:8080/x HTTP/1.1\r\nHost: evil.test\r\n\r\n",
                "evil.test",
            ),
        ] {
            let answer = exchange(address, request.as_bytes(), false).await;
            assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
            assert!(
                answer.contains("pkgallow") && answer.contains(host),
                "{answer}"
            );
        }
        let visits = proxy.stop().await;
        assert!(visits.iter().all(|visit| visit.verdict == Verdict::Denied));
        assert_eq!(visits[0].port, 443);
        assert!(visits[0].tunnel && !visits[1].tunnel);
    });
}

#[test]
fn a_thousand_concurrent_tunnels_leave_no_socket_or_task_behind() {
    const TUNNELS: usize = 1000;
    let runtime = runtime();
    runtime.block_on(async {
        let echo = echo_server().await;
        // Timeouts far above what a loaded machine needs to serve 1,000 clients at once.
        let mut config = config(None);
        config.header_timeout = Duration::from_secs(30);
        config.connect_timeout = Duration::from_secs(30);
        let proxy = Proxy::start(config).await.unwrap();
        let address = proxy.address();
        let ports = [address.port(), echo];
        let metrics = tokio::runtime::Handle::current().metrics();
        let tasks_before = metrics.num_alive_tasks();
        assert_eq!(sockets_on(&ports), 0);

        // Every client reaches both barriers whatever happens to its tunnel, so a
        // failure is reported instead of leaving the others waiting forever.
        let opened = Arc::new(Barrier::new(TUNNELS + 1));
        let release = Arc::new(Barrier::new(TUNNELS + 1));
        let mut clients = tokio::task::JoinSet::new();
        for index in 0..TUNNELS {
            let opened = Arc::clone(&opened);
            let release = Arc::clone(&release);
            clients.spawn(async move {
                let tunnel =
                    try_tunnel(address, "echo.test", echo, &format!("hello {index}")).await;
                opened.wait().await;
                release.wait().await;
                let mut stream = tunnel?;
                if index % 2 == 0 {
                    // Half of them close politely (half-close, then the echo's close)…
                    stream.shutdown().await.map_err(|e| e.to_string())?;
                    let mut rest = Vec::new();
                    stream
                        .read_to_end(&mut rest)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                // …the others just go.
                Ok::<(), String>(())
            });
        }
        opened.wait().await;
        // Every tunnel is open at once: client, proxy's two ends and the echo's end.
        let open = sockets_on(&ports);
        release.wait().await;
        let mut failures = Vec::new();
        while let Some(joined) = clients.join_next().await {
            if let Err(failure) = joined.unwrap() {
                failures.push(failure);
            }
        }
        assert!(
            failures.is_empty(),
            "{} tunnels failed: {:?}",
            failures.len(),
            &failures[..failures.len().min(5)]
        );
        assert!(open >= 4 * TUNNELS, "only {open} sockets open");
        eventually("every socket of the tunnels is closed", || {
            sockets_on(&ports) == 0
        })
        .await;
        eventually("every task of the tunnels has ended", || {
            metrics.num_alive_tasks() <= tasks_before
        })
        .await;
        let visits = proxy.stop().await;
        assert_eq!(visits.len(), TUNNELS);
        assert!(
            visits
                .iter()
                .all(|visit| visit.verdict == Verdict::Connected)
        );
        assert_eq!(sockets_on(&ports), 0);
    });
}
