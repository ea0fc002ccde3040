use std::sync::Arc;

use probe::{HttpProbe, Prober};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::support::closed_port;

/// A local HTTPS server with a fresh self-signed certificate for `localhost`; returns its port
/// and the certificate (DER) to trust.
async fn https_server() -> (u16, Vec<u8>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = "secure and operational";
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, cert.to_vec())
}

#[tokio::test]
async fn https_to_a_closed_port_is_refused() {
    let port = closed_port().await;
    let probe = HttpProbe::new(&format!("https://127.0.0.1:{port}/"))
        .unwrap()
        .allow_internal(true);
    let result = Prober::new().check_http(&probe).await;
    assert!(!result.ok);
    assert_eq!(result.detail, "connect refused");
}

#[tokio::test]
async fn https_with_a_trusted_root_is_up() {
    let (port, cert) = https_server().await;
    let probe = HttpProbe::new(&format!("https://localhost:{port}/"))
        .unwrap()
        .allow_internal(true)
        .keyword("operational");
    let prober = Prober::new().with_root_certificate(&cert).unwrap();
    let result = prober.check_http(&probe).await;
    assert!(result.ok, "{result:?}");
}

#[tokio::test]
async fn https_with_an_untrusted_certificate_fails_the_handshake() {
    let (port, _) = https_server().await;
    let probe = HttpProbe::new(&format!("https://localhost:{port}/"))
        .unwrap()
        .allow_internal(true);
    let result = Prober::new().check_http(&probe).await;
    assert!(!result.ok);
    assert!(
        result.detail.starts_with("tls handshake failed: ")
            && result.detail.contains("UnknownIssuer"),
        "{result:?}"
    );
}

#[tokio::test]
async fn https_with_the_wrong_name_fails_the_handshake() {
    let (port, cert) = https_server().await;
    let probe = HttpProbe::new(&format!("https://127.0.0.1:{port}/"))
        .unwrap()
        .allow_internal(true);
    let prober = Prober::new().with_root_certificate(&cert).unwrap();
    let result = prober.check_http(&probe).await;
    assert!(!result.ok);
    assert!(
        result.detail.starts_with("tls handshake failed: "),
        "{result:?}"
    );
}

#[test]
fn garbage_root_certificate_is_rejected() {
    assert!(
        Prober::new()
            .with_root_certificate(b"not a certificate")
            .is_err()
    );
}
