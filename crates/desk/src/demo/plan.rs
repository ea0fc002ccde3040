//! How a demo ticket lives: arrival times, the targets it meets or misses, its steps, and the
//! small random source behind them.

use super::*;

/// A caller for a person signed in through the web.
pub(super) fn caller(p: &Person) -> Caller {
    Caller {
        scope: scope_of(p),
        person: p.clone(),
        via_token: false,
    }
}

pub(super) fn internal(message: String) -> DeskError {
    DeskError::Internal(anyhow::anyhow!(message))
}

pub(super) fn cal_err(e: sla::CalendarError) -> DeskError {
    internal(format!("demo calendar: {e}"))
}

pub(super) fn at(second: i64) -> Result<Timestamp, DeskError> {
    Timestamp::from_second(second).map_err(|e| internal(format!("instant {second}: {e}")))
}

/// A name and a personal address (`j.devries@domain`) not used before.
pub(super) fn person_name(
    rng: &mut Rng,
    used: &mut HashSet<String>,
    domain: &str,
) -> (String, String) {
    let mut tries = 0;
    loop {
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(SURNAMES);
        let initial = first.chars().next().unwrap_or('x').to_ascii_lowercase();
        let squashed: String = last
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let suffix = if tries > 50 {
            tries.to_string()
        } else {
            String::new()
        };
        let email = format!("{initial}.{squashed}{suffix}@{domain}");
        tries += 1;
        if used.insert(email.clone()) {
            return (format!("{first} {last}"), email);
        }
    }
}

/// Fills `{team}` and `{system}` in a template.
pub(super) fn fill_in(rng: &mut Rng, template: &str) -> String {
    let mut s = template.to_string();
    if s.contains("{team}") {
        let team = *rng.pick(TEAMS);
        s = s.replace("{team}", team);
    }
    if s.contains("{system}") {
        let system = *rng.pick(SYSTEMS);
        s = s.replace("{system}", system);
    }
    s
}

/// A customer and its demo people.
pub(super) struct Customer {
    pub(super) org: Organization,
    pub(super) admins: Vec<Caller>,
    pub(super) per_year: i64,
    pub(super) api_share: f64,
}

/// The numbers of people a plan may pick from.
pub(super) struct Staff {
    pub(super) agents: Vec<PersonId>,
    pub(super) manager: PersonId,
    pub(super) admins: usize,
    pub(super) api_share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Channel {
    Web,
    Api,
    /// Registered by this agent.
    Phone(usize),
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Who {
    Agent(usize),
    Manager,
    Reporter,
}

/// What a step is, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Other,
    Priority,
    Reopen,
}

pub(super) struct Step {
    pub(super) at: i64,
    pub(super) who: Who,
    pub(super) action: Action,
    pub(super) kind: Kind,
}

/// One ticket's whole story, planned before anything is filed.
pub(super) struct Plan {
    pub(super) org: usize,
    pub(super) reporter: usize,
    pub(super) channel: Channel,
    pub(super) kind: TicketKind,
    pub(super) priority: Option<Priority>,
    pub(super) subject: String,
    pub(super) description: String,
    /// When it was received (UTC seconds).
    pub(super) received: i64,
    /// When it was recorded: received, or a few minutes later for a phone call.
    pub(super) filed: i64,
    pub(super) steps: Vec<Step>,
}

/// Relative weight (at most 1) of a ticket arriving at an instant: office hours mostly,
/// some early mornings and evenings, few nights, weekends and holidays.
pub(super) fn arrival_weight(cal: &Calendar, t: i64) -> Result<f64, DeskError> {
    let local = cal.utc_to_local(t);
    let day = local.div_euclid(86_400);
    let hour = local.rem_euclid(86_400) / HOUR;
    if cal.is_open(at(t)?).map_err(cal_err)? {
        return Ok(match hour {
            9..=11 => 1.0,
            12 => 0.6,
            13..=15 => 0.85,
            _ => 0.7,
        });
    }
    let weekday = (day + 3).rem_euclid(7); // 0 = Monday (1970-01-01 was a Thursday)
    let noon = cal.local_to_utc(day * 86_400 + 12 * HOUR);
    let working = weekday < 5 && cal.is_open(at(noon)?).map_err(cal_err)?;
    Ok(match (working, hour) {
        (true, 7..=8) => 0.12,
        (true, 17..=21) => 0.07,
        (true, _) => 0.01,
        (false, 9..=20) => 0.03,
        (false, _) => 0.005,
    })
}

/// An arrival instant in `[from, until)`, by rejection sampling on [`arrival_weight`].
pub(super) fn arrival(
    rng: &mut Rng,
    cal: &Calendar,
    from: i64,
    until: i64,
) -> Result<i64, DeskError> {
    loop {
        let t = rng.range(from, until - 1);
        if rng.unit() < arrival_weight(cal, t)? {
            return Ok(t);
        }
    }
}

/// Business seconds from `start` until each bound of the target set is due.
pub(super) fn budgets(
    cal: &Calendar,
    policy: &Policy,
    kind: TicketKind,
    p: Priority,
    start: i64,
) -> Vec<i64> {
    policy
        .targets
        .for_ticket(kind, p)
        .bounds
        .iter()
        .filter_map(|b| {
            let due = cal.due_second(start, &b.within).ok()?;
            cal.elapsed_seconds(start, due).ok()
        })
        .collect()
}

/// When (business seconds after the clock start) the measured event happens: mostly well
/// within the first bound, sometimes between the bounds, rarely after the last.
pub(super) fn draw_target(
    rng: &mut Rng,
    budgets: &[i64],
    between: f64,
    beyond: f64,
    spread: bool,
) -> i64 {
    let first = budgets.first().copied().unwrap_or(WORKING_DAY);
    let last = budgets.last().copied().unwrap_or(first);
    let r = rng.unit();
    let t = if r < beyond {
        last as f64 * (1.03 + 0.5 * rng.unit())
    } else if r < beyond + between && last > first {
        first as f64 + (last - first) as f64 * (0.05 + 0.9 * rng.unit())
    } else {
        let u = rng.unit();
        first as f64 * (0.03 + 0.92 * if spread { u } else { u * u })
    };
    (t as i64).max(10 * MINUTE)
}

pub(super) fn plan_ticket(
    rng: &mut Rng,
    cal: &Calendar,
    policy: &Policy,
    org: usize,
    staff: &Staff,
    received: i64,
) -> Result<Plan, DeskError> {
    let r = rng.unit();
    let kind = if r < 0.6 {
        TicketKind::Incident
    } else if r < 0.93 {
        TicketKind::Question
    } else {
        TicketKind::Rfc
    };
    let reported = (kind == TicketKind::Incident).then(|| {
        let r = rng.unit();
        if r < 0.03 {
            Priority::Urgent
        } else if r < 0.17 {
            Priority::High
        } else if r < 0.72 {
            Priority::Normal
        } else {
            Priority::Low
        }
    });
    let office = cal.is_open(at(received)?).map_err(cal_err)?;
    let phone_share = match kind {
        TicketKind::Incident => 0.3,
        TicketKind::Question => 0.2,
        TicketKind::Rfc => 0.05,
    };
    let agent = rng.below(staff.agents.len());
    let channel = if office && rng.chance(phone_share) {
        Channel::Phone(rng.below(staff.agents.len()))
    } else if rng.chance(staff.api_share) {
        Channel::Api
    } else {
        Channel::Web
    };
    let filed = match channel {
        Channel::Phone(_) => received + rng.range(2 * MINUTE, 12 * MINUTE),
        _ => received,
    };
    let reporter = rng.below(staff.admins);
    let (subject, description) = match (kind, reported) {
        (TicketKind::Incident, Some(Priority::Urgent)) => {
            (text(rng, URGENT_SUBJECTS), text(rng, INCIDENT_TEXTS))
        }
        (TicketKind::Incident, _) => (text(rng, INCIDENT_SUBJECTS), text(rng, INCIDENT_TEXTS)),
        (TicketKind::Question, _) => (text(rng, QUESTION_SUBJECTS), text(rng, QUESTION_TEXTS)),
        (TicketKind::Rfc, _) => (text(rng, RFC_SUBJECTS), text(rng, RFC_TEXTS)),
    };

    let cs = cal.clock_start_second(received).map_err(cal_err)?;
    // Business offsets from the clock start, turned into instants in Service Window 1.
    let b = |offset: i64| cal.deadline_second(cs, offset.max(0)).map_err(cal_err);
    let later = |from: i64, business: i64| cal.deadline_second(from, business).map_err(cal_err);
    let mut steps: Vec<Step> = Vec::new();
    let step = |at: i64, who: Who, action: Action| Step {
        at,
        who,
        action,
        kind: Kind::Other,
    };
    let comment = |rng: &mut Rng, texts: &[&str]| Action::Comment {
        body: text(rng, texts),
        internal: false,
    };
    let status = |to: Status, reason: Option<&str>| Action::Status {
        to,
        reason: reason.map(str::to_string),
    };

    // The priority the service desk settles on, and why it changed.
    let change = match reported {
        Some(p) if rng.chance(0.1) => Some(match p {
            Priority::Urgent => (
                Priority::High,
                "Na analyse: één locatie getroffen, workaround beschikbaar",
            ),
            Priority::High if rng.chance(0.4) => (
                Priority::Urgent,
                "Geen enkele medewerker kan cliëntdossiers openen",
            ),
            Priority::High => (
                Priority::Normal,
                "Workaround beschikbaar; werk kan doorgaan",
            ),
            Priority::Normal if rng.chance(0.6) => (
                Priority::High,
                "Meerdere teams getroffen; registratie ligt stil",
            ),
            Priority::Normal => (Priority::Low, "Betreft één gebruiker; omzeiling mogelijk"),
            Priority::Low => (Priority::Normal, "Raakt ook de maandafsluiting"),
        }),
        _ => None,
    };
    let settled = change.map(|c| c.0).or(reported).unwrap_or(Priority::Normal);
    let budget = budgets(cal, policy, kind, settled, cs);
    let (between, beyond) = match (kind, settled) {
        (TicketKind::Incident, Priority::Urgent) => (0.04, 0.02),
        (TicketKind::Incident, Priority::High) => (0.02, 0.007),
        (TicketKind::Incident, Priority::Normal) => (0.03, 0.008),
        (TicketKind::Incident, Priority::Low) => (0.02, 0.005),
        (TicketKind::Question, _) => (0.03, 0.008),
        (TicketKind::Rfc, _) => (0.0, 0.03),
    };
    // Low priority incidents and RFCs take their time; the rest is mostly done quickly.
    let spread = matches!(
        (kind, settled),
        (TicketKind::Incident, Priority::Low) | (TicketKind::Rfc, _)
    );
    let target = draw_target(rng, &budget, between, beyond, spread);
    // Who handles it (RFCs often the service manager), and who assigns it: the handler
    // picking it up, or the service manager dispatching it.
    let (assignee, assignee_id) = if kind == TicketKind::Rfc && rng.chance(0.6) {
        (Who::Manager, staff.manager)
    } else {
        (Who::Agent(agent), staff.agents[agent])
    };
    let assigner = if rng.chance(0.4) {
        Who::Manager
    } else {
        assignee
    };
    let assign_b = rng.range(2 * MINUTE, 45 * MINUTE).min(target / 5);
    steps.push(step(
        b(assign_b)?,
        assigner,
        Action::Assign {
            to: Some(assignee_id),
        },
    ));
    let mut resolved_at;
    match kind {
        TicketKind::Incident => {
            let res_b = target;
            let mut cursor = assign_b;
            if let Some((to, reason)) = change {
                cursor += rng.range(MINUTE, 30 * MINUTE).min(res_b / 5);
                let who = if rng.chance(0.5) {
                    Who::Manager
                } else {
                    assignee
                };
                steps.push(Step {
                    kind: Kind::Priority,
                    ..step(
                        b(cursor)?,
                        who,
                        Action::Priority {
                            to,
                            reason: reason.into(),
                        },
                    )
                });
            }
            let max_response = match settled {
                Priority::Urgent => 15 * MINUTE,
                Priority::High => HOUR,
                Priority::Normal => 4 * HOUR,
                Priority::Low => 2 * WORKING_DAY,
            };
            let resp_b = cursor + rng.range(3 * MINUTE, max_response).min(res_b / 3);
            steps.push(step(b(resp_b)?, assignee, comment(rng, FIRST_RESPONSES)));
            let gap = (res_b - resp_b).max(0);
            if rng.chance(0.25) {
                let note = Action::Comment {
                    body: rng.pick(NOTES).to_string(),
                    internal: true,
                };
                steps.push(step(b(resp_b + gap / 10)?, assignee, note));
            }
            if rng.chance(0.15) {
                steps.push(step(b(resp_b + gap / 6)?, assignee, comment(rng, CLARIFY)));
                steps.push(step(
                    b(resp_b + gap / 6)?,
                    assignee,
                    status(
                        Status::WaitingOnCustomer,
                        Some("Wacht op gegevens van de klant"),
                    ),
                ));
                steps.push(step(
                    b(resp_b + gap * 3 / 5)?,
                    Who::Reporter,
                    comment(rng, CUSTOMER_REPLIES),
                ));
            }
            resolved_at = b(res_b)?;
            let reason = *rng.pick(RESOLUTIONS);
            steps.push(step(
                resolved_at,
                assignee,
                status(Status::Resolved, Some(reason)),
            ));
        }
        TicketKind::Question => {
            let answered = if rng.chance(0.12) {
                // The first response asks for clarification; the answer follows the reply.
                steps.push(step(b(target)?, assignee, comment(rng, CLARIFY)));
                steps.push(step(
                    b(target)?,
                    assignee,
                    status(Status::WaitingOnCustomer, Some("Wacht op toelichting")),
                ));
                let reply = later(b(target)?, rng.range(HOUR, 2 * WORKING_DAY))?;
                steps.push(step(reply, Who::Reporter, comment(rng, CUSTOMER_REPLIES)));
                let answer = later(reply, rng.range(30 * MINUTE, WORKING_DAY))?;
                steps.push(step(answer, assignee, comment(rng, ANSWERS)));
                answer
            } else {
                let answer = b(target)?;
                steps.push(step(answer, assignee, comment(rng, ANSWERS)));
                answer
            };
            resolved_at = later(answered, rng.range(MINUTE, 4 * HOUR))?;
            steps.push(step(
                resolved_at,
                assignee,
                status(Status::Resolved, Some("Vraag beantwoord")),
            ));
        }
        TicketKind::Rfc => {
            let assessed = b(target)?;
            steps.push(step(assessed, assignee, comment(rng, ASSESSMENTS)));
            let mut cursor = assessed;
            if rng.chance(0.2) {
                steps.push(step(
                    cursor,
                    assignee,
                    status(
                        Status::WaitingOnCustomer,
                        Some("Wacht op akkoord van de klant"),
                    ),
                ));
                cursor = later(cursor, rng.range(WORKING_DAY, 5 * WORKING_DAY))?;
                steps.push(step(
                    cursor,
                    Who::Reporter,
                    Action::Comment {
                        body: "Akkoord, graag uitvoeren zoals voorgesteld.".into(),
                        internal: false,
                    },
                ));
            }
            resolved_at = later(cursor, rng.range(5 * WORKING_DAY, 60 * WORKING_DAY))?;
            let outcome = *rng.pick(RFC_OUTCOMES);
            steps.push(step(
                resolved_at,
                assignee,
                status(Status::Resolved, Some(outcome)),
            ));
        }
    }

    // Reopened now and then: the customer reports it again, the desk resolves it again.
    let reopen_share = match kind {
        TicketKind::Incident => 0.04,
        TicketKind::Question => 0.015,
        TicketKind::Rfc => 0.0,
    };
    if rng.chance(reopen_share) {
        let reopened = later(resolved_at, rng.range(HOUR, 2 * WORKING_DAY))?;
        steps.push(Step {
            kind: Kind::Reopen,
            ..step(
                reopened,
                Who::Reporter,
                status(Status::Reopened, Some(*rng.pick(REOPEN_REPLIES))),
            )
        });
        resolved_at = later(reopened, rng.range(30 * MINUTE, 6 * HOUR))?;
        let reason = *rng.pick(RESOLUTIONS);
        steps.push(step(
            resolved_at,
            assignee,
            status(Status::Resolved, Some(reason)),
        ));
    }

    // Closed: by the customer confirming, or by the desk after five quiet working days.
    if rng.chance(0.35) {
        let confirmed = later(resolved_at, rng.range(HOUR, 2 * WORKING_DAY))?;
        steps.push(step(confirmed, Who::Reporter, comment(rng, CLOSE_REPLIES)));
        steps.push(step(confirmed, Who::Reporter, status(Status::Closed, None)));
    } else {
        let quiet = later(resolved_at, 5 * WORKING_DAY + rng.range(0, HOUR))?;
        steps.push(step(
            quiet,
            Who::Agent(agent),
            status(
                Status::Closed,
                Some("Automatisch gesloten na 5 werkdagen zonder reactie"),
            ),
        ));
    }

    // Every step strictly after the one before it (and after filing).
    let mut prev = filed;
    for s in &mut steps {
        if s.at <= prev {
            s.at = prev + rng.range(20, 3 * MINUTE);
        }
        prev = s.at;
    }
    Ok(Plan {
        org,
        reporter,
        channel,
        kind,
        priority: reported,
        subject,
        description,
        received,
        filed,
        steps,
    })
}

/// One of `templates`, filled in.
pub(super) fn text(rng: &mut Rng, templates: &[&str]) -> String {
    let t = *rng.pick(templates);
    fill_in(rng, t)
}

/// SplitMix64: small, fast and good enough for demo data; no dependency.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        lo + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as i64
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}
