//! Probe results of monitors and their aggregates (`probe_results`, `probe_minutes`,
//! `probe_hours`), and the heartbeats of push monitors (`monitors.last_push_at`).
//!
//! Probe instants are milliseconds like every other instant in the store, so an
//! `OutageDetector` fed by the probe executor works in milliseconds too.
//!
//! Probe data is kept at three resolutions: raw results for 48 hours (one row each), minute
//! aggregates for 30 days (one row per monitor and UTC hour holding 60 packed minute cells)
//! and local-hour aggregates for good (one row per monitor and local day holding its 23, 24 or
//! 25 packed hour cells; see `packed.rs` for the cells). The packed rows are read, added to and
//! written back by [`Store::record_probe`] in the probe's transaction, and unpacked into
//! [`ProbeMinute`] and [`ProbeHour`] rows when read. A monitor probed every 30 seconds takes,
//! a year after its first probe (measured by `cargo bench -p store --bench probe_storage`):
//!
//! | table           | SQLite   | PostgreSQL |
//! |-----------------|----------|------------|
//! | `probe_results` | 98 kB    | 448 kB     |
//! | `probe_minutes` | 296 kB   | 359 kB     |
//! | `probe_hours`   | 125 kB   | 159 kB     |
//! | total           | 519 kB   | 966 kB     |
//!
//! so 100 such monitors take 52 MB on SQLite and 97 MB on PostgreSQL; the hours then grow by
//! 125 kB (SQLite) or 159 kB (PostgreSQL) per monitor and year.

use serde::{Deserialize, Serialize};
use sla::availability::{DetectorEvent, DetectorState, HourBucket, MinuteBucket};
use sqlx::AssertSqlSafe;

use crate::monitors::state_json;
use crate::packed::{self, DayCells, HOUR_MS, MINUTE_ROW_BYTES};
use crate::{Millis, MonitorId, OutageId, Result, Scope, Store, StoreError, rejected};

/// How long raw probe results are kept.
pub const KEEP_RAW_MS: Millis = 48 * 3_600_000;
/// How long per-minute aggregates are kept.
pub const KEEP_MINUTES_MS: Millis = 30 * 24 * 3_600_000;

/// One probe's result, as the executor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// When the probe started.
    pub at: Millis,
    /// Whether it passed.
    pub ok: bool,
    /// How long it took (until the answer, the failure or the timeout).
    pub latency_ms: i64,
    /// Why it failed, kept 48 hours (a passing probe's detail is not kept).
    pub detail: Option<String>,
    /// The local clock hour it belongs to (`HourBucket::of` with the customer's calendar, on
    /// `at` in seconds).
    pub hour: HourBucket,
    /// Seconds of down time this probe adds to its hour: the executor's call, normally the
    /// time since the previous probe while an outage is open, else 0.
    pub down_seconds: i64,
}

/// What [`Store::record_probe`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The probe was stored; an outage was opened or closed if one was given.
    Stored {
        /// The outage opened or closed, if any.
        outage: Option<OutageId>,
    },
    /// A result for this monitor and instant was stored before: nothing changed.
    Duplicate,
}

/// A raw probe result (kept 48 hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProbeRow {
    /// When.
    pub at: Millis,
    /// Passed (1) or failed (0).
    pub ok: i64,
    /// How long it took.
    pub latency_ms: i64,
    /// Why it failed (`None` when it passed or no reason was given).
    pub detail: Option<String>,
}

/// Probe counts of one UTC minute (kept 30 days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProbeMinute {
    /// The minute's first instant.
    pub minute_start: Millis,
    /// Probes in it.
    pub probes: i64,
    /// Failed probes in it.
    pub failures: i64,
    /// Sum of their latencies.
    pub latency_sum_ms: i64,
    /// The slowest.
    pub latency_max_ms: i64,
}

/// Probe counts of one local clock hour (kept for good).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProbeHour {
    /// The hour's first instant (UTC); the repeated hour when clocks go back is two rows.
    pub hour_start: Millis,
    /// The UTC offset in that hour, seconds east of UTC.
    pub utc_offset: i64,
    /// Probes in it.
    pub probes: i64,
    /// Failed probes in it.
    pub failures: i64,
    /// Down time the executor attributed to it.
    pub down_seconds: i64,
    /// Sum of their latencies.
    pub latency_sum_ms: i64,
    /// The slowest.
    pub latency_max_ms: i64,
}

/// What [`Store::prune`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Raw results older than 48 hours.
    pub results: u64,
    /// Rows of minute aggregates (one per monitor and UTC hour) whose hour ended 30 days ago
    /// or earlier.
    pub minutes: u64,
}

impl Store {
    /// Records one probe of `monitor` in one transaction: the raw row, the minute and hour
    /// aggregates, the detector's state after the probe, and the outage `event` (from the
    /// monitor's `OutageDetector`, fed in milliseconds) if there is one.
    ///
    /// Recording is idempotent per (monitor, instant): a repeated result changes nothing and
    /// says [`Recorded::Duplicate`]. Closing when no outage is open, or opening while one is,
    /// stores the probe and leaves the outages as they are.
    pub async fn record_probe(
        &self,
        monitor: MonitorId,
        probe: &ProbeResult,
        detector: &DetectorState,
        event: Option<DetectorEvent>,
        now: Millis,
    ) -> Result<Recorded> {
        let state = state_json(detector)?;
        let hour_start = probe.hour.start * 1000;
        if !(hour_start <= probe.at && probe.at < hour_start + HOUR_MS) {
            return Err(rejected("hour", "the probe's hour does not contain it"));
        }
        let offset_q = packed::offset_quarters(probe.hour.offset)
            .ok_or_else(|| rejected("hour", "the offset is not a whole number of quarter hours"))?;
        let day = packed::ymd((probe.hour.start + i64::from(probe.hour.offset)).div_euclid(86_400))
            .ok_or_else(|| rejected("at", "outside the years 1 to 9999"))?;
        let latency = i32::try_from(probe.latency_ms)
            .ok()
            .filter(|l| *l >= 0)
            .ok_or_else(|| rejected("latency_ms", "must be 0 to 2^31 - 1 milliseconds"))?;
        if probe.down_seconds < 0 {
            return Err(rejected("down_seconds", "must not be negative"));
        }
        // The UTC hour whose minutes row the probe goes in, and its minute there.
        let minutes_start = probe.at.div_euclid(HOUR_MS) * HOUR_MS;
        let minute = MinuteBucket::of(probe.at.div_euclid(1000)).start() * 1000;
        let minute_index = usize::try_from((minute - minutes_start) / packed::MINUTE_MS)
            .map_err(|_| rejected("at", "no minute"))?;
        let hour = packed::HourProbe {
            hour_start,
            offset_q,
            failed: !probe.ok,
            latency_ms: probe.latency_ms,
            down_seconds: probe.down_seconds,
        };
        // The detail is the result: NULL for a passing probe, the reason (or '') for a failed
        // one.
        let detail = (!probe.ok).then(|| probe.detail.as_deref().unwrap_or(""));
        let raw = "INSERT INTO probe_results (monitor_id, at, latency_ms, detail) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (monitor_id, at) DO NOTHING \
                   RETURNING at";
        let open = "INSERT INTO outages (environment_id, monitor_id, org_id, started_at, source, \
                    created_at) SELECT environment_id, id, org_id, $2, 'probe', $3 \
                    FROM monitors WHERE id = $1 ON CONFLICT DO NOTHING RETURNING id";
        let close = "UPDATE outages SET ended_at = $2 \
                     WHERE monitor_id = $1 AND source = 'probe' AND ended_at IS NULL RETURNING id";
        let recorded = in_tx!(self, tx, lock => {
            // Holding the monitor's row serializes probes of one monitor on PostgreSQL.
            let found: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT id FROM monitors WHERE id = $1{lock}"
            )))
            .bind(monitor.0)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Err(StoreError::NotFound("monitor"));
            }
            let inserted: Option<i64> = sqlx::query_scalar(raw)
                .bind(monitor.0)
                .bind(probe.at)
                .bind(latency)
                .bind(detail)
                .fetch_optional(&mut *tx)
                .await?;
            if inserted.is_none() {
                return Ok(Recorded::Duplicate);
            }
            // The minute and hour cells: read, add, write back (the monitor's row, held
            // above, keeps other writers of these rows out on PostgreSQL; SQLite has one
            // writer).
            let cells: Option<Vec<u8>> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT minutes FROM probe_minutes WHERE monitor_id = $1 AND hour_start = $2{lock}"
            )))
            .bind(monitor.0)
            .bind(minutes_start)
            .fetch_optional(&mut *tx)
            .await?;
            let write = if cells.is_some() {
                "UPDATE probe_minutes SET minutes = $3 WHERE monitor_id = $1 AND hour_start = $2"
            } else {
                "INSERT INTO probe_minutes (monitor_id, hour_start, minutes) VALUES ($1, $2, $3)"
            };
            let mut cells = cells.unwrap_or_else(|| vec![0; MINUTE_ROW_BYTES]);
            packed::read_minutes(&cells)?;
            packed::add_to_minutes(&mut cells, minute_index, !probe.ok, probe.latency_ms);
            sqlx::query(write)
                .bind(monitor.0)
                .bind(minutes_start)
                .bind(cells)
                .execute(&mut *tx)
                .await?;
            let stored: Option<(i64, Vec<u8>)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT day_start, hours FROM probe_hours WHERE monitor_id = $1 AND day = $2{lock}"
            )))
            .bind(monitor.0)
            .bind(day)
            .fetch_optional(&mut *tx)
            .await?;
            let write = if stored.is_some() {
                "UPDATE probe_hours SET day_start = $3, hours = $4 \
                 WHERE monitor_id = $1 AND day = $2"
            } else {
                "INSERT INTO probe_hours (monitor_id, day, day_start, hours) \
                 VALUES ($1, $2, $3, $4)"
            };
            let stored = match stored {
                Some((start, bytes)) => Some(DayCells::read(start, &bytes)?),
                None => None,
            };
            let cells = DayCells::add(stored, &hour)
                .ok_or_else(|| rejected("hour", "does not line up with the day's other hours"))?;
            sqlx::query(write)
                .bind(monitor.0)
                .bind(day)
                .bind(cells.day_start)
                .bind(cells.bytes())
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE monitors SET detector_state = $1 WHERE id = $2")
                .bind(&state)
                .bind(monitor.0)
                .execute(&mut *tx)
                .await?;
            let outage: Option<i64> = match event {
                Some(DetectorEvent::Opened { at }) => {
                    sqlx::query_scalar(open)
                        .bind(monitor.0)
                        .bind(at)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                Some(DetectorEvent::Closed { at }) => {
                    sqlx::query_scalar(close)
                        .bind(monitor.0)
                        .bind(at)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                None => None,
            };
            Recorded::Stored {
                outage: outage.map(OutageId),
            }
        });
        Ok(recorded)
    }

    /// Deletes raw results older than 48 hours and the minute rows of UTC hours that ended 30
    /// days ago or earlier (hours are kept for good).
    pub async fn prune(&self, now: Millis) -> Result<Pruned> {
        // Per monitor, so both databases walk the (monitor_id, instant) keys.
        let raw = "DELETE FROM probe_results \
                   WHERE monitor_id IN (SELECT id FROM monitors) AND at < $1";
        let minutes = "DELETE FROM probe_minutes \
                       WHERE monitor_id IN (SELECT id FROM monitors) AND hour_start <= $1";
        let pruned = in_tx!(self, tx, _lock => {
            let results = sqlx::query(raw)
                .bind(now - KEEP_RAW_MS)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let minutes = sqlx::query(minutes)
                .bind(now - KEEP_MINUTES_MS - HOUR_MS)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            Pruned { results, minutes }
        });
        Ok(pruned)
    }

    /// Raw results of a monitor the scope may see, in `[from, to)`, oldest first.
    pub async fn probe_results(
        &self,
        scope: &Scope,
        monitor: MonitorId,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<ProbeRow>> {
        self.get_monitor(scope, monitor).await?;
        let sql = "SELECT at, CAST(CASE WHEN detail IS NULL THEN 1 ELSE 0 END AS BIGINT) AS ok, \
                   CAST(latency_ms AS BIGINT) AS latency_ms, NULLIF(detail, '') AS detail \
                   FROM probe_results \
                   WHERE monitor_id = $1 AND at >= $2 AND at < $3 ORDER BY at";
        Ok(on_pool!(self, p => sqlx::query_as(sql)
            .bind(monitor.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await?))
    }

    /// Minute aggregates of a monitor the scope may see, starting in `[from, to)`.
    pub async fn probe_minutes(
        &self,
        scope: &Scope,
        monitor: MonitorId,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<ProbeMinute>> {
        self.get_monitor(scope, monitor).await?;
        let sql = "SELECT hour_start, minutes FROM probe_minutes WHERE monitor_id = $1 \
                   AND hour_start >= $2 AND hour_start < $3 ORDER BY hour_start";
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(monitor.0)
            .bind(from.saturating_sub(HOUR_MS - 1))
            .bind(to)
            .fetch_all(p)
            .await?);
        let mut out = Vec::new();
        for (hour_start, cells) in rows {
            for (i, c) in packed::read_minutes(&cells)? {
                let minute_start = hour_start + i as Millis * packed::MINUTE_MS;
                if (from..to).contains(&minute_start) {
                    out.push(ProbeMinute {
                        minute_start,
                        probes: i64::from(c.probes),
                        failures: i64::from(c.failures),
                        latency_sum_ms: i64::from(c.latency_sum_ms),
                        latency_max_ms: i64::from(c.latency_max_ms),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Hour aggregates of a monitor the scope may see, starting in `[from, to)`.
    pub async fn probe_hours(
        &self,
        scope: &Scope,
        monitor: MonitorId,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<ProbeHour>> {
        self.get_monitor(scope, monitor).await?;
        let sql = "SELECT day_start, hours FROM probe_hours WHERE monitor_id = $1 \
                   AND day >= $2 AND day <= $3 ORDER BY day";
        let (first, last) = packed::day_range(from, to);
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(monitor.0)
            .bind(first)
            .bind(last)
            .fetch_all(p)
            .await?);
        let mut out = Vec::new();
        for (day_start, bytes) in rows {
            let day = DayCells::read(day_start, &bytes)?;
            for (hour_start, c) in day.hours() {
                if (from..to).contains(&hour_start) {
                    out.push(ProbeHour {
                        hour_start,
                        utc_offset: c.utc_offset(),
                        probes: i64::from(c.probes),
                        failures: i64::from(c.failures),
                        down_seconds: i64::from(c.down_seconds),
                        latency_sum_ms: i64::from(c.latency_sum_ms),
                        latency_max_ms: i64::from(c.latency_max_ms),
                    });
                }
            }
        }
        // Days are in order and their hours too; a day's hours never reach into the next's.
        out.sort_by_key(|h| h.hour_start);
        Ok(out)
    }

    /// Records a heartbeat of the active push monitor whose token hashes to `token_hash`, at
    /// `at` (a later heartbeat is never replaced by an earlier one). Returns the monitor, or
    /// `None` when no active push monitor has that token.
    pub async fn record_push(&self, token_hash: &str, at: Millis) -> Result<Option<MonitorId>> {
        let sql = "UPDATE monitors SET last_push_at = CASE \
                   WHEN last_push_at IS NULL OR last_push_at < $2 THEN $2 ELSE last_push_at END \
                   WHERE push_token_hash = $1 AND kind = 'push' AND active = 1 RETURNING id";
        let id: Option<i64> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(token_hash)
            .bind(at)
            .fetch_optional(p)
            .await
            .map_err(StoreError::from)?);
        Ok(id.map(MonitorId))
    }

    /// The last heartbeat of a monitor (system use: the probe executor), if it ever pushed.
    pub async fn last_push(&self, monitor: MonitorId) -> Result<Option<Millis>> {
        let sql = "SELECT last_push_at FROM monitors WHERE id = $1";
        let at: Option<Option<i64>> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(monitor.0)
            .fetch_optional(p)
            .await
            .map_err(StoreError::from)?);
        at.ok_or(StoreError::NotFound("monitor"))
    }
}
