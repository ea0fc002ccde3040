//! Customers (organizations) and their agreements.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::{Agreement, NewAgreement, OrgId, Organization};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use desk::time::{ms, rfc3339};

use super::{Id, Problems, parse_instant};

/// A customer organization.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganizationDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

impl From<Organization> for OrganizationDto {
    fn from(o: Organization) -> Self {
        OrganizationDto {
            id: o.id.0,
            name: o.name,
            created_at: rfc3339(o.created_at),
        }
    }
}

/// Input: a new organization.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationBody {
    /// Name, unique.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

/// A version of a customer's agreement.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgreementDto {
    /// Id.
    pub id: i64,
    /// The customer.
    pub organization_id: i64,
    /// Name.
    pub name: String,
    /// The policy file laid over the standard agreement (empty: the standard agreement).
    pub policy: String,
    /// In force from (RFC 3339).
    pub effective_from: String,
    /// Reference to the signed document.
    pub document_ref: Option<String>,
    /// When it was recorded (RFC 3339).
    pub created_at: String,
}

impl From<Agreement> for AgreementDto {
    fn from(a: Agreement) -> Self {
        AgreementDto {
            id: a.id.0,
            organization_id: a.org_id.0,
            name: a.name,
            policy: a.policy,
            effective_from: rfc3339(a.effective_from),
            document_ref: a.document_ref,
            created_at: rfc3339(a.created_at),
        }
    }
}

/// Input: a new agreement version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgreementBody {
    /// Name (at most 200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// Policy file text (TOML) laid over the standard agreement; empty for the standard one
    /// (at most 100,000 characters).
    #[serde(default)]
    #[schema(max_length = 100000)]
    pub policy: String,
    /// In force from (RFC 3339).
    #[schema(format = DateTime)]
    pub effective_from: String,
    /// Reference to the signed document (at most 300 characters).
    #[schema(max_length = 300)]
    pub document_ref: Option<String>,
}

/// The organizations you may see.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "customers",
    responses((status = 200, description = "By name.", body = Vec<OrganizationDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_orgs(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<OrganizationDto>>, ApiError> {
    let orgs = app.store.list_orgs(&caller.scope).await?;
    Ok(ApiJson(
        orgs.into_iter().map(OrganizationDto::from).collect(),
    ))
}

/// Add a customer (administrators); it starts on the standard agreement.
#[utoipa::path(post, path = "/api/v1/organizations", request_body = NewOrganizationBody, tag = "customers",
    responses((status = 201, description = "Created.", body = OrganizationDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn create_org(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewOrganizationBody>,
) -> Result<(StatusCode, ApiJson<OrganizationDto>), ApiError> {
    let org = app.create_org(&caller, &body.name).await?;
    Ok((StatusCode::CREATED, ApiJson(org.into())))
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "customers",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 200, description = "The organization.", body = OrganizationDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_org(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<OrganizationDto>, ApiError> {
    Ok(ApiJson(
        app.store.get_org(&caller.scope, OrgId(id)).await?.into(),
    ))
}

/// The versions of a customer's agreement, oldest first.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/agreements", tag = "customers",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 200, description = "Oldest first.", body = Vec<AgreementDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_agreements(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<AgreementDto>>, ApiError> {
    let list = app.store.agreements(&caller.scope, OrgId(id)).await?;
    Ok(ApiJson(list.into_iter().map(AgreementDto::from).collect()))
}

/// Record a new version of a customer's agreement (administrators); the policy is validated.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/agreements", request_body = NewAgreementBody, tag = "customers",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 201, description = "Recorded.", body = AgreementDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn add_agreement(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<NewAgreementBody>,
) -> Result<(StatusCode, ApiJson<AgreementDto>), ApiError> {
    app.store.get_org(&caller.scope, OrgId(id)).await?;
    let effective_from = ms(parse_instant("effective_from", &body.effective_from)?);
    let a = app
        .add_agreement(
            &caller,
            NewAgreement {
                org_id: OrgId(id),
                name: body.name,
                policy: body.policy,
                effective_from,
                document_ref: body.document_ref,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(a.into())))
}
