//! Demo data: a year of a living service desk (customers, their administrators and viewers,
//! vendor staff, and tickets with realistic handling), filed through the application services
//! on a moving clock so that every SLA clock is computed exactly as in production.

use std::collections::HashSet;
use std::fmt;

use jiff::Timestamp;
use sla::{Calendar, OutcomeKind, Policy, Priority, Status, TicketKind};
use store::{
    NewPerson, OrgId, Organization, Person, PersonId, Role, Scope, Store, Ticket, TicketFilter,
    TicketId, TicketOrder,
};

use crate::Desk;
use crate::DeskError;
use crate::access::{Caller, hash_password, scope_of};
use crate::clock::{Clock, FixedClock};
use crate::tickets::{Action, FileTicket};

mod plan;
mod texts;

use plan::*;
use texts::*;

/// The password every demo person shares (it is demo data; never use it for real accounts).
pub const DEMO_PASSWORD: &str = "demo-wachtwoord-2026";
/// The e-mail address of the demo administrator (when the database has no administrator yet).
pub const DEMO_ADMIN_EMAIL: &str = "admin@loket.localhost";
/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 2026;

/// Business seconds in a working day (Service Window 1, 09:00–17:30).
const WORKING_DAY: i64 = 30_600;
const HOUR: i64 = 3_600;
const MINUTE: i64 = 60;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Seed of the generator: the same seed on an empty database gives the same data.
    pub seed: u64,
    /// The end of the generated history; `None`: the clock's current instant.
    pub until: Option<Timestamp>,
    /// How many days of history end at `until`.
    pub days: u32,
    /// The password of every demo person.
    pub password: String,
    /// The administrator's e-mail address, used when the database has no administrator yet.
    pub admin_email: String,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: DEFAULT_SEED,
            until: None,
            days: 365,
            password: DEMO_PASSWORD.to_string(),
            admin_email: DEMO_ADMIN_EMAIL.to_string(),
        }
    }
}

/// What [`fill`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// Start of the generated history.
    pub from: Timestamp,
    /// End of the generated history.
    pub until: Timestamp,
    /// Customer organizations.
    pub organizations: usize,
    /// Customer administrators (MEXTRA-beheerders).
    pub customer_admins: usize,
    /// Customer viewers.
    pub customer_viewers: usize,
    /// Vendor staff created (agents, service manager and, when created, the administrator).
    pub vendor_staff: usize,
    /// The administrator to sign in with.
    pub admin_email: String,
    /// Whether the administrator was created by the demo (and so has the demo password).
    pub admin_created: bool,
    /// People created, vendor staff and customers' people together.
    pub people: usize,
    /// Incidents by current priority: urgent, high, normal, low.
    pub incidents: [usize; 4],
    /// User-support questions.
    pub questions: usize,
    /// Requests for change.
    pub rfcs: usize,
    /// Tickets registered by an agent from a phone call.
    pub phone_calls: usize,
    /// Tickets filed outside Service Window 1 (their clocks start at the next opening).
    pub outside_office_hours: usize,
    /// Tickets still open (new, open, waiting or reopened).
    pub open: usize,
    /// Tickets resolved and not yet closed.
    pub resolved: usize,
    /// Tickets closed.
    pub closed: usize,
    /// Tickets reopened at least once.
    pub reopened: usize,
    /// Incidents whose priority the service desk changed.
    pub priority_changes: usize,
    /// Tickets with at least one target missed.
    pub tickets_missed: usize,
    /// Targets (bounds) met.
    pub targets_met: usize,
    /// Targets (bounds) missed.
    pub targets_missed: usize,
    /// Events recorded after filing (comments, assignments, status changes, …).
    pub events: usize,
}

impl DemoSummary {
    /// Every ticket.
    pub fn tickets(&self) -> usize {
        self.incidents.iter().sum::<usize>() + self.questions + self.rfcs
    }
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [u, h, n, l] = self.incidents;
        writeln!(f, "Demo data from {} until {}:", self.from, self.until)?;
        writeln!(
            f,
            "  {} customers with {} administrators and {} viewers; {} vendor staff; {} people created",
            self.organizations,
            self.customer_admins,
            self.customer_viewers,
            self.vendor_staff,
            self.people
        )?;
        writeln!(
            f,
            "  {} tickets: {} incidents ({u} urgent, {h} high, {n} normal, {l} low), {} questions, {} RFCs",
            self.tickets(),
            u + h + n + l,
            self.questions,
            self.rfcs
        )?;
        writeln!(
            f,
            "  {} by phone, {} outside office hours, {} events after filing, {} priority changes",
            self.phone_calls, self.outside_office_hours, self.events, self.priority_changes
        )?;
        writeln!(
            f,
            "  now {} open, {} resolved, {} closed; {} reopened once or more",
            self.open, self.resolved, self.closed, self.reopened
        )?;
        write!(
            f,
            "  targets: {} met, {} missed ({} tickets missed a target)",
            self.targets_met, self.targets_missed, self.tickets_missed
        )
    }
}

/// Fails with 409 unless the database holds no tickets and no customers: demo data goes only
/// into an empty database, never among real data.
pub async fn check_empty(store: &Store) -> Result<(), DeskError> {
    let newest = TicketFilter {
        order: TicketOrder::Newest,
        ..TicketFilter::default()
    };
    if !store
        .list_tickets(&Scope::System, &newest, None, 1)
        .await?
        .items
        .is_empty()
    {
        return Err(DeskError::Conflict {
            field: "database",
            message:
                "the database holds tickets already; demo data goes only into an empty database"
                    .into(),
        });
    }
    if !store.list_orgs(&Scope::System).await?.is_empty() {
        return Err(DeskError::Conflict {
            field: "database",
            message:
                "the database holds customers already; demo data goes only into an empty database"
                    .into(),
        });
    }
    Ok(())
}

/// Fills an empty database with demo data through the application services, moving `clock`
/// (which `state` must run on) through the history in chronological order. Deterministic
/// from `opts.seed` (given the same `until`). Leaves the clock at `until`.
pub async fn fill(
    state: &Desk,
    clock: &FixedClock,
    opts: DemoOptions,
) -> Result<DemoSummary, DeskError> {
    let until_s = opts.until.unwrap_or_else(|| clock.now()).as_second();
    let until = at(until_s)?;
    let from_s = until_s - i64::from(opts.days.max(1)) * 86_400;
    let from = at(from_s)?;
    check_empty(&state.store).await?;
    clock.set(from);
    if state.now_ms() != from.as_millisecond() {
        return Err(internal(
            "the application state does not run on the demo clock".into(),
        ));
    }
    let compiled = state.policies.standard()?;
    let cal = &compiled.calendar;
    let mut rng = Rng::new(opts.seed);
    let hash = hash_password(opts.password.clone()).await?;

    // ----- people ------------------------------------------------------------------------
    let existing = state.store.list_people(&Scope::System, None).await?;
    let mut emails: HashSet<String> = existing.iter().map(|p| p.email.clone()).collect();
    let mut people = 0usize;
    let (admin, admin_created) = match existing.iter().find(|p| p.role == Role::Admin && p.active) {
        Some(p) => (p.clone(), false),
        None => {
            let email = opts.admin_email.trim().to_lowercase();
            emails.insert(email.clone());
            let new = NewPerson {
                email,
                name: "Demo Beheerder".into(),
                role: Role::Admin,
                org_id: None,
                lang: "nl".into(),
                password_hash: Some(hash.clone()),
            };
            people += 1;
            (state.create_person(None, new).await?.0, true)
        }
    };
    let admin = caller(&admin);
    let mut new_person = |rng: &mut Rng, role: Role, org: Option<OrgId>, domain: &str| {
        let (name, email) = person_name(rng, &mut emails, domain);
        let lang = if rng.chance(0.1) { "en" } else { "nl" };
        NewPerson {
            email,
            name,
            role,
            org_id: org,
            lang: lang.into(),
            password_hash: Some(hash.clone()),
        }
    };
    let mut agents = Vec::new();
    for _ in 0..rng.range(2, 4) {
        let p = new_person(&mut rng, Role::Agent, None, VENDOR_DOMAIN);
        agents.push(caller(&state.create_person(Some(&admin), p).await?.0));
    }
    let p = new_person(&mut rng, Role::ServiceManager, None, VENDOR_DOMAIN);
    let manager = caller(&state.create_person(Some(&admin), p).await?.0);
    let vendor_staff = agents.len() + 1 + usize::from(admin_created);
    people += agents.len() + 1;

    let mut customers = Vec::new();
    let (mut customer_admins, mut customer_viewers) = (0, 0);
    for c in CUSTOMERS {
        let org = state.create_org(&admin, c.name).await?;
        let mut admins = Vec::new();
        for _ in 0..rng.range(2, 3) {
            let p = new_person(&mut rng, Role::CustomerAdmin, Some(org.id), c.domain);
            admins.push(caller(&state.create_person(Some(&admin), p).await?.0));
        }
        let viewers = rng.range(1, 3) as usize;
        for _ in 0..viewers {
            let p = new_person(&mut rng, Role::CustomerViewer, Some(org.id), c.domain);
            state.create_person(Some(&admin), p).await?;
        }
        customer_admins += admins.len();
        customer_viewers += viewers;
        people += admins.len() + viewers;
        customers.push(Customer {
            org,
            admins,
            per_year: rng.range(150, 400),
            api_share: c.api_share,
        });
    }

    // ----- plans -------------------------------------------------------------------------
    let mut arrivals = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        let n = (c.per_year * i64::from(opts.days.max(1)) + 182) / 365;
        for _ in 0..n {
            arrivals.push((arrival(&mut rng, cal, from_s, until_s)?, i));
        }
    }
    arrivals.sort_unstable();
    let staff: Vec<Staff> = customers
        .iter()
        .map(|c| Staff {
            agents: agents.iter().map(|a| a.person.id).collect(),
            manager: manager.person.id,
            admins: c.admins.len(),
            api_share: c.api_share,
        })
        .collect();
    let mut plans = Vec::with_capacity(arrivals.len());
    for (received, org) in arrivals {
        let plan = plan_ticket(&mut rng, cal, &compiled.policy, org, &staff[org], received)?;
        plans.push(plan);
    }

    // ----- replay in chronological order ---------------------------------------------------
    let mut order: Vec<(i64, usize, usize)> = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        if p.filed > until_s {
            continue;
        }
        order.push((p.filed, i, 0));
        for (j, s) in p.steps.iter().enumerate() {
            if s.at <= until_s {
                order.push((s.at, i, j + 1));
            }
        }
    }
    order.sort_unstable();
    let mut tickets: Vec<Option<Ticket>> = vec![None; plans.len()];
    let mut events = 0usize;
    for (t, i, j) in order {
        clock.set(at(t)?);
        let plan = &plans[i];
        let customer = &customers[plan.org];
        let reporter = &customer.admins[plan.reporter];
        let result = if j == 0 {
            let phone = matches!(plan.channel, Channel::Phone(_));
            let input = FileTicket {
                kind: plan.kind,
                priority: plan.priority,
                subject: plan.subject.clone(),
                description: plan.description.clone(),
                organization_id: phone.then_some(customer.org.id),
                reporter_id: phone.then_some(reporter.person.id),
                received_at: phone.then(|| at(plan.received)).transpose()?,
            };
            let by = match plan.channel {
                Channel::Phone(a) => agents[a].clone(),
                Channel::Api => Caller {
                    via_token: true,
                    ..reporter.clone()
                },
                Channel::Web => reporter.clone(),
            };
            state.file_ticket(&by, input).await
        } else {
            let step = &plan.steps[j - 1];
            let by = match step.who {
                Who::Agent(a) => &agents[a],
                Who::Manager => &manager,
                Who::Reporter => reporter,
            };
            let id = tickets[i].as_ref().map_or(TicketId(0), |t| t.id);
            events += 1;
            state.act(by, id, step.action.clone()).await
        };
        let ticket = result.map_err(|e| {
            internal(format!(
                "demo ticket {i}, step {j} at {}: {e}",
                at(t).map_or_else(|_| t.to_string(), |x| x.to_string())
            ))
        })?;
        tickets[i] = Some(ticket);
    }
    clock.set(until);

    // ----- summary -----------------------------------------------------------------------
    let mut summary = DemoSummary {
        from,
        until,
        organizations: customers.len(),
        customer_admins,
        customer_viewers,
        vendor_staff,
        admin_email: admin.person.email.clone(),
        admin_created,
        people,
        incidents: [0; 4],
        questions: 0,
        rfcs: 0,
        phone_calls: 0,
        outside_office_hours: 0,
        open: 0,
        resolved: 0,
        closed: 0,
        reopened: 0,
        priority_changes: 0,
        tickets_missed: 0,
        targets_met: 0,
        targets_missed: 0,
        events,
    };
    for (plan, t) in plans.iter().zip(&tickets) {
        let Some(t) = t else { continue };
        match plan.kind {
            TicketKind::Incident => {
                let p = t.priority.unwrap_or(Priority::Normal);
                summary.incidents[sla::policy::priority_index(p)] += 1;
            }
            TicketKind::Question => summary.questions += 1,
            TicketKind::Rfc => summary.rfcs += 1,
        }
        summary.phone_calls += usize::from(t.channel == sla::Channel::Phone);
        if !cal
            .is_open(at(t.received_at.as_second())?)
            .map_err(cal_err)?
        {
            summary.outside_office_hours += 1;
        }
        match t.status {
            Status::Resolved => summary.resolved += 1,
            Status::Closed => summary.closed += 1,
            _ => summary.open += 1,
        }
        let done = |k: Kind| plan.steps.iter().any(|s| s.at <= until_s && s.kind == k);
        summary.reopened += usize::from(done(Kind::Reopen));
        summary.priority_changes += usize::from(done(Kind::Priority));
        summary.tickets_missed += usize::from(t.clocks.sla_outcome == OutcomeKind::Missed);
        for r in &t.clocks.targets {
            match r.outcome {
                OutcomeKind::Met => summary.targets_met += 1,
                OutcomeKind::Missed => summary.targets_missed += 1,
                OutcomeKind::Running => {}
            }
        }
    }
    Ok(summary)
}

// ----- generation ------------------------------------------------------------------------
