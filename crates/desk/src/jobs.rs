//! The service desk's background jobs: folding passed deadlines into the stored clocks, the
//! monthly steps of claimed discounts (SLA-RULES §7), the reminders before follow-ups and due
//! action items and the alerts of tickets at risk and missed targets (each under a lease, so
//! one instance sends them), the mail outbox, the mailbox tickets arrive in (under a lease, so
//! one instance reads it), and the availability probes (under a lease, so one instance
//! probes).

use crate::Desk;
use crate::access::{hex, new_secret};
use crate::mail;

/// How often deadlines that passed are folded into the stored clocks.
pub const CLOCK_REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

/// How often claimed discounts are moved on by the months that ended (idempotent: a month is
/// decided once per escalation, whichever instance gets there first).
pub const COMPENSATION_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// How often the reminders before follow-ups and due action items are looked at; the lease
/// lasts two intervals, so the instance that holds it keeps it while it runs.
pub const REMINDER_INTERVAL: std::time::Duration = std::time::Duration::from_secs(900);

/// How often the daily digests are looked at (each person's digest of a day is queued once,
/// from [`crate::recipients::DIGEST_HOUR`] local time); under the `digests` lease.
pub const DIGEST_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);
/// How often tickets at risk and missed targets are looked at; the lease lasts two intervals.
pub const ALERT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(120);

/// How often the mail outbox is emptied.
pub const MAIL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// Starts every background job on the current tokio runtime: the clock refresh every
/// [`CLOCK_REFRESH`] (idempotent, so several instances on one database may all run it), the
/// reminders every [`REMINDER_INTERVAL`] under the `reminders` lease, the at-risk and
/// missed-target alerts every [`ALERT_INTERVAL`] under the `ticket-alerts` lease, the mail
/// outbox (when SMTP is configured), the mailbox reader (when IMAP is configured) and the probe
/// runner while this instance holds the probe lease (see [`crate::monitoring::runner`]).
pub fn spawn_all(desk: &Desk) {
    let refresher = desk.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CLOCK_REFRESH);
        loop {
            tick.tick().await;
            loop {
                match refresher.refresh_clocks().await {
                    Ok(n) if n >= 500 => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "refreshing clocks failed");
                        break;
                    }
                }
            }
        }
    });
    let ledger = desk.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(COMPENSATION_INTERVAL);
        loop {
            tick.tick().await;
            if let Err(e) = ledger.month_ended(None).await {
                tracing::warn!(error = %e, "processing the compensation months failed");
            }
        }
    });
    let reminders = desk.clone();
    let owner = instance_name();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REMINDER_INTERVAL);
        loop {
            tick.tick().await;
            match reminders
                .reminders_under_lease(&owner, 2 * REMINDER_INTERVAL)
                .await
            {
                Ok(Some(run)) if run.mails > 0 => {
                    tracing::info!(?run, "reminders sent");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "sending the reminders failed"),
            }
        }
    });
    let digests = desk.clone();
    let owner = instance_name();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(DIGEST_INTERVAL);
        loop {
            tick.tick().await;
            match digests
                .digests_under_lease(&owner, 2 * DIGEST_INTERVAL)
                .await
            {
                Ok(Some(run)) if run.mails > 0 => tracing::info!(?run, "digests queued"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "queuing the daily digests failed"),
            }
        }
    });
    let alerts = desk.clone();
    let owner = instance_name();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(ALERT_INTERVAL);
        loop {
            tick.tick().await;
            match alerts.alerts_under_lease(&owner, 2 * ALERT_INTERVAL).await {
                Ok(Some(run)) if run.mails > 0 => tracing::info!(?run, "ticket alerts sent"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "sending the ticket alerts failed"),
            }
        }
    });
    spawn_outbox(desk.clone());
    spawn_mailbox(desk.clone());
    tokio::spawn(crate::monitoring::run(desk.clone(), instance_name()));
}

impl Desk {
    /// One run of the mail outbox at the injected clock's time (claims are exclusive, so
    /// several instances may all run it).
    pub async fn deliver_mail<S: mail::MailSender>(
        &self,
        sender: &S,
        owner: &str,
    ) -> Result<mail::OutboxStats, store::StoreError> {
        mail::run_outbox_once(&self.store, sender, owner, self.now_ms()).await
    }
}

/// Starts the mail outbox worker when `LOKET_SMTP_URL` is set (every [`MAIL_INTERVAL`], a
/// batch at a time until the outbox is empty); says so in the log when it is not, and the
/// mail waits in the outbox.
fn spawn_outbox(state: Desk) {
    let sender = match mail::SmtpSettings::from_env() {
        Ok(Some(settings)) => match mail::SmtpSender::new(&settings) {
            Ok(sender) => sender,
            Err(e) => {
                tracing::warn!(error = %e, "mail is not sent: the SMTP settings are not usable");
                return;
            }
        },
        Ok(None) => {
            tracing::info!("LOKET_SMTP_URL is not set: mail is kept in the outbox, not sent");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "mail is not sent: the SMTP settings are not usable");
            return;
        }
    };
    let suffix = new_secret().unwrap_or_default();
    let owner = format!(
        "outbox-{}-{}",
        std::process::id(),
        suffix.get(..8).unwrap_or_default()
    );
    tracing::info!(%owner, "mail outbox worker started");
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(MAIL_INTERVAL);
        loop {
            tick.tick().await;
            loop {
                match state.deliver_mail(&sender, &owner).await {
                    Ok(s) if s.claimed >= mail::RetryPolicy::default().batch as usize => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "running the mail outbox failed");
                        break;
                    }
                }
            }
        }
    });
}

/// Starts the mailbox reader when `LOKET_IMAP_URL` is set: while this instance holds the
/// mailbox lease, every new message goes to [`Desk::ingest`] with the server's receipt time;
/// one the intake cannot store now (the database is away) stays unseen for the next round.
fn spawn_mailbox(desk: Desk) {
    let settings = match crate::imap::ImapSettings::from_env() {
        Ok(Some(settings)) => settings,
        Ok(None) => {
            tracing::info!("LOKET_IMAP_URL is not set: no mailbox is read");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "no mailbox is read: the IMAP settings are not usable");
            return;
        }
    };
    tracing::info!(host = %settings.host, mailbox = %settings.mailbox, "mailbox reader started");
    let intake_desk = desk.clone();
    tokio::spawn(crate::imap::run_job(
        desk,
        settings,
        instance_name(),
        crate::imap::IDLE_WAIT,
        move |m: crate::imap::Fetched| {
            let desk = intake_desk.clone();
            async move {
                let received = crate::inbound::Received {
                    at: m.received_at,
                    source: crate::inbound::Source::Imap,
                };
                match desk.ingest(&m.raw, received).await {
                    Ok(outcome) => {
                        tracing::info!(?outcome, "mail read from the mailbox");
                        crate::imap::Handed::Stored
                    }
                    Err(e) => crate::imap::Handed::Retry(e.to_string()),
                }
            }
        },
    ));
}

/// A name for this instance among others on one database: host, process and a random part.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "loket".into());
    let mut salt = [0u8; 4];
    let _ = getrandom::fill(&mut salt);
    format!("{host}-{}-{}", std::process::id(), hex(&salt))
}
