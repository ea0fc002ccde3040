//! Reminders (SLA-RULES §7): a mail [`REMIND_WORKING_DAYS`] working days before a planned
//! follow-up of an escalation (to the customer administrator who requested it and the vendor's
//! service managers) and before an action item's due date while it is not done (to its owner,
//! else the meeting's organiser, else the service managers), each in the recipient's
//! language. Working days are those of the customer's agreement calendar.
//!
//! A reminder is due from the working day [`REMIND_WORKING_DAYS`] working days before the date
//! until the date itself; one that was not sent by then (the job did not run, or the item was
//! recorded later) is not sent afterwards. Each goes once per object and date: the store
//! records it in the transaction that queues its mails, under a unique key, so two runs (or
//! two instances) send it once, and a moved date makes a new one due. The job runs under a
//! lease ([`Desk::reminders_under_lease`]), so one instance does the work.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use sla::compensation::{Stage, working_days_before};
use sla::{Calendar, words};
use store::{
    ActionItem, Meeting, NewMail, NewReminder, OrgId, Person, ReminderKind, Role, Scope, StepKind,
};

use crate::compensation::RequestRecord;
use crate::i18n::Tr;
use crate::meetings::meeting_title;
use crate::meetings::schedule::local_today;
use crate::{Compiled, Desk, DeskError};

/// How many working days before a follow-up or a due date its reminder goes out.
pub const REMIND_WORKING_DAYS: u32 = 2;

/// The lease the reminder job runs under.
pub const REMINDER_LEASE: &str = "reminders";

/// What one run of the reminders sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderRun {
    /// Reminders of planned follow-ups.
    pub follow_ups: usize,
    /// Reminders of action items.
    pub action_items: usize,
    /// Mails queued in all.
    pub mails: usize,
}

/// Whether a reminder of something due on `due` is due on `today`: from the working day
/// [`REMIND_WORKING_DAYS`] working days before it, up to and including `due`.
pub fn reminder_due(cal: &Calendar, due: Date, today: Date) -> Result<bool, DeskError> {
    if today > due {
        return Ok(false);
    }
    let from = working_days_before(cal, due, REMIND_WORKING_DAYS)
        .map_err(|e| DeskError::internal(format!("reminder of {due}: {e}")))?;
    Ok(from <= today)
}

/// A date in words: `di 1 dec 2026`, `Tue 1 Dec 2026`.
fn day_words(d: Date, t: Tr) -> String {
    let days = sla::civil::days_from_civil(
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
    );
    words::format_day(days, t.0)
}

/// Someone a reminder goes to.
struct Recipient {
    email: String,
    name: String,
    t: Tr,
}

impl Recipient {
    fn of(p: &Person) -> Recipient {
        Recipient {
            email: p.email.clone(),
            name: p.name.clone(),
            t: Tr::for_code(&p.lang),
        }
    }
}

impl Desk {
    /// One run of the reminders at the injected clock's time: every reminder due today and
    /// not sent before is sent (its mails queued in the transaction that records it).
    /// Idempotent: a second run, also at the same moment elsewhere, sends nothing again.
    pub async fn send_reminders(&self) -> Result<ReminderRun, DeskError> {
        let now = self.clock.now();
        let managers: Vec<Person> = self
            .store
            .list_people(&Scope::System, None)
            .await?
            .into_iter()
            .filter(|p| p.active && p.role == Role::ServiceManager)
            .collect();
        let mut run = ReminderRun::default();
        self.follow_up_reminders(now, &managers, &mut run).await?;
        self.action_item_reminders(now, &managers, &mut run).await?;
        Ok(run)
    }

    /// Runs [`Desk::send_reminders`] when this instance (`owner`) holds the reminder lease,
    /// taken or renewed until `now + ttl`; `None` when another instance holds it.
    pub async fn reminders_under_lease(
        &self,
        owner: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<ReminderRun>, DeskError> {
        let now = self.now_ms();
        let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        if !self
            .store
            .try_lease(REMINDER_LEASE, owner, now, now.saturating_add(ttl))
            .await?
        {
            return Ok(None);
        }
        self.send_reminders().await.map(Some)
    }

    /// The reminders of the follow-ups planned in running escalations.
    async fn follow_up_reminders(
        &self,
        now: Timestamp,
        managers: &[Person],
        run: &mut ReminderRun,
    ) -> Result<(), DeskError> {
        let running = self.store.running_escalation_heads(&Scope::System).await?;
        for e in &running {
            let r = self.replay(&Scope::System, e.org_id).await?;
            let (Stage::Consulting(c), Some(running)) = (r.esc.stage(), &r.running) else {
                continue;
            };
            let cal = &r.agreement.calendar;
            let date = c.next_follow_up;
            if !reminder_due(cal, date, local_today(cal, now))? {
                continue;
            }
            let customer = self.store.get_org(&Scope::System, e.org_id).await?.name;
            let months: Vec<String> = c.request.months.iter().map(ToString::to_string).collect();
            let mut to = Vec::new();
            if let Some(step) = running.steps.iter().find(|s| s.kind == StepKind::Request) {
                let request: RequestRecord = crate::compensation::detail(step)?;
                let p = self
                    .store
                    .get_person(&Scope::System, store::PersonId(request.by))
                    .await?;
                if p.active && p.role == Role::CustomerAdmin && p.org_id == Some(e.org_id) {
                    to.push(Recipient::of(&p));
                }
            }
            to.extend(managers.iter().map(Recipient::of));
            let mails = to
                .iter()
                .map(|r| {
                    let values = [
                        ("name", r.name.as_str()),
                        ("customer", customer.as_str()),
                        ("date", &day_words(date, r.t)),
                        ("months", &months.join(", ")),
                    ];
                    NewMail {
                        to_address: r.email.clone(),
                        subject: r.t.fill("mail.reminder.follow_up.subject", &values),
                        body_text: r.t.fill("mail.reminder.follow_up.body", &values),
                    }
                })
                .collect();
            let reminder = NewReminder {
                org_id: e.org_id,
                kind: ReminderKind::FollowUp,
                subject_id: running.id.0,
                due_on: date,
                mails,
            };
            if self.store.send_reminder(&reminder, now).await? {
                run.follow_ups += 1;
                run.mails += reminder.mails.len();
            }
        }
        Ok(())
    }

    /// The reminders of action items not done that fall due soon.
    async fn action_item_reminders(
        &self,
        now: Timestamp,
        managers: &[Person],
        run: &mut ReminderRun,
    ) -> Result<(), DeskError> {
        // A wide net (a month either way of today's date in any zone); each item is then
        // judged in its own customer's calendar.
        let today = local_today(&self.policies.standard()?.calendar, now);
        let span = jiff::Span::new().days(31);
        let (from, to) = (
            today.checked_sub(span).map_err(DeskError::internal)?,
            today.checked_add(span).map_err(DeskError::internal)?,
        );
        let items = self
            .store
            .action_items_due(&Scope::System, from, to)
            .await?;
        let mut calendars: HashMap<OrgId, Arc<Compiled>> = HashMap::new();
        for item in items {
            let compiled = match calendars.get(&item.org_id) {
                Some(c) => c.clone(),
                None => {
                    let c = self.customer_calendar(item.org_id, now).await?;
                    calendars.insert(item.org_id, c.clone());
                    c
                }
            };
            let cal = &compiled.calendar;
            if !reminder_due(cal, item.due_on, local_today(cal, now))? {
                continue;
            }
            let meeting = self
                .store
                .get_meeting(&Scope::System, item.meeting_id)
                .await?;
            let customer = self.store.get_org(&Scope::System, item.org_id).await?.name;
            let to = self.item_recipients(&item, &meeting, managers).await?;
            let mails = to
                .iter()
                .map(|r| {
                    let held = words::format_local(cal, meeting.starts_at.as_second(), r.t.0);
                    let title = meeting_title(&meeting, r.t);
                    let values = [
                        ("name", r.name.as_str()),
                        ("customer", customer.as_str()),
                        ("due", &day_words(item.due_on, r.t)),
                        ("what", item.what.as_str()),
                        ("owner", item.owner_name.as_str()),
                        ("meeting", title.as_str()),
                        ("held", held.as_str()),
                    ];
                    NewMail {
                        to_address: r.email.clone(),
                        subject: r.t.fill("mail.reminder.item.subject", &values),
                        body_text: r.t.fill("mail.reminder.item.body", &values),
                    }
                })
                .collect();
            let reminder = NewReminder {
                org_id: item.org_id,
                kind: ReminderKind::ActionItem,
                subject_id: item.id.0,
                due_on: item.due_on,
                mails,
            };
            if self.store.send_reminder(&reminder, now).await? {
                run.action_items += 1;
                run.mails += reminder.mails.len();
            }
        }
        Ok(())
    }

    /// Who an action item's reminder goes to: its owner's account when it is active; else the
    /// attendee of its meeting with the owner's name and an address (in their account's
    /// language, Dutch without one); else the person who planned the meeting; else the
    /// vendor's service managers.
    async fn item_recipients(
        &self,
        item: &ActionItem,
        meeting: &Meeting,
        managers: &[Person],
    ) -> Result<Vec<Recipient>, DeskError> {
        let active = |p: &Person| p.active && !p.email.trim().is_empty();
        if let Some(id) = item.owner_person_id {
            let p = self.store.get_person(&Scope::System, id).await?;
            if active(&p) {
                return Ok(vec![Recipient::of(&p)]);
            }
        }
        let owner = item.owner_name.trim();
        let named = meeting.attendees.iter().find(|a| {
            a.name.trim().eq_ignore_ascii_case(owner)
                && a.email.as_deref().is_some_and(|e| !e.trim().is_empty())
        });
        if let Some(a) = named {
            let t = match a.person_id {
                Some(p) => Tr::for_code(&self.store.get_person(&Scope::System, p).await?.lang),
                None => Tr::for_code("nl"),
            };
            return Ok(vec![Recipient {
                email: a.email.clone().unwrap_or_default(),
                name: a.name.clone(),
                t,
            }]);
        }
        if let Some(id) = meeting.created_by {
            let p = self.store.get_person(&Scope::System, id).await?;
            if active(&p) {
                return Ok(vec![Recipient::of(&p)]);
            }
        }
        Ok(managers.iter().map(Recipient::of).collect())
    }
}
