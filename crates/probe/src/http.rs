//! The HTTP(S) GET probe over a hyper 1 HTTP/1.1 connection.

use std::error::Error as StdError;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::header;
use hyper::rt::{Read, Write};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::tcp::connect;
use crate::{BODY_LIMIT, HttpProbe, ProbeResult, Prober, USER_AGENT, human, millis};

/// What the exchange found out, before the verdict.
struct Exchange {
    status: u16,
    /// Whether the keyword was found and, if not, whether the body was cut at the limit.
    keyword: Option<KeywordSearch>,
    /// Time until the verdict was known: response head, or the body read for the keyword.
    latency: Duration,
}

/// The outcome of searching the body for the keyword.
enum KeywordSearch {
    Found,
    Missing { truncated: bool },
}

/// Aborts the connection task when the check ends, however it ends (a timeout included).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Prober {
    /// Performs the GET once and judges status, keyword and latency; never follows a redirect.
    pub async fn check_http(&self, probe: &HttpProbe) -> ProbeResult {
        let at = self.now_ms();
        let start = Instant::now();
        let outcome = tokio::time::timeout(probe.timeout, self.exchange(probe, start)).await;
        match outcome {
            Err(_) => ProbeResult::down(
                at,
                millis(start.elapsed()),
                format!("timeout after {}", human(probe.timeout)),
            ),
            Ok(Err(detail)) => ProbeResult::down(at, millis(start.elapsed()), detail),
            Ok(Ok(exchange)) => verdict(probe, at, &exchange),
        }
    }

    /// Connects (with TLS for https), sends the GET and reads what the verdict needs.
    async fn exchange(&self, probe: &HttpProbe, start: Instant) -> Result<Exchange, String> {
        let stream = connect(&probe.host, probe.port, probe.allow_internal).await?;
        let request = Request::get(probe.path.as_str())
            .header(header::HOST, probe.host_header.as_str())
            .header(header::USER_AGENT, USER_AGENT)
            .header(header::ACCEPT, "*/*")
            .header(header::CONNECTION, "close")
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("invalid request: {e}"))?;
        if probe.tls {
            let name = ServerName::try_from(probe.host.clone())
                .map_err(|_| format!("invalid TLS server name `{}`", probe.host))?;
            let stream = self
                .tls
                .connect(name, stream)
                .await
                .map_err(|e| format!("tls handshake failed: {}", chain(&e)))?;
            send(TokioIo::new(stream), request, probe, start).await
        } else {
            send(TokioIo::new(stream), request, probe, start).await
        }
    }
}

/// Sends the request over `io` and reads the response head and, when needed, the body.
async fn send<T>(
    io: T,
    request: Request<Empty<Bytes>>,
    probe: &HttpProbe,
    start: Instant,
) -> Result<Exchange, String>
where
    T: Read + Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = http1::handshake(io)
        .await
        .map_err(|e| format!("http error: {}", chain(&e)))?;
    let _conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("http error: {}", chain(&e)))?;
    let status = response.status().as_u16();
    let keyword = match &probe.keyword {
        Some(keyword) if probe.expected.accepts(status) => {
            Some(search_body(response, keyword.as_bytes()).await?)
        }
        _ => None,
    };
    Ok(Exchange {
        status,
        keyword,
        latency: start.elapsed(),
    })
}

/// Reads at most [`BODY_LIMIT`] bytes of the body, stopping as soon as `needle` is seen.
async fn search_body(
    response: Response<hyper::body::Incoming>,
    needle: &[u8],
) -> Result<KeywordSearch, String> {
    let mut body = response.into_body();
    let mut seen: Vec<u8> = Vec::new();
    while seen.len() < BODY_LIMIT {
        let Some(frame) = body.frame().await else {
            return Ok(KeywordSearch::Missing { truncated: false });
        };
        let frame = frame.map_err(|e| format!("body read failed: {}", chain(&e)))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        // Search only the new bytes plus enough of the old to catch a keyword split across chunks.
        let from = seen.len().saturating_sub(needle.len().saturating_sub(1));
        let take = data.len().min(BODY_LIMIT - seen.len());
        seen.extend_from_slice(&data[..take]);
        if seen[from..].windows(needle.len()).any(|w| w == needle) {
            return Ok(KeywordSearch::Found);
        }
    }
    Ok(KeywordSearch::Missing { truncated: true })
}

/// Judges the exchange: status first, then keyword, then latency.
fn verdict(probe: &HttpProbe, at: i64, exchange: &Exchange) -> ProbeResult {
    let latency = millis(exchange.latency);
    if !probe.expected.accepts(exchange.status) {
        return ProbeResult::down(
            at,
            latency,
            format!(
                "status {}, expected {}",
                exchange.status,
                probe.expected.describe()
            ),
        );
    }
    if let (Some(keyword), Some(KeywordSearch::Missing { truncated })) =
        (&probe.keyword, &exchange.keyword)
    {
        let detail = if *truncated {
            format!(
                "keyword `{keyword}` missing in first {} KiB",
                BODY_LIMIT / 1024
            )
        } else {
            format!("keyword `{keyword}` missing")
        };
        return ProbeResult::down(at, latency, detail);
    }
    if let Some(limit) = probe.max_latency
        && exchange.latency > limit
    {
        return ProbeResult::down(
            at,
            latency,
            format!("took {latency} ms, limit {} ms", millis(limit)),
        );
    }
    ProbeResult::up(at, latency)
}

/// An error and its sources on one line, without repeating a source already in the message.
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
