//! Notifications of ticket events (SLA-RULES §10): who is mailed about what, in their own
//! language, as plain text with a simple (escaped) HTML alternative, threaded per ticket.
//! The mails are written here and queued by the store in the transaction of the event.
//!
//! Who: see [`crate::recipients`] (the reporter, the assignee, followers, people copied, the
//! customer's administrators who follow their colleagues' tickets, each as their preferences
//! say; never the person who acted); a ticket received also mails its reporter (the
//! confirmation) and, while it has no assignee, the desk's on-duty list. Internal notes mail
//! no one.

use jiff::Timestamp;
use sla::words::{self, ClockStartReason};
use sla::{Calendar, Lang, OutcomeKind, Priority, TicketKind};
use store::{Person, PersonId, ThreadMail, Ticket};

use crate::i18n::Tr;

/// Where links in mails point and which domain names the mails' `Message-ID`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The public base URL of the web interface, without a trailing slash.
    pub public_url: String,
    /// The domain of `Message-ID`s (the sender's domain).
    pub mail_domain: String,
}

impl Default for Links {
    /// `http://localhost:8080` and `loket.localhost`.
    fn default() -> Self {
        Links {
            public_url: "http://localhost:8080".into(),
            mail_domain: "loket.localhost".into(),
        }
    }
}

impl Links {
    /// Links from `LOKET_PUBLIC_URL` and the domain of `LOKET_SMTP_FROM` (each falling back
    /// to the default).
    pub fn from_env() -> Links {
        let d = Links::default();
        let public_url = std::env::var("LOKET_PUBLIC_URL")
            .ok()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty())
            .unwrap_or(d.public_url);
        let mail_domain = std::env::var("LOKET_SMTP_FROM")
            .ok()
            .and_then(|f| {
                let addr = f.trim().trim_end_matches('>').to_string();
                addr.rsplit_once('@').map(|(_, d)| d.trim().to_string())
            })
            .filter(|d| !d.is_empty())
            .unwrap_or(d.mail_domain);
        Links {
            public_url,
            mail_domain,
        }
    }

    /// The ticket's page.
    pub fn ticket(&self, id: i64) -> String {
        format!("{}/tickets/{id}", self.public_url)
    }

    /// The thread root of a ticket: the `Message-ID` of its confirmation to the reporter,
    /// which every later mail of the ticket refers to.
    pub fn thread_root(&self, ticket: i64) -> String {
        format!("<loket.ticket.{ticket}@{}>", self.mail_domain)
    }
}

/// What happened to a ticket, as far as mail is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The ticket was filed (or a call registered).
    Received,
    /// A public reply on the ticket.
    Reply {
        /// The reply's text.
        body: String,
    },
    /// The desk waits for the customer.
    Waiting {
        /// Why, if a reason was given.
        reason: Option<String>,
    },
    /// Resolved: the reporter may close it or reopen it.
    Resolved {
        /// How, if a reason was given.
        reason: Option<String>,
    },
    /// Reopened.
    Reopened {
        /// Why, if a reason was given.
        reason: Option<String>,
    },
    /// The priority changed.
    Priority {
        /// The priority before.
        from: Option<Priority>,
        /// The priority now.
        to: Priority,
        /// Why (SLA §6.2: always given).
        reason: String,
    },
    /// A target's deadline lies within the at-risk window (to the desk).
    AtRisk {
        /// The target's index among the ticket's bounds.
        bound: i64,
        /// The target's percent, in basis points.
        percent_bp: i64,
        /// Its deadline.
        deadline: Timestamp,
    },
    /// A target's deadline passed while the ticket was open (to the desk).
    Missed {
        /// The target's index among the ticket's bounds.
        bound: i64,
        /// The target's percent, in basis points.
        percent_bp: i64,
        /// The deadline that passed.
        deadline: Timestamp,
    },
    /// The service desk's assessment of an RFC, in the reader's language.
    Assessment {
        /// The assessment in words, per language.
        body: AssessmentWords,
    },
}

/// An assessment in Dutch and in English, so each reader gets their own language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentWords {
    /// In Dutch.
    pub nl: String,
    /// In English.
    pub en: String,
}

impl Notice {
    /// The event's name in a person's preferences (SLA-RULES §10).
    pub fn event(&self) -> &'static str {
        self.key()
    }

    /// The catalog key of the event.
    fn key(&self) -> &'static str {
        match self {
            Notice::Received => "received",
            Notice::Reply { .. } => "reply",
            Notice::Waiting { .. } => "waiting",
            Notice::Resolved { .. } => "resolved",
            Notice::Reopened { .. } => "reopened",
            Notice::Priority { .. } => "priority",
            Notice::AtRisk { .. } => "at_risk",
            Notice::Missed { .. } => "missed",
            Notice::Assessment { .. } => "assessment",
        }
    }

    /// What makes the `Message-ID` of an alert unique besides the ticket: the kind, bound and
    /// deadline (an alert goes once per those); `None` for the mails of an event.
    fn alert_tag(&self) -> Option<String> {
        match self {
            Notice::AtRisk {
                bound, deadline, ..
            }
            | Notice::Missed {
                bound, deadline, ..
            } => Some(format!("{}.{bound}.{}", self.key(), deadline.as_second())),
            _ => None,
        }
    }
}

/// A target's percent in words (`90%`).
fn percent_words(bp: i64) -> String {
    u32::try_from(bp)
        .ok()
        .and_then(sla::Percent::from_basis_points)
        .map_or_else(|| format!("{bp}bp"), |p| p.to_string())
}

/// One person a notification goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// Their address.
    pub email: String,
    /// Their name, for the greeting.
    pub name: String,
    /// Their language.
    pub lang: Lang,
    /// Vendor staff (gets the desk's version of a received ticket).
    pub desk: bool,
    /// The person, when the reader has an account.
    pub person: Option<PersonId>,
    /// The one-click unsubscribe address (RFC 8058) when the mail is optional for them.
    pub unsubscribe: Option<String>,
    /// They chose the daily digest: the mail is kept for it instead of sent.
    pub digest: bool,
}

impl Reader {
    /// The reader for a person with an account.
    pub fn of(p: &Person) -> Reader {
        Reader {
            email: p.email.clone(),
            name: p.name.clone(),
            lang: Tr::for_code(&p.lang).0,
            desk: p.role.is_vendor(),
            person: Some(p.id),
            unsubscribe: None,
            digest: false,
        }
    }
}

/// Who is mailed about `notice`: the reporter and the assignee, but not the actor (who knows
/// already), except that a received ticket is confirmed to its reporter and, while unassigned,
/// goes to the desk's on-duty list; inactive accounts get nothing; each address once.
pub fn readers(
    notice: &Notice,
    actor: PersonId,
    reporter: &Person,
    assignee: Option<&Person>,
    on_duty: &[Person],
) -> Vec<Reader> {
    let mut people: Vec<&Person> = Vec::new();
    if *notice == Notice::Received {
        people.push(reporter);
        match assignee {
            Some(a) => people.push(a),
            None => people.extend(on_duty.iter()),
        }
        people.retain(|p| p.id == reporter.id || p.id != actor);
    } else {
        people.push(reporter);
        people.extend(assignee);
        people.retain(|p| p.id != actor);
    }
    let mut out: Vec<Reader> = Vec::new();
    for p in people.into_iter().filter(|p| p.active) {
        if !out.iter().any(|r| r.email.eq_ignore_ascii_case(&p.email)) {
            out.push(Reader::of(p));
        }
    }
    out
}

/// The receipt of a ticket being received, read before the ticket's transaction: who reads it
/// (the reporter and, while it has no assignee, the on-duty list) and the customer's name.
#[derive(Debug, Clone)]
pub struct Receipt {
    readers: Vec<Reader>,
    customer: String,
}

impl crate::Desk {
    /// The [`Receipt`] of a ticket of customer `org` reported by `reporter`, filed by `actor`.
    pub async fn receipt(
        &self,
        actor: PersonId,
        reporter: &Person,
        org: store::OrgId,
    ) -> Result<Receipt, crate::DeskError> {
        self.receipt_with_cc(actor, reporter, org, Vec::new()).await
    }

    /// [`Desk::receipt`] for a ticket that copies `cc` (people of the same customer): the
    /// copied, the customer's administrators who follow their colleagues' tickets and the
    /// on-duty list read it too, each as their preferences say.
    pub async fn receipt_with_cc(
        &self,
        actor: PersonId,
        reporter: &Person,
        org: store::OrgId,
        cc: Vec<Person>,
    ) -> Result<Receipt, crate::DeskError> {
        let audience = crate::recipients::Audience {
            reporter: reporter.clone(),
            assignee: None,
            on_duty: self.store.on_duty().await?,
            cc,
            followers: Vec::new(),
            colleagues: self.store.colleague_readers(org).await?,
            prefs: Default::default(),
            tokens: Default::default(),
        };
        let customer = self.store.get_org(&store::Scope::System, org).await?.name;
        Ok(Receipt {
            readers: self
                .readers_for(&Notice::Received, actor, &audience)
                .await?,
            customer,
        })
    }
}

impl Receipt {
    /// The receipt's mails for the ticket as filed, measured on `calendar`.
    pub fn compose(
        &self,
        links: &Links,
        calendar: &Calendar,
        now: Timestamp,
        ticket: &Ticket,
    ) -> Vec<ThreadMail> {
        let cx = Context {
            calendar,
            customer: &self.customer,
            now,
        };
        compose(links, &Notice::Received, ticket, &self.readers, cx)
    }
}

/// Escapes text for HTML (element content and quoted attribute values).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a mail needs to know of the ticket beyond the row.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The calendar the ticket is measured on.
    pub calendar: &'a Calendar,
    /// The customer's name.
    pub customer: &'a str,
    /// Now.
    pub now: Timestamp,
}

/// The mails of `notice` to `readers` for a ticket write: given the ticket as it is after the
/// event, measured on `calendar` at `now` (the write's `mails` argument).
pub fn mailer<'a>(
    links: &'a Links,
    notice: &'a Notice,
    readers: &'a [Reader],
    calendar: &'a Calendar,
    now: Timestamp,
) -> impl Fn(&Ticket) -> Vec<ThreadMail> + 'a {
    move |t: &Ticket| {
        let cx = Context {
            calendar,
            customer: "",
            now,
        };
        compose(links, notice, t, readers, cx)
    }
}

/// The mails for `notice` on `ticket` (as it is after the event), one per reader.
pub fn compose(
    links: &Links,
    notice: &Notice,
    ticket: &Ticket,
    readers: &[Reader],
    cx: Context<'_>,
) -> Vec<ThreadMail> {
    let id = ticket.id.0;
    let root = links.thread_root(id);
    readers
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let t = Tr(r.lang);
            let desk_copy = r.desk && *notice == Notice::Received;
            let key = if desk_copy { "new" } else { notice.key() };
            let what = t.get(&format!("mail.notice.{key}.what"));
            let subject = format!("[#{id}] {what}: {}", ticket.subject);
            let mut paragraphs = lines(t, notice, ticket, desk_copy, cx);
            let link = links.ticket(id);
            let greeting = t.fill("mail.notice.greeting", &[("name", &r.name)]);
            let see = t.get("mail.notice.see");
            let closing = t.fill("mail.notice.closing", &[]);
            let mut text = format!("{greeting}\n\n");
            let mut html = format!("<p>{}</p>\n", escape_html(&greeting));
            for p in paragraphs.drain(..) {
                text.push_str(&p);
                text.push_str("\n\n");
                html.push_str(&format!(
                    "<p>{}</p>\n",
                    escape_html(&p).replace('\n', "<br>\n")
                ));
            }
            text.push_str(&format!("{see} {link}\n"));
            html.push_str(&format!(
                "<p><a href=\"{}\">{} #{id}</a></p>\n",
                escape_html(&link),
                escape_html(see)
            ));
            if matches!(notice, Notice::Resolved { .. }) && !r.desk {
                let reopen = format!("{link}#reopen");
                let close = format!("{link}#close");
                let words = t.fill(
                    "mail.notice.resolved.links",
                    &[("reopen", &reopen), ("close", &close)],
                );
                text.push_str(&format!("{words}\n"));
                html.push_str(&format!(
                    "<p><a href=\"{}\">{}</a> · <a href=\"{}\">{}</a></p>\n",
                    escape_html(&close),
                    escape_html(t.get("mail.notice.resolved.close")),
                    escape_html(&reopen),
                    escape_html(t.get("mail.notice.resolved.reopen")),
                ));
            }
            if let Some(u) = &r.unsubscribe {
                let stop = t.fill("mail.notice.unsubscribe", &[("url", u)]);
                text.push_str(&format!("\n{stop}\n"));
                html.push_str(&format!(
                    "<p><a href=\"{}\">{}</a></p>\n",
                    escape_html(u),
                    escape_html(&stop)
                ));
            }
            text.push_str(&format!("\n{closing}\n"));
            html.push_str(&format!(
                "<p>{}</p>\n",
                escape_html(&closing).replace('\n', "<br>\n")
            ));
            // The reporter's confirmation is the one mandatory customer mail of a received
            // ticket (copies and colleagues' mails are optional): it starts the thread.
            let confirmation = *notice == Notice::Received && !r.desk && r.unsubscribe.is_none();
            let message_id = if confirmation {
                root.clone()
            } else if let Some(tag) = notice.alert_tag() {
                format!("<loket.ticket.{id}.{tag}.{k}@{}>", links.mail_domain)
            } else {
                format!(
                    "<loket.ticket.{id}.{}.{k}@{}>",
                    ticket.event_count, links.mail_domain
                )
            };
            let mut headers = vec![
                ("Auto-Submitted".to_string(), "auto-generated".to_string()),
                ("X-Auto-Response-Suppress".to_string(), "All".to_string()),
            ];
            if !confirmation {
                headers.push(("In-Reply-To".to_string(), root.clone()));
                headers.push(("References".to_string(), root.clone()));
            }
            crate::recipients::optional_headers(r, &mut headers);
            ThreadMail {
                to_address: r.email.clone(),
                subject,
                body_text: text,
                body_html: Some(format!(
                    "<!DOCTYPE html>\n<html lang=\"{}\"><body>\n{html}</body></html>\n",
                    if r.lang == Lang::En { "en" } else { "nl" }
                )),
                message_id,
                headers,
            }
        })
        .collect()
}

fn notice_reason(notice: &Notice) -> Option<String> {
    match notice {
        Notice::Waiting { reason } | Notice::Resolved { reason } | Notice::Reopened { reason } => {
            reason.clone()
        }
        _ => None,
    }
}

/// The paragraphs of one mail.
fn lines(t: Tr, notice: &Notice, ticket: &Ticket, desk_copy: bool, cx: Context<'_>) -> Vec<String> {
    let subject = ticket.subject.as_str();
    let priority = ticket
        .priority
        .map(|p| p.label(t.0).to_string())
        .unwrap_or_else(|| ticket.kind.label(t.0).to_string());
    let mut out = Vec::new();
    match notice {
        Notice::Received if desk_copy => {
            out.push(t.fill(
                "mail.notice.new.line",
                &[
                    ("customer", cx.customer),
                    ("subject", subject),
                    ("priority", &priority),
                ],
            ));
            out.push(clock_words(t, ticket, cx));
        }
        Notice::Received => {
            out.push(t.fill(
                "mail.notice.received.line",
                &[("subject", subject), ("priority", &priority)],
            ));
            out.push(clock_words(t, ticket, cx));
        }
        Notice::Reply { body } => {
            out.push(t.fill("mail.notice.reply.line", &[("subject", subject)]));
            out.push(body.trim().to_string());
        }
        Notice::Waiting { .. } => {
            out.push(t.fill("mail.notice.waiting.line", &[("subject", subject)]));
        }
        Notice::Resolved { .. } => {
            out.push(t.fill("mail.notice.resolved.line", &[("subject", subject)]));
        }
        Notice::Reopened { .. } => {
            out.push(t.fill("mail.notice.reopened.line", &[("subject", subject)]));
        }
        Notice::Priority { from, to, reason } => {
            let from = from.map_or_else(|| "-".to_string(), |p| p.label(t.0).to_string());
            out.push(t.fill(
                "mail.notice.priority.line",
                &[
                    ("subject", subject),
                    ("from", &from),
                    ("to", to.label(t.0)),
                    ("reason", reason.trim()),
                ],
            ));
        }
        Notice::AtRisk {
            percent_bp,
            deadline,
            ..
        }
        | Notice::Missed {
            percent_bp,
            deadline,
            ..
        } => {
            let at = words::format_local(cx.calendar, deadline.as_second(), t.0);
            let key = format!("mail.notice.{}.line", notice.key());
            out.push(t.fill(
                &key,
                &[
                    ("customer", cx.customer),
                    ("subject", subject),
                    ("priority", &priority),
                    ("p", &percent_words(*percent_bp)),
                    ("at", &at),
                ],
            ));
        }
        Notice::Assessment { body } => {
            out.push(t.fill("mail.notice.assessment.line", &[("subject", subject)]));
            let words = if t.0 == Lang::En { &body.en } else { &body.nl };
            out.push(words.trim().to_string());
        }
    }
    if let Some(reason) = notice_reason(notice).filter(|r| !r.trim().is_empty()) {
        out.push(t.fill("mail.notice.reason", &[("reason", reason.trim())]));
    }
    out
}

/// When the clock starts (and why later, if the service window is closed) and each due
/// time, in the words the ticket page uses.
fn clock_words(t: Tr, ticket: &Ticket, cx: Context<'_>) -> String {
    let lang = t.0;
    let start_s = ticket.clocks.clock_start.as_second();
    let received_s = ticket.received_at.as_second();
    let now_s = cx.now.as_second();
    let at = words::format_local(cx.calendar, start_s, lang);
    let mut parts = Vec::new();
    parts.push(if start_s <= now_s {
        t.fill("sla.clock_started", &[("at", &at)])
    } else {
        t.fill("sla.clock_starts", &[("at", &at)])
    });
    let why = if received_s >= start_s {
        t.fill(
            "ticket.why_open",
            &[("reason", &ClockStartReason::Open.describe(lang))],
        )
    } else {
        match words::clock_start_reason(cx.calendar, received_s) {
            Ok(reason) => t.fill("ticket.why_later", &[("reason", &reason.describe(lang))]),
            Err(_) => String::new(),
        }
    };
    if !why.is_empty() {
        parts.push(why);
    }
    for r in &ticket.clocks.targets {
        let p = percent_words(r.percent_bp);
        match (r.outcome, r.deadline) {
            (OutcomeKind::Running, Some(d)) => {
                let at = words::format_local(cx.calendar, d.as_second(), lang);
                parts.push(t.fill("sla.target", &[("p", &p), ("at", &at)]));
            }
            (OutcomeKind::Running, None) => {
                parts.push(t.fill("sla.target_paused", &[("p", &p)]));
            }
            _ => {}
        }
    }
    if ticket.clocks.targets.is_empty() && ticket.kind != TicketKind::Incident {
        parts.push(t.get("sla.no_targets").to_string());
    }
    parts.join("\n")
}

/// A person's standing for mail: on the desk's on-duty list, and whether mail to their
/// address bounces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailStanding {
    /// On the on-duty list (vendor staff only).
    pub on_duty: bool,
    /// The bounce state of their address, if mail to it ever bounced.
    pub address: Option<store::AddressStatus>,
}

impl crate::Desk {
    /// The mail standing of a person the caller may see (another customer's person is a 404).
    pub async fn mail_standing(
        &self,
        caller: &crate::Caller,
        id: PersonId,
    ) -> Result<MailStanding, crate::DeskError> {
        let p = self.store.get_person(&caller.scope, id).await?;
        Ok(MailStanding {
            on_duty: self.store.is_on_duty(p.id).await?,
            address: self.store.address_status(&p.email).await?,
        })
    }

    /// Puts one of the vendor staff on or off the on-duty list (administrators), audited.
    pub async fn set_on_duty(
        &self,
        caller: &crate::Caller,
        id: PersonId,
        on: bool,
    ) -> Result<MailStanding, crate::DeskError> {
        caller.require(
            &[store::Role::Admin],
            "only an administrator keeps the on-duty list",
        )?;
        let p = self.store.get_person(&caller.scope, id).await?;
        if !p.role.is_vendor() {
            return Err(crate::DeskError::invalid(
                "on_duty",
                "only the service desk's staff can be on duty",
            ));
        }
        self.store.set_on_duty(id, on).await?;
        self.audit(
            Some(caller),
            None,
            "person.on_duty",
            serde_json::json!({ "person": id, "on_duty": on }),
        )
        .await?;
        self.mail_standing(caller, id).await
    }
}
