//! Reminders (`reminders`): which reminder went out for which object and due date, recorded in
//! the transaction that queues its mails. The unique key (kind, object, due date) makes each
//! reminder go once, however many runs or instances try; a new due date is a new reminder.
//! When a reminder is due and to whom is decided by the caller (desk).

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::audit::audit_in_tx;
use crate::outbox::INSERT_MAIL;
use crate::{Millis, NewMail, OrgId, Result, Scope, Store, StoreError, instant, millis, word};

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// A planned follow-up of an escalation (the object is the escalation).
    FollowUp,
    /// An action item not done (the object is the action item).
    ActionItem,
}

impl ReminderKind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::FollowUp => "follow_up",
            ReminderKind::ActionItem => "action_item",
        }
    }
}

impl FromStr for ReminderKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        [ReminderKind::FollowUp, ReminderKind::ActionItem]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown reminder kind `{s}`"))
    }
}

impl fmt::Display for ReminderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reminder to send: the object, the date it is due on, and the mails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReminder {
    /// The customer.
    pub org_id: OrgId,
    /// What it is about.
    pub kind: ReminderKind,
    /// The escalation (a follow-up) or the action item.
    pub subject_id: i64,
    /// The date the follow-up is planned for, or the item is due.
    pub due_on: Date,
    /// The mails, one per recipient.
    pub mails: Vec<NewMail>,
}

/// A reminder that went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReminder {
    /// Its id.
    pub id: i64,
    /// The customer.
    pub org_id: OrgId,
    /// What it was about.
    pub kind: ReminderKind,
    /// The escalation or the action item.
    pub subject_id: i64,
    /// The due date it reminded of.
    pub due_on: Date,
    /// When it was sent (queued in the outbox).
    pub sent_at: Timestamp,
    /// How many mails it queued.
    pub mails: i64,
}

type ReminderRow = (i64, i64, String, i64, String, Millis, i64);

impl Store {
    /// Records a reminder and queues its mails in one transaction, audited. `Ok(false)` (and
    /// nothing queued) when the reminder of this object for this due date went out before,
    /// also when another run records it at the same moment.
    pub async fn send_reminder(&self, r: &NewReminder, now: Timestamp) -> Result<bool> {
        let now = millis(now);
        let insert = "INSERT INTO reminders (org_id, kind, subject_id, due_on, sent_at, mails) \
                      VALUES ($1, $2, $3, $4, $5, $6) \
                      ON CONFLICT (kind, subject_id, due_on) DO NOTHING RETURNING id";
        let mails = i64::try_from(r.mails.len()).unwrap_or(i64::MAX);
        let sent = in_tx!(self, tx, _lock => {
            let id: Option<i64> = sqlx::query_scalar(insert)
                .bind(r.org_id.0)
                .bind(r.kind.as_str())
                .bind(r.subject_id)
                .bind(r.due_on.to_string())
                .bind(now)
                .bind(mails)
                .fetch_optional(&mut *tx)
                .await?;
            match id {
                None => false,
                Some(id) => {
                    for m in &r.mails {
                        let _: i64 = sqlx::query_scalar(INSERT_MAIL)
                            .bind(&m.to_address)
                            .bind(&m.subject)
                            .bind(&m.body_text)
                            .bind(now)
                            .fetch_one(&mut *tx)
                            .await?;
                    }
                    let detail = serde_json::json!({
                        "reminder_id": id,
                        "kind": r.kind.as_str(),
                        "subject_id": r.subject_id,
                        "due_on": r.due_on.to_string(),
                        "mails": mails,
                    });
                    audit_in_tx!(tx, now, None::<i64>, Some(r.org_id.0), "reminder.sent", detail)?;
                    true
                }
            }
        });
        Ok(sent)
    }

    /// The reminders sent about a customer the scope may see, in the order sent.
    pub async fn reminders(&self, scope: &Scope, org: OrgId) -> Result<Vec<SentReminder>> {
        self.get_org(scope, org).await?;
        let sql = "SELECT id, org_id, kind, subject_id, due_on, sent_at, mails FROM reminders \
                   WHERE org_id = $1 ORDER BY id";
        let rows: Vec<ReminderRow> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(org.0)
            .fetch_all(p)
            .await?);
        rows.into_iter()
            .map(|(id, org, kind, subject, due, at, mails)| {
                Ok(SentReminder {
                    id,
                    org_id: OrgId(org),
                    kind: word(&kind)?,
                    subject_id: subject,
                    due_on: due
                        .parse()
                        .map_err(|e| StoreError::Corrupt(format!("reminder due date: {e}")))?,
                    sent_at: instant(at)?,
                    mails,
                })
            })
            .collect()
    }
}
