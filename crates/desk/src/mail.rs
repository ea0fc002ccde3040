//! Outgoing mail: SMTP settings, a sender, and the outbox worker that delivers queued mail.
//!
//! Why `lettre` rather than a hand-written SMTP client: it already gets the parts that are
//! easy to get subtly wrong (dot-stuffing, RFC 5322 headers with `Date` and `Message-ID`,
//! RFC 2047 encoding of non-ASCII subjects and names, quoted-printable bodies, SMTP reply
//! parsing, STARTTLS and AUTH), and with `default-features = false` and the features
//! `builder, smtp-transport, tokio1, tokio1-rustls, ring, webpki-roots` it brings rustls on
//! ring as its only TLS stack (checked with `cargo tree -i openssl-sys` and
//! `cargo tree -i aws-lc-rs`: neither is in the tree). Connections are not pooled: the outbox
//! sends a few mails at a time, and a fresh connection per mail makes failures independent.
//!
//! Delivery is at least once: a mail is claimed under a lease (which counts as an attempt),
//! sent, then marked sent. If the process dies between the server's "250" and the mark, the
//! mail is sent again after the lease; its `Message-ID` is derived from the outbox row, so the
//! copies are recognisably one message.

use std::fmt;
use std::future::Future;
use std::time::{Duration, UNIX_EPOCH};

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use store::{Millis, OutboxMail, Store, StoreError};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// No TLS (`smtp://`): only for a relay on localhost or a test server.
    Plain,
    /// STARTTLS, required (`smtp+starttls://`, port 587 by default).
    StartTls,
    /// TLS from the first byte (`smtps://`, port 465 by default).
    Tls,
}

/// A password that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where and how to send mail: `LOKET_SMTP_URL` and `LOKET_SMTP_FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// Server host name or address.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Plain, STARTTLS or TLS.
    pub security: SmtpSecurity,
    /// User name and password, if the server wants them.
    pub credentials: Option<(String, Secret)>,
    /// The sender, e.g. `Servicedesk <servicedesk@example.nl>`.
    pub from: String,
    /// The name to greet the server with (EHLO); by default the sender's domain.
    pub hello_name: Option<String>,
    /// How long one SMTP command may take.
    pub timeout: Duration,
}

/// Why mail settings or a message are not usable.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL is not understood.
    #[error(
        "SMTP URL `{0}`: expected smtp://, smtp+starttls:// or smtps://[user:password@]host[:port]"
    )]
    Url(String),
    /// The sender address is not an address.
    #[error("sender address `{0}`: {1}")]
    From(String, String),
    /// A required setting is missing.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// The transport could not be built (e.g. TLS parameters).
    #[error("SMTP transport: {0}")]
    Transport(String),
}

impl SmtpSettings {
    /// Settings from an SMTP URL and a sender address. The URL is
    /// `smtp://host[:port]` (plain, port 25), `smtp+starttls://host[:port]` (587) or
    /// `smtps://host[:port]` (465), each optionally with `user:password@` (percent-encoded).
    pub fn parse(url: &str, from: &str) -> Result<SmtpSettings, MailError> {
        let bad = || MailError::Url(redact_url(url));
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let (security, default_port) = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => (SmtpSecurity::Plain, 25),
            "smtp+starttls" => (SmtpSecurity::StartTls, 587),
            "smtps" => (SmtpSecurity::Tls, 465),
            _ => return Err(bad()),
        };
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let credentials = match userinfo {
            Some(u) => {
                let (user, pass) = u.split_once(':').ok_or_else(bad)?;
                Some((
                    percent_decode(user).ok_or_else(bad)?,
                    Secret::new(percent_decode(pass).ok_or_else(bad)?),
                ))
            }
            None => None,
        };
        let (host, port) = host_port(hostport, default_port).ok_or_else(bad)?;
        if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
            return Err(bad());
        }
        from.parse::<Mailbox>()
            .map_err(|e| MailError::From(from.to_string(), e.to_string()))?;
        Ok(SmtpSettings {
            host,
            port,
            security,
            credentials,
            from: from.to_string(),
            hello_name: None,
            timeout: Duration::from_secs(30),
        })
    }

    /// Settings from `LOKET_SMTP_URL` and `LOKET_SMTP_FROM`; `None` when the URL is unset
    /// (no mail is sent, the outbox keeps it).
    pub fn from_env() -> Result<Option<SmtpSettings>, MailError> {
        let Some(url) = std::env::var("LOKET_SMTP_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        else {
            return Ok(None);
        };
        let from =
            std::env::var("LOKET_SMTP_FROM").map_err(|_| MailError::Missing("LOKET_SMTP_FROM"))?;
        SmtpSettings::parse(url.trim(), from.trim()).map(Some)
    }
}

/// `url` without its password, for error messages.
/// `host[:port]` or `[v6][:port]` of a URL's authority, with `default_port` when none is given.
pub(crate) fn host_port(hostport: &str, default_port: u16) -> Option<(String, u16)> {
    if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        Some((h.to_string(), port))
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => Some((h.to_string(), p.parse().ok()?)),
            None => Some((hostport.to_string(), default_port)),
        }
    }
}

pub(crate) fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.rsplit_once('@')
    {
        let user = userinfo.split(':').next().unwrap_or_default();
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Why one delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// The server refused for good (5xx) or the mail cannot be sent as it is (a bad address):
    /// trying again will not help.
    pub permanent: bool,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Something that delivers one outbox mail.
pub trait MailSender: Send + Sync {
    /// Delivers `mail`, dated `now`.
    fn send(
        &self,
        mail: &OutboxMail,
        now: Millis,
    ) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// Delivers mail to an SMTP server.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// A sender for `settings`. Connects only when sending.
    pub fn new(settings: &SmtpSettings) -> Result<SmtpSender, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                MailError::From(settings.from.clone(), e.to_string())
            })?;
        let domain = from.email.domain().to_string();
        let transport_err = |e: lettre::transport::smtp::Error| MailError::Transport(e.to_string());
        let builder = match settings.security {
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(transport_err)?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
                .map_err(transport_err)?,
        };
        let hello = settings
            .hello_name
            .clone()
            .unwrap_or_else(|| domain.clone());
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(settings.timeout))
            .hello_name(ClientId::Domain(hello));
        if let Some((user, pass)) = &settings.credentials {
            builder =
                builder.credentials(Credentials::new(user.clone(), pass.expose().to_string()));
        }
        Ok(SmtpSender {
            transport: builder.build(),
            from,
            domain,
        })
    }

    /// The message for an outbox mail: plain text, or plain text and HTML as
    /// multipart/alternative (with its attachment, if any, as a further part), dated `now`,
    /// with a `Message-ID` that stays the same for every attempt of that mail, its extra
    /// headers, and the envelope sender `bounce+<outbox id>@<sender domain>` (VERP), so a
    /// bounce names the mail it is about.
    pub fn message(&self, mail: &OutboxMail, now: Millis) -> Result<Message, SendError> {
        let permanent = |message: String| SendError {
            permanent: true,
            message,
        };
        let to: Mailbox = mail
            .to_address
            .parse()
            .map_err(|e| permanent(format!("recipient `{}`: {e}", mail.to_address)))?;
        let date = UNIX_EPOCH + Duration::from_millis(u64::try_from(now).unwrap_or(0));
        // VERP: bounces come back to `bounce+<outbox id>@<sender domain>`, which names the mail.
        let bounce: lettre::Address = format!("bounce+{}@{}", mail.id, self.domain)
            .parse()
            .map_err(|e| permanent(format!("return path: {e}")))?;
        let envelope = lettre::address::Envelope::new(Some(bounce), vec![to.email.clone()])
            .map_err(|e| permanent(format!("envelope: {e}")))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .date(date)
            .envelope(envelope)
            .message_id(Some(mail.message_id.clone().unwrap_or_else(|| {
                format!("<outbox.{}.{}@{}>", mail.id, mail.created_at, self.domain)
            })));
        for (name, value) in extra_headers(mail).map_err(permanent)? {
            builder = builder.raw_header(HeaderValue::new(name, value));
        }
        let body = match &mail.body_html {
            Some(html) => MultiPart::alternative_plain_html(mail.body_text.clone(), html.clone()),
            None => MultiPart::mixed().singlepart(SinglePart::plain(mail.body_text.clone())),
        };
        match (mail.attachment(), &mail.body_html) {
            (None, None) => builder
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body_text.clone()),
            (None, Some(_)) => builder.multipart(body),
            (Some(a), _) => {
                let kind = ContentType::parse(&a.content_type)
                    .map_err(|e| permanent(format!("attachment type `{}`: {e}", a.content_type)))?;
                let body = match &mail.body_html {
                    Some(_) => MultiPart::mixed().multipart(body),
                    None => body,
                };
                builder.multipart(body.singlepart(Attachment::new(a.name).body(a.body, kind)))
            }
        }
        .map_err(|e| permanent(format!("message: {e}")))
    }
}

impl MailSender for SmtpSender {
    async fn send(&self, mail: &OutboxMail, now: Millis) -> Result<(), SendError> {
        let message = self.message(mail, now)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(SendError {
                permanent: e.is_permanent(),
                message: error_chain(&e),
            }),
        }
    }
}

/// The extra headers of an outbox mail (a JSON object of name → value), checked: a name
/// must be a header name and not one the sender sets itself, a value one line.
fn extra_headers(mail: &OutboxMail) -> Result<Vec<(HeaderName, String)>, String> {
    let Some(raw) = &mail.headers else {
        return Ok(Vec::new());
    };
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(raw).map_err(|e| format!("headers: {e}"))?;
    let own = [
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "content-type",
        "mime-version",
        "content-transfer-encoding",
    ];
    let mut out = Vec::with_capacity(map.len());
    for (name, value) in map {
        let value = value
            .as_str()
            .ok_or_else(|| format!("header `{name}`: not text"))?
            .to_string();
        if own.contains(&name.to_ascii_lowercase().as_str()) || value.contains(['\r', '\n']) {
            return Err(format!("header `{name}` may not be set this way"));
        }
        let header = HeaderName::new_from_ascii(name.clone())
            .map_err(|e| format!("header `{name}`: {e}"))?;
        out.push((header, value));
    }
    Ok(out)
}

/// An error with its sources, one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// How often and how soon the outbox tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all; after the last failed one the mail is given up for good.
    pub max_attempts: i64,
    /// Wait after the first failure; it doubles after each further one.
    pub first_retry: Duration,
    /// The longest wait.
    pub max_retry: Duration,
    /// How long a claimed mail is held before another worker may take it.
    pub lease: Duration,
    /// Mails claimed at once.
    pub batch: u32,
}

impl Default for RetryPolicy {
    /// 8 attempts over about two hours: waits of 1, 2, 4, … 64 minutes (never more than 6 hours).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            first_retry: Duration::from_secs(60),
            max_retry: Duration::from_secs(6 * 3600),
            lease: Duration::from_secs(120),
            batch: 20,
        }
    }
}

impl RetryPolicy {
    /// When to try again after attempt number `attempts` failed at `now`; `None` when that
    /// was the last attempt.
    pub fn retry_at(&self, attempts: i64, now: Millis) -> Option<Millis> {
        if attempts >= self.max_attempts {
            return None;
        }
        let first = i64::try_from(self.first_retry.as_millis()).unwrap_or(i64::MAX);
        let max = i64::try_from(self.max_retry.as_millis()).unwrap_or(i64::MAX);
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 40)).unwrap_or(40);
        let wait = first.saturating_mul(1_i64 << doublings).min(max);
        Some(now.saturating_add(wait))
    }
}

/// What one outbox run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    /// Mails claimed.
    pub claimed: usize,
    /// Delivered.
    pub sent: usize,
    /// Failed, to be tried again.
    pub retried: usize,
    /// Failed for good (permanent error or last attempt).
    pub given_up: usize,
    /// Settled by no one because the lease ran out meanwhile (another worker has them).
    pub lease_lost: usize,
}

/// One run of the outbox with the default [`RetryPolicy`]: see [`run_outbox_with`].
pub async fn run_outbox_once<S: MailSender>(
    store: &Store,
    sender: &S,
    owner: &str,
    now: Millis,
) -> Result<OutboxStats, StoreError> {
    run_outbox_with(store, sender, owner, now, &RetryPolicy::default()).await
}

/// One run of the outbox: claims the due mails for `owner` (one batch), sends each, and marks
/// it sent, retried later (with exponential backoff) or given up (a permanent refusal, or its
/// last attempt). Several workers may run at once, in one process or several.
pub async fn run_outbox_with<S: MailSender>(
    store: &Store,
    sender: &S,
    owner: &str,
    now: Millis,
    policy: &RetryPolicy,
) -> Result<OutboxStats, StoreError> {
    let lease = i64::try_from(policy.lease.as_millis()).unwrap_or(i64::MAX);
    let mails = store.claim_mail(owner, now, lease, policy.batch).await?;
    let mut stats = OutboxStats {
        claimed: mails.len(),
        ..OutboxStats::default()
    };
    for mail in &mails {
        let settled = match sender.send(mail, now).await {
            Ok(()) => {
                stats.sent += 1;
                store.mail_sent(mail.id, owner, now).await?
            }
            Err(e) => {
                let retry = if e.permanent {
                    None
                } else {
                    policy.retry_at(mail.attempts, now)
                };
                if retry.is_some() {
                    stats.retried += 1;
                    tracing::info!(mail = %mail.id, attempts = mail.attempts, error = %e, "mail not delivered; will retry");
                } else {
                    stats.given_up += 1;
                    tracing::warn!(mail = %mail.id, attempts = mail.attempts, error = %e, "mail not delivered; given up");
                }
                store
                    .mail_failed(mail.id, owner, now, &e.message, retry)
                    .await?
            }
        };
        if !settled {
            stats.lease_lost += 1;
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::MailId;

    #[test]
    fn smtp_urls() {
        let s = SmtpSettings::parse("smtp://127.0.0.1:2525", "loket <desk@example.nl>").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.security, s.credentials.is_none()),
            ("127.0.0.1", 2525, SmtpSecurity::Plain, true)
        );
        let s = SmtpSettings::parse(
            "smtp+starttls://mailer%40example.nl:p%40ss:w@mail.example.nl",
            "desk@example.nl",
        )
        .unwrap();
        assert_eq!((s.port, s.security), (587, SmtpSecurity::StartTls));
        let (user, pass) = s.credentials.clone().unwrap();
        assert_eq!(
            (user.as_str(), pass.expose()),
            ("mailer@example.nl", "p@ss:w")
        );
        assert!(
            !format!("{s:?}").contains("p@ss"),
            "the password never shows"
        );
        let s = SmtpSettings::parse("smtps://[::1]", "desk@example.nl").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.security),
            ("::1", 465, SmtpSecurity::Tls)
        );
        for bad in [
            "http://x",
            "smtp://",
            "smtp://h:notaport",
            "mail.example.nl:25",
        ] {
            assert!(
                SmtpSettings::parse(bad, "desk@example.nl").is_err(),
                "{bad}"
            );
        }
        let e = SmtpSettings::parse("ftp://u:secret@h", "d@example.nl").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(SmtpSettings::parse("smtp://h", "not an address").is_err());
    }

    #[test]
    fn an_attachment_travels_as_a_second_part() {
        let settings = SmtpSettings::parse("smtp://127.0.0.1:2525", "desk@example.nl").unwrap();
        let sender = SmtpSender::new(&settings).unwrap();
        let mut mail = OutboxMail {
            id: MailId(7),
            to_address: "jan@klant.example".into(),
            subject: "Uitnodiging".into(),
            body_text: "Beste Jan".into(),
            created_at: 1_000,
            attempts: 1,
            next_attempt_at: 1_000,
            last_error: None,
            sent_at: None,
            failed_at: None,
            lease_owner: None,
            lease_until: None,
            attachment_name: None,
            attachment_type: None,
            attachment_body: None,
            message_id: None,
            ticket_id: None,
            body_html: None,
            headers: None,
        };
        let plain = String::from_utf8(sender.message(&mail, 2_000).unwrap().formatted()).unwrap();
        assert!(plain.contains("Content-Type: text/plain"), "{plain}");
        assert!(!plain.contains("multipart"), "{plain}");
        mail.attachment_name = Some("invite.ics".into());
        mail.attachment_type = Some("text/calendar; charset=utf-8; method=REQUEST".into());
        mail.attachment_body =
            Some("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".into());
        let mixed = String::from_utf8(sender.message(&mail, 2_000).unwrap().formatted()).unwrap();
        assert!(mixed.contains("Content-Type: multipart/mixed"), "{mixed}");
        assert!(mixed.contains("Beste Jan"), "{mixed}");
        assert!(mixed.contains("filename=\"invite.ics\""), "{mixed}");
        assert!(mixed.contains("text/calendar"), "{mixed}");
        assert!(mixed.contains("method=REQUEST"), "{mixed}");
        assert!(mixed.contains("BEGIN:VCALENDAR"), "{mixed}");
        // A media type that is no media type is refused for good, not retried.
        mail.attachment_type = Some("not a type".into());
        assert!(sender.message(&mail, 2_000).unwrap_err().permanent);
    }

    #[test]
    fn backoff_doubles_up_to_the_limit_then_gives_up() {
        let p = RetryPolicy::default();
        let waits: Vec<Option<i64>> = (1..=9).map(|a| p.retry_at(a, 0)).collect();
        assert_eq!(
            waits,
            vec![
                Some(60_000),
                Some(120_000),
                Some(240_000),
                Some(480_000),
                Some(960_000),
                Some(1_920_000),
                Some(3_840_000),
                None,
                None
            ]
        );
        let long = RetryPolicy {
            max_attempts: 100,
            ..p
        };
        assert_eq!(long.retry_at(60, 5), Some(5 + 6 * 3_600_000));
    }
}
