//! Compensation (`escalations`, `escalation_steps`, `discount_entries`, `discount_reversals`):
//! each escalation an append-only history of steps, and the discount ledger, to which rows
//! are only ever added (the database refuses UPDATE and DELETE on it). The rules that decide
//! which step may follow which live in `desk` and `sla`; this module only keeps what they
//! decided, atomically, with its audit rows and its mails.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;

use crate::audit::audit_in_tx;
use crate::meetings::{insert_meeting_in_tx, meeting_in_tx};
use crate::outbox::INSERT_MAIL;
use crate::{
    DiscountId, EscalationId, MeetingId, MeetingKind, MeetingStatus, Millis, NewActionItem,
    NewMail, NewMeeting, OrgId, PersonId, Result, ReversalId, Scope, Store, StoreError, rejected,
    unique_violation,
};

/// What a step of an escalation records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A request for an interim incident consultation.
    Request,
    /// The consultation (the first meeting).
    Consultation,
    /// A follow-up meeting with its progress decision.
    FollowUp,
    /// The customer's claim of a discount.
    Claim,
    /// A complete month after the claim, judged.
    Month,
    /// The end of the escalation.
    Ended,
}

impl StepKind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Request => "request",
            StepKind::Consultation => "consultation",
            StepKind::FollowUp => "follow_up",
            StepKind::Claim => "claim",
            StepKind::Month => "month",
            StepKind::Ended => "ended",
        }
    }
}

impl std::str::FromStr for StepKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            StepKind::Request,
            StepKind::Consultation,
            StepKind::FollowUp,
            StepKind::Claim,
            StepKind::Month,
            StepKind::Ended,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| format!("unknown escalation step `{s}`"))
    }
}

/// One recorded step of an escalation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationStep {
    /// Its place in the escalation, from 1.
    pub seq: i64,
    /// What it records.
    pub kind: StepKind,
    /// When it was recorded.
    pub at: Millis,
    /// Who recorded it (none for the monthly processing).
    pub actor_id: Option<PersonId>,
    /// The month a `month` step decided, `YYYYMM`.
    pub month_key: Option<i64>,
    /// The interim meeting a consultation or follow-up was recorded against.
    pub meeting_id: Option<MeetingId>,
    /// What the step recorded, as `desk` wrote it.
    pub detail: serde_json::Value,
}

/// An escalation with its steps in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationRecord {
    /// Its id.
    pub id: EscalationId,
    /// The customer.
    pub org_id: OrgId,
    /// When its request was recorded.
    pub opened_at: Millis,
    /// When it ended, if it did.
    pub ended_at: Option<Millis>,
    /// Its steps, by `seq`.
    pub steps: Vec<EscalationStep>,
}

/// A running escalation without its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningHead {
    /// Its id.
    pub id: EscalationId,
    /// The customer.
    pub org_id: OrgId,
    /// When its request was recorded.
    pub opened_at: Millis,
    /// How many steps it has.
    pub steps: i64,
}

/// A step to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    /// What it records.
    pub kind: StepKind,
    /// The month a `month` step decides, `YYYYMM`.
    pub month_key: Option<i64>,
    /// What it records, as JSON.
    pub detail: serde_json::Value,
    /// The interim meeting it is recorded against (a consultation or follow-up).
    pub meeting: Option<StepMeeting>,
}

/// Which interim meeting a step is recorded against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingLink {
    /// An interim meeting of the customer, planned or held, not yet the record of a step.
    Existing(MeetingId),
    /// A new interim meeting, held, made with the step: its attendees were there.
    New {
        /// The meeting.
        meeting: NewMeeting,
        /// Its minutes.
        minutes: String,
    },
}

/// An agreement a meeting made, kept as the meeting's action item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreedItem {
    /// The action item.
    pub item: NewActionItem,
    /// Whether the meeting found it done already (it is then marked done by the recorder).
    pub done: bool,
}

/// The meeting of a consultation or follow-up and the agreements it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepMeeting {
    /// The meeting.
    pub link: MeetingLink,
    /// Its agreements, added as its action items.
    pub items: Vec<AgreedItem>,
}

/// A discount entry to book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDiscount {
    /// The invoice month, `YYYY-MM`.
    pub invoice_month: String,
    /// Whole percent.
    pub percent: i64,
    /// The monthly fee in force for the invoice month, euro cents.
    pub fee_cents: i64,
    /// The discount, euro cents.
    pub amount_cents: i64,
    /// The overrun month it rests on, `YYYY-MM`.
    pub overrun_month: String,
    /// SHA-256 of the published report that shows the overrun, if published.
    pub report_sha256: Option<String>,
}

/// Steps to append to a customer's escalation, with what goes with them, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Append {
    /// The customer.
    pub org_id: OrgId,
    /// The running escalation, or `None` to open a new one (a request).
    pub escalation: Option<EscalationId>,
    /// The number of steps the caller saw: the new ones follow it. Another writer who got
    /// there first makes this a conflict instead of a fork.
    pub after_seq: i64,
    /// The steps.
    pub steps: Vec<NewStep>,
    /// Whether the last step ends the escalation.
    pub ends: bool,
    /// Discount entries the steps give.
    pub discounts: Vec<NewDiscount>,
    /// Mails to both sides about the steps.
    pub mails: Vec<NewMail>,
}

/// The undoing of a discount entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    /// Its id.
    pub id: ReversalId,
    /// The discount entry undone.
    pub entry_id: DiscountId,
    /// Why.
    pub reason: String,
    /// When.
    pub created_at: Millis,
    /// Who.
    pub created_by: PersonId,
}

/// A discount entry of the ledger, with its reversal if it was undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountRecord {
    /// Its id.
    pub id: DiscountId,
    /// The customer.
    pub org_id: OrgId,
    /// The escalation it belongs to.
    pub escalation_id: EscalationId,
    /// The invoice month, `YYYY-MM`.
    pub invoice_month: String,
    /// Whole percent.
    pub percent: i64,
    /// The monthly fee, euro cents.
    pub fee_cents: i64,
    /// The discount, euro cents.
    pub amount_cents: i64,
    /// The overrun month it rests on, `YYYY-MM`.
    pub overrun_month: String,
    /// SHA-256 of the published report that shows the overrun.
    pub report_sha256: Option<String>,
    /// When it was booked.
    pub created_at: Millis,
    /// Who booked it (none for the monthly processing).
    pub created_by: Option<PersonId>,
    /// Its reversal, if it was undone.
    pub reversal: Option<Reversal>,
}

type StepRow = (
    i64,
    i64,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
);
type EscalationRow = (i64, i64, i64, Option<i64>);
type DiscountRow = (
    i64,
    i64,
    i64,
    String,
    i64,
    i64,
    i64,
    String,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

const DISCOUNT_SELECT: &str = "SELECT e.id, e.org_id, e.escalation_id, e.invoice_month, \
    e.percent, e.fee_cents, e.amount_cents, e.overrun_month, e.report_sha256, e.created_at, \
    e.created_by, r.id, r.reason, r.created_at, r.created_by \
    FROM discount_entries e LEFT JOIN discount_reversals r ON r.entry_id = e.id";

fn discount(row: DiscountRow) -> Result<DiscountRecord> {
    let (id, org, esc, month, percent, fee, amount, overrun, sha, at, by, rid, reason, rat, rby) =
        row;
    let reversal = match (rid, reason, rat, rby) {
        (Some(id), Some(reason), Some(at), Some(by)) => Some(Reversal {
            id: ReversalId(id),
            entry_id: DiscountId(id),
            reason,
            created_at: at,
            created_by: PersonId(by),
        }),
        (None, ..) => None,
        _ => return Err(StoreError::Corrupt(format!("reversal of discount {id}"))),
    };
    Ok(DiscountRecord {
        id: DiscountId(id),
        org_id: OrgId(org),
        escalation_id: EscalationId(esc),
        invoice_month: month,
        percent,
        fee_cents: fee,
        amount_cents: amount,
        overrun_month: overrun,
        report_sha256: sha,
        created_at: at,
        created_by: by.map(PersonId),
        reversal: reversal.map(|r| Reversal {
            entry_id: DiscountId(id),
            ..r
        }),
    })
}

fn assemble(escalations: Vec<EscalationRow>, steps: Vec<StepRow>) -> Result<Vec<EscalationRecord>> {
    let mut by_id: BTreeMap<i64, Vec<EscalationStep>> = BTreeMap::new();
    for (esc, seq, kind, at, actor, month_key, meeting, detail) in steps {
        by_id.entry(esc).or_default().push(EscalationStep {
            seq,
            kind: crate::word(&kind)?,
            at,
            actor_id: actor.map(PersonId),
            month_key,
            meeting_id: meeting.map(MeetingId),
            detail: serde_json::from_str(&detail)
                .map_err(|e| StoreError::Corrupt(format!("escalation step detail: {e}")))?,
        });
    }
    Ok(escalations
        .into_iter()
        .map(|(id, org, opened, ended)| EscalationRecord {
            id: EscalationId(id),
            org_id: OrgId(org),
            opened_at: opened,
            ended_at: ended,
            steps: by_id.remove(&id).unwrap_or_default(),
        })
        .collect())
}

/// Makes or checks the interim meeting of a step in a transaction, adds the agreements as its
/// action items (audited), and evaluates to the meeting's id. An existing meeting must be an
/// interim meeting of the customer, not cancelled and not yet the record of another step.
macro_rules! step_meeting_in_tx {
    ($tx:expr, $lock:expr, $m:expr, $org:expr, $now:expr, $actor:expr) => {{
        let m: &StepMeeting = $m;
        let org: i64 = $org;
        let id: i64 = match &m.link {
            MeetingLink::Existing(existing) => {
                let found = meeting_in_tx!($tx, $lock, existing.0, Some(org));
                if found.kind != MeetingKind::Interim {
                    return Err(rejected(
                        "meeting_id",
                        format!("meeting {existing} is a {} meeting, not an interim one", found.kind),
                    ));
                }
                if found.status == MeetingStatus::Cancelled {
                    return Err(rejected("meeting_id", format!("meeting {existing} was cancelled")));
                }
                let linked: Option<i64> =
                    sqlx::query_scalar("SELECT seq FROM escalation_steps WHERE meeting_id = $1")
                        .bind(existing.0)
                        .fetch_optional(&mut *$tx)
                        .await?;
                if linked.is_some() {
                    return Err(StoreError::Conflict {
                        field: "meeting_id",
                        message: format!("meeting {existing} is the record of another step already"),
                    });
                }
                existing.0
            }
            MeetingLink::New { meeting, minutes } => {
                if meeting.duration_minutes <= 0 || meeting.org_id.0 != org {
                    return Err(rejected("meeting", "a meeting of this customer, at least a minute long"));
                }
                let id = insert_meeting_in_tx!($tx, meeting, $now, $actor);
                sqlx::query("UPDATE meetings SET status = 'held', minutes = $1 WHERE id = $2")
                    .bind(minutes.trim())
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
                sqlx::query("UPDATE meeting_attendees SET present = 1 WHERE meeting_id = $1")
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
                let detail = serde_json::json!({
                    "meeting_id": id,
                    "kind": meeting.kind.as_str(),
                    "starts_at": crate::millis(meeting.starts_at),
                    "attendees": meeting.attendees.len(),
                });
                audit_in_tx!($tx, $now, $actor, Some(org), "meeting.recorded", detail)?;
                id
            }
        };
        for a in &m.items {
            let (done_at, done_by) = if a.done { (Some($now), $actor) } else { (None, None) };
            let item: i64 = sqlx::query_scalar(
                "INSERT INTO action_items (meeting_id, org_id, what, owner_name, \
                 owner_person_id, due_on, created_at, created_by, done_at, done_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(id)
            .bind(org)
            .bind(a.item.what.trim())
            .bind(a.item.owner_name.trim())
            .bind(a.item.owner_person_id.map(|p| p.0))
            .bind(a.item.due_on.to_string())
            .bind($now)
            .bind($actor)
            .bind(done_at)
            .bind(done_by)
            .fetch_one(&mut *$tx)
            .await?;
            let detail = serde_json::json!({
                "meeting_id": id,
                "action_item_id": item,
                "owner": a.item.owner_name.trim(),
                "due_on": a.item.due_on.to_string(),
                "done": a.done,
            });
            audit_in_tx!($tx, $now, $actor, Some(org), "action_item.added", detail)?;
        }
        id
    }};
}

impl Store {
    /// Every escalation of a customer, oldest first, with its steps; another customer's is
    /// "not found".
    pub async fn escalations(&self, scope: &Scope, org: OrgId) -> Result<Vec<EscalationRecord>> {
        self.get_org(scope, org).await?;
        let heads = "SELECT id, org_id, opened_at, ended_at FROM escalations \
                     WHERE org_id = $1 ORDER BY id";
        let steps = "SELECT escalation_id, seq, kind, at, actor_id, month_key, meeting_id, \
                     detail FROM escalation_steps WHERE org_id = $1 ORDER BY escalation_id, seq";
        let (h, s): (Vec<EscalationRow>, Vec<StepRow>) = on_pool!(self, p => (
            sqlx::query_as(heads).bind(org.0).fetch_all(p).await?,
            sqlx::query_as(steps).bind(org.0).fetch_all(p).await?,
        ));
        assemble(h, s)
    }

    /// The latest escalation of every customer the scope may see that has one, with its
    /// steps, by customer.
    pub async fn latest_escalations(&self, scope: &Scope) -> Result<Vec<EscalationRecord>> {
        let org = scope.org().map(|o| o.0);
        let heads = "SELECT id, org_id, opened_at, ended_at FROM escalations e \
                     WHERE ($1 IS NULL OR org_id = $1) \
                     AND id = (SELECT MAX(id) FROM escalations l WHERE l.org_id = e.org_id) \
                     ORDER BY org_id";
        let steps = "SELECT s.escalation_id, s.seq, s.kind, s.at, s.actor_id, s.month_key, \
                     s.meeting_id, s.detail FROM escalation_steps s \
                     WHERE ($1 IS NULL OR s.org_id = $1) AND s.escalation_id = \
                     (SELECT MAX(id) FROM escalations l WHERE l.org_id = s.org_id) \
                     ORDER BY s.escalation_id, s.seq";
        let (h, s): (Vec<EscalationRow>, Vec<StepRow>) = on_pool!(self, p => (
            sqlx::query_as(heads).bind(org).fetch_all(p).await?,
            sqlx::query_as(steps).bind(org).fetch_all(p).await?,
        ));
        assemble(h, s)
    }

    /// The running escalation of every customer the scope may see that has one, with its
    /// steps, by customer.
    pub async fn running_escalations(&self, scope: &Scope) -> Result<Vec<EscalationRecord>> {
        let org = scope.org().map(|o| o.0);
        let heads = "SELECT id, org_id, opened_at, ended_at FROM escalations \
                     WHERE ended_at IS NULL AND ($1 IS NULL OR org_id = $1) ORDER BY org_id";
        let steps = "SELECT s.escalation_id, s.seq, s.kind, s.at, s.actor_id, s.month_key, \
                     s.meeting_id, s.detail FROM escalations e \
                     JOIN escalation_steps s ON s.escalation_id = e.id \
                     WHERE e.ended_at IS NULL AND ($1 IS NULL OR e.org_id = $1) \
                     ORDER BY s.escalation_id, s.seq";
        let (h, s): (Vec<EscalationRow>, Vec<StepRow>) = on_pool!(self, p => (
            sqlx::query_as(heads).bind(org).fetch_all(p).await?,
            sqlx::query_as(steps).bind(org).fetch_all(p).await?,
        ));
        assemble(h, s)
    }

    /// The running escalations the scope may see, without their steps: id, customer, when
    /// opened, and how many steps each has so far.
    pub async fn running_escalation_heads(&self, scope: &Scope) -> Result<Vec<RunningHead>> {
        let org = scope.org().map(|o| o.0);
        let sql = "SELECT e.id, e.org_id, e.opened_at, \
                   (SELECT COUNT(*) FROM escalation_steps s WHERE s.escalation_id = e.id) \
                   FROM escalations e WHERE e.ended_at IS NULL AND ($1 IS NULL OR e.org_id = $1) \
                   ORDER BY e.org_id";
        let rows: Vec<(i64, i64, i64, i64)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(org).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(id, org, opened, steps)| RunningHead {
                id: EscalationId(id),
                org_id: OrgId(org),
                opened_at: opened,
                steps,
            })
            .collect())
    }

    /// The steps of one escalation in order, if the scope may see its customer.
    pub async fn escalation_steps(
        &self,
        scope: &Scope,
        id: EscalationId,
    ) -> Result<Vec<EscalationStep>> {
        let org = scope.org().map(|o| o.0);
        let sql = "SELECT escalation_id, seq, kind, at, actor_id, month_key, meeting_id, \
                   detail FROM escalation_steps WHERE escalation_id = $1 AND ($2 IS NULL OR org_id = $2) \
                   ORDER BY seq";
        let rows: Vec<StepRow> =
            on_pool!(self, p => sqlx::query_as(sql).bind(id.0).bind(org).fetch_all(p).await?);
        Ok(assemble(vec![(id.0, 0, 0, None)], rows)?
            .pop()
            .map(|r| r.steps)
            .unwrap_or_default())
    }

    /// Appends steps to a customer's escalation (opening one for a request), with the
    /// discount entries and mails that go with them and one audit row per step, in one
    /// transaction. A second running escalation, or steps appended by someone else since
    /// `after_seq`, is a conflict.
    pub async fn append_escalation(
        &self,
        scope: &Scope,
        append: &Append,
        now: Millis,
    ) -> Result<EscalationId> {
        let org = append.org_id;
        self.get_org(scope, org).await?;
        if append.steps.is_empty() {
            return Err(rejected("steps", "nothing to append"));
        }
        let actor = scope.person().map(|p| p.0);
        let conflict = |message: &str| StoreError::Conflict {
            field: "escalation",
            message: message.to_string(),
        };
        let open = "INSERT INTO escalations (org_id, opened_at) VALUES ($1, $2) RETURNING id";
        let head = "SELECT org_id, ended_at FROM escalations WHERE id = $1";
        let step = "INSERT INTO escalation_steps \
                    (escalation_id, org_id, seq, kind, at, actor_id, month_key, detail, \
                    meeting_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        let end = "UPDATE escalations SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL";
        let book = "INSERT INTO discount_entries (org_id, escalation_id, invoice_month, percent, \
                    fee_cents, amount_cents, overrun_month, report_sha256, created_at, \
                    created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
        let id = in_tx!(self, tx, lock => {
            let id = match append.escalation {
                None => {
                    let r: std::result::Result<i64, sqlx::Error> = sqlx::query_scalar(open)
                        .bind(org.0)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await;
                    match r {
                        Err(e) if unique_violation(&e) => {
                            return Err(conflict("an escalation is running for this customer already"));
                        }
                        other => other?,
                    }
                }
                Some(e) => {
                    let sql = format!("{head}{lock}");
                    let row: Option<(i64, Option<i64>)> = sqlx::query_as(AssertSqlSafe(sql))
                        .bind(e.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                    match row {
                        Some((o, None)) if o == org.0 => e.0,
                        Some((o, Some(_))) if o == org.0 => {
                            return Err(conflict("this escalation has ended"));
                        }
                        _ => return Err(StoreError::NotFound("escalation")),
                    }
                }
            };
            for (i, s) in append.steps.iter().enumerate() {
                let seq = append.after_seq + 1 + i as i64;
                let meeting: Option<i64> = match &s.meeting {
                    None => None,
                    Some(m) => Some(step_meeting_in_tx!(tx, lock, m, org.0, now, actor)),
                };
                let r = sqlx::query(step)
                    .bind(id)
                    .bind(org.0)
                    .bind(seq)
                    .bind(s.kind.as_str())
                    .bind(now)
                    .bind(actor)
                    .bind(s.month_key)
                    .bind(s.detail.to_string())
                    .bind(meeting)
                    .execute(&mut *tx)
                    .await;
                match r {
                    Err(e) if unique_violation(&e) => {
                        return Err(conflict(
                            "the escalation changed meanwhile; read it again and retry",
                        ));
                    }
                    other => other?,
                };
                let detail = serde_json::json!({
                    "escalation_id": id, "seq": seq, "step": s.kind.as_str(),
                    "meeting_id": meeting,
                });
                let action = format!("escalation.{}", s.kind.as_str());
                audit_in_tx!(tx, now, actor, Some(org.0), action, detail)?;
            }
            if append.ends {
                sqlx::query(end).bind(now).bind(id).execute(&mut *tx).await?;
            }
            for d in &append.discounts {
                let entry: i64 = sqlx::query_scalar(book)
                    .bind(org.0)
                    .bind(id)
                    .bind(&d.invoice_month)
                    .bind(d.percent)
                    .bind(d.fee_cents)
                    .bind(d.amount_cents)
                    .bind(&d.overrun_month)
                    .bind(&d.report_sha256)
                    .bind(now)
                    .bind(actor)
                    .fetch_one(&mut *tx)
                    .await?;
                let detail = serde_json::json!({
                    "entry_id": entry, "escalation_id": id, "invoice_month": d.invoice_month,
                    "percent": d.percent, "amount_cents": d.amount_cents,
                });
                audit_in_tx!(tx, now, actor, Some(org.0), "ledger.discount", detail)?;
            }
            for m in &append.mails {
                let _: i64 = sqlx::query_scalar(INSERT_MAIL)
                    .bind(&m.to_address)
                    .bind(&m.subject)
                    .bind(&m.body_text)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
            }
            id
        });
        Ok(EscalationId(id))
    }

    /// The ledger as the scope may see it: of one customer or all, of one invoice month
    /// (`YYYY-MM`) or all, in the order it was written.
    pub async fn ledger(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        invoice_month: Option<&str>,
    ) -> Result<Vec<DiscountRecord>> {
        let org = match (scope.org(), org) {
            (Some(own), Some(asked)) if own != asked => {
                return Err(StoreError::NotFound("organization"));
            }
            (Some(own), _) => Some(own),
            (None, asked) => asked,
        };
        let sql = format!(
            "{DISCOUNT_SELECT} WHERE ($1 IS NULL OR e.org_id = $1) \
             AND ($2 IS NULL OR e.invoice_month = $2) ORDER BY e.id"
        );
        let rows: Vec<DiscountRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(org.map(|o| o.0))
            .bind(invoice_month)
            .fetch_all(p)
            .await?);
        rows.into_iter().map(discount).collect()
    }

    /// One discount entry, if the scope may see its customer.
    pub async fn get_discount(&self, scope: &Scope, id: DiscountId) -> Result<DiscountRecord> {
        let sql = format!("{DISCOUNT_SELECT} WHERE e.id = $1");
        let row: Option<DiscountRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(p)
            .await?);
        match row.map(discount).transpose()? {
            Some(d) if scope.may_see(d.org_id) => Ok(d),
            _ => Err(StoreError::NotFound("discount")),
        }
    }

    /// Books the reversal of a discount entry with its reason (vendor staff), with an audit
    /// row and the mails that go with it, in one transaction; a second reversal is a conflict.
    pub async fn reverse_discount(
        &self,
        scope: &Scope,
        id: DiscountId,
        reason: &str,
        mails: &[NewMail],
        now: Millis,
    ) -> Result<Reversal> {
        let by = crate::vendor_person(scope, "reverse a discount")?;
        let entry = self.get_discount(scope, id).await?;
        let insert = "INSERT INTO discount_reversals (entry_id, org_id, reason, created_at, \
                      created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let rid = in_tx!(self, tx, _lock => {
            let r: std::result::Result<i64, sqlx::Error> = sqlx::query_scalar(insert)
                .bind(id.0)
                .bind(entry.org_id.0)
                .bind(reason)
                .bind(now)
                .bind(by.0)
                .fetch_one(&mut *tx)
                .await;
            let rid = match r {
                Err(e) if unique_violation(&e) => {
                    return Err(StoreError::Conflict {
                        field: "discount",
                        message: format!("discount {id} has been reversed already"),
                    });
                }
                other => other?,
            };
            let detail = serde_json::json!({ "entry_id": id.0, "reversal_id": rid, "reason": reason });
            audit_in_tx!(tx, now, Some(by.0), Some(entry.org_id.0), "ledger.reversal", detail)?;
            for m in mails {
                let _: i64 = sqlx::query_scalar(INSERT_MAIL)
                    .bind(&m.to_address)
                    .bind(&m.subject)
                    .bind(&m.body_text)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
            }
            rid
        });
        Ok(Reversal {
            id: ReversalId(rid),
            entry_id: id,
            reason: reason.to_string(),
            created_at: now,
            created_by: by,
        })
    }
}
