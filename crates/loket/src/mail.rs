//! `loket mail ingest`: one raw message on standard input, for a mail server's pipe. Exit 0
//! when it is stored (whatever its outcome), 2 with a message on bad input, 75 (EX_TEMPFAIL)
//! when the database cannot be reached, so the mail server keeps the message and retries.
//! `--pending` instead finishes messages stored earlier but never processed.

use std::io::Read;
use std::net::ToSocketAddrs;
use std::sync::Arc;

use anyhow::anyhow;
use clap::Args;
use desk::Desk;
use desk::clock::SystemClock;
use desk::inbound::auth::Verifier;
use desk::inbound::{MAX_MAIL_BYTES, Received, Settings, Source};

use crate::Failure;
use crate::database::say;

/// How incoming mail is read, shared by `serve` and `mail ingest`.
#[derive(Debug, Args)]
pub struct MailSettingsArgs {
    /// The authserv-id of the own receiving mail server: only its `Authentication-Results`
    /// headers are trusted. Without it every administrator's mail is held for an agent.
    #[arg(long, env = "LOKET_MAIL_AUTHSERV_ID")]
    pub mail_authserv_id: Option<String>,
    /// The domain of loket's own Message-IDs and bounce addresses; by default the domain of
    /// the sender address (`LOKET_SMTP_FROM`), which the outgoing mail uses.
    #[arg(long, env = "LOKET_MAIL_DOMAIN")]
    pub mail_domain: Option<String>,
    /// Where DKIM, SPF and DMARC are looked up for mail the own receiving server left
    /// unchecked: `system` (the resolvers of /etc/resolv.conf), `HOST:PORT` of one DNS server,
    /// or `off` (such mail of an administrator is held for an agent).
    #[arg(long, env = "LOKET_MAIL_DNS", default_value = "system")]
    pub mail_dns: String,
}

impl MailSettingsArgs {
    /// The settings these options give; a `--mail-dns` that names no usable resolver is a
    /// mistake of the user.
    pub fn settings(&self) -> Result<Settings, Failure> {
        let domain = self
            .mail_domain
            .clone()
            .filter(|d| !d.trim().is_empty())
            .or_else(sender_domain)
            .unwrap_or_else(|| "loket.invalid".into());
        let dns = self.mail_dns.trim();
        let verifier = match dns {
            "off" => None,
            "system" => Some(Verifier::system(&domain).map_err(|e| {
                Failure::User(anyhow!(
                    "--mail-dns system: {e}; name a server (HOST:PORT) or say off"
                ))
            })?),
            server => {
                let addr = server
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.next())
                    .ok_or_else(|| {
                        Failure::User(anyhow!(
                            "--mail-dns {server:?}: expected system, off or HOST:PORT of a DNS server"
                        ))
                    })?;
                Some(
                    Verifier::with_server(addr, &domain)
                        .map_err(|e| Failure::User(anyhow!("--mail-dns {server}: {e}")))?,
                )
            }
        };
        Ok(Settings {
            authserv_id: self.mail_authserv_id.clone().filter(|s| !s.is_empty()),
            domain,
            verifier: verifier.map(Arc::new),
        })
    }
}

/// The domain of `LOKET_SMTP_FROM` (`Servicedesk <desk@example.nl>` → `example.nl`).
fn sender_domain() -> Option<String> {
    let from = std::env::var("LOKET_SMTP_FROM").ok()?;
    let address = from
        .rsplit_once('<')
        .map_or(from.as_str(), |(_, a)| a.trim_end_matches('>'));
    let domain = address.rsplit_once('@')?.1.trim().to_ascii_lowercase();
    (!domain.is_empty()).then_some(domain)
}

/// Arguments of `loket mail ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    db: crate::database::DatabaseArg,
    #[command(flatten)]
    mail: MailSettingsArgs,
    /// Finish the messages stored but not processed (after a crash) instead of reading one.
    #[arg(long)]
    pending: bool,
}

/// Runs `loket mail ingest`.
pub fn ingest(args: IngestArgs) -> Result<(), Failure> {
    let raw = if args.pending {
        Vec::new()
    } else {
        let mut raw = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_MAIL_BYTES as u64 + 1)
            .read_to_end(&mut raw)
            .map_err(|e| Failure::Io(anyhow::Error::new(e).context("cannot read the message")))?;
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(Failure::User(anyhow!("no message on standard input")));
        }
        if raw.len() > MAX_MAIL_BYTES {
            return Err(Failure::User(anyhow!(
                "the message is larger than {MAX_MAIL_BYTES} bytes"
            )));
        }
        raw
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Io(e.into()))?;
    runtime.block_on(async {
        let settings = args.mail.settings()?;
        let store = args.db.open().await.map_err(Failure::Temporary)?;
        let desk = Desk::new(store, Arc::new(SystemClock));
        desk.set_inbound_settings(settings);
        if args.pending {
            let n = desk
                .reprocess_pending()
                .await
                .map_err(|e| Failure::Temporary(anyhow!("{e}")))?;
            say(&format!("{n} pending messages finished"));
            return Ok(());
        }
        let got = desk
            .ingest(
                &raw,
                Received {
                    at: None,
                    source: Source::Pipe,
                },
            )
            .await
            .map_err(|e| Failure::Temporary(anyhow!("{e}")))?;
        say(&format!("mail {}: {}", got.mail(), got.outcome()));
        Ok(())
    })
}
