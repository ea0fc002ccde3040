//! Name lookup and TCP connect, shared by the TCP and HTTP probes.

use std::io;

use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::{ProbeResult, Prober, TcpProbe, human, is_internal, millis};

/// Looks `host` up and connects to the first address that accepts; the error is a short detail.
///
/// Unless `allow_internal`, a host with any internal address among its answers is refused
/// before a connection is tried: the check is on the addresses connected to, at probe time,
/// so a name that once resolved to the internet and now to this host (DNS rebinding) is
/// refused too.
pub(crate) async fn connect(
    host: &str,
    port: u16,
    allow_internal: bool,
) -> Result<TcpStream, String> {
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| format!("dns lookup failed for `{host}`"))?
        .collect();
    if !allow_internal && let Some(internal) = addrs.iter().find(|a| is_internal(a.ip())) {
        return Err(format!(
            "refused: `{host}` resolves to the internal address {}; internal targets are not allowed for this monitor",
            internal.ip()
        ));
    }
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Requests are one small write; don't let Nagle hold it back.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        None => format!("dns lookup found no address for `{host}`"),
        Some(e) => describe_connect_error(&e),
    })
}

/// A short detail for a failed connect.
fn describe_connect_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connect refused".to_owned(),
        io::ErrorKind::TimedOut => "connect timed out".to_owned(),
        io::ErrorKind::HostUnreachable => "host unreachable".to_owned(),
        io::ErrorKind::NetworkUnreachable => "network unreachable".to_owned(),
        io::ErrorKind::ConnectionReset => "connection reset".to_owned(),
        _ => format!("connect failed: {e}"),
    }
}

impl Prober {
    /// Connects to the target and closes again; up when the connect succeeds in time.
    pub async fn check_tcp(&self, probe: &TcpProbe) -> ProbeResult {
        let at = self.now_ms();
        let start = Instant::now();
        let outcome = tokio::time::timeout(
            probe.timeout,
            connect(&probe.host, probe.port, probe.allow_internal),
        )
        .await;
        let latency = millis(start.elapsed());
        match outcome {
            Ok(Ok(_stream)) => ProbeResult::up(at, latency),
            Ok(Err(detail)) => ProbeResult::down(at, latency, detail),
            Err(_) => ProbeResult::down(
                at,
                latency,
                format!("timeout after {}", human(probe.timeout)),
            ),
        }
    }
}
