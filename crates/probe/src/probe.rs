//! What a monitor checks: the probe configurations.

use std::time::Duration;

use hyper::Uri;

/// The timeout a probe gets unless told otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One kind of availability check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// An HTTP(S) GET.
    Http(HttpProbe),
    /// A TCP connect.
    Tcp(TcpProbe),
    /// A heartbeat the monitored system pushes to us; late by more than the grace means down.
    Push {
        /// Seconds of lateness tolerated after the interval before the monitor counts as down.
        grace_s: u64,
    },
}

impl Probe {
    /// The probe's own timeout, if it makes a network call.
    pub fn timeout(&self) -> Option<Duration> {
        match self {
            Probe::Http(h) => Some(h.timeout),
            Probe::Tcp(t) => Some(t.timeout),
            Probe::Push { .. } => None,
        }
    }
}

/// Which HTTP status codes count as up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpectedStatus {
    /// Any status from 200 to 399 (a redirect counts as up; it is not followed).
    #[default]
    SuccessOrRedirect,
    /// Exactly this status.
    Exact(u16),
}

impl ExpectedStatus {
    /// Whether `status` counts as up.
    pub fn accepts(self, status: u16) -> bool {
        match self {
            ExpectedStatus::SuccessOrRedirect => (200..=399).contains(&status),
            ExpectedStatus::Exact(code) => status == code,
        }
    }

    /// The expectation as shown in a failure detail: `200–399` or `204`.
    pub fn describe(self) -> String {
        match self {
            ExpectedStatus::SuccessOrRedirect => "200–399".to_owned(),
            ExpectedStatus::Exact(code) => code.to_string(),
        }
    }
}

/// A probe configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeConfigError {
    /// The URL does not parse.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The URL's scheme is neither `http` nor `https`.
    #[error("unsupported scheme in `{0}`: only http and https")]
    UnsupportedScheme(String),
    /// The URL or TCP target names no host.
    #[error("no host in `{0}`")]
    MissingHost(String),
    /// The URL carries a user name or password, which probes do not send.
    #[error("credentials in URL `{0}` are not supported")]
    Credentials(String),
    /// A certificate given as a trusted root was rejected.
    #[error("bad root certificate: {0}")]
    BadRootCertificate(String),
}

/// An HTTP(S) GET probe: the URL, what counts as up, and how long it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpProbe {
    pub(crate) url: String,
    pub(crate) tls: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) path: String,
    pub(crate) host_header: String,
    pub(crate) expected: ExpectedStatus,
    pub(crate) keyword: Option<String>,
    pub(crate) max_latency: Option<Duration>,
    pub(crate) timeout: Duration,
    pub(crate) allow_internal: bool,
}

impl HttpProbe {
    /// A GET of `url` (http or https) expecting 200–399 within 10 s.
    pub fn new(url: &str) -> Result<Self, ProbeConfigError> {
        let uri: Uri = url.parse().map_err(|e: hyper::http::uri::InvalidUri| {
            ProbeConfigError::InvalidUrl {
                url: url.to_owned(),
                reason: e.to_string(),
            }
        })?;
        let tls = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(ProbeConfigError::UnsupportedScheme(url.to_owned())),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| ProbeConfigError::MissingHost(url.to_owned()))?;
        if authority.as_str().contains('@') {
            return Err(ProbeConfigError::Credentials(url.to_owned()));
        }
        let bracketed = authority.host();
        if bracketed.is_empty() {
            return Err(ProbeConfigError::MissingHost(url.to_owned()));
        }
        let host = bracketed
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(bracketed)
            .to_owned();
        let default_port = if tls { 443 } else { 80 };
        let port = authority.port_u16().unwrap_or(default_port);
        let host_header = if port == default_port {
            bracketed.to_owned()
        } else {
            format!("{bracketed}:{port}")
        };
        let path = uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let path = if path.is_empty() {
            "/".to_owned()
        } else {
            path
        };
        Ok(Self {
            url: url.to_owned(),
            tls,
            host,
            port,
            path,
            host_header,
            expected: ExpectedStatus::default(),
            keyword: None,
            max_latency: None,
            timeout: DEFAULT_TIMEOUT,
            allow_internal: false,
        })
    }

    /// Lets the probe connect to internal addresses ([`is_internal`](crate::is_internal)):
    /// loopback, private and link-local networks. Without it, a host that resolves to one
    /// fails the check before anything is sent.
    pub fn allow_internal(mut self, allow: bool) -> Self {
        self.allow_internal = allow;
        self
    }

    /// Whether the probe may connect to internal addresses.
    pub fn internal_allowed(&self) -> bool {
        self.allow_internal
    }

    /// Sets which status codes count as up.
    pub fn expect_status(mut self, expected: ExpectedStatus) -> Self {
        self.expected = expected;
        self
    }

    /// Requires `keyword` (case-sensitive) in the first [`BODY_LIMIT`](crate::BODY_LIMIT) bytes of the body; empty means none.
    pub fn keyword(mut self, keyword: impl Into<String>) -> Self {
        let keyword = keyword.into();
        self.keyword = (!keyword.is_empty()).then_some(keyword);
        self
    }

    /// Counts a response slower than `limit` as down.
    pub fn max_latency(mut self, limit: Duration) -> Self {
        self.max_latency = Some(limit);
        self
    }

    /// Sets the time the whole check may take (lookup, connect, TLS, response, body).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends this Host header instead of the URL's host (the TLS server name stays the URL's).
    pub fn host_header(mut self, host: impl Into<String>) -> Self {
        self.host_header = host.into();
        self
    }

    /// The host connected to (an IPv6 literal without its brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The URL as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The Host header sent.
    pub fn host_header_value(&self) -> &str {
        &self.host_header
    }

    /// Which status codes count as up.
    pub fn expected_status(&self) -> ExpectedStatus {
        self.expected
    }

    /// The keyword the body must contain, if any.
    pub fn required_keyword(&self) -> Option<&str> {
        self.keyword.as_deref()
    }

    /// The latency above which the check fails, if any.
    pub fn latency_limit(&self) -> Option<Duration> {
        self.max_latency
    }

    /// The time the whole check may take.
    pub fn timeout_value(&self) -> Duration {
        self.timeout
    }
}

/// A TCP connect probe to `host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpProbe {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) timeout: Duration,
    pub(crate) allow_internal: bool,
}

impl TcpProbe {
    /// A connect to `host:port` within 10 s; an IPv6 host may be bracketed.
    pub fn new(host: &str, port: u16) -> Result<Self, ProbeConfigError> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .trim();
        if host.is_empty() {
            return Err(ProbeConfigError::MissingHost(format!("{host}:{port}")));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            timeout: DEFAULT_TIMEOUT,
            allow_internal: false,
        })
    }

    /// Lets the probe connect to internal addresses, as [`HttpProbe::allow_internal`].
    pub fn allow_internal(mut self, allow: bool) -> Self {
        self.allow_internal = allow;
        self
    }

    /// Whether the probe may connect to internal addresses.
    pub fn internal_allowed(&self) -> bool {
        self.allow_internal
    }

    /// Sets the time the lookup and connect may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The host connected to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port connected to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The time the lookup and connect may take.
    pub fn timeout_value(&self) -> Duration {
        self.timeout
    }
}
