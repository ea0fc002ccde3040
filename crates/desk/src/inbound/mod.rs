//! Incoming mail: store first, parse second. Every message is stored raw under its SHA-256
//! ([`store::Store::store_inbound`]), then parsed and processed; the outcome is written in
//! the same transaction as what the message caused (a ticket, a comment, a refusal in the
//! outbox, a bounce), so a crash in between leaves a pending message that the next ingest
//! or [`Desk::reprocess_pending`] finishes, and nothing is filed twice.
//!
//! Who may file (SLA §3): a customer's administrators file incidents by mail; other people
//! of a customer are refused with a mail naming their administrators; unknown senders are
//! refused without an answer. `From` alone is no proof: the message must carry an
//! `Authentication-Results` header of loket's own receiving server ([`Settings::authserv_id`])
//! that passes DMARC, DKIM or SPF for the `From` domain; an administrator's mail without it is
//! held for an agent to confirm or refuse.

pub mod auth;
pub mod text;

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::json;
use sha2::{Digest, Sha256};
use sla::{Channel, Priority, Status, TicketKind};
use store::{
    Event, EventType, InboundMail, InboundMark, MAX_ATTACHMENT_BYTES, Millis, NewAttachment,
    NewEvent, NewMail, NewTicket, Person, Role, Scope, Ticket, TicketId, TicketUpdate,
};

use crate::i18n::Tr;
use crate::notify::{self, Notice};
use crate::tickets::derive;
use crate::time::stored;
use crate::{Caller, Desk, DeskError, limits};

/// The largest message loket takes in, in bytes (the HTTP endpoint answers 413 above it).
pub const MAX_MAIL_BYTES: usize = 50 * 1024 * 1024;

/// The most automatic answers one address gets in an hour.
pub const ANSWERS_PER_HOUR: i64 = 3;

/// How a message came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Fetched from a mailbox over IMAP.
    Imap,
    /// Piped in by the mail server (`loket mail ingest`).
    Pipe,
    /// Posted to `POST /api/v1/mail/inbound`.
    Http,
}

impl Source {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Imap => "imap",
            Source::Pipe => "pipe",
            Source::Http => "http",
        }
    }
}

/// What the receiving side knows about a message besides its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// The receiving server's time (IMAP INTERNALDATE), if it gave one.
    pub at: Option<Millis>,
    /// How it came in.
    pub source: Source,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// The same bytes came in before; nothing was done again.
    Duplicate {
        /// The stored message.
        mail: i64,
    },
    /// It filed a ticket.
    Filed {
        /// The stored message.
        mail: i64,
        /// The new ticket.
        ticket: TicketId,
    },
    /// It became a comment on a ticket.
    Commented {
        /// The stored message.
        mail: i64,
        /// The ticket.
        ticket: TicketId,
    },
    /// It waits for an agent to confirm the sender.
    Held {
        /// The stored message.
        mail: i64,
        /// Why.
        reason: String,
    },
    /// It was refused.
    Refused {
        /// The stored message.
        mail: i64,
        /// Why.
        reason: String,
    },
    /// Automatic mail: stored only.
    Automatic {
        /// The stored message.
        mail: i64,
        /// What made it automatic.
        reason: String,
    },
    /// A bounce of a mail loket sent; the address is marked failing.
    Bounce {
        /// The stored message.
        mail: i64,
        /// The address that failed.
        address: String,
    },
}

impl Ingested {
    /// The stored message's id.
    pub fn mail(&self) -> i64 {
        match self {
            Ingested::Duplicate { mail }
            | Ingested::Filed { mail, .. }
            | Ingested::Commented { mail, .. }
            | Ingested::Held { mail, .. }
            | Ingested::Refused { mail, .. }
            | Ingested::Automatic { mail, .. }
            | Ingested::Bounce { mail, .. } => *mail,
        }
    }

    /// The outcome's word, as stored.
    pub fn outcome(&self) -> &'static str {
        match self {
            Ingested::Duplicate { .. } => "duplicate",
            Ingested::Filed { .. } => "filed",
            Ingested::Commented { .. } => "commented",
            Ingested::Held { .. } => "held",
            Ingested::Refused { .. } => "refused",
            Ingested::Automatic { .. } => "automatic",
            Ingested::Bounce { .. } => "bounce",
        }
    }
}

/// How loket reads incoming mail.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The authserv-id of loket's own receiving server, whose `Authentication-Results` are
    /// trusted; `None` trusts none (every administrator's mail is held).
    pub authserv_id: Option<String>,
    /// The domain of the Message-IDs loket sends and of its bounce addresses.
    pub domain: String,
    /// Checks DKIM, SPF and DMARC itself for mail the own receiving server left unchecked;
    /// `None` checks nothing (such mail of an administrator is held).
    pub verifier: Option<Arc<auth::Verifier>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            authserv_id: None,
            domain: "loket.invalid".into(),
            verifier: None,
        }
    }
}

/// The settings cell of a [`Desk`].
#[derive(Debug, Default)]
pub struct SettingsCell(std::sync::RwLock<Arc<Settings>>);

impl SettingsCell {
    fn get(&self) -> Arc<Settings> {
        match self.0.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, s: Settings) {
        match self.0.write() {
            Ok(mut g) => *g = Arc::new(s),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(s),
        }
    }
}

/// Why the sender `from` of `raw` is not proven (`None` when it is): the own receiving
/// server's `Authentication-Results` decide when it left any; otherwise the [`auth::Verifier`]
/// checks DKIM, SPF and DMARC; without either nothing is proof.
async fn unproven(
    raw: &[u8],
    read: &text::Read,
    settings: &Settings,
    from: &str,
) -> Option<String> {
    if let Some(id) = settings.authserv_id.as_deref()
        && text::results_of(&read.auth_results, id).next().is_some()
    {
        return (!text::authenticated(&read.auth_results, id, from)).then(|| {
            format!(
                "the own receiving server ({id}) found no passing DMARC, DKIM or SPF for {from}; an agent confirms the sender"
            )
        });
    }
    match &settings.verifier {
        Some(v) => match v.check(raw, from, &read.envelope).await {
            auth::Verdict::Aligned(_) => None,
            auth::Verdict::NotAligned(found) => Some(format!(
                "the sender {from} is not proven ({found}); an agent confirms the sender"
            )),
        },
        None => Some(format!(
            "no passing DMARC, DKIM or SPF result of the own receiving server for {from}; an agent confirms the sender"
        )),
    }
}

/// A decision before it is written.
enum Decision {
    File {
        kind: TicketKind,
        priority: Option<Priority>,
        follows: Option<TicketId>,
    },
    Comment(Ticket),
    Hold(String),
    Refuse {
        reason: String,
        answer: Option<NewMail>,
        ticket: Option<TicketId>,
    },
    Automatic(String),
    Bounce {
        address: String,
        reason: String,
    },
}

/// Hex of a SHA-256 digest.
fn sha256_hex(raw: &[u8]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The first `max` characters of `s`.
fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The subject's bracketed words: the ticket tag `[#1234]`, a kind (`[question]`, `[vraag]`)
/// and a priority (`[urgent]`/`[spoed]`, `[high]`/`[hoog]`, `[normal]`/`[normaal]`,
/// `[low]`/`[laag]`).
fn subject_words(subject: &str) -> (Option<i64>, Option<TicketKind>, Option<Priority>) {
    let mut tag = None;
    let mut kind = None;
    let mut priority = None;
    let mut rest = subject;
    while let Some(i) = rest.find('[') {
        let after = &rest[i + 1..];
        let Some(j) = after.find(']') else { break };
        let word = after[..j].trim().to_lowercase();
        if let Some(n) = word.strip_prefix('#') {
            tag = tag.or(n.parse::<i64>().ok());
        }
        match word.as_str() {
            "question" | "vraag" => kind = Some(TicketKind::Question),
            "urgent" | "spoed" => priority = Some(Priority::Urgent),
            "high" | "hoog" => priority = Some(Priority::High),
            "normal" | "normaal" => priority = Some(Priority::Normal),
            "low" | "laag" => priority = Some(Priority::Low),
            _ => {}
        }
        rest = &after[j + 1..];
    }
    (tag, kind, priority)
}

/// The most files one mail attaches to its ticket (the rest stay in the original message).
pub const MAX_MAIL_FILES: usize = 20;

/// A file name from a mail as the portal keeps one: its last path part, without control
/// or direction characters, at most [`limits::FILE_NAME`] characters; `attachment` when
/// nothing is left.
pub fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let clean = cut(clean.trim(), limits::FILE_NAME).trim().to_string();
    if clean.is_empty() || clean.chars().all(|c| c == '.') {
        "attachment".to_string()
    } else {
        clean
    }
}

/// The files of a mail that go with its ticket or reply: those within the portal's size
/// limit ([`MAX_ATTACHMENT_BYTES`]), not empty, at most [`MAX_MAIL_FILES`]; larger ones are
/// named in the text instead ([`Desk::mail_text`]) and stay in the original message.
fn files_of(read: &text::Read, person: &Person, now: Timestamp) -> Vec<NewAttachment> {
    read.attachments
        .iter()
        .filter(|(_, _, d)| !d.is_empty() && d.len() <= MAX_ATTACHMENT_BYTES)
        .take(MAX_MAIL_FILES)
        .map(|(name, ctype, data)| {
            let ctype = cut(ctype.trim(), 100);
            NewAttachment {
                event_id: None,
                file_name: file_name(name),
                content_type: if ctype.is_empty() {
                    "application/octet-stream".into()
                } else {
                    ctype
                },
                data: data.clone(),
                uploaded_by: person.id,
                created_at: now,
            }
        })
        .collect()
}

/// The outbox mail id a bounce address `bounce+{id}@{domain}` names.
fn bounce_target(recipients: &[String], domain: &str) -> Option<i64> {
    let suffix = format!("@{}", domain.to_lowercase());
    recipients.iter().find_map(|r| {
        r.strip_suffix(&suffix)
            .and_then(|local| local.strip_prefix("bounce+"))
            .and_then(|n| n.parse().ok())
    })
}

impl Desk {
    /// Sets how incoming mail is read.
    pub fn set_inbound_settings(&self, settings: Settings) {
        self.inbound.set(settings);
    }

    /// How incoming mail is read.
    pub fn inbound_settings(&self) -> Arc<Settings> {
        self.inbound.get()
    }

    /// Takes in one raw message: stores it (the same bytes twice are one message), then
    /// parses and processes it, writing the outcome with what it caused in one transaction.
    pub async fn ingest(&self, raw: &[u8], received: Received) -> Result<Ingested, DeskError> {
        let now = self.now_ms();
        let (id, new) = self
            .store
            .store_inbound(
                &sha256_hex(raw),
                raw,
                received.source.as_str(),
                received.at,
                now,
            )
            .await?;
        if !new {
            if self.store.inbound_outcome(id).await?.is_some() {
                return Ok(Ingested::Duplicate { mail: id });
            }
            // Stored earlier and left unprocessed: the stored bytes and time count.
            return self.process(id, false).await;
        }
        self.process_read(id, raw, received.at, false).await
    }

    /// Finishes every stored message that has no outcome yet (left by a crash between
    /// storing and processing); yields how many were finished.
    pub async fn reprocess_pending(&self) -> Result<usize, DeskError> {
        let pending = self.store.inbound_by_outcome(None, 1000).await?;
        let mut done = 0;
        for m in pending {
            self.process(m.id, false).await?;
            done += 1;
        }
        Ok(done)
    }

    /// The held messages, oldest first, for the service desk.
    pub async fn held_mails(&self, caller: &Caller) -> Result<Vec<InboundMail>, DeskError> {
        caller.require_vendor()?;
        Ok(self.store.inbound_by_outcome(Some("held"), 500).await?)
    }

    /// A stored message with its outcome, for the service desk or the customer it belongs to.
    pub async fn inbound_mail(&self, caller: &Caller, id: i64) -> Result<InboundMail, DeskError> {
        Ok(self.store.inbound_mail(&caller.scope, id).await?)
    }

    /// The original bytes of a stored message, for the service desk or its customer.
    pub async fn inbound_original(&self, caller: &Caller, id: i64) -> Result<Vec<u8>, DeskError> {
        Ok(self.store.inbound_original(&caller.scope, id).await?)
    }

    /// An agent confirms a held message's sender: it is processed as authenticated.
    pub async fn confirm_held(&self, caller: &Caller, id: i64) -> Result<Ingested, DeskError> {
        caller.require_vendor()?;
        self.held(id).await?;
        self.process(id, true).await
    }

    /// An agent refuses a held message; it stays stored with the reason.
    pub async fn refuse_held(
        &self,
        caller: &Caller,
        id: i64,
        reason: &str,
    ) -> Result<Ingested, DeskError> {
        caller.require_vendor()?;
        limits::check("reason", reason, limits::PRIORITY_REASON)?;
        let held = self.held(id).await?;
        let reason = format!("refused by {}: {}", caller.person.name, reason.trim());
        let mark = InboundMark {
            mail_id: id,
            outcome: "refused".into(),
            reason: reason.clone(),
            ticket_id: None,
            org_id: held.org_id.map(store::OrgId),
            person_id: None,
            from_address: held.from_address,
            message_id: None,
            subject: held.subject,
            clock_start: held.clock_start,
            answered: false,
            processed_at: self.now_ms(),
            replace_held: true,
        };
        self.store.finish_inbound(&mark, None, None).await?;
        Ok(Ingested::Refused { mail: id, reason })
    }

    async fn held(&self, id: i64) -> Result<InboundMail, DeskError> {
        let m = self.store.inbound_mail(&Scope::System, id).await?;
        if m.outcome.as_deref() != Some("held") {
            return Err(DeskError::Conflict {
                field: "mail",
                message: "the mail is not held".into(),
            });
        }
        Ok(m)
    }

    /// Parses and processes stored message `id`; `confirmed`: an agent vouched for the sender
    /// of a held message.
    async fn process(&self, id: i64, confirmed: bool) -> Result<Ingested, DeskError> {
        let (raw, received_at) = self.store.inbound_raw(id).await?;
        self.process_read(id, &raw, received_at, confirmed).await
    }

    /// [`Desk::process`] with the stored message's bytes and receiving time at hand.
    async fn process_read(
        &self,
        id: i64,
        raw: &[u8],
        received_at: Option<Millis>,
        confirmed: bool,
    ) -> Result<Ingested, DeskError> {
        let settings = self.inbound_settings();
        let now = self.now_ms();
        let mut mark = InboundMark {
            mail_id: id,
            outcome: String::new(),
            reason: String::new(),
            ticket_id: None,
            org_id: None,
            person_id: None,
            from_address: None,
            message_id: None,
            subject: None,
            clock_start: None,
            answered: false,
            processed_at: now,
            replace_held: confirmed,
        };
        let (decision, read, sender) = if raw.len() > MAX_MAIL_BYTES {
            (
                Decision::Refuse {
                    reason: format!(
                        "the mail is {} bytes; loket takes at most {MAX_MAIL_BYTES}",
                        raw.len()
                    ),
                    answer: None,
                    ticket: None,
                },
                text::Read::default(),
                None,
            )
        } else {
            match mail_parser::MessageParser::default().parse(raw) {
                None => (
                    Decision::Refuse {
                        reason: "not a mail message (no headers could be read)".into(),
                        answer: None,
                        ticket: None,
                    },
                    text::Read::default(),
                    None,
                ),
                Some(message) => {
                    let read = text::read(&message, &settings.domain);
                    let (d, sender) = self.decide(raw, &read, &settings, confirmed, now).await?;
                    (d, read, sender)
                }
            }
        };
        let clock_start = received_at
            .or(read.received_header_at)
            .filter(|t| *t <= now && *t > 0)
            .unwrap_or(now);
        mark.from_address = read.from.clone();
        mark.message_id = read.message_id.clone();
        mark.subject = Some(cut(&read.subject, limits::TICKET_SUBJECT)).filter(|s| !s.is_empty());
        mark.clock_start = Some(clock_start);
        if let Some(p) = &sender {
            mark.org_id = p.org_id;
            mark.person_id = Some(p.id.0);
        }
        match decision {
            Decision::Automatic(reason) => {
                mark.outcome = "automatic".into();
                mark.reason = reason.clone();
                self.store.finish_inbound(&mark, None, None).await?;
                Ok(Ingested::Automatic { mail: id, reason })
            }
            Decision::Bounce { address, reason } => {
                mark.outcome = "bounce".into();
                mark.reason = format!("bounce for {address}: {reason}");
                self.store
                    .finish_inbound(&mark, None, Some((&address, &reason)))
                    .await?;
                Ok(Ingested::Bounce { mail: id, address })
            }
            Decision::Hold(reason) => {
                mark.outcome = "held".into();
                mark.reason = reason.clone();
                self.store.finish_inbound(&mark, None, None).await?;
                Ok(Ingested::Held { mail: id, reason })
            }
            Decision::Refuse {
                reason,
                answer,
                ticket,
            } => {
                mark.outcome = "refused".into();
                mark.reason = reason.clone();
                mark.answered = answer.is_some();
                mark.ticket_id = ticket;
                self.store
                    .finish_inbound(&mark, answer.as_ref(), None)
                    .await?;
                Ok(Ingested::Refused { mail: id, reason })
            }
            Decision::Comment(ticket) => {
                let Some(person) = sender else {
                    return Err(DeskError::internal("a comment without a sender"));
                };
                mark.outcome = "commented".into();
                mark.reason = format!("a reply on ticket {}", ticket.id.0);
                mark.ticket_id = Some(ticket.id);
                self.comment_by_mail(&person, &ticket, &read, &mark).await?;
                Ok(Ingested::Commented {
                    mail: id,
                    ticket: ticket.id,
                })
            }
            Decision::File {
                kind,
                priority,
                follows,
            } => {
                let Some(person) = sender else {
                    return Err(DeskError::internal("a ticket without a sender"));
                };
                mark.outcome = "filed".into();
                // The receipt to the sender is the ticket's one automatic answer.
                mark.answered = true;
                mark.reason = match follows {
                    Some(old) => format!("a new ticket following closed ticket {}", old.0),
                    None => "a new ticket".into(),
                };
                let ticket = self
                    .file_by_mail(&person, kind, priority, follows, &read, clock_start, &mark)
                    .await?;
                Ok(Ingested::Filed {
                    mail: id,
                    ticket: ticket.id,
                })
            }
        }
    }

    /// What to do with a readable message, and who sent it (when known).
    async fn decide(
        &self,
        raw: &[u8],
        read: &text::Read,
        settings: &Settings,
        confirmed: bool,
        now: Millis,
    ) -> Result<(Decision, Option<Person>), DeskError> {
        if let Some(outbox_id) = bounce_target(&read.recipients, &settings.domain) {
            let reason = cut(
                read.text
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("bounced"),
                500,
            );
            return Ok(match self.store.get_mail(store::MailId(outbox_id)).await {
                Ok(sent) => (
                    Decision::Bounce {
                        address: sent.to_address,
                        reason,
                    },
                    None,
                ),
                Err(_) => (
                    Decision::Automatic(format!("a bounce for unknown outgoing mail {outbox_id}")),
                    None,
                ),
            });
        }
        if let Some(why) = &read.automatic {
            return Ok((Decision::Automatic(why.clone()), None));
        }
        let refuse = |reason: &str| {
            Ok((
                Decision::Refuse {
                    reason: reason.into(),
                    answer: None,
                    ticket: None,
                },
                None,
            ))
        };
        if read.message_id_headers > 1 {
            return refuse("the mail has more than one Message-ID header");
        }
        let Some(message_id) = &read.message_id else {
            return refuse("the mail has no Message-ID");
        };
        if self
            .store
            .ticket_for_received_ids(std::slice::from_ref(message_id))
            .await?
            .is_some()
        {
            return refuse("a mail with this Message-ID was taken in before");
        }
        let Some(from) = &read.from else {
            return refuse("the mail has no From address");
        };
        let person = match self.store.person_for_sign_in(from).await? {
            Some((p, _)) => p,
            None => return refuse("unknown sender: no person in loket has this address"),
        };
        if person.role.is_vendor() {
            return refuse("service desk staff work in loket, not by mail");
        }
        let Some(org) = person.org_id else {
            return refuse("the sender belongs to no customer");
        };
        if !person.active || person.role != Role::CustomerAdmin {
            let about = self.thread_ticket(&person, read).await?;
            let answer = self.refusal_answer(&person, org, about, read, now).await?;
            return Ok((
                Decision::Refuse {
                    reason: format!(
                        "{} is not one of the customer's administrators; only they file by mail (SLA §3)",
                        person.email
                    ),
                    answer,
                    ticket: about,
                },
                Some(person),
            ));
        }
        if !confirmed && let Some(why) = unproven(raw, read, settings, from).await {
            return Ok((Decision::Hold(why), Some(person)));
        }
        let scope = crate::access::scope_of(&person);
        let mut thread = self.store.ticket_for_message_ids(&read.thread_ids).await?;
        if thread.is_none() {
            thread = self.store.ticket_for_received_ids(&read.thread_ids).await?;
        }
        let (tag, kind, priority) = subject_words(&read.subject);
        if thread.is_none() {
            thread = tag.map(TicketId);
        }
        let ticket = match thread {
            Some(t) => self.store.get_ticket(&scope, t).await.ok(),
            None => None,
        };
        let kind = kind.unwrap_or(TicketKind::Incident);
        let priority = match kind {
            TicketKind::Incident => Some(priority.unwrap_or(Priority::Normal)),
            _ => None,
        };
        let decision = match ticket {
            Some(t) if t.status != Status::Closed => Decision::Comment(t),
            Some(t) => Decision::File {
                kind,
                priority,
                follows: Some(t.id),
            },
            None => Decision::File {
                kind,
                priority,
                follows: None,
            },
        };
        Ok((decision, Some(person)))
    }

    /// The ticket of the sender's own customer that a mail answers (by its `In-Reply-To` and
    /// `References`, else the `[#id]` in its subject), if any.
    async fn thread_ticket(
        &self,
        person: &Person,
        read: &text::Read,
    ) -> Result<Option<TicketId>, DeskError> {
        let mut thread = self.store.ticket_for_message_ids(&read.thread_ids).await?;
        if thread.is_none() {
            thread = self.store.ticket_for_received_ids(&read.thread_ids).await?;
        }
        if thread.is_none() {
            thread = subject_words(&read.subject).0.map(TicketId);
        }
        let scope = crate::access::scope_of(person);
        Ok(match thread {
            Some(t) => self.store.get_ticket(&scope, t).await.ok().map(|t| t.id),
            None => None,
        })
    }

    /// The polite refusal to a customer's person who is not an administrator, in their
    /// language, naming the administrators; `None` when the loop rules say no more answers:
    /// [`ANSWERS_PER_HOUR`] went to the address in the last hour, or the ticket the mail
    /// answers (`about`) had its one automatic answer already.
    async fn refusal_answer(
        &self,
        person: &Person,
        org: store::OrgId,
        about: Option<TicketId>,
        read: &text::Read,
        now: Millis,
    ) -> Result<Option<NewMail>, DeskError> {
        let (recent, answered_about) = self
            .store
            .automatic_answers(&person.email, now - 3_600_000, about)
            .await?;
        if recent >= ANSWERS_PER_HOUR || answered_about {
            return Ok(None);
        }
        let admins: Vec<String> = self
            .store
            .list_people(&Scope::System, Some(org))
            .await?
            .into_iter()
            .filter(|p| p.role == Role::CustomerAdmin && p.active)
            .map(|p| format!("{} <{}>", p.name, p.email))
            .collect();
        let tr = Tr::for_code(&person.lang);
        let admins = if admins.is_empty() {
            tr.get("mail.inbound.no_admins").to_string()
        } else {
            admins.join("\n")
        };
        Ok(Some(NewMail {
            to_address: person.email.clone(),
            subject: tr.fill(
                "mail.inbound.refused.subject",
                &[("subject", &cut(&read.subject, 200))],
            ),
            body_text: tr.fill(
                "mail.inbound.refused.body",
                &[("name", &person.name), ("admins", &admins)],
            ),
        }))
    }

    /// The ticket's description from a mail: its text, a note of files that were too large,
    /// and the closed ticket it follows.
    fn mail_text(read: &text::Read, follows: Option<TicketId>) -> String {
        let mut body = read.text.clone();
        let mut kept = 0;
        for (name, _, data) in &read.attachments {
            if data.len() > MAX_ATTACHMENT_BYTES {
                body.push_str(&format!(
                    "\n\n[{}: {} bytes, larger than the {} bytes a file may have; kept in the original mail]",
                    file_name(name),
                    data.len(),
                    MAX_ATTACHMENT_BYTES
                ));
            } else if !data.is_empty() {
                kept += 1;
                if kept > MAX_MAIL_FILES {
                    body.push_str(&format!(
                        "\n\n[{}: more than {MAX_MAIL_FILES} files; kept in the original mail]",
                        file_name(name)
                    ));
                }
            }
        }
        if let Some(old) = follows {
            body.push_str(&format!("\n\n[follows closed ticket #{}]", old.0));
        }
        cut(body.trim(), limits::TICKET_DESCRIPTION)
    }

    #[allow(clippy::too_many_arguments)]
    async fn file_by_mail(
        &self,
        person: &Person,
        kind: TicketKind,
        priority: Option<Priority>,
        follows: Option<TicketId>,
        read: &text::Read,
        clock_start: Millis,
        mark: &InboundMark,
    ) -> Result<Ticket, DeskError> {
        let org = person
            .org_id
            .ok_or_else(|| DeskError::internal("a customer administrator without a customer"))?;
        let now = stored(self.clock.now());
        let received = Timestamp::from_millisecond(clock_start)
            .map_err(|e| DeskError::internal(format!("receipt time: {e}")))?;
        let subject = {
            let s = cut(read.subject.trim(), limits::TICKET_SUBJECT);
            if s.is_empty() {
                "(no subject)".to_string()
            } else {
                s
            }
        };
        let (agreement, compiled) = self.agreement_at(org, clock_start).await?;
        let first = NewEvent {
            at: received,
            actor_id: Some(person.id),
            kind: EventType::Created,
            data: json!({
                "kind": kind.as_str(),
                "priority": priority.map(|p| p.as_str()),
                "channel": Channel::Email.as_str(),
                "subject": subject,
                "description": Self::mail_text(read, follows),
                "reporter": person.id,
                "mail": mark.mail_id,
                "follows": follows.map(|t| t.0),
            }),
        };
        let history = [Event {
            id: 0,
            ticket_id: TicketId(0),
            at: first.at,
            actor_id: first.actor_id,
            kind: first.kind,
            data: first.data.clone(),
            recorded_at: now,
        }];
        let clocks = derive(&history, Status::New, &compiled, now)?;
        // The same notifications as a ticket filed on the portal: the reporter's receipt with
        // the clock and due times, and the desk's on-duty list (SLA-RULES §10).
        let receipt = self.receipt(person.id, person, org).await?;
        let compose = |t: &Ticket| receipt.compose(&self.links, &compiled.calendar, now, t);
        let ticket = self
            .store
            .create_ticket_marked(
                &NewTicket {
                    org_id: org,
                    agreement_id: agreement.id,
                    kind,
                    priority,
                    channel: Channel::Email,
                    subject,
                    reporter_id: person.id,
                    received_at: received,
                    created_at: now,
                },
                &first,
                &TicketUpdate {
                    status: Status::New,
                    priority,
                    assignee_id: None,
                    clocks,
                },
                &files_of(read, person, now),
                Some(mark),
                compose,
            )
            .await?;
        Ok(ticket)
    }

    async fn comment_by_mail(
        &self,
        person: &Person,
        ticket: &Ticket,
        read: &text::Read,
        mark: &InboundMark,
    ) -> Result<Ticket, DeskError> {
        let now = stored(self.clock.now());
        let body = {
            let b = Self::mail_text(read, None);
            if b.is_empty() {
                "(empty mail)".to_string()
            } else {
                b
            }
        };
        let event = NewEvent {
            at: now,
            actor_id: Some(person.id),
            kind: EventType::Commented,
            data: json!({ "body": cut(&body, limits::COMMENT), "internal": false, "response": false, "mail": mark.mail_id }),
        };
        let files = files_of(read, person, now);
        let compiled = self.compiled(ticket.agreement_id).await?;
        let scope = crate::access::scope_of(person);
        let compute = |current: &Ticket, history: &[Event]| {
            let next = if current.status == Status::WaitingOnCustomer {
                Status::Open
            } else {
                current.status
            };
            Ok::<_, DeskError>(TicketUpdate {
                status: next,
                priority: current.priority,
                assignee_id: current.assignee_id,
                clocks: derive(history, next, &compiled, now)?,
            })
        };
        // A reply by mail is a public reply: the assignee hears of it (SLA-RULES §10).
        let notice = Notice::Reply { body: body.clone() };
        let audience = self.audience(ticket, &notice).await?;
        let readers = self.readers_for(&notice, person.id, &audience).await?;
        let links = &self.links;
        let calendar = &compiled.calendar;
        let mails = notify::mailer(links, &notice, &readers, calendar, now);
        let (t, _) = self
            .store
            .record_event_marked(&scope, ticket.id, &event, &files, mark, now, compute, mails)
            .await?;
        Ok(t)
    }
}
