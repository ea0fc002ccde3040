//! Administration: the customers (`/admin`), adding one, and one customer's page
//! (`/admin/customers/{id}`) with its agreement versions and people.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::{Agreement, OrgId, Organization, Person, Role};

use super::forms::{
    AgreementForm, AgreementRow, Field, Flash, Notices, PersonForm, PersonRow, flash_id,
    local_time, mail_rows, path_id, people_notices, person_rows, read_form, require_admin,
};
use crate::AppState;
use crate::error::ApiError;
use crate::pages::error::{PageError, api};
use crate::pages::form::too_long;
use crate::pages::layout::{Shell, Viewer, render};
use desk::DeskError;
use desk::i18n::Tr;

// ----- the customers ----------------------------------------------------------------------

/// A customer in the list.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Active customer administrators.
    pub admins: usize,
    /// Most administrators the agreement in force allows (`None`: no agreement in force).
    pub max: Option<u32>,
    /// More administrators than allowed (after an agreement lowered the limit).
    pub over: bool,
    /// Active viewers.
    pub viewers: usize,
    /// Name of the agreement in force.
    pub agreement: String,
}

#[derive(Template)]
#[template(path = "admin_customers.html")]
struct CustomersPage {
    t: Tr,
    shell: Shell,
    rows: Vec<CustomerRow>,
    name: Field,
    failed: bool,
}

/// The agreement in force for a customer now, with its administrator limit.
pub(super) async fn in_force(
    app: &AppState,
    org: OrgId,
) -> Result<Option<(Agreement, u32)>, ApiError> {
    match app.agreement_at(org, app.now_ms()).await {
        Ok((a, c)) => Ok(Some((a, c.policy.max_administrators))),
        Err(DeskError::Invalid { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn count(people: &[Person], org: OrgId, role: Role) -> usize {
    people
        .iter()
        .filter(|p| p.org_id == Some(org) && p.role == role && p.active)
        .count()
}

async fn customers_page(
    app: &AppState,
    v: &Viewer,
    name: Field,
    failed: bool,
) -> Result<CustomersPage, PageError> {
    let scope = &v.caller.scope;
    let orgs = app.store.list_orgs(scope).await.map_err(|e| api(v.t)(e))?;
    let people = app
        .store
        .list_people(scope, None)
        .await
        .map_err(|e| api(v.t)(e))?;
    let mut rows = Vec::with_capacity(orgs.len());
    for o in orgs {
        let force = in_force(app, o.id).await.map_err(api(v.t))?;
        let admins = count(&people, o.id, Role::CustomerAdmin);
        let max = force.as_ref().map(|(_, m)| *m);
        rows.push(CustomerRow {
            id: o.id.0,
            name: o.name,
            admins,
            max,
            over: max.is_some_and(|m| admins > m as usize),
            viewers: count(&people, o.id, Role::CustomerViewer),
            agreement: force.map(|(a, _)| a.name).unwrap_or_default(),
        });
    }
    Ok(CustomersPage {
        t: v.t,
        shell: v.shell.clone(),
        rows,
        name,
        failed,
    })
}

/// `GET /admin`: the customers.
pub(super) async fn customers(
    State(app): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let page = customers_page(&app, &viewer, Field::hinted("org-name"), false).await?;
    Ok(render(&page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CustomerInput {
    csrf: String,
    name: String,
}

/// `POST /admin/customers`: adds a customer.
pub(super) async fn create_customer(
    State(app): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let t = viewer.t;
    let input: CustomerInput = read_form(t, &body)?;
    viewer.check_csrf(&input.csrf)?;
    let mut name = Field::hinted("org-name").with(&input.name);
    let status = match app.create_org(&viewer.caller, &input.name).await {
        Ok(org) => {
            return Ok(Redirect::to(&format!("/admin/customers/{}?new=1", org.id)).into_response());
        }
        Err(DeskError::TooLong { max, .. }) => {
            name.fail(too_long(t, max));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(DeskError::Invalid { .. }) => {
            name.fail(t.get("admin.err.org_name"));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(DeskError::Conflict { .. }) => {
            name.fail(t.get("admin.err.org_taken"));
            StatusCode::CONFLICT
        }
        Err(e) => return Err(PageError::Api(t, e.into())),
    };
    let page = customers_page(&app, &viewer, name, true).await?;
    Ok((status, render(&page)).into_response())
}

/// One customer's page: its agreement versions and people, with their forms.
#[derive(Template)]
#[template(path = "admin_customer.html")]
pub(super) struct CustomerPage {
    t: Tr,
    shell: Shell,
    org: Organization,
    agreements: Vec<AgreementRow>,
    current: Option<AgreementRow>,
    admins: usize,
    max: Option<u32>,
    over: bool,
    viewers: usize,
    people: Vec<PersonRow>,
    people_caption: &'static str,
    form: AgreementForm,
    person_form: PersonForm,
    role_hint: String,
    notices: Notices,
}

impl CustomerPage {
    /// Whether any version has a text of its own.
    fn any_custom(&self) -> bool {
        self.agreements.iter().any(|a| !a.standard)
    }
}

/// What a customer page shows besides the stored data.
pub(super) struct CustomerParts {
    pub(super) form: AgreementForm,
    pub(super) person_form: PersonForm,
    pub(super) role_error: Option<(i64, String)>,
    pub(super) notices: Notices,
}

impl CustomerParts {
    /// Empty forms and no notices.
    pub(super) fn new(t: Tr, org: OrgId) -> CustomerParts {
        CustomerParts {
            form: AgreementForm::new(),
            person_form: PersonForm::new(t, Some(org)),
            role_error: None,
            notices: Notices::default(),
        }
    }
}

/// Builds one customer's page with the forms' state.
pub(super) async fn customer_page(
    app: &AppState,
    v: &Viewer,
    org: OrgId,
    parts: CustomerParts,
) -> Result<CustomerPage, PageError> {
    let t = v.t;
    let scope = &v.caller.scope;
    let organization = app.store.get_org(scope, org).await.map_err(|e| api(t)(e))?;
    let versions = app
        .store
        .agreements(scope, org)
        .await
        .map_err(|e| api(t)(e))?;
    let now = app.now_ms();
    // The list is by start, then id: the version in force is the last that has started.
    let current_index = versions.iter().rposition(|a| a.effective_from <= now);
    let agreements: Vec<AgreementRow> = versions
        .iter()
        .enumerate()
        .map(|(i, a)| AgreementRow {
            id: a.id.0,
            name: a.name.clone(),
            from: if a.effective_from <= 0 {
                t.get("admin.agreement.from_start").to_string()
            } else {
                local_time(a.effective_from)
            },
            document_ref: a.document_ref.clone().filter(|d| !d.trim().is_empty()),
            standard: a.policy.trim().is_empty(),
            policy: a.policy.clone(),
            status: match current_index {
                Some(c) if c == i => "now",
                Some(c) if i < c => "past",
                _ => "future",
            },
        })
        .collect();
    let max = match current_index {
        Some(i) => Some(
            app.policies
                .get(&versions[i])
                .map_err(api(t))?
                .policy
                .max_administrators,
        ),
        None => None,
    };
    let people = app
        .store
        .list_people(scope, Some(org))
        .await
        .map_err(|e| api(t)(e))?;
    let mut rows = person_rows(t, v, &people, parts.role_error.as_ref());
    mail_rows(app, t, &mut rows, &people)
        .await
        .map_err(|e| api(t)(e))?;
    let admins = count(&people, org, Role::CustomerAdmin);
    let role_hint = match max {
        Some(m) => format!(
            "{} {admins} {} {m}.",
            t.get("admin.people.role_hint"),
            t.get("admin.of")
        ),
        None => format!("{} {admins}.", t.get("admin.people.role_hint")),
    };
    Ok(CustomerPage {
        t,
        shell: v.shell.clone(),
        org: organization,
        current: current_index.map(|i| agreements[i].clone()),
        agreements,
        admins,
        max,
        over: max.is_some_and(|m| admins > m as usize),
        viewers: count(&people, org, Role::CustomerViewer),
        people: rows,
        people_caption: t.get("admin.people.caption"),
        form: parts.form,
        person_form: parts.person_form,
        role_hint,
        notices: parts.notices,
    })
}

/// `GET /admin/customers/{id}`: one customer's page.
pub(super) async fn customer(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let t = viewer.t;
    let org = OrgId(path_id(t, &id)?);
    let mut parts = CustomerParts::new(t, org);
    parts.notices = people_notices(&app, &viewer, &flash).await;
    if flash.new.is_some() {
        parts
            .notices
            .done
            .push(t.get("admin.customers.added").into());
    }
    let mut page = customer_page(&app, &viewer, org, parts).await?;
    if let Some(id) = flash_id(flash.added.as_ref())
        && let Some(a) = page.agreements.iter().find(|a| a.id == id)
    {
        let line = format!("{} {}", t.get("admin.agreement.added"), a.name);
        page.notices.done.push(line);
    }
    Ok(render(&page))
}
