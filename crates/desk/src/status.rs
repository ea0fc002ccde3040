//! The public face of availability: the current state and 90 days of daily history for the
//! status page, announced maintenance for the sign-in page, an iCalendar feed and a small HTML
//! snippet the product's own login page can embed.
//!
//! What the public may see. Every customer runs its own environments on one loket instance,
//! and environment names ("Gemeente Aadorp productie") name customers; the store keeps no
//! public name or visibility flag for an environment. So without a session the vendor's
//! service is shown as **one entry**: its state is the worst of all environments (up, a
//! disruption at some of them with a count, or maintenance), its daily history the lowest
//! availability of any environment that day, and past outages are merged across environments
//! into incidents with a count of environments affected, never a name. Outages classified as
//! the customer's own (misconfiguration, circumstances at the customer's premises) concern one
//! customer's site, not the service, and are left out of the public list. Announced
//! maintenance is public with its times and description but without its environments: the SLA
//! itself asks for it on the (shared) login page, so the description must be written for
//! everyone. A signed-in person additionally sees every environment they may see by name
//! (customers their own, the vendor's staff all), with its own state, history and outages.

use std::collections::{BTreeMap, BTreeSet};

use sla::availability::{ExcludedCause, Outage, PlannedMaintenance, monthly_availability};
use sla::civil::DAY;
use store::{Environment, Maintenance, MaintenanceWhen, Millis, OrgId, Scope};

use crate::Desk;
use crate::DeskError;
use crate::availability::CustomerRules;

/// Days of history on the status page (today included).
pub const HISTORY_DAYS: i64 = 90;

/// How many announcements the sign-in page lists.
pub const LOGIN_ANNOUNCEMENTS: usize = 5;

/// The state of an environment, or of the service as a whole, now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EnvState {
    /// No open outage, no maintenance in progress.
    Up,
    /// Announced maintenance is in progress.
    Maintenance,
    /// An outage is open at some environments (the service as a whole only).
    Disrupted,
    /// An outage is open.
    Down,
}

impl EnvState {
    /// The word for CSS classes and the catalog: `up`, `maintenance`, `disrupted`, `down`.
    pub fn word(self) -> &'static str {
        match self {
            EnvState::Up => "up",
            EnvState::Maintenance => "maintenance",
            EnvState::Disrupted => "disrupted",
            EnvState::Down => "down",
        }
    }
}

/// How a day went, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DayClass {
    /// Not measured (before the environment existed, or no environments).
    None,
    /// No counted downtime.
    Ok,
    /// Some counted downtime, but within the target's share for the day.
    Minor,
    /// More counted downtime than the target allows for the day.
    Major,
}

impl DayClass {
    /// The word for CSS classes and the catalog.
    pub fn word(self) -> &'static str {
        match self {
            DayClass::None => "none",
            DayClass::Ok => "ok",
            DayClass::Minor => "minor",
            DayClass::Major => "major",
        }
    }
}

/// One local day of history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// The local civil day (days since 1970-01-01).
    pub day: i64,
    /// Availability that day in parts per million (the lowest of the environments for the
    /// service as a whole); `None` when nothing was measured.
    pub ppm: Option<u32>,
    /// Counted downtime that day, seconds (the most of any environment for the service).
    pub counted_seconds: i64,
    /// Its colour.
    pub class: DayClass,
}

/// An outage in the history list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastOutage {
    /// Start (ms).
    pub started_at: Millis,
    /// End (ms); `None` while it goes on.
    pub ended_at: Option<Millis>,
    /// The cause, when classified (the same for every merged outage).
    pub cause: Option<ExcludedCause>,
    /// How many environments it affected (1 for one environment's own list).
    pub environments: usize,
}

/// The status of one environment, or of the service as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The environment (`Customer – Environment` for the vendor's staff), or empty for the
    /// service as a whole.
    pub name: String,
    /// Its state now.
    pub state: EnvState,
    /// Environments with an open outage / all of them (the service as a whole).
    pub down: (usize, usize),
    /// The last [`HISTORY_DAYS`] local days, oldest first.
    pub days: Vec<Day>,
    /// Its outages in those days, latest first.
    pub outages: Vec<PastOutage>,
}

/// Everything the status page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusOverview {
    /// The service as a whole (public).
    pub service: StatusEntry,
    /// The environments the signed-in person may see, by name (empty without a session).
    pub environments: Vec<StatusEntry>,
    /// Announced maintenance not yet ended and not cancelled, soonest first.
    pub maintenance: Vec<Maintenance>,
}

/// One environment's inputs over the history span.
struct EnvData {
    env: Environment,
    name: String,
    outages: Vec<store::OutageRecord>,
    state: EnvState,
    days: Vec<Day>,
}

fn day_class(counted: i64, holds: bool) -> DayClass {
    if counted == 0 {
        DayClass::Ok
    } else if holds {
        DayClass::Minor
    } else {
        DayClass::Major
    }
}

/// Overlapping outages merged into incidents, latest first.
fn merge_outages(
    mut list: Vec<(Millis, Option<Millis>, Option<ExcludedCause>, i64)>,
) -> Vec<PastOutage> {
    list.sort_by_key(|o| o.0);
    let mut out: Vec<(PastOutage, BTreeSet<i64>, bool)> = Vec::new();
    for (start, end, cause, env) in list {
        if let Some((last, envs, mixed)) = out.last_mut() {
            let last_stop = last.ended_at.unwrap_or(Millis::MAX);
            if start < last_stop {
                last.ended_at = match (last.ended_at, end) {
                    (None, _) | (_, None) => None,
                    (Some(a), Some(b)) => Some(a.max(b)),
                };
                if last.cause != cause {
                    *mixed = true;
                }
                envs.insert(env);
                last.environments = envs.len();
                continue;
            }
        }
        out.push((
            PastOutage {
                started_at: start,
                ended_at: end,
                cause,
                environments: 1,
            },
            BTreeSet::from([env]),
            false,
        ));
    }
    let mut merged: Vec<PastOutage> = out
        .into_iter()
        .map(|(mut o, _, mixed)| {
            if mixed {
                o.cause = None;
            }
            o
        })
        .collect();
    merged.reverse();
    merged
}

/// Whether a cause concerns one customer's own site rather than the service.
fn customers_own(cause: Option<ExcludedCause>) -> bool {
    matches!(
        cause,
        Some(ExcludedCause::CustomerMisconfiguration | ExcludedCause::CustomerPremises)
    )
}

impl Desk {
    /// Announced maintenance for the public: upcoming (not ended), not cancelled.
    pub async fn upcoming_maintenance(&self) -> Result<Vec<Maintenance>, DeskError> {
        let list = self
            .store
            .list_maintenance(
                &Scope::System,
                None,
                None,
                MaintenanceWhen::Upcoming,
                self.now_ms(),
            )
            .await?;
        Ok(list
            .into_iter()
            .filter(|m| m.cancelled_at.is_none())
            .collect())
    }

    /// The status page's contents; with `viewer`, also the environments that scope may see.
    pub async fn status_overview(
        &self,
        viewer: Option<&Scope>,
    ) -> Result<StatusOverview, DeskError> {
        let standard = self.policies.standard()?;
        let cal = &standard.calendar;
        let now = self.now_ms();
        let now_s = now.div_euclid(1000);
        let today = cal.utc_to_local(now_s).div_euclid(DAY);
        let first = today - (HISTORY_DAYS - 1);
        let from = cal.local_to_utc(first * DAY) * 1000;
        let until = now + 1;
        let orgs: BTreeMap<OrgId, String> = self
            .store
            .list_orgs(&Scope::System)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let mut rules: BTreeMap<OrgId, CustomerRules> = BTreeMap::new();
        let mut data = Vec::new();
        for env in self.store.environments(&Scope::System, None).await? {
            let r = match rules.entry(env.org_id) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(self.availability_rules(env.org_id, now, now).await?)
                }
            };
            let outages = self
                .store
                .outages(&Scope::System, env.id, from, until)
                .await?;
            let planned = self
                .store
                .planned_maintenance(&Scope::System, env.id, from, until)
                .await?;
            let state = if planned
                .iter()
                .any(|m| m.starts_at <= now && now < m.ends_at)
            {
                EnvState::Maintenance
            } else if outages
                .iter()
                .any(|o| o.ended_at.is_none() && o.started_at <= now)
            {
                EnvState::Down
            } else {
                EnvState::Up
            };
            let planned: Vec<PlannedMaintenance> = planned.iter().map(|m| m.to_sla()).collect();
            let sla_outages: Vec<Outage> = outages.iter().map(|o| o.to_sla()).collect();
            let env_cal = &r.compiled.calendar;
            let days = (first..=today)
                .map(|day| {
                    let s = cal.local_to_utc(day * DAY);
                    let e = cal.local_to_utc((day + 1) * DAY);
                    if e * 1000 <= env.created_at || s > now_s {
                        return Day {
                            day,
                            ppm: None,
                            counted_seconds: 0,
                            class: DayClass::None,
                        };
                    }
                    let a = monthly_availability(
                        env_cal,
                        s,
                        e,
                        now_s,
                        &r.rules,
                        &planned,
                        &sla_outages,
                    );
                    Day {
                        day,
                        ppm: Some(a.availability_ppm),
                        counted_seconds: a.counted_downtime_seconds,
                        class: day_class(a.counted_downtime_seconds, a.holds),
                    }
                })
                .collect();
            let customer = orgs.get(&env.org_id).cloned().unwrap_or_default();
            let name = match viewer {
                Some(v) if v.org().is_none() => format!("{customer} – {}", env.name),
                _ => env.name.clone(),
            };
            data.push(EnvData {
                env,
                name,
                outages,
                state,
                days,
            });
        }
        let service = service_entry(&data, first, today);
        let environments = match viewer {
            None => Vec::new(),
            Some(scope) => data
                .iter()
                .filter(|d| scope.may_see(d.env.org_id))
                .map(|d| StatusEntry {
                    name: d.name.clone(),
                    state: d.state,
                    down: (usize::from(d.state == EnvState::Down), 1),
                    days: d.days.clone(),
                    outages: merge_outages(
                        d.outages
                            .iter()
                            .map(|o| (o.started_at, o.ended_at, o.cause, d.env.id.0))
                            .collect(),
                    ),
                })
                .collect(),
        };
        Ok(StatusOverview {
            service,
            environments,
            maintenance: self.upcoming_maintenance().await?,
        })
    }
}

/// The service as a whole from all environments: the worst state, the lowest day, merged
/// outages without the customers' own.
fn service_entry(data: &[EnvData], first: i64, today: i64) -> StatusEntry {
    let down = data.iter().filter(|d| d.state == EnvState::Down).count();
    let state = if down > 0 && down == data.len() {
        EnvState::Down
    } else if down > 0 {
        EnvState::Disrupted
    } else if data.iter().any(|d| d.state == EnvState::Maintenance) {
        EnvState::Maintenance
    } else {
        EnvState::Up
    };
    let days = (first..=today)
        .enumerate()
        .map(|(i, day)| {
            let measured: Vec<&Day> = data
                .iter()
                .filter_map(|d| d.days.get(i))
                .filter(|d| d.ppm.is_some())
                .collect();
            Day {
                day,
                ppm: measured.iter().filter_map(|d| d.ppm).min(),
                counted_seconds: measured
                    .iter()
                    .map(|d| d.counted_seconds)
                    .max()
                    .unwrap_or(0),
                class: measured
                    .iter()
                    .map(|d| d.class)
                    .max()
                    .unwrap_or(DayClass::None),
            }
        })
        .collect();
    let outages = merge_outages(
        data.iter()
            .flat_map(|d| {
                d.outages
                    .iter()
                    .filter(|o| !customers_own(o.cause))
                    .map(|o| (o.started_at, o.ended_at, o.cause, d.env.id.0))
            })
            .collect(),
    );
    StatusEntry {
        name: String::new(),
        state,
        down: (down, data.len()),
        days,
        outages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_outages_merge_with_a_count() {
        let m = merge_outages(vec![
            (0, Some(10), None, 1),
            (5, Some(20), None, 2),
            (30, None, Some(ExcludedCause::ForceMajeure), 1),
        ]);
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].started_at, m[0].ended_at, m[0].environments),
            (30, None, 1)
        );
        assert_eq!(
            (m[1].started_at, m[1].ended_at, m[1].environments),
            (0, Some(20), 2)
        );
    }
}
