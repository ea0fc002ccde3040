//! Who may do what: every route × every role × own, other customer's and missing resources,
//! against an explicit table; and listings that never show another customer's rows.

use std::collections::BTreeSet;

use axum::http::Method;
use serde_json::{Value, json};
use store::{PersonId, Scope, TicketId};

use crate::harness::{App, Auth, Req, Resp, items};
use crate::world::{Actor, World};

/// Every route of `web::api::routes()` plus `/api/openapi.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Ep {
    SignIn,
    SignOut,
    SignOutEverywhere,
    Me,
    CreateToken,
    ListTokens,
    RevokeToken,
    ListOrgs,
    CreateOrg,
    GetOrg,
    ListAgreements,
    AddAgreement,
    ListPeople,
    CreatePerson,
    GetPerson,
    SetRole,
    MailStanding,
    SetOnDuty,
    ListTickets,
    FileTicket,
    GetTicket,
    TicketEvents,
    Comment,
    ChangePriority,
    Assign,
    SetStatus,
    GetAssessment,
    Assess,
    Report,
    Publish,
    Dashboard,
    MissReason,
    Health,
    OpenApi,
    Availability,
    Announce,
    ListMaintenance,
    CancelMaintenance,
    PublicMaintenance,
    ListEnvironments,
    CreateEnvironment,
    RenameEnvironment,
    ListMonitors,
    CreateMonitor,
    GetMonitor,
    UpdateMonitor,
    SetMonitorActive,
    Push,
    ListOutages,
    RegisterOutage,
    GetOutage,
    CorrectOutage,
    ClassifyOutage,
    GetEscalation,
    OverrunMonths,
    RequestConsultation,
    RecordConsultation,
    RecordFollowUp,
    Claim,
    ReverseDiscount,
    Overview,
    Ledger,
    ListMeetings,
    PlanMeeting,
    MeetingsIcs,
    GetMeeting,
    ChangeMeeting,
    CancelMeeting,
    AddAttendee,
    RecordMinutes,
    MeetingMinutes,
    MeetingInvitation,
    MeetingAgenda,
    AddActionItem,
    CompleteActionItem,
    MoveActionItem,
    ListActionItems,
    ListSchedules,
    GetSchedule,
    SetSchedule,
    PostInbound,
    ListHeld,
    ConfirmHeld,
    RefuseHeld,
    MailOriginal,
    TicketCc,
    SetTicketCc,
    Followers,
    Follow,
    Unfollow,
    MyNotifications,
    SetMyNotifications,
}

use Ep::*;

pub const ALL: [Ep; 92] = [
    SignIn,
    SignOut,
    SignOutEverywhere,
    Me,
    CreateToken,
    ListTokens,
    RevokeToken,
    ListOrgs,
    CreateOrg,
    GetOrg,
    ListAgreements,
    AddAgreement,
    ListPeople,
    CreatePerson,
    GetPerson,
    SetRole,
    MailStanding,
    SetOnDuty,
    ListTickets,
    FileTicket,
    GetTicket,
    TicketEvents,
    Comment,
    ChangePriority,
    Assign,
    SetStatus,
    GetAssessment,
    Assess,
    Report,
    Publish,
    Dashboard,
    MissReason,
    Health,
    OpenApi,
    Availability,
    Announce,
    ListMaintenance,
    CancelMaintenance,
    PublicMaintenance,
    ListEnvironments,
    CreateEnvironment,
    RenameEnvironment,
    ListMonitors,
    CreateMonitor,
    GetMonitor,
    UpdateMonitor,
    SetMonitorActive,
    Push,
    ListOutages,
    RegisterOutage,
    GetOutage,
    CorrectOutage,
    ClassifyOutage,
    GetEscalation,
    OverrunMonths,
    RequestConsultation,
    RecordConsultation,
    RecordFollowUp,
    Claim,
    ReverseDiscount,
    Overview,
    Ledger,
    ListMeetings,
    PlanMeeting,
    MeetingsIcs,
    GetMeeting,
    ChangeMeeting,
    CancelMeeting,
    AddAttendee,
    RecordMinutes,
    MeetingMinutes,
    MeetingInvitation,
    MeetingAgenda,
    AddActionItem,
    CompleteActionItem,
    MoveActionItem,
    ListActionItems,
    ListSchedules,
    GetSchedule,
    SetSchedule,
    PostInbound,
    ListHeld,
    ConfirmHeld,
    RefuseHeld,
    MailOriginal,
    TicketCc,
    SetTicketCc,
    Followers,
    Follow,
    Unfollow,
    MyNotifications,
    SetMyNotifications,
];

impl Ep {
    pub fn route(self) -> (Method, &'static str) {
        match self {
            SignIn => (Method::POST, "/api/v1/session"),
            SignOut => (Method::DELETE, "/api/v1/session"),
            SignOutEverywhere => (Method::POST, "/api/v1/session/everywhere"),
            Me => (Method::GET, "/api/v1/me"),
            CreateToken => (Method::POST, "/api/v1/tokens"),
            ListTokens => (Method::GET, "/api/v1/tokens"),
            RevokeToken => (Method::DELETE, "/api/v1/tokens/{id}"),
            ListOrgs => (Method::GET, "/api/v1/organizations"),
            CreateOrg => (Method::POST, "/api/v1/organizations"),
            GetOrg => (Method::GET, "/api/v1/organizations/{id}"),
            ListAgreements => (Method::GET, "/api/v1/organizations/{id}/agreements"),
            AddAgreement => (Method::POST, "/api/v1/organizations/{id}/agreements"),
            ListPeople => (Method::GET, "/api/v1/people"),
            CreatePerson => (Method::POST, "/api/v1/people"),
            GetPerson => (Method::GET, "/api/v1/people/{id}"),
            SetRole => (Method::POST, "/api/v1/people/{id}/role"),
            MailStanding => (Method::GET, "/api/v1/people/{id}/mail"),
            SetOnDuty => (Method::PUT, "/api/v1/people/{id}/mail"),
            ListTickets => (Method::GET, "/api/v1/tickets"),
            FileTicket => (Method::POST, "/api/v1/tickets"),
            GetTicket => (Method::GET, "/api/v1/tickets/{id}"),
            TicketEvents => (Method::GET, "/api/v1/tickets/{id}/events"),
            Comment => (Method::POST, "/api/v1/tickets/{id}/comments"),
            ChangePriority => (Method::POST, "/api/v1/tickets/{id}/priority"),
            Assign => (Method::POST, "/api/v1/tickets/{id}/assignment"),
            SetStatus => (Method::POST, "/api/v1/tickets/{id}/status"),
            Report => (Method::GET, "/api/v1/reports/{month}"),
            Publish => (Method::POST, "/api/v1/reports/{month}/publication"),
            Dashboard => (Method::GET, "/api/v1/dashboard"),
            MissReason => (Method::PUT, "/api/v1/tickets/{id}/miss-reason"),
            GetAssessment => (Method::GET, "/api/v1/tickets/{id}/assessment"),
            Assess => (Method::POST, "/api/v1/tickets/{id}/assessment"),
            Health => (Method::GET, "/healthz"),
            OpenApi => (Method::GET, "/api/openapi.json"),
            Availability => (Method::GET, "/api/v1/availability/{month}"),
            Announce => (Method::POST, "/api/v1/maintenance"),
            ListMaintenance => (Method::GET, "/api/v1/maintenance"),
            CancelMaintenance => (Method::DELETE, "/api/v1/maintenance/{id}"),
            PublicMaintenance => (Method::GET, "/api/v1/status/maintenance"),
            ListEnvironments => (Method::GET, "/api/v1/organizations/{id}/environments"),
            CreateEnvironment => (Method::POST, "/api/v1/organizations/{id}/environments"),
            RenameEnvironment => (Method::POST, "/api/v1/environments/{id}/name"),
            ListMonitors => (Method::GET, "/api/v1/environments/{id}/monitors"),
            CreateMonitor => (Method::POST, "/api/v1/environments/{id}/monitors"),
            GetMonitor => (Method::GET, "/api/v1/monitors/{id}"),
            UpdateMonitor => (Method::PUT, "/api/v1/monitors/{id}"),
            SetMonitorActive => (Method::PUT, "/api/v1/monitors/{id}/active"),
            Push => (Method::POST, "/api/v1/push/{token}"),
            ListOutages => (Method::GET, "/api/v1/environments/{id}/outages"),
            RegisterOutage => (Method::POST, "/api/v1/environments/{id}/outages"),
            GetOutage => (Method::GET, "/api/v1/outages/{id}"),
            CorrectOutage => (Method::POST, "/api/v1/outages/{id}/correction"),
            ClassifyOutage => (Method::PUT, "/api/v1/outages/{id}/classification"),
            GetEscalation => (Method::GET, "/api/v1/organizations/{id}/escalation"),
            OverrunMonths => (Method::GET, "/api/v1/organizations/{id}/overrun-months"),
            RequestConsultation => (
                Method::POST,
                "/api/v1/organizations/{id}/escalation/request",
            ),
            RecordConsultation => (
                Method::POST,
                "/api/v1/organizations/{id}/escalation/consultation",
            ),
            RecordFollowUp => (
                Method::POST,
                "/api/v1/organizations/{id}/escalation/follow-ups",
            ),
            Claim => (Method::POST, "/api/v1/organizations/{id}/escalation/claim"),
            ReverseDiscount => (Method::POST, "/api/v1/discounts/{id}/reversal"),
            PostInbound => (Method::POST, "/api/v1/mail/inbound"),
            ListHeld => (Method::GET, "/api/v1/mail/held"),
            ConfirmHeld => (Method::POST, "/api/v1/mail/held/{id}/confirm"),
            RefuseHeld => (Method::POST, "/api/v1/mail/held/{id}/refuse"),
            MailOriginal => (Method::GET, "/api/v1/mail/{id}/original"),
            TicketCc => (Method::GET, "/api/v1/tickets/{id}/cc"),
            SetTicketCc => (Method::PUT, "/api/v1/tickets/{id}/cc"),
            Followers => (Method::GET, "/api/v1/tickets/{id}/followers"),
            Follow => (Method::PUT, "/api/v1/tickets/{id}/following"),
            Unfollow => (Method::DELETE, "/api/v1/tickets/{id}/following"),
            MyNotifications => (Method::GET, "/api/v1/me/notifications"),
            SetMyNotifications => (Method::PUT, "/api/v1/me/notifications"),
            Overview => (Method::GET, "/api/v1/escalations"),
            Ledger => (Method::GET, "/api/v1/ledger"),
            ListMeetings => (Method::GET, "/api/v1/organizations/{id}/meetings"),
            PlanMeeting => (Method::POST, "/api/v1/organizations/{id}/meetings"),
            MeetingsIcs => (Method::GET, "/api/v1/organizations/{id}/meetings.ics"),
            GetMeeting => (Method::GET, "/api/v1/meetings/{id}"),
            ChangeMeeting => (Method::PUT, "/api/v1/meetings/{id}"),
            CancelMeeting => (Method::POST, "/api/v1/meetings/{id}/cancellation"),
            AddAttendee => (Method::POST, "/api/v1/meetings/{id}/attendees"),
            RecordMinutes => (Method::PUT, "/api/v1/meetings/{id}/minutes"),
            MeetingMinutes => (Method::GET, "/api/v1/meetings/{id}/minutes"),
            MeetingInvitation => (Method::GET, "/api/v1/meetings/{id}/invitation.ics"),
            MeetingAgenda => (Method::GET, "/api/v1/meetings/{id}/agenda"),
            AddActionItem => (Method::POST, "/api/v1/meetings/{id}/action-items"),
            CompleteActionItem => (Method::POST, "/api/v1/action-items/{id}/completion"),
            MoveActionItem => (Method::PUT, "/api/v1/action-items/{id}/due-on"),
            ListActionItems => (Method::GET, "/api/v1/organizations/{id}/action-items"),
            ListSchedules => (Method::GET, "/api/v1/organizations/{id}/meeting-schedules"),
            GetSchedule => (
                Method::GET,
                "/api/v1/organizations/{id}/meeting-schedules/{kind}",
            ),
            SetSchedule => (
                Method::PUT,
                "/api/v1/organizations/{id}/meeting-schedules/{kind}",
            ),
        }
    }

    /// Whether the request names a customer's resource (in the path, in the body for filing
    /// tickets and adding people, in the query for reports), so own / other / missing differ.
    fn targeted(self) -> bool {
        self.route().1.contains("{id}")
            || matches!(
                self,
                CreatePerson | FileTicket | Report | Publish | Dashboard | Availability | Announce
            )
    }
}

/// The rules. Columns: the vendor's admin, service_manager and agent; customer A's
/// customer_admin and customer_viewer; anonymous (no credentials, or a bogus token).
///
/// A targeted row gives three statuses per column: for customer A's resource (the customer
/// roles' own), customer B's (another customer's), and an id that does not exist. An
/// untargeted row gives one status per column.
///
/// What each request is, precisely, is in `cell` below: ticket actions act on each customer's
/// incident (set-status reopens it after the admin resolved it), people actions on each
/// customer's viewer, filing is a question (customers pass `organization_id`, the service desk
/// registers a call for the customer's administrator by `reporter_id`), revoking a token
/// revokes the caller's own token / customer B's administrator's token / no token; a report is
/// January 2026's for each customer's organization (in the `organization` query parameter).
const RULES: &str = "
#                  admin        service_mgr  agent        cust_admin   cust_viewer  anonymous
#                  own oth mis  own oth mis  own oth mis  own oth mis  own oth mis  own oth mis
SignIn             200          200          200          200          200          200
SignOut            204          204          204          204          204          401
SignOutEverywhere  204          204          204          204          204          401
Me                 200          200          200          200          200          401
CreateToken        201          201          201          201          201          401
ListTokens         200          200          200          200          200          401
RevokeToken        204 404 404  204 404 404  204 404 404  204 404 404  204 404 404  401 401 401
ListOrgs           200          200          200          200          200          401
CreateOrg          201          403          403          403          403          401
GetOrg             200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
ListAgreements     200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
AddAgreement       201 201 404  403 403 404  403 403 404  403 404 404  403 404 404  401 401 401
ListPeople         200          200          200          200          200          401
CreatePerson       201 201 422  403 403 403  403 403 403  403 403 403  403 403 403  401 401 401
GetPerson          200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
SetRole            200 200 404  403 403 403  403 403 403  403 403 403  403 403 403  401 401 401
MailStanding       200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
SetOnDuty          422 422 404  403 403 403  403 403 403  403 403 403  403 403 403  401 401 401
ListTickets        200          200          200          200          200          401
FileTicket         201 201 422  201 201 422  201 201 422  201 403 403  403 403 403  401 401 401
GetTicket          200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
TicketEvents       200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
Comment            200 200 404  200 200 404  200 200 404  200 404 404  403 404 404  401 401 401
ChangePriority     200 200 404  200 200 404  200 200 404  403 404 404  403 404 404  401 401 401
Assign             200 200 404  200 200 404  200 200 404  403 404 404  403 404 404  401 401 401
SetStatus          200 200 404  200 200 404  200 200 404  200 404 404  403 404 404  401 401 401
GetAssessment      404 404 404  404 404 404  404 404 404  404 404 404  404 404 404  401 401 401
Assess             409 409 404  409 409 404  409 409 404  403 404 404  403 404 404  401 401 401
Report             200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
Publish            201 201 404  201 201 404  403 403 403  403 403 403  403 403 403  401 401 401
Dashboard          200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
MissReason         422 422 404  422 422 404  422 422 404  403 404 404  403 404 404  401 401 401
Health             200          200          200          200          200          200
OpenApi            200          200          200          200          200          200
Availability       200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
Announce           201 201 404  201 201 404  403 403 403  403 403 403  403 403 403  401 401 401
ListMaintenance    200          200          200          200          200          401
CancelMaintenance  204 204 404  204 204 404  403 403 403  403 403 403  403 403 403  401 401 401
PublicMaintenance  200          200          200          200          200          200
ListEnvironments   200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
CreateEnvironment  201 201 404  201 201 404  403 403 404  403 404 404  403 404 404  401 401 401
RenameEnvironment  200 200 404  200 200 404  403 403 404  403 404 404  403 404 404  401 401 401
ListMonitors       200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
CreateMonitor      201 201 404  201 201 404  403 403 404  403 404 404  403 404 404  401 401 401
GetMonitor         200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
UpdateMonitor      200 200 404  200 200 404  403 403 404  403 404 404  403 404 404  401 401 401
SetMonitorActive   200 200 404  200 200 404  403 403 404  403 404 404  403 404 404  401 401 401
Push               204          204          204          204          204          204
ListOutages        200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
RegisterOutage     201 201 404  201 201 404  403 403 404  403 404 404  403 404 404  401 401 401
GetOutage          200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
CorrectOutage      200 200 404  200 200 404  403 403 404  403 404 404  403 404 404  401 401 401
ClassifyOutage     200 200 404  200 200 404  403 403 404  403 404 404  403 404 404  401 401 401
GetEscalation      200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
OverrunMonths      200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
RequestConsultation 422 422 404 422 422 404  422 422 404  422 404 404  403 404 404  401 401 401
RecordConsultation 409 409 404  409 409 404  409 409 404  403 404 404  403 404 404  401 401 401
RecordFollowUp     409 409 404  409 409 404  409 409 404  403 404 404  403 404 404  401 401 401
Claim              422 422 404  422 422 404  422 422 404  409 404 404  403 404 404  401 401 401
ReverseDiscount    404 404 404  404 404 404  404 404 404  404 404 404  404 404 404  401 401 401
Overview           200          200          403          403          403          401
Ledger             200          200          200          200          200          401
ListMeetings       200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
PlanMeeting        201 201 404  201 201 404  201 201 404  403 403 403  403 403 403  401 401 401
MeetingsIcs        200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
GetMeeting         200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
ChangeMeeting      200 200 404  200 200 404  200 200 404  403 403 403  403 403 403  401 401 401
CancelMeeting      200 200 404  200 200 404  200 200 404  403 403 403  403 403 403  401 401 401
AddAttendee        201 201 404  201 201 404  201 201 404  403 403 403  403 403 403  401 401 401
RecordMinutes      200 200 404  200 200 404  200 200 404  403 403 403  403 403 403  401 401 401
MeetingMinutes     200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
MeetingInvitation  200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
MeetingAgenda      200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
AddActionItem      201 201 404  201 201 404  201 201 404  403 403 403  403 403 403  401 401 401
CompleteActionItem 200 200 404  200 200 404  200 200 404  200 404 404  403 404 404  401 401 401
MoveActionItem     200 200 404  200 200 404  200 200 404  403 403 403  403 403 403  401 401 401
ListActionItems    200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
ListSchedules      200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
GetSchedule        200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
SetSchedule        200 200 404  200 200 404  200 200 404  403 403 403  403 403 403  401 401 401
PostInbound        401          401          401          401          401          401
ListHeld           200          200          200          403          403          401
ConfirmHeld        404 404 404  404 404 404  404 404 404  403 403 403  403 403 403  401 401 401
RefuseHeld         404 404 404  404 404 404  404 404 404  403 403 403  403 403 403  401 401 401
MailOriginal       404 404 404  404 404 404  404 404 404  404 404 404  404 404 404  401 401 401
TicketCc           200 200 404  200 200 404  200 200 404  200 404 404  200 404 404  401 401 401
SetTicketCc        200 200 404  200 200 404  200 200 404  200 404 404  403 404 404  401 401 401
Followers          200 200 404  200 200 404  200 200 404  403 403 403  403 403 403  401 401 401
Follow             200 200 404  200 200 404  200 200 404  403 403 403  403 403 403  401 401 401
Unfollow           200 200 404  200 200 404  200 200 404  403 403 403  403 403 403  401 401 401
MyNotifications    200          200          200          200          200          401
SetMyNotifications 200          200          200          200          200          401
";

const ROLES: [&str; 6] = [
    "admin",
    "service_manager",
    "agent",
    "customer_admin",
    "customer_viewer",
    "anonymous",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Own,
    Other,
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Session,
    Token,
}

const MISSING: i64 = 987_654;

/// The rules: per endpoint, the expected statuses per role column, `[own, other, missing]`.
fn rules() -> Vec<(Ep, Vec<[u16; 3]>)> {
    RULES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next().expect("name");
            let ep = *ALL
                .iter()
                .find(|e| format!("{e:?}") == name)
                .unwrap_or_else(|| panic!("unknown endpoint {name}"));
            let n: Vec<u16> = words.map(|s| s.parse().expect("status")).collect();
            let cells = match (ep.targeted(), n.len()) {
                (false, 6) => n.iter().map(|s| [*s; 3]).collect(),
                (true, 18) => n.chunks(3).map(|c| [c[0], c[1], c[2]]).collect(),
                (t, len) => panic!("{ep:?}: targeted {t} but {len} statuses"),
            };
            (ep, cells)
        })
        .collect()
}

/// The table itself states the rules a reviewer expects; check them before running it.
#[test]
fn rules_table_is_consistent() {
    let rules = rules();
    let unique: BTreeSet<String> = rules.iter().map(|(e, _)| format!("{e:?}")).collect();
    assert_eq!(unique.len(), rules.len(), "an endpoint is listed twice");
    assert_eq!(
        rules.len(),
        ALL.len(),
        "an endpoint is missing from the rules"
    );
    for (ep, cells) in &rules {
        let anonymous = cells[5];
        if matches!(ep, SignIn | Health | OpenApi | PublicMaintenance) {
            assert_eq!(anonymous, [200; 3], "{ep:?}");
        } else if *ep == Push {
            // The token in the path authenticates a push, whoever sends it.
            assert_eq!(anonymous, [204; 3], "{ep:?}");
        } else {
            assert_eq!(anonymous, [401; 3], "{ep:?}: anonymous gets 401");
        }
        // A customer cannot tell another customer's resource from one that does not exist.
        for c in cells[3..5].iter().filter(|_| ep.targeted()) {
            assert_eq!(c[1], c[2], "{ep:?}: another customer's resource leaks");
            assert_ne!(c[1] / 100, 2, "{ep:?}: a customer reaches another customer");
        }
    }
}

/// The documented (method, path) pairs of the router, from the OpenAPI document.
pub fn documented_routes() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(web::api::routes().1).expect("doc");
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in [
            "get", "put", "post", "delete", "patch", "head", "options", "trace",
        ] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn rules_table_covers_every_route() {
    let mut table: BTreeSet<(String, String)> = rules()
        .iter()
        .map(|(e, _)| {
            let (m, p) = e.route();
            (m.to_string(), p.to_string())
        })
        .collect();
    assert!(table.remove(&("GET".into(), "/api/openapi.json".into())));
    assert_eq!(table, documented_routes());
}

struct Matrix<'a> {
    app: &'a App,
    w: World,
    /// A live token of customer B's administrator that nobody else may revoke.
    other_token: i64,
    n: usize,
}

impl Matrix<'_> {
    fn actor(&self, role: usize) -> Option<Actor> {
        match role {
            0 => Some(self.w.admin.clone()),
            1 => Some(self.w.manager.clone()),
            2 => Some(self.w.agent.clone()),
            3 => Some(self.w.a.admin.clone()),
            4 => Some(self.w.a.viewer.clone()),
            _ => None,
        }
    }

    fn actor_mut(&mut self, role: usize) -> &mut Actor {
        match role {
            0 => &mut self.w.admin,
            1 => &mut self.w.manager,
            2 => &mut self.w.agent,
            3 => &mut self.w.a.admin,
            _ => &mut self.w.a.viewer,
        }
    }

    fn pick(&self, target: Target, own: i64, other: i64) -> i64 {
        match target {
            Target::Own => own,
            Target::Other => other,
            Target::Missing => MISSING,
        }
    }

    /// Sends one cell's request and returns the response.
    async fn cell(&mut self, ep: Ep, role: usize, via: Via, target: Target) -> Resp {
        self.n += 1;
        let n = self.n;
        let app = self.app;
        let actor = self.actor(role);
        let auth = match (&actor, via) {
            (Some(a), Via::Session) => a.session(),
            (Some(a), Via::Token) => a.bearer(),
            (None, Via::Session) => Auth::None,
            (None, Via::Token) => Auth::Bearer("0123456789abcdef-not-a-token".into()),
        };
        let (method, template) = ep.route();
        let w = &self.w;
        let admin = w.admin.bearer();
        let customer = role == 3 || role == 4;
        let (id, body): (Option<i64>, Option<Value>) = match ep {
            SignIn => {
                let who = actor.as_ref().unwrap_or(&w.admin);
                let body = json!({ "email": who.email, "password": who.password });
                (None, Some(body))
            }
            SignOutEverywhere => (None, Some(json!({}))),
            SignOut | Me | ListTokens | ListOrgs | ListPeople | ListTickets | Health | OpenApi
            | ListMaintenance | PublicMaintenance => (None, None),
            Availability => (Some(self.pick(target, w.a.id, w.b.id)), None),
            Announce => {
                let own = crate::availability::matrix_environment(app, w.a.id).await;
                let other = crate::availability::matrix_environment(app, w.b.id).await;
                (
                    None,
                    Some(json!({ "environment_ids": [self.pick(target, own, other)],
                                 "starts_at": "2030-01-07T20:00:00Z",
                                 "ends_at": "2030-01-07T22:00:00Z",
                                 "description": format!("Onderhoud {n}") })),
                )
            }
            CancelMaintenance => {
                let own = crate::availability::matrix_maintenance(app, w.a.id, w.admin.id).await;
                let other = crate::availability::matrix_maintenance(app, w.b.id, w.admin.id).await;
                (Some(self.pick(target, own, other)), None)
            }
            CreateToken => (None, Some(json!({ "name": format!("matrix {n}") }))),
            RevokeToken => {
                let owner = actor.as_ref().unwrap_or(&w.admin).id;
                let secret = web::auth::new_secret().expect("secret");
                let own = app
                    .state
                    .store
                    .create_token(
                        PersonId(owner),
                        "to revoke",
                        &web::auth::hash_secret(&secret),
                        app.state.now_ms(),
                    )
                    .await
                    .expect("token")
                    .id
                    .0;
                (Some(self.pick(target, own, self.other_token)), None)
            }
            CreateOrg => (None, Some(json!({ "name": format!("Matrix {n}") }))),
            GetOrg | ListAgreements | Report | Dashboard => {
                (Some(self.pick(target, w.a.id, w.b.id)), None)
            }
            // A month long over, different for every call: each is published once.
            Publish => (
                None,
                Some(json!({ "organization": self.pick(target, w.a.id, w.b.id) })),
            ),
            // The world's tickets have missed nothing yet: staff get past authorization to
            // the rule (422), customers never get that far.
            MissReason => (
                Some(self.pick(target, w.a.ticket, w.b.ticket)),
                Some(json!({ "reason": format!("Reden {n}") })),
            ),
            AddAgreement => (
                Some(self.pick(target, w.a.id, w.b.id)),
                Some(json!({ "name": format!("Versie {n}"), "policy": "",
                             "effective_from": "2020-01-01T00:00:00Z" })),
            ),
            CreatePerson => (
                None,
                Some(
                    json!({ "email": format!("kijker{n}@matrix.example"), "name": "Kijker",
                             "role": "customer_viewer",
                             "organization_id": self.pick(target, w.a.id, w.b.id) }),
                ),
            ),
            GetPerson => (Some(self.pick(target, w.a.viewer.id, w.b.viewer.id)), None),
            SetRole => (
                Some(self.pick(target, w.a.viewer.id, w.b.viewer.id)),
                Some(json!({ "role": "customer_viewer" })),
            ),
            MailStanding => (Some(self.pick(target, w.a.viewer.id, w.b.viewer.id)), None),
            SetOnDuty => (
                Some(self.pick(target, w.a.viewer.id, w.b.viewer.id)),
                Some(json!({ "on_duty": true })),
            ),
            FileTicket => {
                let subject = format!("Vraag {n}");
                let body = if customer {
                    json!({ "kind": "question", "subject": subject,
                            "organization_id": self.pick(target, w.a.id, w.b.id) })
                } else {
                    json!({ "kind": "question", "subject": subject,
                            "reporter_id": self.pick(target, w.a.admin.id, w.b.admin.id) })
                };
                (None, Some(body))
            }
            GetTicket | TicketEvents | TicketCc | Followers | Follow | Unfollow => {
                (Some(self.pick(target, w.a.ticket, w.b.ticket)), None)
            }
            SetTicketCc => (
                Some(self.pick(target, w.a.ticket, w.b.ticket)),
                Some(json!({ "cc": [] })),
            ),
            MyNotifications => (None, None),
            SetMyNotifications => (
                None,
                Some(json!({
                    "events": { "received": true, "reply": true, "waiting": true,
                                "resolved": true, "reopened": true, "priority": true },
                    "delivery": "each",
                    "colleagues": false,
                })),
            ),
            // The customers' tickets are incidents: none has an assessment, and assessing one
            // is refused (409) for the desk once it may see it.
            GetAssessment => (Some(self.pick(target, w.a.ticket, w.b.ticket)), None),
            Assess => (
                Some(self.pick(target, w.a.ticket, w.b.ticket)),
                Some(
                    json!({ "decision": "wont_do", "impact_functionality": "Geen",
                             "impact_security": "Geen", "cost": "none" }),
                ),
            ),
            Comment => (
                Some(self.pick(target, w.a.ticket, w.b.ticket)),
                Some(json!({ "body": format!("Opmerking {n}") })),
            ),
            ChangePriority => {
                let id = self.pick(target, w.a.ticket, w.b.ticket);
                let current = match app
                    .state
                    .store
                    .get_ticket(&Scope::System, TicketId(id))
                    .await
                {
                    Ok(t) => t.priority,
                    Err(_) => None,
                };
                let to = if current == Some(sla::Priority::High) {
                    "normal"
                } else {
                    "high"
                };
                (
                    Some(id),
                    Some(json!({ "priority": to, "reason": format!("herbeoordeeld {n}") })),
                )
            }
            Assign => (
                Some(self.pick(target, w.a.ticket, w.b.ticket)),
                Some(json!({ "assignee_id": w.agent.id })),
            ),
            SetStatus => {
                let id = self.pick(target, w.a.ticket, w.b.ticket);
                if target != Target::Missing {
                    let t = app
                        .get(&admin, &format!("/api/v1/tickets/{id}"))
                        .await
                        .expect(200);
                    if t.json["status"] != "resolved" {
                        app.post(
                            &admin,
                            &format!("/api/v1/tickets/{id}/status"),
                            json!({ "status": "resolved" }),
                        )
                        .await
                        .expect(200);
                    }
                }
                (Some(id), Some(json!({ "status": "reopened" })))
            }
            // January 2026 was no overrun month for anyone: staff without an administrator
            // to act for, and administrators about that month, reach the rule (422).
            GetEscalation | OverrunMonths => (Some(self.pick(target, w.a.id, w.b.id)), None),
            RequestConsultation => (
                Some(self.pick(target, w.a.id, w.b.id)),
                Some(json!({ "months": ["2026-01"] })),
            ),
            // No consultation was requested: staff reach the escalation, which refuses (409).
            RecordConsultation => (
                Some(self.pick(target, w.a.id, w.b.id)),
                Some(json!({ "held_on": "2026-01-05",
                             "attendees": [{ "name": "Ada", "side": "vendor" }] })),
            ),
            RecordFollowUp => (
                Some(self.pick(target, w.a.id, w.b.id)),
                Some(json!({ "held_on": "2026-01-05",
                             "attendees": [{ "name": "Ada", "side": "vendor" }],
                             "progress": false, "why": format!("Reden {n}") })),
            ),
            Claim => (Some(self.pick(target, w.a.id, w.b.id)), Some(json!({}))),
            // No discount exists in this world (the compensation stories reverse real ones).
            ReverseDiscount => (
                Some(self.pick(target, MISSING - 1, MISSING - 2)),
                Some(json!({ "reason": format!("Reden {n}") })),
            ),
            Overview | Ledger | ListHeld => (None, None),
            // Without the inbound secret (none is configured here) nobody posts mail; the
            // inbound stories post with it.
            PostInbound => (None, None),
            // No mail is stored in this world (the inbound stories decide real ones and show
            // another customer's original is a 404).
            ConfirmHeld | MailOriginal => (Some(self.pick(target, MISSING - 3, MISSING - 4)), None),
            RefuseHeld => (
                Some(self.pick(target, MISSING - 3, MISSING - 4)),
                Some(json!({ "reason": format!("Reden {n}") })),
            ),
            ListEnvironments | CreateEnvironment | RenameEnvironment | ListMonitors
            | CreateMonitor | GetMonitor | UpdateMonitor | SetMonitorActive | Push
            | ListOutages | RegisterOutage | GetOutage | CorrectOutage | ClassifyOutage => {
                let (own, other, body) =
                    crate::monitoring::matrix_cell(app, w, format!("{ep:?}"), n).await;
                (Some(self.pick(target, own, other)), body)
            }
            ListMeetings | PlanMeeting | MeetingsIcs | GetMeeting | ChangeMeeting
            | CancelMeeting | AddAttendee | RecordMinutes | MeetingMinutes | MeetingInvitation
            | MeetingAgenda | AddActionItem | CompleteActionItem | MoveActionItem
            | ListActionItems | ListSchedules | GetSchedule | SetSchedule => {
                let (own, other, body) =
                    crate::meetings::matrix_cell(app, w, format!("{ep:?}"), n).await;
                (Some(self.pick(target, own, other)), body)
            }
        };
        // Signing out this session: use a fresh one, so the actor's own session lives on.
        let auth = match (ep, via, &actor) {
            (SignOut, Via::Session, Some(a)) => {
                Auth::Cookie(app.sign_in(&a.email, &a.password).await)
            }
            _ => auth,
        };
        let path = match (ep, id) {
            // A report of a month for the customer in the query.
            (Report, Some(id)) => format!("/api/v1/reports/2026-01?organization={id}"),
            (Dashboard, Some(id)) => format!("/api/v1/dashboard?organization={id}"),
            (Availability, Some(id)) => format!("/api/v1/availability/2026-01?organization={id}"),
            (Publish, _) => format!(
                "/api/v1/reports/{:04}-{:02}/publication",
                1971 + (n % 660) / 12,
                n % 12 + 1
            ),
            (Push, _) => format!("/api/v1/push/{}", crate::monitoring::MATRIX_PUSH_TOKEN),
            (OverrunMonths, Some(id)) => {
                format!("/api/v1/organizations/{id}/overrun-months?from=2026-01&to=2026-02")
            }
            (Ledger, _) => "/api/v1/ledger?month=2026-01".to_string(),
            (GetSchedule | SetSchedule, Some(id)) => template
                .replace("{id}", &id.to_string())
                .replace("{kind}", "tactical"),
            (_, Some(id)) => template.replace("{id}", &id.to_string()),
            (_, None) => template.to_string(),
        };
        let mut req = Req::new(method, path).auth(&auth);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let r = app.send(req).await;
        self.after(ep, role, via, &auth, &r).await;
        r
    }

    /// Checks what a successful call did, and restores credentials it ended.
    async fn after(&mut self, ep: Ep, role: usize, via: Via, auth: &Auth, r: &Resp) {
        let app = self.app;
        let Some(actor) = self.actor(role) else {
            return;
        };
        match (ep, r.status.as_u16()) {
            (SignIn, 200) => {
                assert!(crate::harness::session_from(r).is_some());
                assert_eq!(r.json["id"].as_i64(), Some(actor.id));
            }
            (Me, 200) => assert_eq!(r.json["id"].as_i64(), Some(actor.id)),
            (SignOut, 204) => {
                let after = app.get(auth, "/api/v1/me").await;
                match via {
                    // The fresh session ended; the actor's own still works.
                    Via::Session => {
                        after.expect(401);
                        app.get(&actor.session(), "/api/v1/me").await.expect(200);
                    }
                    // A token is no session: it keeps working.
                    Via::Token => {
                        after.expect(200);
                    }
                }
            }
            (SignOutEverywhere, 204) => {
                app.get(&actor.session(), "/api/v1/me").await.expect(401);
                app.get(&actor.bearer(), "/api/v1/me").await.expect(401);
                // Sessions created in the same millisecond count as ended: move on a second.
                app.advance(1);
                self.actor_mut(role).refresh(app).await;
            }
            _ => {}
        }
    }
}

/// The authorization matrix, by session and by API token.
pub async fn authz_matrix(app: App) {
    let w = app.world().await;
    let (other_token, other_secret) = app.new_token(&w.b.admin.session(), "mine").await;
    let mut m = Matrix {
        app: &app,
        w,
        other_token,
        n: 0,
    };
    let mut wrong = Vec::new();
    let mut cells = 0;
    for via in [Via::Session, Via::Token] {
        for (ep, expected) in rules() {
            let ep = &ep;
            for (role, exp) in expected.iter().enumerate() {
                let targets: &[Target] = if ep.targeted() {
                    &[Target::Own, Target::Other, Target::Missing]
                } else {
                    &[Target::Own]
                };
                let mut bodies = Vec::new();
                for (i, target) in targets.iter().enumerate() {
                    let r = m.cell(*ep, role, via, *target).await;
                    cells += 1;
                    if r.status.as_u16() != exp[i] {
                        wrong.push(format!(
                            "{ep:?} as {} by {via:?} on {target:?}: expected {}, got {} {}",
                            ROLES[role],
                            exp[i],
                            r.status.as_u16(),
                            String::from_utf8_lossy(&r.body)
                        ));
                    }
                    if r.status.as_u16() == 403 {
                        assert!(r.detail().len() > 10, "403 without a reason: {}", r.json);
                    }
                    bodies.push(r.json);
                }
                // Another customer's resource and a missing one look exactly alike.
                if ep.targeted() && (role == 3 || role == 4) {
                    assert_eq!(bodies[1], bodies[2], "{ep:?} as {}", ROLES[role]);
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ from the rules:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Nobody could revoke customer B's administrator's token.
    app.get(&Auth::Bearer(other_secret), "/api/v1/me")
        .await
        .expect(200);
}

/// The viewer's refusal to file says why.
pub async fn authz_viewer_filing_reason(app: App) {
    let w = app.world().await;
    let before = app.all_ticket_ids(&w.admin.session(), "").await.len();
    for auth in [w.a.viewer.session(), w.a.viewer.bearer()] {
        let r = app
            .post(
                &auth,
                "/api/v1/tickets",
                json!({ "kind": "incident", "priority": "urgent", "subject": "Alles plat" }),
            )
            .await
            .problem(403, None);
        assert!(
            r.detail().contains("administrators may file"),
            "{}",
            r.detail()
        );
    }
    // The service desk cannot register a call on a viewer's behalf either.
    let r = app
        .post(
            &w.agent.session(),
            "/api/v1/tickets",
            json!({ "kind": "incident", "priority": "urgent", "subject": "Alles plat",
                    "reporter_id": w.a.viewer.id }),
        )
        .await
        .problem(403, None);
    assert!(
        r.detail().contains("not a customer administrator"),
        "{}",
        r.detail()
    );
    assert_eq!(
        app.all_ticket_ids(&w.admin.session(), "").await.len(),
        before
    );
}

fn org_ids(list: &[Value], key: &str) -> BTreeSet<Option<i64>> {
    list.iter().map(|v| v[key].as_i64()).collect()
}

/// Listings of a customer's people show only that customer's rows, whatever is asked.
pub async fn authz_listings(app: App) {
    let w = app.world().await;
    // More tickets on both sides, so that a leak would show.
    for c in [&w.a, &w.b] {
        for kind in ["question", "rfc"] {
            app.file(
                &c.admin.bearer(),
                json!({ "kind": kind, "subject": format!("{kind} van {}", c.name) }),
            )
            .await;
        }
    }
    let all = app.all_ticket_ids(&w.agent.session(), "").await;
    assert_eq!(all.len(), 6);
    for actor in [&w.a.admin, &w.a.viewer] {
        for auth in [actor.session(), actor.bearer()] {
            // Tickets, in both orders and every filter that names an organization.
            let mine = app.all_ticket_ids(&auth, "").await;
            assert_eq!(mine.len(), 3, "{}", actor.role);
            assert!(mine.contains(&w.a.ticket) && !mine.contains(&w.b.ticket));
            for filter in ["", "&kind=question", "&status=new", "&q=klant"] {
                for order in ["queue", "newest"] {
                    let r = app
                        .get(&auth, &format!("/api/v1/tickets?order={order}{filter}"))
                        .await
                        .expect(200);
                    assert_eq!(
                        org_ids(items(&r), "organization_id"),
                        [Some(w.a.id)].into_iter().collect(),
                        "{order}{filter}"
                    );
                }
            }
            let r = app
                .get(&auth, &format!("/api/v1/tickets?organization={}", w.b.id))
                .await
                .expect(200);
            assert!(items(&r).is_empty(), "{}", r.json);
            // Organizations: only their own.
            let r = app.get(&auth, "/api/v1/organizations").await.expect(200);
            let orgs = r.json.as_array().expect("list");
            assert_eq!(orgs.len(), 1);
            assert_eq!(orgs[0]["id"].as_i64(), Some(w.a.id));
            // People: only their organization's, no vendor staff, whatever they filter on.
            let r = app.get(&auth, "/api/v1/people").await.expect(200);
            let people = r.json.as_array().expect("list");
            assert_eq!(people.len(), 2, "{}", r.json);
            assert_eq!(
                org_ids(people, "organization_id"),
                [Some(w.a.id)].into_iter().collect()
            );
            let r = app
                .get(&auth, &format!("/api/v1/people?organization={}", w.b.id))
                .await
                .expect(200);
            assert_eq!(r.json, json!([]));
            // Agreements of another customer do not exist for them.
            app.get(
                &auth,
                &format!("/api/v1/organizations/{}/agreements", w.b.id),
            )
            .await
            .problem(404, None);
            // Vendor staff are not people they can look up.
            app.get(&auth, &format!("/api/v1/people/{}", w.agent.id))
                .await
                .problem(404, None);
        }
    }
    // The service desk sees both customers, and can narrow to one.
    for actor in [&w.admin, &w.manager, &w.agent] {
        let r = app
            .get(&actor.session(), "/api/v1/organizations")
            .await
            .expect(200);
        assert_eq!(
            org_ids(r.json.as_array().expect("list"), "id"),
            [Some(w.a.id), Some(w.b.id)].into_iter().collect()
        );
        let r = app
            .get(&actor.session(), "/api/v1/people")
            .await
            .expect(200);
        assert_eq!(r.json.as_array().expect("list").len(), 7);
        let only_b = app
            .all_ticket_ids(&actor.bearer(), &format!("&organization={}", w.b.id))
            .await;
        assert_eq!(only_b.len(), 3);
        assert!(only_b.contains(&w.b.ticket));
    }
}
