//! The mailbox tickets arrive in: an IMAP client that waits for new mail with IDLE (RFC 2177),
//! hands each new message with the server's `INTERNALDATE` to the intake, and marks it seen
//! only after the intake has stored it.
//!
//! Why "seen" and not "deleted" or "moved": the flag is set after the intake's commit, so a
//! crash in between leaves the message unseen and it is fetched again; the intake recognises
//! the same bytes by their hash and files nothing twice. The mailbox itself stays the vendor's
//! untouched archive. Only one instance reads the mailbox at a time (the `imap` job lease,
//! renewed between IDLE waits); if another instance takes over, the first one lets go.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_imap::Session;
use async_imap::extensions::idle::IdleResponse;
use futures_util::StreamExt;
use store::Millis;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::mail::{Secret, host_port, percent_decode, redact_url};

/// How long one IDLE wait lasts before the lease is renewed and the wait is re-issued (well
/// under the 29 minutes after which RFC 2177 says a server may drop an idle client).
pub const IDLE_WAIT: Duration = Duration::from_secs(60);

/// The name of the job lease held by the instance that reads the mailbox.
pub const LEASE: &str = "imap";

/// The largest message fetched (bigger ones are left in the mailbox and reported): the
/// intake refuses larger mail anyway, and a fetch is held in memory whole.
pub const MAX_MESSAGE_BYTES: u32 = 50 * 1024 * 1024;

/// Where the mailbox is: `LOKET_IMAP_URL`, e.g. `imaps://user:password@imap.example.nl/INBOX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapSettings {
    /// Server host name or address.
    pub host: String,
    /// Server port (143 for `imap://`, 993 for `imaps://` unless given).
    pub port: u16,
    /// TLS from the first byte (`imaps://`); `imap://` is plain, for a server on localhost.
    pub tls: bool,
    /// The login name.
    pub user: String,
    /// The password.
    pub password: Secret,
    /// The mailbox to read, `INBOX` unless the URL names another.
    pub mailbox: String,
    /// How long connecting and each command may take.
    pub timeout: Duration,
}

/// What went wrong with the mailbox.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// The URL is not understood.
    #[error("IMAP URL `{0}`: expected imap:// or imaps://user:password@host[:port][/mailbox]")]
    Url(String),
    /// The server could not be reached or the TLS handshake failed.
    #[error("connecting to the IMAP server {0}: {1}")]
    Connect(String, String),
    /// The server refused the login.
    #[error("the IMAP server refused the login of `{0}`: {1}")]
    Login(String, String),
    /// A command failed or the connection broke.
    #[error("IMAP: {0}")]
    Protocol(String),
    /// A command took longer than the timeout.
    #[error("IMAP: no answer within {0:?}")]
    Timeout(Duration),
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        ImapError::Protocol(e.to_string())
    }
}

impl ImapSettings {
    /// Settings from an IMAP URL: `imap://` or `imaps://`, `user:password@` (percent-encoded)
    /// required, an optional port and an optional mailbox path (`/INBOX` by default).
    pub fn parse(url: &str) -> Result<ImapSettings, ImapError> {
        let bad = || ImapError::Url(redact_url(url));
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let (tls, default_port) = match scheme.to_ascii_lowercase().as_str() {
            "imap" => (false, 143),
            "imaps" => (true, 993),
            _ => return Err(bad()),
        };
        let (authority, path) = match rest.split_once('/') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        let (userinfo, hostport) = authority.rsplit_once('@').ok_or_else(bad)?;
        let (user, pass) = userinfo.split_once(':').ok_or_else(bad)?;
        let (host, port) = host_port(hostport, default_port).ok_or_else(bad)?;
        let user = percent_decode(user).ok_or_else(bad)?;
        let mailbox = percent_decode(path.trim_end_matches('/')).ok_or_else(bad)?;
        if host.is_empty() || host.contains(['/', '?', '#', ' ']) || user.is_empty() {
            return Err(bad());
        }
        if mailbox.contains(['"', '\\', '\r', '\n']) {
            return Err(bad());
        }
        Ok(ImapSettings {
            host,
            port,
            tls,
            user,
            password: Secret::new(percent_decode(pass).ok_or_else(bad)?),
            mailbox: if mailbox.is_empty() {
                "INBOX".into()
            } else {
                mailbox
            },
            timeout: Duration::from_secs(30),
        })
    }

    /// Settings from `LOKET_IMAP_URL`; `None` when it is unset (no mail is read).
    pub fn from_env() -> Result<Option<ImapSettings>, ImapError> {
        match std::env::var("LOKET_IMAP_URL") {
            Ok(url) if !url.trim().is_empty() => ImapSettings::parse(url.trim()).map(Some),
            _ => Ok(None),
        }
    }

    /// `host:port`, for messages.
    fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The byte stream under the IMAP session: plain TCP or TLS over it.
trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}

/// A message fetched from the mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Its UID in the mailbox.
    pub uid: u32,
    /// The message as the server holds it.
    pub raw: Vec<u8>,
    /// When the server received it (`INTERNALDATE`), in milliseconds since 1970 UTC.
    pub received_at: Option<Millis>,
}

/// A logged-in session with the mailbox selected.
pub struct Mailbox {
    session: Session<Box<dyn Io>>,
    settings: ImapSettings,
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailbox")
            .field("server", &self.settings.address())
            .field("mailbox", &self.settings.mailbox)
            .finish()
    }
}

/// Runs `fut`, or fails with [`ImapError::Timeout`] after `limit`.
async fn within<T>(
    limit: Duration,
    fut: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| ImapError::Timeout(limit))?
}

impl Mailbox {
    /// Connects, logs in and selects the mailbox.
    pub async fn open(settings: &ImapSettings) -> Result<Mailbox, ImapError> {
        within(settings.timeout, Self::open_now(settings)).await
    }

    async fn open_now(settings: &ImapSettings) -> Result<Mailbox, ImapError> {
        let address = settings.address();
        let connect = |e: &dyn fmt::Display| ImapError::Connect(address.clone(), e.to_string());
        let tcp = TcpStream::connect((settings.host.as_str(), settings.port))
            .await
            .map_err(|e| connect(&e))?;
        let stream: Box<dyn Io> = if settings.tls {
            let mut roots = tokio_rustls::rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
                tokio_rustls::rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(|e| connect(&e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
            let name = tokio_rustls::rustls::pki_types::ServerName::try_from(settings.host.clone())
                .map_err(|e| connect(&e))?;
            let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|e| connect(&e))?;
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        let mut client = async_imap::Client::new(stream);
        let greeting = client.read_response().await.map_err(|e| connect(&e))?;
        if greeting.is_none() {
            return Err(connect(
                &"the server closed the connection before its greeting",
            ));
        }
        let mut session = client
            .login(&settings.user, settings.password.expose())
            .await
            .map_err(|(e, _)| ImapError::Login(settings.user.clone(), e.to_string()))?;
        session.select(&settings.mailbox).await?;
        Ok(Mailbox {
            session,
            settings: settings.clone(),
        })
    }

    /// The UIDs of the messages not yet seen, oldest first.
    pub async fn unseen(&mut self) -> Result<Vec<u32>, ImapError> {
        let limit = self.settings.timeout;
        let session = &mut self.session;
        within(limit, async move {
            let mut uids: Vec<u32> = session.uid_search("UNSEEN").await?.into_iter().collect();
            uids.sort_unstable();
            Ok(uids)
        })
        .await
    }

    /// One message by UID, without marking it seen; `None` when it is gone or larger than
    /// [`MAX_MESSAGE_BYTES`] (then it stays in the mailbox, unseen, and is logged).
    pub async fn fetch(&mut self, uid: u32) -> Result<Option<Fetched>, ImapError> {
        let limit = self.settings.timeout;
        let session = &mut self.session;
        let size = within(limit, async move {
            let mut size = None;
            let mut fetches = session
                .uid_fetch(uid.to_string(), "(UID RFC822.SIZE)")
                .await?;
            while let Some(f) = fetches.next().await {
                let f = f?;
                if f.uid == Some(uid) {
                    size = f.size;
                }
            }
            Ok(size)
        })
        .await?;
        let Some(size) = size else {
            return Ok(None);
        };
        if size > MAX_MESSAGE_BYTES {
            tracing::warn!(
                uid,
                size,
                "a message in the mailbox is too large to read; left unseen"
            );
            return Ok(None);
        }
        // A big message may take longer than one command's timeout: allow a minute per 10 MB.
        let limit = self.settings.timeout + Duration::from_secs(u64::from(size / (10 << 20)) * 60);
        let session = &mut self.session;
        within(limit, async move {
            let mut found = None;
            let mut fetches = session
                .uid_fetch(uid.to_string(), "(UID INTERNALDATE BODY.PEEK[])")
                .await?;
            while let Some(f) = fetches.next().await {
                let f = f?;
                if f.uid == Some(uid)
                    && let Some(body) = f.body()
                {
                    found = Some(Fetched {
                        uid,
                        raw: body.to_vec(),
                        received_at: f.internal_date().map(|d| d.timestamp_millis()),
                    });
                }
            }
            Ok(found)
        })
        .await
    }

    /// Marks a message seen: the intake has it.
    pub async fn mark_seen(&mut self, uid: u32) -> Result<(), ImapError> {
        let limit = self.settings.timeout;
        let session = &mut self.session;
        within(limit, async move {
            let mut answers = session
                .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                .await?;
            while let Some(a) = answers.next().await {
                a?;
            }
            Ok(())
        })
        .await
    }

    /// Waits up to `wait` for the server to say something changed (IDLE); `true` when it did.
    pub async fn idle(self, wait: Duration) -> Result<(Mailbox, bool), ImapError> {
        let Mailbox { session, settings } = self;
        let mut handle = session.idle();
        within(settings.timeout, async { Ok(handle.init().await?) }).await?;
        let (answer, _stop) = handle.wait_with_timeout(wait);
        let changed = matches!(answer.await?, IdleResponse::NewData(_));
        let session = within(settings.timeout, async move { Ok(handle.done().await?) }).await?;
        Ok((Mailbox { session, settings }, changed))
    }

    /// Logs out politely.
    pub async fn close(mut self) {
        let limit = self.settings.timeout;
        let _ = tokio::time::timeout(limit, self.session.logout()).await;
    }
}

/// How one message's hand-over to the intake went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handed {
    /// Stored (new or a copy of one stored before): mark it seen.
    Stored,
    /// Not stored now (e.g. the database is unreachable): leave it unseen, try again later.
    Retry(String),
}

/// Hands every unseen message to `intake` in order and marks each seen once the intake has
/// stored it; one to retry stays unseen for the next pass (and does not hold up the others).
/// Returns how many were stored.
pub async fn drain<F, Fut>(mailbox: &mut Mailbox, intake: &mut F) -> Result<usize, ImapError>
where
    F: FnMut(Fetched) -> Fut,
    Fut: Future<Output = Handed>,
{
    let mut stored = 0;
    for uid in mailbox.unseen().await? {
        let Some(message) = mailbox.fetch(uid).await? else {
            continue;
        };
        match intake(message).await {
            Handed::Stored => {
                mailbox.mark_seen(uid).await?;
                stored += 1;
            }
            Handed::Retry(why) => {
                tracing::warn!(uid, %why, "the intake could not take a message; it stays unseen");
            }
        }
    }
    Ok(stored)
}

/// Reads the mailbox for as long as `keep_going` says so: drains it, then waits with IDLE in
/// rounds of [`IDLE_WAIT`] and drains again when something changed (and after every round,
/// so a server that does not announce a change is still read once a round). `keep_going`
/// runs before every round (the job renews its lease there); when it says stop, or the
/// connection fails, the session ends.
pub async fn session<F, Fut, K, KFut>(
    settings: &ImapSettings,
    wait: Duration,
    intake: &mut F,
    keep_going: &mut K,
) -> Result<usize, ImapError>
where
    F: FnMut(Fetched) -> Fut,
    Fut: Future<Output = Handed>,
    K: FnMut() -> KFut,
    KFut: Future<Output = bool>,
{
    let mut mailbox = Mailbox::open(settings).await?;
    let mut stored = drain(&mut mailbox, intake).await?;
    while keep_going().await {
        let (back, _changed) = mailbox.idle(wait).await?;
        mailbox = back;
        stored += drain(&mut mailbox, intake).await?;
    }
    mailbox.close().await;
    Ok(stored)
}

/// The mailbox job: while this instance holds the [`LEASE`] (renewed before every IDLE round,
/// lasting three rounds), reads the mailbox into `intake`; otherwise, or after a failure,
/// waits a round (doubling up to ten rounds after failures in a row) and tries again.
pub async fn run_job<F, Fut>(
    desk: crate::Desk,
    settings: ImapSettings,
    owner: String,
    wait: Duration,
    mut intake: F,
) where
    F: FnMut(Fetched) -> Fut,
    Fut: Future<Output = Handed>,
{
    let lease_ms = i64::try_from(3 * wait.as_millis()).unwrap_or(i64::MAX);
    let mut failures: u32 = 0;
    loop {
        let mut renew = || {
            let desk = desk.clone();
            let owner = owner.clone();
            async move {
                let now = desk.now_ms();
                match desk
                    .store
                    .try_lease(LEASE, &owner, now, now + lease_ms)
                    .await
                {
                    Ok(held) => held,
                    Err(e) => {
                        tracing::warn!(error = %e, "renewing the mailbox lease failed");
                        false
                    }
                }
            }
        };
        if renew().await {
            match session(&settings, wait, &mut intake, &mut renew).await {
                Ok(n) => {
                    failures = 0;
                    tracing::info!(stored = n, "mailbox session ended");
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, failures, "reading the mailbox failed");
                }
            }
        }
        let rounds = 1u32 << failures.min(3);
        tokio::time::sleep(wait * rounds.min(10)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let s = ImapSettings::parse("imaps://desk%40v.nl:p%3Ass@imap.v.nl/Support%20NL").unwrap();
        assert_eq!(
            (
                s.host.as_str(),
                s.port,
                s.tls,
                s.user.as_str(),
                s.mailbox.as_str()
            ),
            ("imap.v.nl", 993, true, "desk@v.nl", "Support NL")
        );
        assert_eq!(s.password.expose(), "p:ss");
        let s = ImapSettings::parse("imap://u:p@127.0.0.1:1143").unwrap();
        assert_eq!((s.port, s.tls, s.mailbox.as_str()), (1143, false, "INBOX"));
        let s = ImapSettings::parse("imap://u:p@[::1]:1143/").unwrap();
        assert_eq!((s.host.as_str(), s.mailbox.as_str()), ("::1", "INBOX"));
        for bad in [
            "pop3://u:p@h",
            "imap://h",
            "imap://u@h",
            "imap://u:p@h:notaport",
            "imap://u:p@/INBOX",
            "imap://u:p@h/a%22b",
        ] {
            let e = ImapSettings::parse(bad).unwrap_err();
            assert!(matches!(e, ImapError::Url(_)), "{bad}: {e}");
        }
        let e = ImapSettings::parse("imap://u:secret@h:x").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
