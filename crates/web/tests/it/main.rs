//! The web crate's integration suite: the whole HTTP application (router, handlers, desk
//! services, store) driven through `tower::ServiceExt::oneshot`, with an injected clock.
//!
//! Every case is an `async fn case(app: App)`; `cases!` turns it into `case::sqlite` (a fresh
//! SQLite file) and `case::postgres` (a fresh database made through `TEST_DATABASE_URL`;
//! skipped with a notice when that is unset, an error under `CI` or
//! `LOKET_REQUIRE_POSTGRES=1`). `cargo test -p web --test it sqlite` selects one backend.

mod authz;
mod desk_pages;
mod hardening;
mod harness;
mod inbound;
mod input;
mod mail;
mod mail_cycle;
mod meetings;
mod meetings_more;
mod notes;
mod notifications;
mod openapi;
mod pagekit;
mod people;
mod recipients;
mod refresh;
mod reports;
mod sender_checks;
mod signin;
mod sla;
mod world;

use authz::*;
use desk_pages::*;
use hardening::*;
use inbound::*;
use input::*;
use mail::*;
use mail_cycle::*;
use meetings::*;
use meetings_more::*;
use notes::*;
use notifications::*;
use openapi::*;
use people::*;
use recipients::*;
use refresh::*;
use reports::*;
use sender_checks::*;
use signin::*;
use sla::*;

/// Two tests per case, one per backend, each on a fresh database.
macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    crate::harness::run(crate::harness::Backend::Sqlite, super::$case).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    crate::harness::run(crate::harness::Backend::Postgres, super::$case).await;
                }
            }
        )*
    };
}

cases! {
    notify_ticket_events,
    notify_a_failed_write_queues_nothing,
    notify_delivered_over_smtp,
    mail_cycle_in_and_out,
    notify_on_duty_list_and_failing_address,
    recipients_by_role_and_preference,
    recipients_bad_input_and_isolation,
    recipients_one_click_unsubscribe,
    recipients_daily_digest_once,
    recipients_filing_with_cc_and_files,
    recipients_pages,
    authz_matrix,
    hardening_redirects_stay_on_site,
    hardening_months_out_of_range,
    hardening_headers_on_every_answer,
    hardening_slow_clients_are_closed,
    hardening_no_lockout_of_others,
    hardening_client_behind_a_proxy,
    hardening_small_refusals,
    authz_viewer_filing_reason,
    authz_listings,
    sla_after_hours_filing,
    sla_phone_registration_and_priority,
    sla_resolve_and_reopen,
    sla_queue_filters_and_paging,
    people_administrator_limit,
    people_addresses_and_fields,
    people_agreement_policy_errors,
    signin_throttling,
    signin_throttling_per_client,
    signin_sessions_and_sign_out,
    signin_api_tokens,
    input_bad_bodies,
    input_awkward_text,
    input_bad_paths,
    notes_internal_and_first_response,
    openapi_document_and_health,
    refresh_marks_passed_deadlines_missed,
    concurrent_actions_never_act_on_a_stale_ticket,
    reports_monthly_counts,
    reports_customers_and_bad_months,
    reports_publish_freeze_and_correct,
    reports_dashboard,
    reports_printable_snapshot,
    reports_pages,
    admin_pages_customers_and_administrator_limit,
    admin_pages_agreement_error_at_its_line,
    admin_pages_custom_agreement_raises_the_limit,
    admin_pages_role_address_warning_and_staff,
    admin_pages_forbidden_and_csrf,
    desk_pages_queue_order_and_marks,
    desk_pages_filters_and_paging,
    desk_pages_saved_views,
    desk_pages_phone_registration,
    desk_pages_bulk_actions,
    desk_pages_staff_only,
    pages_portal_lists_own_organization,
    pages_portal_pages_and_filters,
    pages_filing_through_the_form,
    pages_viewer_cannot_file,
    pages_other_customers_ticket_is_not_found,
    pages_unknown_urls_answer_browsers_with_a_page,
    pages_comment_appears_in_history,
    pages_internal_notes_stay_with_the_desk,
    pages_forms_without_the_right_token_are_refused,
    pages_friday_evening_urgent_ticket,
    pages_english_for_lang_en,
    pages_desk_forms_and_customer_decision,
    pages_language_switch,
    pages_sign_in_refusal_in_the_forms_language,
    attachments_upload_listing_and_download,
    attachments_viewer_cannot_attach,
    attachments_oversized_file_is_refused,
    attachments_need_the_csrf_token,
    mail_announcement_delivered,
    mail_server_down_then_back,
    meetings_schedule_on_working_days,
    meetings_minutes_with_both_sides,
    meetings_action_items_done_and_overdue,
    meetings_agenda_from_the_data,
    meetings_icalendar_text,
    inbound_store_first_files_once,
    inbound_threading,
    inbound_who_may_file,
    inbound_automatic_mail_and_answer_cap,
    inbound_bounce_marks_the_address,
    inbound_bad_input_is_recorded,
    inbound_http_endpoint_and_original,
    inbound_mutated_messages_always_end_recorded,
    mail_auth_verifier_rules,
    mail_auth_decides_the_intake,
    held_mail_page,
}
mod admin_pages;
mod browser;
mod demo;
mod webdriver;
use admin_pages::*;
mod pages;
use pages::*;
mod attachments;
use attachments::*;
mod publishing;
use publishing::*;
mod availability;
use availability::*;
cases! {
    availability_month_against_a_minute_count,
    availability_dst_month_and_month_end,
    availability_announcement_mails,
    availability_public_feeds,
    availability_status_page,
    availability_classify_from_the_page,
}
mod monitoring;
use monitoring::*;
cases! {
    monitoring_outage_after_failures_and_recoveries,
    monitoring_push_monitor_fails_when_pushes_stop,
    monitoring_outages_by_hand,
    monitoring_tenant_isolation_and_validation,
    monitoring_runner_against_real_targets,
    monitoring_lease_one_runner_probes,
}
mod compensation;
mod compensation_cases;
use compensation::*;
use compensation_cases::*;
cases! {
    compensation_ladder_to_the_cap_and_its_end,
    compensation_progress_and_authorization,
    compensation_other_switches,
    compensation_published_month_corrected,
    compensation_api,
}
mod escalation_pages;
use escalation_pages::*;
cases! {
    escalation_pages_customer_request_and_claim,
    escalation_pages_desk_steps_and_reversal,
    escalation_pages_authz,
}
mod hardening_limits;
mod hardening_monitors;
use hardening_limits::*;
use hardening_monitors::*;
cases! {
    hardening_length_limits_every_field,
    hardening_length_limits_escalation,
    hardening_length_limits_in_page_forms,
    hardening_monitor_targets_internal,
    hardening_monitor_probe_refuses_internal_addresses,
    hardening_monitor_keyword_hidden_from_customers,
}
mod meeting_mails;
mod meeting_pages;
use meeting_mails::*;
use meeting_pages::*;
cases! {
    meeting_pages_plan_and_forms,
    meeting_pages_other_customer_is_not_found,
    meeting_mails_move_and_cancel,
    meeting_mails_none_for_a_held_meeting,
}
mod report_compensation;
use report_compensation::*;
cases! {
    report_compensation_through_the_ladder,
    report_compensation_without_escalation,
}
mod escalation_meetings;
mod reminders;
use escalation_meetings::*;
use reminders::*;
cases! {
    escalation_meetings_linked_both_ways,
    escalation_meetings_on_the_pages,
    reminders_before_follow_ups,
    reminders_before_action_items,
}
mod mail_events;
use mail_events::*;
cases! {
    alerts_at_risk_and_missed_once,
    report_published_mails_the_administrators,
    assessment_of_an_rfc,
    inbound_one_automatic_answer_per_ticket,
    inbound_filing_mail_keeps_its_files,
}
