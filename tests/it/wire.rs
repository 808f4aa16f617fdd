//! `check` and `record` on the wire, against real servers this test starts on
//! 127.0.0.1: TLS servers with certificates from a test CA (rcgen), black holes (a
//! listener whose full accept queue drops SYNs, and a server that accepts and never
//! answers), a plain-HTTP PEP 503
//! index that real `pip download` and `curl` runs reach through `record`'s proxy, and
//! the proxy itself in-process for the robustness checks. Names such as `ok.test` map
//! to 127.0.0.1 with `--resolve`, so SNI and certificate names are the real ones and no
//! traffic leaves the loopback range (no DNS query is sent either).

mod check;
mod proxy;
mod record;
mod servers;
