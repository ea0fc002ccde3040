//! Administration: people (`/admin/people`): the vendor's staff and a customer's people, adding
//! a person and changing a role.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::{NewPerson, OrgId, Person, PersonId, Role};

use super::customers::{CustomerParts, customer_page, in_force};
use super::forms::{
    Flash, Notices, PersonForm, PersonRow, mail_rows, path_id, people_notices, person_rows,
    read_form, require_admin, role_choices, roles_for,
};
use crate::AppState;
use crate::auth;
use crate::pages::error::{PageError, api};
use crate::pages::form::too_long;
use crate::pages::layout::{Shell, Viewer, render};
use desk::DeskError;
use desk::i18n::Tr;
use desk::limits::{self, over};

// ----- people -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_people.html")]
struct StaffPage {
    t: Tr,
    shell: Shell,
    people: Vec<PersonRow>,
    people_caption: &'static str,
    person_form: PersonForm,
    role_hint: &'static str,
    notices: Notices,
}

async fn staff_page(
    app: &AppState,
    v: &Viewer,
    person_form: PersonForm,
    role_error: Option<(i64, String)>,
    notices: Notices,
) -> Result<StaffPage, PageError> {
    let people: Vec<Person> = app
        .store
        .list_people(&v.caller.scope, None)
        .await
        .map_err(|e| api(v.t)(e))?
        .into_iter()
        .filter(|p| p.role.is_vendor() && p.org_id.is_none())
        .collect();
    let mut rows = person_rows(v.t, v, &people, role_error.as_ref());
    mail_rows(app, v.t, &mut rows, &people)
        .await
        .map_err(|e| api(v.t)(e))?;
    Ok(StaffPage {
        t: v.t,
        shell: v.shell.clone(),
        people: rows,
        people_caption: v.t.get("admin.people.staff_caption"),
        person_form,
        role_hint: v.t.get("admin.people.staff_role_hint"),
        notices,
    })
}

/// `GET /admin/people`: the vendor's staff.
pub(super) async fn staff(
    State(app): State<AppState>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let notices = people_notices(&app, &viewer, &flash).await;
    let form = PersonForm::new(viewer.t, None);
    let page = staff_page(&app, &viewer, form, None, notices).await?;
    Ok(render(&page))
}

/// The limit message, with the agreement's number.
async fn limit_message(app: &AppState, t: Tr, org: Option<OrgId>) -> String {
    let max = match org {
        Some(o) => in_force(app, o).await.ok().flatten().map(|(_, m)| m),
        None => None,
    };
    match max {
        Some(m) => t.get("admin.err.limit").replace("{max}", &m.to_string()),
        None => t.get("admin.err.limit_unknown").to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PersonInput {
    csrf: String,
    org: String,
    name: String,
    email: String,
    role: String,
    lang: String,
    password: String,
}

/// `POST /admin/people`: adds a person (to a customer, or to the vendor's staff).
pub(super) async fn create_person(
    State(app): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let t = viewer.t;
    let input: PersonInput = read_form(t, &body)?;
    viewer.check_csrf(&input.csrf)?;
    let org = match input.org.trim() {
        "" => None,
        id => Some(OrgId(path_id(t, id)?)),
    };
    if let Some(o) = org {
        app.store
            .get_org(&viewer.caller.scope, o)
            .await
            .map_err(|e| api(t)(e))?;
    }

    let mut form = PersonForm::new(t, org);
    form.name = form.name.with(&input.name);
    form.email = form.email.with(&input.email);
    form.role = form.role.with(&input.role);
    form.roles = role_choices(t, org.is_some(), &input.role);
    form.lang = form.lang.with(&input.lang);
    let name = input.name.trim();
    if over(&input.name, limits::PERSON_NAME) {
        form.name.fail(too_long(t, limits::PERSON_NAME));
    } else if name.is_empty() {
        form.name.fail(t.get("admin.err.name"));
    }
    match desk::people::check_email(&input.email) {
        Err(DeskError::TooLong { max, .. }) => form.email.fail(too_long(t, max)),
        Err(_) => form.email.fail(t.get("admin.err.email_invalid")),
        Ok(_) => {}
    }
    let role = input
        .role
        .parse::<Role>()
        .ok()
        .filter(|r| roles_for(org.is_some()).contains(r));
    if role.is_none() {
        form.role.fail(t.get("admin.err.role"));
    }
    if !matches!(input.lang.as_str(), "nl" | "en") {
        form.lang.fail(t.get("admin.err.lang"));
    }
    if over(&input.password, limits::PASSWORD) {
        form.password.fail(too_long(t, limits::PASSWORD));
    } else if input.password.chars().count() < limits::PASSWORD_MIN {
        form.password.fail(t.get("admin.err.password_short"));
    }

    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let fields = [
        &form.name,
        &form.email,
        &form.role,
        &form.lang,
        &form.password,
    ];
    if let (false, Some(role)) = (fields.iter().any(|f| f.error.is_some()), role) {
        let hash = auth::hash_password(input.password.clone())
            .await
            .map_err(api(t))?;
        let new = NewPerson {
            email: input.email.clone(),
            name: name.to_string(),
            role,
            org_id: org,
            lang: input.lang.clone(),
            password_hash: Some(hash),
        };
        match app.create_person(Some(&viewer.caller), new).await {
            Ok((p, _warnings)) => {
                // The page after the redirect shows the warnings (in the reader's language).
                let to = match org {
                    Some(o) => format!("/admin/customers/{}?created={}#people", o.0, p.id.0),
                    None => format!("/admin/people?created={}", p.id.0),
                };
                return Ok(Redirect::to(&to).into_response());
            }
            Err(DeskError::Conflict { field: "email", .. }) => {
                status = StatusCode::CONFLICT;
                form.email.fail(t.get("admin.err.email_taken"));
            }
            Err(DeskError::TooLong { field, max }) => match field.as_str() {
                "email" => form.email.fail(too_long(t, max)),
                _ => form.name.fail(too_long(t, max)),
            },
            Err(DeskError::Invalid {
                field,
                rule: message,
            }) => match field.as_str() {
                "email" => form.email.fail(t.get("admin.err.email_invalid")),
                "name" => form.name.fail(t.get("admin.err.name")),
                "lang" => form.lang.fail(t.get("admin.err.lang")),
                "role" if role == Role::CustomerAdmin => {
                    form.role.fail(limit_message(&app, t, org).await);
                }
                _ => form.role.fail(message),
            },
            Err(e) => return Err(PageError::Api(t, e.into())),
        }
    }
    form.failed = true;
    let page = match org {
        Some(o) => {
            let mut parts = CustomerParts::new(t, o);
            parts.person_form = form;
            render(&customer_page(&app, &viewer, o, parts).await?)
        }
        None => render(&staff_page(&app, &viewer, form, None, Notices::default()).await?),
    };
    Ok((status, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RoleInput {
    csrf: String,
    role: String,
}

/// `POST /admin/people/{id}/role`: changes a person's role.
pub(super) async fn change_role(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let t = viewer.t;
    let id = PersonId(path_id(t, &id)?);
    let input: RoleInput = read_form(t, &body)?;
    viewer.check_csrf(&input.csrf)?;
    let person = app
        .store
        .get_person(&viewer.caller.scope, id)
        .await
        .map_err(|e| api(t)(e))?;
    let customer = !person.role.is_vendor();
    let role = input
        .role
        .parse::<Role>()
        .ok()
        .filter(|r| roles_for(customer).contains(r));
    let refused = match role {
        None => t.get("admin.err.role").to_string(),
        Some(_) if id == viewer.caller.person.id => t.get("admin.err.own_role").to_string(),
        Some(role) => match app.set_role(&viewer.caller, id, role).await {
            Ok(_) => {
                let to = match person.org_id {
                    Some(o) => format!("/admin/customers/{}?changed={}#person-{}", o.0, id.0, id.0),
                    None => format!("/admin/people?changed={}#person-{}", id.0, id.0),
                };
                return Ok(Redirect::to(&to).into_response());
            }
            Err(DeskError::Invalid { field, .. })
                if field == "role" && role == Role::CustomerAdmin =>
            {
                limit_message(&app, t, person.org_id).await
            }
            Err(DeskError::Invalid { rule: message, .. }) => message,
            Err(e) => return Err(PageError::Api(t, e.into())),
        },
    };
    let role_error = Some((id.0, refused));
    let page = match person.org_id {
        Some(o) => {
            let mut parts = CustomerParts::new(t, o);
            parts.role_error = role_error;
            render(&customer_page(&app, &viewer, o, parts).await?)
        }
        None => {
            let form = PersonForm::new(t, None);
            render(&staff_page(&app, &viewer, form, role_error, Notices::default()).await?)
        }
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OnDutyInput {
    csrf: String,
    on_duty: String,
}

/// `POST /admin/people/{id}/on-duty`: puts one of the vendor's staff on or off the on-duty
/// list (who gets the mail of a new, unassigned ticket).
pub(super) async fn change_on_duty(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let t = viewer.t;
    let id = PersonId(path_id(t, &id)?);
    let input: OnDutyInput = read_form(t, &body)?;
    viewer.check_csrf(&input.csrf)?;
    let on = input.on_duty == "1";
    app.set_on_duty(&viewer.caller, id, on)
        .await
        .map_err(|e| PageError::Api(t, e.into()))?;
    Ok(Redirect::to(&format!("/admin/people?changed={}#person-{}", id.0, id.0)).into_response())
}
