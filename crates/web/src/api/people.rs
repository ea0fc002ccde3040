//! People: vendor staff and customer accounts, and their roles.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::{NewPerson, OrgId, Person, PersonId, Role};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiJson};

use super::{ApiQuery, Id, LangDto, Problems, RoleDto};
use desk::time::rfc3339;

/// A person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonDto {
    /// Id.
    pub id: i64,
    /// Personal e-mail address.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Organization (customer roles).
    pub organization_id: Option<i64>,
    /// Language (`nl` or `en`).
    pub lang: String,
    /// Whether they may sign in.
    pub active: bool,
    /// When the account was created (RFC 3339).
    pub created_at: String,
}

impl From<Person> for PersonDto {
    fn from(p: Person) -> Self {
        PersonDto {
            id: p.id.0,
            email: p.email,
            name: p.name,
            role: p.role.as_str().to_string(),
            organization_id: p.org_id.map(|o| o.0),
            lang: p.lang,
            active: p.active,
            created_at: rfc3339(p.created_at),
        }
    }
}

/// Input: a new person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonBody {
    /// Personal e-mail address (one person per address).
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Name.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// Role.
    pub role: RoleDto,
    /// Organization (required for customer roles).
    pub organization_id: Option<i64>,
    /// Language, `nl` (default) or `en`.
    pub lang: Option<LangDto>,
    /// Initial password (at least 12 characters); without it the person cannot sign in yet.
    #[schema(min_length = 12, max_length = 1024)]
    pub password: Option<String>,
}

/// A created person and any warnings about it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonCreated {
    /// The person.
    pub person: PersonDto,
    /// Warnings, e.g. a shared role address.
    pub warnings: Vec<String>,
}

/// Input: a role change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// The new role.
    pub role: RoleDto,
}

/// Filter on people.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Only this organization.
    pub organization: Option<i64>,
}

/// The people you may see.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PeopleQuery),
    responses((status = 200, description = "By name.", body = Vec<PersonDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_people(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> Result<ApiJson<Vec<PersonDto>>, ApiError> {
    let people = app
        .store
        .list_people(&caller.scope, q.organization.map(OrgId))
        .await?;
    Ok(ApiJson(people.into_iter().map(PersonDto::from).collect()))
}

/// Add a person (administrators). At most the agreement's number of customer administrators.
#[utoipa::path(post, path = "/api/v1/people", request_body = NewPersonBody, tag = "people",
    responses((status = 201, description = "Created, with warnings such as a role address.", body = PersonCreated), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn create_person(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewPersonBody>,
) -> Result<(StatusCode, ApiJson<PersonCreated>), ApiError> {
    caller.require(&[Role::Admin], "only an administrator may add people")?;
    let password_hash = match body.password {
        Some(p) => {
            desk::limits::check("password", &p, desk::limits::PASSWORD)?;
            if p.chars().count() < desk::limits::PASSWORD_MIN {
                return Err(ApiError::field(
                    "password",
                    "a password has at least 12 characters",
                ));
            }
            Some(auth::hash_password(p).await?)
        }
        None => None,
    };
    let (person, warnings) = app
        .create_person(
            Some(&caller),
            NewPerson {
                email: body.email,
                name: body.name,
                role: body.role.into(),
                org_id: body.organization_id.map(OrgId),
                lang: body.lang.unwrap_or(LangDto::Nl).as_str().into(),
                password_hash,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(PersonCreated {
            person: person.into(),
            warnings,
        }),
    ))
}

/// One person.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people",
    params(("id" = i64, Path, description = "Person id", minimum = 1)),
    responses((status = 200, description = "The person.", body = PersonDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_person(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<PersonDto>, ApiError> {
    Ok(ApiJson(
        app.store
            .get_person(&caller.scope, PersonId(id))
            .await?
            .into(),
    ))
}

/// Change a person's role (administrators); granting customer administrator checks the limit.
#[utoipa::path(post, path = "/api/v1/people/{id}/role", request_body = RoleBody, tag = "people",
    params(("id" = i64, Path, description = "Person id", minimum = 1)),
    responses((status = 200, description = "Changed.", body = PersonDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn set_role(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<ApiJson<PersonDto>, ApiError> {
    Ok(ApiJson(
        app.set_role(&caller, PersonId(id), body.role.into())
            .await?
            .into(),
    ))
}

/// A person's standing for mail: on the on-duty list, and whether mail to them bounces.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MailStandingDto {
    /// On the service desk's on-duty list: gets the mail of a new, unassigned ticket.
    pub on_duty: bool,
    /// Since when mail to their address bounces (RFC 3339); absent when it does not.
    pub failing_since: Option<String>,
    /// The last bounce's reason, as the reporting server put it, while it is failing.
    pub bounce_reason: Option<String>,
}

impl From<desk::notify::MailStanding> for MailStandingDto {
    fn from(s: desk::notify::MailStanding) -> Self {
        let failing = s.address.filter(|a| a.failing_since.is_some());
        MailStandingDto {
            on_duty: s.on_duty,
            failing_since: failing.as_ref().and_then(|a| a.failing_since).map(rfc3339),
            bounce_reason: failing.map(|a| a.reason),
        }
    }
}

/// Input: on or off the on-duty list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnDutyBody {
    /// On duty.
    pub on_duty: bool,
}

/// A person's mail standing: on duty, and whether mail to their address bounces.
#[utoipa::path(get, path = "/api/v1/people/{id}/mail", tag = "people",
    params(("id" = i64, Path, description = "Person id", minimum = 1)),
    responses((status = 200, description = "The standing.", body = MailStandingDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn mail_standing(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<MailStandingDto>, ApiError> {
    Ok(ApiJson(
        app.mail_standing(&caller, PersonId(id)).await?.into(),
    ))
}

/// Put one of the service desk's staff on or off the on-duty list (administrators).
#[utoipa::path(put, path = "/api/v1/people/{id}/mail", request_body = OnDutyBody, tag = "people",
    params(("id" = i64, Path, description = "Person id", minimum = 1)),
    responses((status = 200, description = "Changed.", body = MailStandingDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn set_on_duty(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<OnDutyBody>,
) -> Result<ApiJson<MailStandingDto>, ApiError> {
    Ok(ApiJson(
        app.set_on_duty(&caller, PersonId(id), body.on_duty)
            .await?
            .into(),
    ))
}
