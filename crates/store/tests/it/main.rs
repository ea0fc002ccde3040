//! The store's conformance suite: every case runs against SQLite (always, a fresh temporary
//! file) and PostgreSQL (a fresh database created through `TEST_DATABASE_URL`; without it
//! the PostgreSQL tests say so and pass, or fail when `CI` is set or
//! `LOKET_REQUIRE_POSTGRES=1`).
//!
//! Each case is an `async fn case_x(store: &Store)` (or `(store, url)` when it needs the
//! URL); `conformance!` turns it into `sqlite_case_x` and `postgres_case_x`, so
//! `cargo test -p store --test it sqlite_` or `postgres_` selects one backend. The databases
//! and the run of one case on one backend come from the shared test kit (`testkit`); the
//! suite's own data (two customers, tickets with running clocks) is in `fixtures`.

mod attachments;
mod audit;
mod auth;
mod availability;
mod compensation;
mod connect;
mod fixtures;
mod listing;
mod notifications;
mod orgs;
mod people;
mod reports;
mod schema;
mod tickets;
mod views;

use attachments::*;
use audit::*;
use auth::*;
use availability::*;
use compensation::*;
use connect::*;
use listing::*;
use notifications::*;
use orgs::*;
use people::*;
use reports::*;
use testkit::Backend;
use tickets::*;
use views::*;

/// Two tests per case, one per backend, each on a fresh database.
macro_rules! conformance {
    (store: [$($case:ident),* $(,)?], url: [$($url_case:ident),* $(,)?] $(,)?) => {
        pastey::paste! {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn [<sqlite_ $case>]() {
                    testkit::run(Backend::Sqlite, |store, _url| async move {
                        $case(&store).await
                    })
                    .await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn [<postgres_ $case>]() {
                    testkit::run(Backend::Postgres, |store, _url| async move {
                        $case(&store).await
                    })
                    .await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn [<sqlite_ $url_case>]() {
                    testkit::run(Backend::Sqlite, |store, url| async move {
                        $url_case(&store, &url).await
                    })
                    .await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn [<postgres_ $url_case>]() {
                    testkit::run(Backend::Postgres, |store, url| async move {
                        $url_case(&store, &url).await
                    })
                    .await;
                }
            )*
        }
    };
}

conformance! {
    store: [
        case_organizations,
        case_agreement_versions,
        case_people,
        case_administrator_limit,
        case_sessions,
        case_tokens,
        case_sign_in_failures,
        case_create_and_get_ticket,
        case_failed_ticket_creation_writes_nothing,
        case_record_event,
        case_concurrent_events,
        case_internal_notes,
        case_list_tickets_paging,
        case_list_tickets_filters,
        case_audit,
        case_saved_views,
        case_attachments_round_trip_and_scope,
        case_attachments_with_events,
        case_attachment_listing_has_no_data,
        case_report_counts,
        case_report_totals_follow_rewrites,
        case_publications_and_reasons,
        case_environments_and_monitors,
        case_probe_aggregates,
        case_pruning,
        case_outage_lifecycle,
        case_maintenance_announcements,
        case_mail_outbox,
        case_notifications_ride_in_the_transaction,
        case_concurrent_mail_claims,
        case_job_leases,
    ],
    url: [
        case_probe_packing,
        case_connect_and_migrate,
        case_bad_urls,
        case_bad_stored_words,
        case_escalations_and_ledger,
    ],
}

// The administrator limit under concurrency: on PostgreSQL (READ COMMITTED) the store holds
// the organization's row while it counts, so concurrent grants cannot all pass the check.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_case_administrator_limit_concurrent() {
    testkit::run(Backend::Sqlite, |store, _url| async move {
        case_administrator_limit_concurrent(&store).await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_case_administrator_limit_concurrent() {
    testkit::run(Backend::Postgres, |store, _url| async move {
        case_administrator_limit_concurrent(&store).await
    })
    .await;
}
