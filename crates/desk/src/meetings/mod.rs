//! Meetings with a customer (SLA §5.1, SLA-RULES §7): the strategic, tactical and interim
//! meetings, planned by the service desk with an invitation to every attendee with an address
//! (an iCalendar REQUEST, attached to a mail queued in the planning transaction), rescheduled,
//! minuted with who was there and what was decided, or called off. Action items are in
//! [`items`], the recurring schedule in [`schedule`], the tactical meeting's agenda in
//! [`agenda`].
//!
//! Who may do what: the vendor's staff plan, change, minute and cancel meetings, invite
//! attendees, record action items and set schedules; a customer's people read their own
//! organization's meetings, and a customer administrator may mark an action item done. Times
//! are stored in UTC and put in words in the agreement's time zone (Europe/Amsterdam).

pub mod agenda;
pub mod items;
mod notices;
pub mod schedule;

pub use notices::{IcsMethod, Notice};

use std::sync::Arc;

use jiff::Timestamp;
use sla::{Lang, words};
use store::{
    Attendee, Invitation, MailAttachment, Meeting, MeetingId, MeetingKind, MeetingStatus, Minutes,
    NewAttendee, NewMail, NewMeeting, OrgId, PersonId, Role, Scope, Side,
};

use crate::i18n::Tr;
use crate::time::stored;
use crate::{Caller, Compiled, Desk, DeskError, limits};

/// The longest meeting, in minutes (one day).
pub const MAX_DURATION_MINUTES: i64 = 24 * 60;

/// Everything an iCalendar invitation says about a meeting, for the edge's writer.
#[derive(Debug, Clone, Copy)]
pub struct InvitationParts<'a> {
    /// The meeting.
    pub meeting: &'a Meeting,
    /// The customer's name.
    pub customer: &'a str,
    /// Who organizes it (the planner, or the service desk).
    pub organizer_name: &'a str,
    /// Their address.
    pub organizer_email: &'a str,
    /// The language of the texts in it.
    pub t: Tr,
    /// What it asks of the calendar: take the meeting (REQUEST) or drop it (CANCEL).
    pub method: IcsMethod,
}

/// Writes a meeting's iCalendar message (METHOD:REQUEST or CANCEL, as `method` says); the
/// HTTP edge passes `render::ical::invitation`.
pub type WriteInvitation = dyn Fn(&InvitationParts<'_>) -> String + Send + Sync;

/// A meeting to plan, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingPlan {
    /// The customer.
    pub org_id: OrgId,
    /// Its kind.
    pub kind: MeetingKind,
    /// Its title (may be empty).
    pub title: String,
    /// When it starts.
    pub starts_at: Timestamp,
    /// How long, in minutes (1 to a day).
    pub duration_minutes: i64,
    /// Where (may be empty).
    pub location: String,
    /// The link to join online (may be empty; else http or https).
    pub online_url: String,
    /// Who is invited.
    pub attendees: Vec<NewAttendee>,
}

/// The label of a meeting kind in a language.
pub fn kind_label(kind: MeetingKind, t: Tr) -> &'static str {
    match kind {
        MeetingKind::Strategic => t.get("meeting.kind.strategic"),
        MeetingKind::Tactical => t.get("meeting.kind.tactical"),
        MeetingKind::Interim => t.get("meeting.kind.interim"),
    }
}

/// The label of a meeting status in a language.
pub fn status_label(status: MeetingStatus, t: Tr) -> &'static str {
    match status {
        MeetingStatus::Planned => t.get("meeting.status.planned"),
        MeetingStatus::Held => t.get("meeting.status.held"),
        MeetingStatus::Cancelled => t.get("meeting.status.cancelled"),
    }
}

/// The label of a side in a language.
pub fn side_label(side: Side, t: Tr) -> &'static str {
    match side {
        Side::Vendor => t.get("meeting.side.vendor"),
        Side::Customer => t.get("meeting.side.customer"),
    }
}

/// A meeting's title, or its kind when it has none.
pub fn meeting_title(m: &Meeting, t: Tr) -> String {
    if m.title.trim().is_empty() {
        kind_label(m.kind, t).to_string()
    } else {
        m.title.clone()
    }
}

/// Text of at most `max` characters; blank only when `blank_ok`.
pub(crate) fn text(field: &str, s: &str, max: usize, blank_ok: bool) -> Result<String, DeskError> {
    crate::limits::check(field, s, max)?;
    let s = s.trim();
    if s.is_empty() && !blank_ok {
        return Err(DeskError::invalid(field, "may not be blank"));
    }
    Ok(s.to_string())
}

/// Characters a link may not hold: controls, the space, what `str::trim` counts as blank, and
/// square brackets (a meeting link names a host, not an IPv6 literal).
pub fn unfit_in_link(c: char) -> bool {
    c <= ' '
        || c == '['
        || c == ']'
        || ('\u{7f}'..='\u{a0}').contains(&c)
        || matches!(
            c,
            '\u{1680}' | '\u{2000}'
                ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
        )
}

pub(crate) fn check_url(url: &str) -> Result<String, DeskError> {
    let url = text("online_url", url, limits::MEETING_LINK, true)?;
    let ok = url.is_empty()
        || ((url.starts_with("https://") || url.starts_with("http://"))
            && !url.chars().any(unfit_in_link)
            && url
                .split_once("://")
                .is_some_and(|(_, rest)| !rest.is_empty()));
    if ok {
        Ok(url)
    } else {
        Err(DeskError::invalid(
            "online_url",
            "an http:// or https:// link, or empty",
        ))
    }
}

/// The instants meetings may start at: the years the agreement calendars cover.
pub(crate) fn check_start(field: &str, at: Timestamp) -> Result<Timestamp, DeskError> {
    let year = at.to_zoned_datetime(jiff::tz::TimeZone::UTC).year();
    if (1970..2200).contains(&year) {
        Ok(stored(at))
    } else {
        Err(DeskError::invalid(
            field,
            "a meeting lies in the years 1970 to 2199",
        ))
    }
}

pub(crate) fn check_duration(minutes: i64) -> Result<i64, DeskError> {
    if (1..=MAX_DURATION_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(DeskError::invalid(
            "duration_minutes",
            format!("from 1 to {MAX_DURATION_MINUTES} minutes"),
        ))
    }
}

impl Desk {
    /// The calendar of a customer's agreement in force at `at` (the standard one without).
    pub async fn customer_calendar(
        &self,
        org: OrgId,
        at: Timestamp,
    ) -> Result<Arc<Compiled>, DeskError> {
        let ms = at.as_millisecond();
        Ok(self.availability_rules(org, ms, ms).await?.compiled)
    }

    /// Checks a person named on a meeting of `org` (an attendee or an action item's owner):
    /// vendor staff or that customer's people; anyone else is refused on `field`. Returns
    /// their side.
    pub(crate) async fn meeting_person(
        &self,
        org: OrgId,
        person: PersonId,
        field: &str,
    ) -> Result<(Side, store::Person), DeskError> {
        let p = match self.store.get_person(&Scope::System, person).await {
            Ok(p) => p,
            Err(store::StoreError::NotFound(_)) => {
                return Err(DeskError::invalid(field, format!("no person {person}")));
            }
            Err(e) => return Err(e.into()),
        };
        if p.role.is_vendor() {
            Ok((Side::Vendor, p))
        } else if p.org_id == Some(org) {
            Ok((Side::Customer, p))
        } else {
            Err(DeskError::invalid(
                field,
                format!("person {person} belongs to another customer"),
            ))
        }
    }

    /// Checks an attendee: name, address, role text, and an account of either side that
    /// matches the side given.
    async fn check_attendee(
        &self,
        org: OrgId,
        a: &NewAttendee,
        at: &str,
    ) -> Result<NewAttendee, DeskError> {
        let field = |f: &str| format!("{at}{f}");
        let name = text(&field("name"), &a.name, limits::MEETING_TEXT, false)?;
        let role = text(&field("role"), &a.role, limits::MEETING_TEXT, true)?;
        let email = match a.email.as_deref() {
            Some(e) if e.chars().any(char::is_control) => {
                return Err(DeskError::invalid(
                    field("email"),
                    "an e-mail address holds no control characters",
                ));
            }
            Some(e) => Some(crate::people::check_email(e).map_err(|e| match e {
                DeskError::Invalid { rule, .. } => DeskError::invalid(field("email"), rule),
                DeskError::TooLong { max, .. } => DeskError::TooLong {
                    field: field("email"),
                    max,
                },
                other => other,
            })?),
            None => None,
        };
        if let Some(person) = a.person_id {
            let (side, _) = self
                .meeting_person(org, person, &field("person_id"))
                .await?;
            if side != a.side {
                return Err(DeskError::invalid(
                    field("side"),
                    format!("person {person} is on the {} side", side.as_str()),
                ));
            }
        }
        Ok(NewAttendee {
            name,
            email,
            side: a.side,
            role,
            person_id: a.person_id,
        })
    }

    /// The mail to one attendee about a meeting (an invitation, an update or a
    /// cancellation): the text in their language (their account's, else Dutch) with the time
    /// in the agreement's zone, and the iCalendar message attached.
    pub(crate) fn invitation_mail(
        &self,
        cal: &sla::Calendar,
        parts: &InvitationParts<'_>,
        attendee: &Attendee,
        lang: Lang,
        write: &WriteInvitation,
        notice: Notice,
    ) -> Invitation {
        let t = Tr(lang);
        let m = parts.meeting;
        let title = meeting_title(m, t);
        let start = words::format_local(cal, m.starts_at.as_second(), lang);
        let end = words::format_local(cal, m.ends_at().as_second(), lang);
        let place = [m.location.as_str(), m.online_url.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        let (subject_key, body_key) = notice.keys();
        let values = [
            ("name", attendee.name.as_str()),
            ("title", title.as_str()),
            ("customer", parts.customer),
            ("start", start.as_str()),
            ("end", end.as_str()),
            ("place", place.as_str()),
        ];
        let method = notice.method();
        let ics = write(&InvitationParts {
            t,
            method,
            ..*parts
        });
        (
            NewMail {
                to_address: attendee.email.clone().unwrap_or_default(),
                subject: t.fill(subject_key, &values),
                body_text: t.fill(body_key, &values),
            },
            Some(MailAttachment {
                name: "invite.ics".into(),
                content_type: format!("text/calendar; charset=utf-8; method={}", method.as_str()),
                body: ics,
            }),
        )
    }

    /// The languages of the accounts among `attendees`.
    pub(crate) async fn attendee_langs(
        &self,
        attendees: &[NewAttendee],
    ) -> Result<Vec<(PersonId, Lang)>, DeskError> {
        let mut out = Vec::new();
        for a in attendees {
            if let Some(p) = a.person_id {
                let person = self.store.get_person(&Scope::System, p).await?;
                out.push((p, Tr::for_code(&person.lang).0));
            }
        }
        Ok(out)
    }

    /// Plans a meeting (vendor staff) and queues an invitation to every attendee with an
    /// address, in one transaction.
    pub async fn plan_meeting(
        &self,
        caller: &Caller,
        plan: &MeetingPlan,
        write: &WriteInvitation,
    ) -> Result<(Meeting, usize), DeskError> {
        caller.require_vendor()?;
        let org = self.store.get_org(&caller.scope, plan.org_id).await?;
        let mut attendees = Vec::with_capacity(plan.attendees.len());
        for (i, a) in plan.attendees.iter().enumerate() {
            attendees.push(
                self.check_attendee(plan.org_id, a, &format!("attendees[{i}]."))
                    .await?,
            );
        }
        let new = NewMeeting {
            org_id: plan.org_id,
            kind: plan.kind,
            title: text("title", &plan.title, limits::MEETING_TEXT, true)?,
            starts_at: check_start("starts_at", plan.starts_at)?,
            duration_minutes: check_duration(plan.duration_minutes)?,
            location: text("location", &plan.location, limits::MEETING_TEXT, true)?,
            online_url: check_url(&plan.online_url)?,
            attendees,
            from_schedule: false,
        };
        let now = stored(self.clock.now());
        let compiled = self.customer_calendar(plan.org_id, new.starts_at).await?;
        let langs = self.attendee_langs(&new.attendees).await?;
        let (meeting, mails) = self
            .store
            .plan_meeting(&caller.scope, &new, now, |m, a| {
                self.compose_invitation(
                    &compiled.calendar,
                    m,
                    a,
                    &org.name,
                    caller,
                    &langs,
                    write,
                    Notice::Invitation,
                )
            })
            .await?;
        Ok((meeting, mails.len()))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn compose_invitation(
        &self,
        cal: &sla::Calendar,
        m: &Meeting,
        a: &Attendee,
        customer: &str,
        caller: &Caller,
        langs: &[(PersonId, Lang)],
        write: &WriteInvitation,
        notice: Notice,
    ) -> Invitation {
        let lang = a
            .person_id
            .and_then(|p| langs.iter().find(|(q, _)| *q == p).map(|(_, l)| *l))
            .unwrap_or(Lang::Nl);
        let parts = InvitationParts {
            meeting: m,
            customer,
            organizer_name: &caller.person.name,
            organizer_email: &caller.person.email,
            t: Tr(lang),
            method: notice.method(),
        };
        self.invitation_mail(cal, &parts, a, lang, write, notice)
    }

    /// Adds an attendee (vendor staff); on a planned meeting their invitation is queued in the
    /// same transaction. Returns the meeting and the mails queued.
    pub async fn add_attendee(
        &self,
        caller: &Caller,
        id: MeetingId,
        attendee: &NewAttendee,
        write: &WriteInvitation,
    ) -> Result<(Meeting, usize), DeskError> {
        caller.require_vendor()?;
        let before = self.store.get_meeting(&caller.scope, id).await?;
        if before.status == MeetingStatus::Cancelled {
            return Err(DeskError::invalid("id", "the meeting was cancelled"));
        }
        let new = self.check_attendee(before.org_id, attendee, "").await?;
        let org = self.store.get_org(&caller.scope, before.org_id).await?;
        let compiled = self
            .customer_calendar(before.org_id, before.starts_at)
            .await?;
        let langs = self.attendee_langs(std::slice::from_ref(&new)).await?;
        let now = stored(self.clock.now());
        let compose = |m: &Meeting, a: &Attendee| {
            self.compose_invitation(
                &compiled.calendar,
                m,
                a,
                &org.name,
                caller,
                &langs,
                write,
                Notice::Invitation,
            )
        };
        let planned = before.status == MeetingStatus::Planned;
        let (meeting, _, mails) = self
            .store
            .add_attendee(&caller.scope, id, &new, now, planned.then_some(compose))
            .await?;
        Ok((meeting, mails.len()))
    }

    /// Records the minutes of a meeting that has started (vendor staff): the text, the
    /// decisions and who was there; the meeting is held. Recording them again corrects them.
    /// When it was the meeting its schedule planned, the next one is planned.
    pub async fn record_minutes(
        &self,
        caller: &Caller,
        id: MeetingId,
        minutes: &Minutes,
    ) -> Result<Meeting, DeskError> {
        caller.require_vendor()?;
        let before = self.store.get_meeting(&caller.scope, id).await?;
        let now = stored(self.clock.now());
        if before.status == MeetingStatus::Cancelled {
            return Err(DeskError::invalid("id", "the meeting was cancelled"));
        }
        if before.starts_at > now {
            return Err(DeskError::invalid(
                "id",
                format!(
                    "the meeting starts at {}; minutes are recorded once it has started",
                    crate::time::rfc3339(before.starts_at)
                ),
            ));
        }
        let mut decisions = Vec::with_capacity(minutes.decisions.len());
        for (i, d) in minutes.decisions.iter().enumerate() {
            decisions.push(text(
                &format!("decisions[{i}]"),
                d,
                limits::DECISION,
                false,
            )?);
        }
        for (i, p) in minutes.present.iter().enumerate() {
            if !before.attendees.iter().any(|a| a.id == *p) {
                return Err(DeskError::invalid(
                    format!("present[{i}]"),
                    format!("attendee {p} is not on this meeting"),
                ));
            }
        }
        let minutes = Minutes {
            text: text("minutes", &minutes.text, limits::MINUTES, true)?,
            decisions,
            present: minutes.present.clone(),
        };
        let next = if before.status == MeetingStatus::Planned {
            self.next_of_schedule(&caller.scope, &before).await?
        } else {
            None
        };
        Ok(self
            .store
            .record_minutes(&caller.scope, id, &minutes, now, next.as_ref())
            .await?)
    }

    /// One meeting the caller may see.
    pub async fn meeting(&self, caller: &Caller, id: MeetingId) -> Result<Meeting, DeskError> {
        Ok(self.store.get_meeting(&caller.scope, id).await?)
    }

    /// A customer's meetings the caller may see, earliest first, optionally of one kind or
    /// status.
    pub async fn meetings(
        &self,
        caller: &Caller,
        org: OrgId,
        kind: Option<MeetingKind>,
        status: Option<MeetingStatus>,
    ) -> Result<Vec<Meeting>, DeskError> {
        Ok(self
            .store
            .list_meetings(&caller.scope, org, kind, status, None)
            .await?)
    }

    /// The invitation of a meeting the caller may see, as its iCalendar text with its method
    /// (CANCEL once it is cancelled), organized by whoever planned it (the service desk for a
    /// meeting the schedule planned).
    pub async fn meeting_invitation(
        &self,
        caller: &Caller,
        id: MeetingId,
        t: Tr,
        write: &WriteInvitation,
    ) -> Result<(String, IcsMethod), DeskError> {
        let m = self.store.get_meeting(&caller.scope, id).await?;
        let org = self.store.get_org(&caller.scope, m.org_id).await?;
        let planner = match m.created_by {
            Some(p) => Some(self.store.get_person(&Scope::System, p).await?),
            None => None,
        };
        let (name, email) = planner.map_or_else(
            || (t.get("meeting.organizer").to_string(), String::new()),
            |p| (p.name, p.email),
        );
        let method = IcsMethod::of(&m);
        let ics = write(&InvitationParts {
            meeting: &m,
            customer: &org.name,
            organizer_name: &name,
            organizer_email: &email,
            t,
            method,
        });
        Ok((ics, method))
    }
}

/// Roles that may mark an action item done besides the vendor's staff.
pub const CUSTOMER_COMPLETERS: [Role; 1] = [Role::CustomerAdmin];
