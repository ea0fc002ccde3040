//! The compensation endpoints of the API (SLA-RULES §7): a customer's escalation and its
//! steps (request, consultation, follow-ups, claim), overrun months, reversals, the service
//! manager's overview and the ledger export for invoicing.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use desk::compensation::{
    ActionItem, Attendee, ClaimInput, CsvDialect, EscalationView, FollowUpOutcome, IncidentInput,
    LedgerExport, MeetingInput, OverrunMonth, OverviewLine, RequestInput, Side,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use store::{DiscountId, MeetingId, OrgId, PersonId, TicketId};
use utoipa::{IntoParams, ToSchema};

use super::{ApiQuery, Id, PriorityDto, Problems};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};

/// The pattern of a month, `YYYY-MM` (1970–2199).
const MONTH: &str = "^(19[7-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])$";

/// The schema of a list of 1 to 36 months.
fn months_schema() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .pattern(Some(MONTH)),
        )
        .min_items(Some(1))
        .max_items(Some(36))
        .description(Some("The ended overrun months it is about, `YYYY-MM`."))
        .build()
}

fn month(field: &str, s: &str) -> Result<sla::Month, ApiError> {
    s.parse().map_err(|e: String| ApiError::BadRequest {
        detail: e,
        field: Some(field.to_string()),
    })
}

fn date(field: &str, s: &str) -> Result<Date, ApiError> {
    s.parse().map_err(|e: jiff::Error| ApiError::BadRequest {
        detail: format!("`{s}` is not a date YYYY-MM-DD: {e}"),
        field: Some(field.to_string()),
    })
}

/// Input: a request for an interim incident consultation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// The ended overrun months it is about, `YYYY-MM`.
    #[schema(schema_with = months_schema)]
    pub months: Vec<String>,
    /// When the service desk records a request made by phone: the customer administrator
    /// who made it.
    #[schema(minimum = 1)]
    pub on_behalf_of: Option<i64>,
}

/// Which side of the agreement someone is on.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideDto {
    /// The vendor.
    Vendor,
    /// The customer.
    Customer,
}

/// Someone at a meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeeBody {
    /// Their name.
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub name: String,
    /// Their side.
    pub side: SideDto,
    /// Their account, if they have one (vendor staff or one of the customer's people).
    #[schema(minimum = 1)]
    pub person_id: Option<i64>,
}

/// An incident discussed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentBody {
    /// The ticket: an incident of this customer.
    #[schema(minimum = 1)]
    pub ticket_id: i64,
    /// Why it overran (default: the reason recorded on the ticket).
    #[schema(max_length = 4000)]
    pub reason: Option<String>,
    /// Whether its priority was right.
    pub priority_right: bool,
    /// The right priority, when it was not: the ticket's priority is changed with the reason
    /// "consultation of DATE".
    pub correct_priority: Option<PriorityDto>,
}

/// An agreement made: who does what, by when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionItemBody {
    /// What is to be done.
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub description: String,
    /// Who owns it.
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub owner: String,
    /// Their account, if they have one (vendor staff or one of the customer's people).
    #[schema(minimum = 1)]
    pub owner_person_id: Option<i64>,
    /// By when, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub due_on: String,
    /// Whether it is done.
    #[serde(default)]
    pub done: bool,
}

/// Input: a meeting held (the consultation).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingBody {
    /// The date it was held (Amsterdam), `YYYY-MM-DD`, not after today.
    #[schema(format = Date)]
    pub held_on: String,
    /// The interim meeting of this customer it is recorded against: held on that date, not
    /// cancelled, not the record of another step (another customer's: 404; another kind or
    /// date: 422; taken: 409). Absent: a new interim meeting is recorded, held that day with
    /// the attendees present, its agreements as action items.
    #[schema(minimum = 1)]
    pub meeting_id: Option<i64>,
    /// Who attended, from both sides.
    #[schema(min_items = 1, max_items = 100, inline)]
    pub attendees: Vec<AttendeeBody>,
    /// The incidents discussed; absent: every incident that missed a target in the months
    /// the request names.
    #[schema(max_items = 500, inline)]
    pub incidents: Option<Vec<IncidentBody>>,
    /// The agreements made.
    #[serde(default)]
    #[schema(max_items = 100, inline)]
    pub agreements: Vec<ActionItemBody>,
    /// The minutes.
    #[schema(max_length = 4000)]
    pub minutes: Option<String>,
}

/// Input: a follow-up held, with its progress decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    /// The date it was held (Amsterdam), `YYYY-MM-DD`, not after today.
    #[schema(format = Date)]
    pub held_on: String,
    /// The interim meeting of this customer it is recorded against: held on that date, not
    /// cancelled, not the record of another step (another customer's: 404; another kind or
    /// date: 422; taken: 409). Absent: a new interim meeting is recorded, held that day with
    /// the attendees present, its agreements as action items.
    #[schema(minimum = 1)]
    pub meeting_id: Option<i64>,
    /// Who attended, from both sides.
    #[schema(min_items = 1, max_items = 100, inline)]
    pub attendees: Vec<AttendeeBody>,
    /// The incidents discussed; absent: every incident that missed a target in the months
    /// the request names.
    #[schema(max_items = 500, inline)]
    pub incidents: Option<Vec<IncidentBody>>,
    /// The agreements made.
    #[serde(default)]
    #[schema(max_items = 100, inline)]
    pub agreements: Vec<ActionItemBody>,
    /// The minutes.
    #[schema(max_length = 4000)]
    pub minutes: Option<String>,
    /// Whether the meeting found progress (it ends the escalation).
    pub progress: bool,
    /// Why the meeting decided so.
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub why: String,
}

/// Input: a claim of the discount.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    /// When the service desk records the claim: the customer administrator who made it.
    #[schema(minimum = 1)]
    pub on_behalf_of: Option<i64>,
}

/// Input: why a discount is reversed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversalBody {
    /// The reason.
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub reason: String,
}

/// A reversal as booked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReversalDto {
    /// The reversal entry.
    pub id: i64,
    /// The discount entry it undoes.
    pub entry_id: i64,
    /// Why.
    pub reason: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Who.
    pub created_by: i64,
}

fn meeting(
    held_on: &str,
    meeting_id: Option<i64>,
    attendees: Vec<AttendeeBody>,
    incidents: Option<Vec<IncidentBody>>,
    agreements: Vec<ActionItemBody>,
    minutes: Option<String>,
) -> Result<MeetingInput, ApiError> {
    let mut items = Vec::new();
    for (i, a) in agreements.into_iter().enumerate() {
        let due = date(&format!("agreements[{i}].due_on"), &a.due_on)?;
        items.push(ActionItem {
            description: a.description,
            owner: a.owner,
            owner_person_id: a.owner_person_id,
            due_on: due.to_string(),
            done: a.done,
        });
    }
    Ok(MeetingInput {
        held_on: date("held_on", held_on)?,
        meeting_id: meeting_id.map(MeetingId),
        attendees: attendees
            .into_iter()
            .map(|a| Attendee {
                name: a.name,
                side: match a.side {
                    SideDto::Vendor => Side::Vendor,
                    SideDto::Customer => Side::Customer,
                },
                person_id: a.person_id,
            })
            .collect(),
        incidents: incidents.map(|list| {
            list.into_iter()
                .map(|i| IncidentInput {
                    ticket_id: TicketId(i.ticket_id),
                    reason: i.reason,
                    priority_right: i.priority_right,
                    correct_priority: i.correct_priority.map(Into::into),
                })
                .collect()
        }),
        agreements: items,
        minutes,
    })
}

/// A customer's escalation as both sides see it: where it stands (with the system's proposal
/// for a follow-up held today), every step with who, when and why, and its discounts.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/escalation", tag = "compensation",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 200, description = "The escalation.", body = EscalationView), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_escalation(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<EscalationView>, ApiError> {
    Ok(ApiJson(app.escalation(&caller, OrgId(id)).await?))
}

/// The months of a range.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthsQuery {
    /// The first month, `YYYY-MM`.
    #[param(pattern = "^(19[7-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])$")]
    pub from: String,
    /// The last month, `YYYY-MM` (at most 36 months after the first).
    #[param(pattern = "^(19[7-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])$")]
    pub to: String,
}

/// A customer's months judged for compensation: ended or not, overrun or not (an incident
/// resolution target failed), on the published report (its SHA-256) or the live figures.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/overrun-months", tag = "compensation",
    params(("id" = i64, Path, description = "Organization id", minimum = 1), MonthsQuery),
    responses((status = 200, description = "The months, in order.", body = Vec<OverrunMonth>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn overrun_months(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<MonthsQuery>,
) -> Result<ApiJson<Vec<OverrunMonth>>, ApiError> {
    let (from, to) = (month("from", &q.from)?, month("to", &q.to)?);
    Ok(ApiJson(
        app.overrun_months(&caller, OrgId(id), from, to).await?,
    ))
}

/// Request an interim incident consultation about ended overrun months: a customer
/// administrator for their own customer, or the service desk recording a request by phone
/// (`on_behalf_of`). Mails both sides.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/escalation/request", request_body = RequestBody, tag = "compensation",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 201, description = "The escalation, requested.", body = EscalationView), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn request_consultation(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<RequestBody>,
) -> Result<(StatusCode, ApiJson<EscalationView>), ApiError> {
    let months = body
        .months
        .iter()
        .enumerate()
        .map(|(i, m)| month(&format!("months[{i}]"), m))
        .collect::<Result<Vec<_>, _>>()?;
    let input = RequestInput {
        months,
        on_behalf_of: body.on_behalf_of.map(PersonId),
    };
    let v = app.request_consultation(&caller, OrgId(id), input).await?;
    Ok((StatusCode::CREATED, ApiJson(v)))
}

/// Record the consultation (service desk): attendees, incidents discussed (a wrong priority
/// is corrected on the ticket), agreements. It is recorded against an interim meeting: the one
/// named, or a new one made in the same transaction. Plans the follow-up a month later on a
/// working day. Mails both sides.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/escalation/consultation", request_body = MeetingBody, tag = "compensation",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 201, description = "The escalation, consulting.", body = EscalationView), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn record_consultation(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(b): ApiJson<MeetingBody>,
) -> Result<(StatusCode, ApiJson<EscalationView>), ApiError> {
    let input = meeting(
        &b.held_on,
        b.meeting_id,
        b.attendees,
        b.incidents,
        b.agreements,
        b.minutes,
    )?;
    let v = app.record_consultation(&caller, OrgId(id), input).await?;
    Ok((StatusCode::CREATED, ApiJson(v)))
}

/// Record a follow-up and its progress decision (service desk), against an interim meeting as
/// the consultation is; the answer shows the system's proposal beside it. Progress ends the escalation; no progress plans the next
/// follow-up. Mails both sides.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/escalation/follow-ups", request_body = FollowUpBody, tag = "compensation",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 201, description = "The proposal and the escalation after the follow-up.", body = FollowUpOutcome), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn record_follow_up(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(b): ApiJson<FollowUpBody>,
) -> Result<(StatusCode, ApiJson<FollowUpOutcome>), ApiError> {
    let input = meeting(
        &b.held_on,
        b.meeting_id,
        b.attendees,
        b.incidents,
        b.agreements,
        b.minutes,
    )?;
    let v = app
        .record_follow_up(&caller, OrgId(id), input, b.progress, &b.why)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(v)))
}

/// Claim the discount once entitled: a customer administrator, or the service desk on their
/// behalf. Books the first discount on the next month's invoice. Mails both sides.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/escalation/claim", request_body = ClaimBody, tag = "compensation",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 201, description = "The escalation, discounting.", body = EscalationView), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn claim(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(b): ApiJson<ClaimBody>,
) -> Result<(StatusCode, ApiJson<EscalationView>), ApiError> {
    let input = ClaimInput {
        on_behalf_of: b.on_behalf_of.map(PersonId),
    };
    let v = app.claim(&caller, OrgId(id), input).await?;
    Ok((StatusCode::CREATED, ApiJson(v)))
}

/// Reverse a discount entry with a reason (service desk): a reversal entry is booked; the
/// entry itself is never changed. Mails both sides.
#[utoipa::path(post, path = "/api/v1/discounts/{id}/reversal", request_body = ReversalBody, tag = "compensation",
    params(("id" = i64, Path, description = "Discount entry id", minimum = 1)),
    responses((status = 201, description = "The reversal.", body = ReversalDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn reverse_discount(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(b): ApiJson<ReversalBody>,
) -> Result<(StatusCode, ApiJson<ReversalDto>), ApiError> {
    let r = app
        .reverse_discount(&caller, DiscountId(id), &b.reason)
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(ReversalDto {
            id: r.id.0,
            entry_id: r.entry_id.0,
            reason: r.reason,
            created_at: desk::time::rfc3339(r.created_at),
            created_by: r.created_by.0,
        }),
    ))
}

/// Every customer's escalation at a glance (service manager, administrator): its stage, the
/// follow-ups due within five weeks, and claims to handle.
#[utoipa::path(get, path = "/api/v1/escalations", tag = "compensation",
    responses((status = 200, description = "One line per customer.", body = Vec<OverviewLine>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn overview(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<OverviewLine>>, ApiError> {
    Ok(ApiJson(app.overview(&caller).await?))
}

/// The format of a ledger export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LedgerFormat {
    /// JSON: the lines and the totals.
    Json,
    /// CSV, one line per discount or reversal.
    Csv,
}

/// The CSV dialect of a ledger export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DialectDto {
    /// RFC 4180: `,`, decimal point.
    Rfc4180,
    /// The Dutch spreadsheet dialect: UTF-8 BOM, `;`, decimal comma.
    Nl,
}

/// Which ledger month, in which form.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// The invoice month, `YYYY-MM`.
    #[param(pattern = "^(19[7-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<LedgerFormat>,
    /// The CSV dialect: `rfc4180` (default) or `nl`.
    #[param(inline)]
    pub dialect: Option<DialectDto>,
}

/// The discounts on one month's subscription invoices and their reversals, for invoicing:
/// the vendor sees every customer, a customer its own. Amounts in euro cents (JSON) or euros
/// (CSV).
#[utoipa::path(get, path = "/api/v1/ledger", tag = "compensation", params(LedgerQuery),
    responses((status = 200, description = "The month's ledger.",
        content((LedgerExport = "application/json"), (String = "text/csv"))), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn ledger(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> Result<Response, ApiError> {
    let m = month("month", &q.month)?;
    let export = app.ledger_export(&caller, m).await?;
    Ok(match q.format.unwrap_or(LedgerFormat::Json) {
        LedgerFormat::Json => ApiJson(export).into_response(),
        LedgerFormat::Csv => {
            let dialect = match q.dialect.unwrap_or(DialectDto::Rfc4180) {
                DialectDto::Rfc4180 => CsvDialect::Rfc4180,
                DialectDto::Nl => CsvDialect::Nl,
            };
            let name = format!("loket-ledger-{}.csv", export.invoice_month);
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                export.to_csv(dialect),
            )
                .into_response()
        }
    })
}
