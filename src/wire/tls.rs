//! TLS client configuration for `check`: rustls with the ring provider, Mozilla's roots
//! (webpki-roots, compiled in so a bare compute image needs no CA bundle) plus the
//! certificates of `--ca-file` and `SSL_CERT_FILE` (a corporate or test CA). Certificate
//! errors stay rustls's own words (`invalid peer certificate: UnknownIssuer`) so that a
//! TLS-inspecting firewall shows up as what it is.

use std::sync::Arc;

use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};

/// Builds the client configuration; `extra` holds PEM bundles as (display path, bytes).
pub fn client_config(extra: &[(String, Vec<u8>)]) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for (path, pem) in extra {
        let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<_, _>>()
            .map_err(|error| format!("{path}: not a PEM certificate bundle: {error}"))?;
        // A system bundle may hold a certificate webpki cannot use; the others still count.
        let (added, _unusable) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(format!("{path}: no usable PEM certificate found"));
        }
    }
    let provider = Arc::new(crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("cannot set up TLS: {error}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_must_hold_certificates() {
        assert!(client_config(&[]).is_ok());
        let error = client_config(&[("ca.pem".into(), b"hello".to_vec())]).unwrap_err();
        assert!(error.starts_with("ca.pem: "), "{error}");
        let ca = rcgen::generate_simple_self_signed(vec!["ca.test".into()]).unwrap();
        assert!(client_config(&[("ca.pem".into(), ca.cert.pem().into_bytes())]).is_ok());
    }
}
