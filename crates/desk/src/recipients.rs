//! Who reads a ticket's notifications (SLA-RULES §10): the reporter, the assignee, the
//! on-duty list, the people copied on the ticket, the service desk's followers and the
//! customer's administrators who follow their colleagues' tickets; each person's preferences
//! (events on or off, single mails or a daily digest); the one-click unsubscribe of RFC 8058;
//! and the daily digest job.
//!
//! Not optional (no `List-Unsubscribe`, preferences do not apply, never in a digest): the
//! reporter's receipt of a ticket received (it states when the contract's clock starts) and
//! the on-duty list's copy of a new ticket (the on-duty list itself is the switch). Every
//! other notification is optional. Internal notes mail no one.

use std::collections::HashMap;

use jiff::civil::Time;
use store::{NewMail, NotificationPrefs, OrgId, Person, PersonId, Role, Scope, Ticket, TicketId};

use crate::access::new_secret;
use crate::i18n::Tr;
use crate::notify::{Links, Notice, Reader};
use crate::{Caller, Desk, DeskError, limits};

/// The events a person may turn on or off, as named in their preferences.
pub const EVENTS: [&str; 6] = [
    "received", "reply", "waiting", "resolved", "reopened", "priority",
];

/// The most people copied on one ticket.
pub const MAX_CC: usize = 20;

/// The local hour (Europe/Amsterdam) from which a day's digest is sent.
pub const DIGEST_HOUR: i8 = 8;

/// The lease the digest job runs under.
pub const DIGEST_LEASE: &str = "digests";

/// Everyone who may read a ticket's notifications, by their relation to it.
#[derive(Debug, Clone)]
pub struct Audience {
    /// The reporter.
    pub reporter: Person,
    /// The assignee.
    pub assignee: Option<Person>,
    /// The on-duty list (read only for a ticket received without an assignee).
    pub on_duty: Vec<Person>,
    /// The people copied on the ticket.
    pub cc: Vec<Person>,
    /// The service desk's followers.
    pub followers: Vec<Person>,
    /// The customer's administrators who follow their colleagues' tickets.
    pub colleagues: Vec<Person>,
    /// Preferences already read, by person (the others are read when needed).
    pub prefs: HashMap<PersonId, NotificationPrefs>,
    /// Unsubscribe tokens already read for the notice's event, by person.
    pub tokens: HashMap<PersonId, String>,
}

/// Who may read `notice`, each with whether the mail is optional for them: never the actor
/// (except the reporter's receipt), only active accounts, each address once (the first,
/// strongest relation wins).
pub fn candidates<'a>(
    notice: &Notice,
    actor: PersonId,
    a: &'a Audience,
) -> Vec<(&'a Person, bool)> {
    let mut people: Vec<(&Person, bool)> = Vec::new();
    if *notice == Notice::Received {
        people.push((&a.reporter, false));
        match &a.assignee {
            Some(p) => people.push((p, true)),
            None => people.extend(a.on_duty.iter().map(|p| (p, false))),
        }
        people.extend(a.cc.iter().map(|p| (p, true)));
        people.extend(a.colleagues.iter().map(|p| (p, true)));
        people.retain(|(p, _)| p.id == a.reporter.id || p.id != actor);
    } else {
        people.push((&a.reporter, true));
        people.extend(a.assignee.iter().map(|p| (p, true)));
        people.extend(a.followers.iter().map(|p| (p, true)));
        people.extend(a.cc.iter().map(|p| (p, true)));
        people.extend(a.colleagues.iter().map(|p| (p, true)));
        people.retain(|(p, _)| p.id != actor);
    }
    let mut out: Vec<(&Person, bool)> = Vec::new();
    for (p, optional) in people.into_iter().filter(|(p, _)| p.active) {
        if !out
            .iter()
            .any(|(q, _)| q.email.eq_ignore_ascii_case(&p.email))
        {
            out.push((p, optional));
        }
    }
    out
}

/// Adds the headers of an optional mail: the one-click unsubscribe (RFC 8058) and, for a
/// reader who chose the digest, the mark that keeps it for the digest.
pub(crate) fn optional_headers(r: &Reader, headers: &mut Vec<(String, String)>) {
    if let Some(u) = &r.unsubscribe {
        headers.push(("List-Unsubscribe".to_string(), format!("<{u}>")));
        headers.push((
            "List-Unsubscribe-Post".to_string(),
            "List-Unsubscribe=One-Click".to_string(),
        ));
    }
    if let (true, Some(p)) = (r.digest, r.person) {
        headers.push((store::DIGEST_HEADER.to_string(), p.0.to_string()));
    }
}

impl Links {
    /// The one-click unsubscribe address of a token.
    pub fn unsubscribe(&self, token: &str) -> String {
        format!("{}/unsubscribe/{token}", self.public_url)
    }

    /// The notification preferences page.
    pub fn preferences(&self) -> String {
        format!("{}/settings/notifications", self.public_url)
    }
}

/// What the unsubscribe token of a mail stands for.
#[derive(Debug, Clone)]
pub struct Unsubscribe {
    /// The person.
    pub person: Person,
    /// The event turned off.
    pub event: String,
}

/// One run of the digest job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestRun {
    /// Digests queued.
    pub mails: usize,
}

/// The checked input of a person's preferences.
#[derive(Debug, Clone)]
pub struct PrefsInput {
    /// Each event of [`EVENTS`]: mailed or not.
    pub events: Vec<(String, bool)>,
    /// A daily digest instead of single mails.
    pub digest: bool,
    /// (Customer administrators) their colleagues' tickets too.
    pub colleagues: bool,
}

impl Desk {
    /// The people who may read the notifications of `notice` on `ticket` (as it is now), with
    /// their preferences and unsubscribe tokens for it, read at once.
    pub async fn audience(&self, ticket: &Ticket, notice: &Notice) -> Result<Audience, DeskError> {
        let r = self
            .store
            .ticket_readers(
                ticket.id,
                ticket.org_id,
                ticket.reporter_id,
                ticket.assignee_id,
                notice.event(),
            )
            .await?;
        let reporter = r.reporter.ok_or(DeskError::NotFound("person"))?;
        Ok(Audience {
            reporter,
            assignee: r.assignee,
            on_duty: Vec::new(),
            cc: r.cc,
            followers: r.followers,
            colleagues: r.colleagues,
            prefs: r.prefs,
            tokens: r.tokens,
        })
    }

    /// The readers of `notice` among `audience`, as their preferences say: an optional
    /// mail the person turned off is left out, one for a digest reader is marked for the
    /// digest, and every optional mail names its one-click unsubscribe address.
    pub async fn readers_for(
        &self,
        notice: &Notice,
        actor: PersonId,
        audience: &Audience,
    ) -> Result<Vec<Reader>, DeskError> {
        let event = notice.event();
        let mut out = Vec::new();
        for (p, optional) in candidates(notice, actor, audience) {
            let mut r = Reader::of(p);
            if optional {
                let prefs = match audience.prefs.get(&p.id) {
                    Some(known) => known.clone(),
                    None => self.store.notification_prefs(p.id).await?,
                };
                if !prefs.wants(event) {
                    continue;
                }
                r.digest = prefs.digest;
                let token = match audience.tokens.get(&p.id) {
                    Some(known) => known.clone(),
                    None => {
                        self.store
                            .unsubscribe_token(p.id, event, &new_secret()?, self.now_ms())
                            .await?
                    }
                };
                r.unsubscribe = Some(self.links.unsubscribe(&token));
            }
            out.push(r);
        }
        Ok(out)
    }

    /// The caller's notification preferences.
    pub async fn my_notification_prefs(
        &self,
        caller: &Caller,
    ) -> Result<NotificationPrefs, DeskError> {
        Ok(self.store.notification_prefs(caller.person.id).await?)
    }

    /// Stores the caller's notification preferences; only a customer administrator may ask
    /// for their colleagues' tickets.
    pub async fn set_my_notification_prefs(
        &self,
        caller: &Caller,
        input: &PrefsInput,
    ) -> Result<NotificationPrefs, DeskError> {
        let mut off = Vec::new();
        for (event, on) in &input.events {
            if !EVENTS.contains(&event.as_str()) {
                return Err(DeskError::invalid(
                    format!("events.{event}"),
                    format!("unknown event; one of {}", EVENTS.join(", ")),
                ));
            }
            if !on {
                off.push(event.clone());
            }
        }
        if input.colleagues && caller.role() != Role::CustomerAdmin {
            return Err(DeskError::invalid(
                "colleagues",
                "only a customer administrator reads their colleagues' tickets",
            ));
        }
        let prefs = NotificationPrefs {
            off,
            digest: input.digest,
            colleagues: input.colleagues,
        };
        self.store
            .set_notification_prefs(caller.person.id, &prefs, self.now_ms())
            .await?;
        Ok(self.store.notification_prefs(caller.person.id).await?)
    }

    /// What an unsubscribe token stands for; `NotFound` for a token that was never given.
    pub async fn unsubscribe_info(&self, token: &str) -> Result<Unsubscribe, DeskError> {
        if token.is_empty() || token.len() > 128 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DeskError::NotFound("unsubscribe token"));
        }
        let (person, event) = self
            .store
            .unsubscribe_lookup(token)
            .await?
            .ok_or(DeskError::NotFound("unsubscribe token"))?;
        let person = self.store.get_person(&Scope::System, person).await?;
        Ok(Unsubscribe { person, event })
    }

    /// Turns off exactly the event the token stands for, for its person (idempotent).
    pub async fn unsubscribe(&self, token: &str) -> Result<Unsubscribe, DeskError> {
        let u = self.unsubscribe_info(token).await?;
        let now = self.now_ms();
        let audit = store::AuditEntry {
            at: now,
            actor_id: None,
            org_id: None,
            action: "notifications.unsubscribe".into(),
            detail: serde_json::json!({ "person": u.person.id, "event": u.event }),
        };
        self.store
            .turn_off_event(u.person.id, &u.event, now, &audit)
            .await?;
        Ok(u)
    }

    /// The people copied on a ticket the caller may see.
    pub async fn ticket_cc(&self, caller: &Caller, id: TicketId) -> Result<Vec<Person>, DeskError> {
        let t = self.store.get_ticket(&caller.scope, id).await?;
        Ok(self.store.ticket_cc(t.id).await?)
    }

    /// The people of customer `org` named by `addresses` (checked: well-formed, at most
    /// [`MAX_CC`], each an active person of that customer; anything else is refused naming
    /// `cc`, in the same words whether the address is unknown or another customer's).
    pub async fn resolve_cc(
        &self,
        org: OrgId,
        addresses: &[String],
    ) -> Result<Vec<Person>, DeskError> {
        if addresses.len() > MAX_CC {
            return Err(DeskError::invalid(
                "cc",
                format!("at most {MAX_CC} people are copied on a ticket"),
            ));
        }
        let people = self.store.list_people(&Scope::System, Some(org)).await?;
        let mut out: Vec<Person> = Vec::new();
        for a in addresses {
            let a = a.trim();
            limits::check("cc", a, limits::EMAIL)?;
            if !well_formed(a) {
                return Err(DeskError::invalid(
                    "cc",
                    format!("{a} is not an e-mail address"),
                ));
            }
            let Some(p) = people
                .iter()
                .find(|p| p.active && p.email.eq_ignore_ascii_case(a))
            else {
                return Err(DeskError::invalid(
                    "cc",
                    format!("{a} is not a person of this customer; only they can be copied"),
                ));
            };
            if !out.iter().any(|q| q.id == p.id) {
                out.push(p.clone());
            }
        }
        Ok(out)
    }

    /// Replaces the people copied on a ticket: its customer's administrators and the service
    /// desk may; viewers read. Audited.
    pub async fn set_ticket_cc(
        &self,
        caller: &Caller,
        id: TicketId,
        addresses: &[String],
    ) -> Result<Vec<Person>, DeskError> {
        let t = self.store.get_ticket(&caller.scope, id).await?;
        if caller.role() == Role::CustomerViewer {
            return Err(DeskError::Forbidden(
                "viewers read; only administrators change who is copied".into(),
            ));
        }
        let people = self.resolve_cc(t.org_id, addresses).await?;
        let ids: Vec<PersonId> = people.iter().map(|p| p.id).collect();
        self.store.set_ticket_cc(t.id, &ids).await?;
        self.audit(
            Some(caller),
            Some(t.org_id),
            "ticket.cc",
            serde_json::json!({ "ticket": t.id, "cc": ids }),
        )
        .await?;
        Ok(self.store.ticket_cc(t.id).await?)
    }

    /// The service desk's followers of a ticket (vendor staff).
    pub async fn ticket_followers(
        &self,
        caller: &Caller,
        id: TicketId,
    ) -> Result<Vec<Person>, DeskError> {
        caller.require_vendor()?;
        let t = self.store.get_ticket(&caller.scope, id).await?;
        Ok(self.store.followers(t.id).await?)
    }

    /// Starts or stops the caller (vendor staff) following a ticket; returns the followers.
    pub async fn set_following(
        &self,
        caller: &Caller,
        id: TicketId,
        on: bool,
    ) -> Result<Vec<Person>, DeskError> {
        caller.require_vendor()?;
        let t = self.store.get_ticket(&caller.scope, id).await?;
        self.store.set_following(t.id, caller.person.id, on).await?;
        Ok(self.store.followers(t.id).await?)
    }

    /// One run of the digest job at the injected clock's time: from [`DIGEST_HOUR`] local
    /// time (Europe/Amsterdam) each person with entries from before that hour gets one digest
    /// of that day; entries that arrive later wait for the next day's. Idempotent: a day's
    /// digest is queued once per person, whichever instance gets there first.
    pub async fn send_digests(&self) -> Result<DigestRun, DeskError> {
        let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").map_err(DeskError::internal)?;
        let now = self.clock.now();
        let local = now.to_zoned_datetime(tz.clone());
        let mut run = DigestRun::default();
        if local.time() < Time::constant(DIGEST_HOUR, 0, 0, 0) {
            return Ok(run);
        }
        let day = local.date().to_string();
        // The day's digest carries what arrived before that day's digest hour.
        let cutoff = tz
            .to_timestamp(local.date().at(DIGEST_HOUR, 0, 0, 0))
            .map_err(DeskError::internal)?
            .as_millisecond();
        for person in self.store.digest_readers(cutoff).await? {
            if self.store.digest_sent(person, &day).await? {
                continue;
            }
            let entries = self.store.pending_digest(person, cutoff).await?;
            if entries.is_empty() {
                continue;
            }
            let p = self.store.get_person(&Scope::System, person).await?;
            let mail = digest_mail(&self.links, &p, &day, &entries);
            if self
                .store
                .queue_digest(person, &day, cutoff, &mail, now.as_millisecond())
                .await?
            {
                run.mails += 1;
            }
        }
        Ok(run)
    }

    /// Runs [`Desk::send_digests`] when this instance (`owner`) holds the digest lease,
    /// taken or renewed until `now + ttl`; `None` when another instance holds it.
    pub async fn digests_under_lease(
        &self,
        owner: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<DigestRun>, DeskError> {
        let now = self.now_ms();
        let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        if !self
            .store
            .try_lease(DIGEST_LEASE, owner, now, now.saturating_add(ttl))
            .await?
        {
            return Ok(None);
        }
        self.send_digests().await.map(Some)
    }
}

/// Whether `a` looks like one mailbox: one `@`, a local part and a dotted domain, no spaces
/// or angle brackets.
pub fn well_formed(a: &str) -> bool {
    if a.chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
    {
        return false;
    }
    let Some((local, domain)) = a.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// The digest mail of `day` for `p`: each waiting notification's subject and text.
fn digest_mail(links: &Links, p: &Person, day: &str, entries: &[store::DigestEntry]) -> NewMail {
    let t = Tr::for_code(&p.lang);
    let n = entries.len().to_string();
    let subject = t.fill("mail.digest.subject", &[("day", day), ("n", &n)]);
    let mut body = format!(
        "{}\n\n{}\n\n",
        t.fill("mail.notice.greeting", &[("name", &p.name)]),
        t.fill("mail.digest.intro", &[("day", day), ("n", &n)])
    );
    for e in entries {
        body.push_str(&format!("== {} ==\n", e.subject));
        body.push_str(e.body_text.trim());
        body.push_str("\n\n");
    }
    body.push_str(&t.fill("mail.digest.settings", &[("url", &links.preferences())]));
    body.push('\n');
    NewMail {
        to_address: p.email.clone(),
        subject,
        body_text: body,
    }
}
