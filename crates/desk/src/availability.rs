//! Availability figures per environment and month (SLA-RULES §6), and announcing planned
//! maintenance with its notice check and the mails to the customers' administrators.
//!
//! The arithmetic is `sla::availability::monthly_availability`; this module only gathers its
//! inputs (stored outages and planned maintenance, the rules of the customer's agreement) and
//! puts the answer in words and numbers for the API, the pages and the monthly report.
//!
//! Which agreement: a month is measured as a whole under the agreement in force at its first
//! instant (Europe/Amsterdam midnight); a customer created during the month is measured under
//! the agreement in force at the end of the measured span, and without any stored agreement
//! under the standard one (99.5%, 01:00–04:00, 3 working days' notice, all four causes).
//!
//! Notice (§8.2): checked when maintenance is announced, for every affected customer under the
//! agreement in force at that moment (`sla::availability::notice_given`). Too late for any of
//! them: the announcement is still made and mailed (the customers must know), the response
//! carries a warning naming those customers, and it is stored with `notice_ok = false`. The
//! figure re-applies each customer's own agreement through the engine, which counts
//! maintenance announced too late as downtime in itself, with or without an outage record.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sla::availability::{
    AvailabilityRules, ExcludedCause, PlannedMaintenance, monthly_availability, notice_given,
};
use sla::{Lang, Month, words};
use store::{
    Environment, EnvironmentId, MaintenanceId, MaintenanceRecipient, Millis, NewMail,
    NewMaintenance, OrgId, Role, Scope,
};

use crate::Caller;
use crate::Compiled;
use crate::Desk;
use crate::DeskError;
use crate::i18n::Tr;
use crate::time::rfc3339;

/// Roles that announce and cancel maintenance.
pub const ANNOUNCERS: [Role; 2] = [Role::ServiceManager, Role::Admin];

/// Milliseconds to the engine's seconds, rounding up (an announcement at 10:00:00.400 was
/// not there at 10:00:00).
fn ceil_seconds(ms: Millis) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

/// Parts per million as a percent with three decimals, rounded down: `998765` → `99.876`.
pub fn ppm_percent(ppm: u32) -> String {
    format!("{}.{:03}", ppm / 10_000, ppm % 10_000 / 10)
}

/// Time excluded under one outage cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CauseSeconds {
    /// The cause: `third_party_telecom`, `customer_misconfiguration`, `customer_premises` or
    /// `force_majeure`.
    pub cause: String,
    /// Seconds excluded under it (outside the window and announced maintenance).
    pub seconds: i64,
}

/// Excluded time by reason; overlapping time is attributed once, first to the window, then
/// to announced maintenance, then to the causes in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExcludedTime {
    /// The daily maintenance window (01:00–04:00 by default).
    pub window_seconds: i64,
    /// Planned maintenance announced with enough notice.
    pub announced_maintenance_seconds: i64,
    /// Outages classified under an excluded cause, per cause.
    pub causes: Vec<CauseSeconds>,
}

/// Planned maintenance that touched the month, and how it counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaintenanceLine {
    /// The announcement.
    pub id: i64,
    /// Start (RFC 3339).
    pub starts_at: String,
    /// End (RFC 3339).
    pub ends_at: String,
    /// Whether it was announced with the agreement's notice (excluded); otherwise it counts
    /// as downtime.
    pub notice_given: bool,
}

/// An outage that touched the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutageLine {
    /// The outage.
    pub id: i64,
    /// Start (RFC 3339).
    pub started_at: String,
    /// End (RFC 3339); absent while it goes on.
    pub ended_at: Option<String>,
    /// The excluded cause it is classified under; absent: it counts.
    pub cause: Option<String>,
}

/// The availability of one environment in one month, with how it came about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityFigure {
    /// The environment.
    pub environment_id: i64,
    /// Its name.
    pub environment: String,
    /// Its customer.
    pub organization_id: i64,
    /// The customer's name.
    pub customer: String,
    /// The month, `YYYY-MM` (Europe/Amsterdam).
    pub month: String,
    /// The month's first instant (RFC 3339).
    pub from: String,
    /// The first instant after the month.
    pub to: String,
    /// Measured until (RFC 3339): the month's end, or now for a month in progress.
    pub measured_until: String,
    /// Whether the month is still in progress (the figure will change).
    pub in_progress: bool,
    /// Length of the measured span, seconds.
    pub period_seconds: i64,
    /// The span without the excluded time: the denominator.
    pub measured_seconds: i64,
    /// All excluded time.
    pub excluded_seconds: i64,
    /// The excluded time by reason.
    pub excluded: ExcludedTime,
    /// Counted downtime: outages without an excluded cause and maintenance announced too late,
    /// outside the excluded time.
    pub counted_downtime_seconds: i64,
    /// The most counted downtime the target allows over the measured time.
    pub allowed_downtime_seconds: i64,
    /// Allowed minus counted; negative when the target is missed.
    pub remaining_downtime_seconds: i64,
    /// Availability in parts per million (rounded down).
    pub availability_ppm: u32,
    /// Availability as a percent with three decimals (rounded down), e.g. `99.873`.
    pub availability_percent: String,
    /// The target in parts per million.
    pub target_ppm: u32,
    /// The target as a percent, e.g. `99.500`.
    pub target_percent: String,
    /// Whether the target holds.
    pub holds: bool,
    /// Outages that touched the month.
    pub outages: Vec<OutageLine>,
    /// Planned maintenance that touched the month (not cancelled).
    pub maintenance: Vec<MaintenanceLine>,
}

/// The figures of a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityReport {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// One figure per environment the caller may see (filtered), by customer and name.
    pub environments: Vec<AvailabilityFigure>,
}

/// The rules and calendar availability is measured by for a customer.
#[derive(Clone)]
pub struct CustomerRules {
    /// Target, window, notice, excluded causes.
    pub rules: AvailabilityRules,
    /// The agreement's calendar (time zone, working days for the notice).
    pub compiled: Arc<Compiled>,
}

impl Desk {
    /// The availability rules of a customer's agreement in force at `at` (else at `fallback`,
    /// else the standard agreement).
    pub async fn availability_rules(
        &self,
        org: OrgId,
        at: Millis,
        fallback: Millis,
    ) -> Result<CustomerRules, DeskError> {
        let mut agreement = self
            .store
            .agreement_in_force(&Scope::System, org, at)
            .await?;
        if agreement.is_none() {
            agreement = self
                .store
                .agreement_in_force(&Scope::System, org, fallback)
                .await?;
        }
        let compiled = match agreement {
            Some(a) => self.policies.get(&a)?,
            None => self.policies.standard()?,
        };
        Ok(CustomerRules {
            rules: AvailabilityRules::from(&compiled.policy.availability),
            compiled,
        })
    }

    /// The month's span in Europe/Amsterdam (milliseconds), as the reports use it.
    pub fn month_span_ms(&self, month: Month) -> Result<(Millis, Millis), DeskError> {
        let standard = self.policies.standard()?;
        let (from, to) = month
            .span(&standard.calendar)
            .map_err(|e| DeskError::invalid("month", e.to_string()))?;
        Ok((from.as_millisecond(), to.as_millisecond()))
    }

    /// The availability of one environment the scope may see in a month.
    pub async fn availability(
        &self,
        scope: &Scope,
        environment: EnvironmentId,
        month: Month,
    ) -> Result<AvailabilityFigure, DeskError> {
        let env = self.store.get_environment(scope, environment).await?;
        let org = self.store.get_org(scope, env.org_id).await?;
        self.figure(scope, &env, &org.name, month).await
    }

    /// The availability of every environment of a customer the scope may see in a month.
    pub async fn customer_availability(
        &self,
        scope: &Scope,
        org: OrgId,
        month: Month,
    ) -> Result<Vec<AvailabilityFigure>, DeskError> {
        let o = self.store.get_org(scope, org).await?;
        let mut out = Vec::new();
        for env in self.store.environments(scope, Some(org)).await? {
            out.push(self.figure(scope, &env, &o.name, month).await?);
        }
        Ok(out)
    }

    /// The figures a scope asks for: one environment, one customer's, or all it may see
    /// (a customer always only its own; another customer's is "not found").
    pub async fn availability_report(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        environment: Option<EnvironmentId>,
        month: Month,
    ) -> Result<AvailabilityReport, DeskError> {
        crate::access::visible_org(scope, org)?;
        let environments = match (environment, org.or(scope.org())) {
            (Some(e), org) => {
                let f = self.availability(scope, e, month).await?;
                if org.is_some_and(|o| o.0 != f.organization_id) {
                    return Err(DeskError::NotFound("environment"));
                }
                vec![f]
            }
            (None, Some(o)) => self.customer_availability(scope, o, month).await?,
            (None, None) => {
                let names: BTreeMap<OrgId, String> = self
                    .store
                    .list_orgs(scope)
                    .await?
                    .into_iter()
                    .map(|o| (o.id, o.name))
                    .collect();
                let mut out = Vec::new();
                for env in self.store.environments(scope, None).await? {
                    let name = names.get(&env.org_id).cloned().unwrap_or_default();
                    out.push(self.figure(scope, &env, &name, month).await?);
                }
                out
            }
        };
        Ok(AvailabilityReport {
            month: month.to_string(),
            environments,
        })
    }

    /// The figure of one environment (already checked visible) in a month.
    pub async fn figure(
        &self,
        scope: &Scope,
        env: &Environment,
        customer: &str,
        month: Month,
    ) -> Result<AvailabilityFigure, DeskError> {
        let (from, to) = self.month_span_ms(month)?;
        let now = self.now_ms();
        let until = to.min(now).max(from);
        let r = self
            .availability_rules(env.org_id, from, (until - 1).max(from))
            .await?;
        let outages = self.store.outages(scope, env.id, from, to).await?;
        let planned = self
            .store
            .planned_maintenance(scope, env.id, from, to)
            .await?;
        let cal = &r.compiled.calendar;
        let sla_planned: Vec<PlannedMaintenance> = planned.iter().map(|m| m.to_sla()).collect();
        let sla_outages: Vec<_> = outages.iter().map(|o| o.to_sla()).collect();
        let a = monthly_availability(
            cal,
            from.div_euclid(1000),
            to.div_euclid(1000),
            now.div_euclid(1000),
            &r.rules,
            &sla_planned,
            &sla_outages,
        );
        Ok(AvailabilityFigure {
            environment_id: env.id.0,
            environment: env.name.clone(),
            organization_id: env.org_id.0,
            customer: customer.to_string(),
            month: month.to_string(),
            from: rfc3339(from),
            to: rfc3339(to),
            measured_until: rfc3339(until),
            in_progress: now < to,
            period_seconds: a.period_seconds,
            measured_seconds: a.measured_seconds,
            excluded_seconds: a.excluded_seconds,
            excluded: ExcludedTime {
                window_seconds: a.excluded_window_seconds,
                announced_maintenance_seconds: a.excluded_planned_seconds,
                causes: a
                    .excluded_by_cause
                    .iter()
                    .map(|(c, s)| CauseSeconds {
                        cause: c.as_str().to_string(),
                        seconds: *s,
                    })
                    .collect(),
            },
            counted_downtime_seconds: a.counted_downtime_seconds,
            allowed_downtime_seconds: a.allowed_downtime_seconds,
            remaining_downtime_seconds: a.remaining_downtime_seconds,
            availability_ppm: a.availability_ppm,
            availability_percent: ppm_percent(a.availability_ppm),
            target_ppm: a.target_ppm,
            target_percent: ppm_percent(a.target_ppm),
            holds: a.holds,
            outages: outages
                .iter()
                .map(|o| OutageLine {
                    id: o.id.0,
                    started_at: rfc3339(o.started_at),
                    ended_at: o.ended_at.map(rfc3339),
                    cause: o.cause.map(|c| c.as_str().to_string()),
                })
                .collect(),
            maintenance: planned
                .iter()
                .zip(&sla_planned)
                .map(|(m, p)| MaintenanceLine {
                    id: m.id.0,
                    starts_at: rfc3339(m.starts_at),
                    ends_at: rfc3339(m.ends_at),
                    notice_given: p.counts_as_excluded(cal, &r.rules.notice),
                })
                .collect(),
        })
    }
}

// ----- maintenance announcements -------------------------------------------------------------

/// Planned maintenance to announce.
#[derive(Debug, Clone)]
pub struct Announce {
    /// The environments it affects (at least one).
    pub environment_ids: Vec<EnvironmentId>,
    /// When it starts.
    pub starts_at: jiff::Timestamp,
    /// When it is expected to end.
    pub ends_at: jiff::Timestamp,
    /// What is done, for the customers (shown publicly on the sign-in and status pages).
    pub description: String,
}

/// Announced planned maintenance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaintenanceDto {
    /// Id.
    pub id: i64,
    /// The environments it affects (a customer sees only its own).
    pub environment_ids: Vec<i64>,
    /// Start (RFC 3339).
    pub starts_at: String,
    /// Expected end (RFC 3339).
    pub ends_at: String,
    /// What is done.
    pub description: String,
    /// When it was announced (RFC 3339).
    pub announced_at: String,
    /// Whether every affected customer got the notice its agreement asks; if not, it counts
    /// as downtime for those customers.
    pub notice_ok: bool,
    /// When it was called off (RFC 3339), if it was.
    pub cancelled_at: Option<String>,
}

impl From<store::Maintenance> for MaintenanceDto {
    fn from(m: store::Maintenance) -> Self {
        MaintenanceDto {
            id: m.id.0,
            environment_ids: m.environment_ids.iter().map(|e| e.0).collect(),
            starts_at: rfc3339(m.starts_at),
            ends_at: rfc3339(m.ends_at),
            description: m.description,
            announced_at: rfc3339(m.announced_at),
            notice_ok: m.notice_ok,
            cancelled_at: m.cancelled_at.map(rfc3339),
        }
    }
}

/// A customer that did not get the notice its agreement asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateNotice {
    /// The customer.
    pub organization_id: i64,
    /// Its name.
    pub customer: String,
    /// The earliest start that would have given the notice (RFC 3339).
    pub earliest_start: Option<String>,
}

/// The announcement as made.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnouncementDto {
    /// The announcement.
    pub maintenance: MaintenanceDto,
    /// Mails queued: one per active administrator of each affected customer.
    pub mails_queued: usize,
    /// Present when the notice was too short for some customer: the maintenance is announced
    /// and mailed, but counts as downtime for them.
    pub warning: Option<String>,
    /// The customers that did not get their notice.
    pub late_for: Vec<LateNotice>,
}

/// One customer's part in an announcement: names for the mail and whether notice was given.
struct Affected {
    customer: String,
    notice_ok: bool,
    earliest: Option<i64>,
}

/// The Amsterdam calendar the mails write times in.
fn local_words(cal: &sla::Calendar, ms: Millis, lang: Lang) -> String {
    words::format_local(cal, ms.div_euclid(1000), lang)
}

/// The mail to one administrator, in their language, times in Amsterdam time.
fn compose(
    cal: &sla::Calendar,
    r: &MaintenanceRecipient,
    new: &NewMaintenance,
    late: bool,
    notice: &sla::PolicyDuration,
) -> NewMail {
    let lang = if r.lang == "en" { Lang::En } else { Lang::Nl };
    let envs = r.environments.join(", ");
    let start = local_words(cal, new.starts_at, lang);
    let end = local_words(cal, new.ends_at, lang);
    let notice = notice.describe(lang);
    let t = Tr(lang);
    let late = if late {
        t.fill("mail.maintenance.late", &[("notice", &notice)])
    } else {
        String::new()
    };
    let subject = t.fill(
        "mail.maintenance.subject",
        &[("envs", &envs), ("start", &start)],
    );
    let body = t.fill(
        "mail.maintenance.body",
        &[
            ("name", &r.name),
            ("envs", &envs),
            ("start", &start),
            ("end", &end),
            ("desc", new.description.trim()),
            ("late", &late),
        ],
    );
    NewMail {
        to_address: r.email.clone(),
        subject,
        body_text: body,
    }
}

impl Desk {
    /// Announces planned maintenance (service manager or administrator): checks the notice
    /// for every affected customer under its agreement in force now, stores the announcement
    /// and queues the mails in one transaction.
    pub async fn announce_maintenance(
        &self,
        caller: &Caller,
        body: &Announce,
    ) -> Result<AnnouncementDto, DeskError> {
        caller.require(
            &ANNOUNCERS,
            "only a service manager or an administrator announces maintenance",
        )?;
        crate::limits::check(
            "description",
            &body.description,
            crate::limits::MAINTENANCE_DESCRIPTION,
        )?;
        let starts_at = body.starts_at.as_millisecond();
        let ends_at = body.ends_at.as_millisecond();
        if ends_at <= starts_at {
            return Err(DeskError::invalid(
                "ends_at",
                "maintenance ends after it starts",
            ));
        }
        if body.environment_ids.is_empty() {
            return Err(DeskError::invalid(
                "environment_ids",
                "name at least one environment",
            ));
        }
        let now = self.now_ms();
        let announced = ceil_seconds(now);
        let start_s = starts_at.div_euclid(1000);
        let mut affected: BTreeMap<OrgId, Affected> = BTreeMap::new();
        let mut notices: BTreeMap<OrgId, sla::PolicyDuration> = BTreeMap::new();
        let mut ids = Vec::with_capacity(body.environment_ids.len());
        for id in &body.environment_ids {
            let env = self.store.get_environment(&caller.scope, *id).await?;
            ids.push(env.id);
            if affected.contains_key(&env.org_id) {
                continue;
            }
            let org = self.store.get_org(&caller.scope, env.org_id).await?;
            let r = self.availability_rules(env.org_id, now, now).await?;
            let cal = &r.compiled.calendar;
            let ok = notice_given(cal, announced, start_s, &r.rules.notice);
            let earliest = cal
                .due_second(announced, &r.rules.notice)
                .ok()
                .map(|s| s * 1000);
            notices.insert(env.org_id, r.rules.notice);
            affected.insert(
                env.org_id,
                Affected {
                    customer: org.name,
                    notice_ok: ok,
                    earliest,
                },
            );
        }
        let notice_ok = affected.values().all(|a| a.notice_ok);
        let new = NewMaintenance {
            environment_ids: ids,
            starts_at,
            ends_at,
            description: body.description.clone(),
            notice_ok,
        };
        let standard = self.policies.standard()?;
        let (m, mails) = self
            .store
            .announce_maintenance(&caller.scope, &new, now, |r| {
                let late = affected.get(&r.org_id).is_some_and(|a| !a.notice_ok);
                let notice = notices
                    .get(&r.org_id)
                    .copied()
                    .unwrap_or(sla::availability::DEFAULT_NOTICE);
                compose(&standard.calendar, r, &new, late, &notice)
            })
            .await?;
        let late_for: Vec<LateNotice> = affected
            .iter()
            .filter(|(_, a)| !a.notice_ok)
            .map(|(o, a)| LateNotice {
                organization_id: o.0,
                customer: a.customer.clone(),
                earliest_start: a.earliest.map(rfc3339),
            })
            .collect();
        let warning = (!late_for.is_empty()).then(|| {
            let names: Vec<&str> = late_for.iter().map(|l| l.customer.as_str()).collect();
            format!(
                "announced with less notice than the agreement asks for {}: the maintenance \
                 counts as downtime for them",
                names.join(", ")
            )
        });
        Ok(AnnouncementDto {
            maintenance: m.into(),
            mails_queued: mails.len(),
            warning,
            late_for,
        })
    }

    /// Calls off announced maintenance (service manager or administrator).
    pub async fn cancel_maintenance(&self, caller: &Caller, id: i64) -> Result<(), DeskError> {
        caller.require(
            &ANNOUNCERS,
            "only a service manager or an administrator cancels maintenance",
        )?;
        self.store
            .cancel_maintenance(&caller.scope, MaintenanceId(id), self.now_ms())
            .await?;
        Ok(())
    }
}

/// The label of a stored cause word in a language (the word itself if unknown).
pub fn cause_label(cause: &str, lang: Lang) -> String {
    cause
        .parse::<ExcludedCause>()
        .map_or_else(|_| cause.to_string(), |c| c.label(lang).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_text_rounds_down() {
        assert_eq!(ppm_percent(1_000_000), "100.000");
        assert_eq!(ppm_percent(995_000), "99.500");
        assert_eq!(ppm_percent(998_765), "99.876");
        assert_eq!(ppm_percent(0), "0.000");
        assert_eq!(ceil_seconds(1_000), 1);
        assert_eq!(ceil_seconds(1_001), 2);
    }
}
