//! The executor of HTTP and TCP probes.

use std::fmt;
use std::sync::Arc;

use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::{Clock, Probe, ProbeConfigError, ProbeResult, SystemClock};

/// The User-Agent every HTTP probe sends.
pub const USER_AGENT: &str = concat!("loket-probe/", env!("CARGO_PKG_VERSION"));

/// The most body bytes an HTTP probe reads when looking for its keyword.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Executes probes: holds the TLS client configuration and the clock for result timestamps.
///
/// Cheap to clone; one is shared by every check a [`Scheduler`](crate::Scheduler) runs.
#[derive(Clone)]
pub struct Prober {
    clock: Arc<dyn Clock>,
    roots: RootCertStore,
    pub(crate) tls: TlsConnector,
}

impl fmt::Debug for Prober {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prober")
            .field("roots", &self.roots.len())
            .finish_non_exhaustive()
    }
}

impl Default for Prober {
    fn default() -> Self {
        Self::new()
    }
}

impl Prober {
    /// A prober trusting the Mozilla roots (webpki-roots) and stamping results with the system clock.
    pub fn new() -> Self {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        Self {
            clock: Arc::new(SystemClock),
            tls: connector(roots.clone()),
            roots,
        }
    }

    /// The same prober stamping results with `clock`.
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The same prober also trusting this DER certificate as a root (a private CA, or a test's).
    pub fn with_root_certificate(mut self, der: &[u8]) -> Result<Self, ProbeConfigError> {
        self.roots
            .add(CertificateDer::from(der.to_vec()))
            .map_err(|e| ProbeConfigError::BadRootCertificate(e.to_string()))?;
        self.tls = connector(self.roots.clone());
        Ok(self)
    }

    /// The injected clock's time, UTC epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Runs an HTTP or TCP probe; `None` for a push probe, which needs no network (see [`Heartbeat`](crate::Heartbeat)).
    pub async fn run(&self, probe: &Probe) -> Option<ProbeResult> {
        match probe {
            Probe::Http(http) => Some(self.check_http(http).await),
            Probe::Tcp(tcp) => Some(self.check_tcp(tcp).await),
            Probe::Push { .. } => None,
        }
    }
}

/// A TLS connector with ring as crypto provider, TLS 1.2 and 1.3, offering only HTTP/1.1.
fn connector(roots: RootCertStore) -> TlsConnector {
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    #[allow(clippy::expect_used)]
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions");
    let mut config = builder.with_root_certificates(roots).with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsConnector::from(Arc::new(config))
}
