//! The tactical meeting's agenda, assembled from the data (SLA §5.1: the service-level overleg
//! discusses the service-level report): the monthly reports since the last tactical meeting
//! held, with the targets that failed, the targets missed with the reasons recorded and the
//! availability figures of each month; the open action items; the open RFC tickets; and a
//! slot for the open escalation (SLA §6.2), empty until escalations are built.
//!
//! Which months: every month that has ended by the meeting's start (or by now, when the
//! meeting lies ahead), from the month in which the previous held tactical meeting took place
//! (its report was not complete then) up to the last complete one; without an earlier tactical
//! meeting, the last complete month only; at most [`MAX_AGENDA_MONTHS`]. A month's report is
//! the published one where it was published, else the figures as they stand.

use jiff::Timestamp;
use sla::{Month, TicketKind};
use store::{
    Meeting, MeetingId, MeetingKind, MeetingStatus, OrgId, Ticket, TicketFilter, TicketOrder,
};

use super::items::TrackedItem;
use crate::availability::AvailabilityFigure;
use crate::report::{MissedLine, TargetLine};
use crate::{Caller, Desk, DeskError};

/// The most months one agenda covers.
pub const MAX_AGENDA_MONTHS: usize = 24;

/// One month of the reports an agenda covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaMonth {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The SHA-256 of its published report; `None`: not published, the figures as they stand.
    pub published_sha256: Option<String>,
    /// The targets that did not hold in the month.
    pub failed: Vec<TargetLine>,
    /// The targets missed in the month, with the reasons recorded.
    pub missed: Vec<MissedLine>,
    /// The availability of the customer's environments in the month.
    pub availability: Vec<AvailabilityFigure>,
}

/// The escalation running for the customer (SLA §6.2): where it stands and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEscalation {
    /// Where it stands: `requested`, `consulting` or `discounting`.
    pub stage: String,
    /// When it was requested.
    pub since: Timestamp,
}

/// The agenda of a tactical meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct Agenda {
    /// The meeting.
    pub meeting: Meeting,
    /// The previous held tactical meeting, if any: the agenda covers what came after it.
    pub previous: Option<Meeting>,
    /// The months covered, oldest first.
    pub months: Vec<AgendaMonth>,
    /// The customer's action items not yet done, by due date, overdue ones flagged.
    pub open_action_items: Vec<TrackedItem>,
    /// The customer's running escalation, if there is one.
    pub open_escalation: Option<OpenEscalation>,
    /// The customer's RFC tickets not yet resolved or closed (the RFC assessment of SLA §7 is
    /// not built yet, so these are the tickets as they stand).
    pub open_rfcs: Vec<Ticket>,
}

/// The months an agenda covers: from the month of the previous meeting (or the last complete
/// month without one) up to the last month complete at `cutoff`, at most
/// [`MAX_AGENDA_MONTHS`], oldest first.
pub fn agenda_months(
    cal: &sla::Calendar,
    previous: Option<Timestamp>,
    cutoff: Timestamp,
) -> Vec<Month> {
    let last = Month::containing(cal, cutoff.as_second()).prev();
    let first = previous.map_or(last, |p| Month::containing(cal, p.as_second()));
    let mut months = Vec::new();
    let mut m = last;
    // Months before 1970 lie outside every calendar: none has a report.
    while m >= first && m.year >= 1970 && months.len() < MAX_AGENDA_MONTHS {
        months.push(m);
        m = m.prev();
    }
    months.reverse();
    months
}

impl Desk {
    /// The agenda of a tactical meeting the caller may see.
    pub async fn agenda(&self, caller: &Caller, id: MeetingId) -> Result<Agenda, DeskError> {
        let meeting = self.store.get_meeting(&caller.scope, id).await?;
        if meeting.kind != MeetingKind::Tactical {
            return Err(DeskError::invalid(
                "id",
                format!(
                    "an agenda is assembled for tactical meetings; this one is {}",
                    meeting.kind
                ),
            ));
        }
        let org = meeting.org_id;
        let previous = self
            .store
            .list_meetings(
                &caller.scope,
                org,
                Some(MeetingKind::Tactical),
                Some(MeetingStatus::Held),
                Some(meeting.starts_at),
            )
            .await?
            .into_iter()
            .rfind(|m| m.id != meeting.id);
        let standard = self.policies.standard()?;
        let cutoff = meeting.starts_at.min(self.clock.now());
        let mut months = Vec::new();
        for month in agenda_months(
            &standard.calendar,
            previous.as_ref().map(|p| p.starts_at),
            cutoff,
        ) {
            let report = self
                .report_figures(&caller.scope, Some(org), month, false)
                .await?;
            months.push(AgendaMonth {
                month: report.month.clone(),
                published_sha256: report.publication.as_ref().map(|p| p.sha256.clone()),
                failed: report
                    .sections
                    .iter()
                    .filter(|s| s.organization_id == Some(org.0))
                    .flat_map(|s| s.targets.iter().filter(|t| !t.holds).cloned())
                    .collect(),
                missed: report
                    .missed
                    .into_iter()
                    .filter(|m| m.organization_id == org.0)
                    .collect(),
                availability: report
                    .availability
                    .into_iter()
                    .filter(|a| a.organization_id == org.0)
                    .collect(),
            });
        }
        let open_action_items = self.action_items(caller, org, None, true).await?;
        let open_rfcs = self.open_rfcs(caller, org).await?;
        let open_escalation = self.open_escalation(caller, org).await?;
        Ok(Agenda {
            meeting,
            previous,
            months,
            open_action_items,
            open_escalation,
            open_rfcs,
        })
    }

    /// The customer's running escalation, if any: its stage and when it was requested.
    async fn open_escalation(
        &self,
        caller: &Caller,
        org: OrgId,
    ) -> Result<Option<OpenEscalation>, DeskError> {
        let view = self.escalation(caller, org).await?;
        let Some(id) = view.escalation_id else {
            return Ok(None);
        };
        let requested = view
            .timeline
            .iter()
            .find(|e| e.escalation_id == id && e.step == "request")
            .ok_or_else(|| DeskError::internal(format!("escalation {id} has no request")))?;
        let since = requested
            .at
            .parse::<Timestamp>()
            .map_err(|e| DeskError::internal(format!("escalation {id}: {e}")))?;
        Ok(Some(OpenEscalation {
            stage: view.stage,
            since,
        }))
    }

    /// A customer's RFC tickets not resolved or closed, newest first.
    async fn open_rfcs(
        &self,
        caller: &Caller,
        org: store::OrgId,
    ) -> Result<Vec<Ticket>, DeskError> {
        let filter = TicketFilter {
            org: Some(org),
            kind: Some(TicketKind::Rfc),
            order: TicketOrder::Newest,
            ..TicketFilter::default()
        };
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store
                .list_tickets(&caller.scope, &filter, cursor.as_deref(), 500)
                .await?;
            out.extend(page.items.into_iter().filter(|t| t.status.is_open()));
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }
}
