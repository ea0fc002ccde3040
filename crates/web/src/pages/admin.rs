//! Pages: administration, for the vendor's administrators only. Customers (with the number
//! of administrators their agreement allows), the versions of a customer's agreement (a new
//! version is pasted or uploaded, and a policy error is shown at its line), the customer's
//! people and the vendor's own staff (add a person, change a role).
//!
//! Every form posts back with the session's CSRF token and is answered with a redirect
//! (post/redirect/get) or, when something is wrong, with the same page showing the message
//! at the field it concerns (422; 409 for an e-mail address in use).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use store::{Agreement, NewAgreement, NewPerson, OrgId, Organization, Person, PersonId, Role};

use super::i18n::Tr;
use super::{PageError, Shell, Viewer, api, render};
use crate::AppState;
use crate::auth;
use crate::error::{ApiError, MAX_BODY, NUL_DETAIL};
use desk::DeskError;

/// The time zone in which administrators enter and read instants.
const TIME_ZONE: &str = "Europe/Amsterdam";

/// The limits the services apply, checked here first so every field gets its message at once.
const MAX_NAME: usize = 200;
const MAX_DOCUMENT_REF: usize = 300;
const MIN_PASSWORD: usize = 12;
const MAX_PASSWORD_BYTES: usize = 1024;

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(customers))
        .route("/admin/customers", post(create_customer))
        .route("/admin/customers/{id}", get(customer))
        .route("/admin/customers/{id}/agreements", post(add_agreement))
        .route("/admin/people", get(staff).post(create_person))
        .route("/admin/people/{id}/role", post(change_role))
}

// ----- page data ---------------------------------------------------------------------------

/// One form field: its value to show again and its message, linked with `aria-describedby`.
#[derive(Debug, Clone, Default)]
pub struct Field {
    /// The element id; the hint is `{id}-hint`, the message `{id}-error`.
    pub id: &'static str,
    /// The value to fill in.
    pub value: String,
    /// What is wrong with it.
    pub error: Option<String>,
    /// Whether a hint (`{id}-hint`) describes it.
    pub hint: bool,
}

impl Field {
    fn new(id: &'static str) -> Field {
        Field {
            id,
            ..Field::default()
        }
    }

    fn hinted(id: &'static str) -> Field {
        Field {
            hint: true,
            ..Field::new(id)
        }
    }

    fn with(mut self, value: &str) -> Field {
        self.value = value.to_string();
        self
    }

    /// Sets the message unless the field has one already (the first problem counts).
    fn fail(&mut self, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(message.into());
        }
    }

    /// The ids of the hint and the message, for `aria-describedby`.
    pub fn describedby(&self) -> Option<String> {
        let mut ids = Vec::new();
        if self.hint {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// An option of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value posted.
    pub value: &'static str,
    /// The label shown.
    pub label: &'static str,
    /// Whether it is selected.
    pub selected: bool,
}

fn role_label(t: Tr, role: Role) -> &'static str {
    match role {
        Role::Agent => t.get("admin.role.agent"),
        Role::ServiceManager => t.get("admin.role.service_manager"),
        Role::Admin => t.get("admin.role.admin"),
        Role::CustomerAdmin => t.get("admin.role.customer_admin"),
        Role::CustomerViewer => t.get("admin.role.customer_viewer"),
    }
}

/// The roles a person of a customer (or, without one, of the vendor) may have.
fn roles_for(customer: bool) -> &'static [Role] {
    if customer {
        &[Role::CustomerAdmin, Role::CustomerViewer]
    } else {
        &[Role::Agent, Role::ServiceManager, Role::Admin]
    }
}

fn role_choices(t: Tr, customer: bool, selected: &str) -> Vec<Choice> {
    roles_for(customer)
        .iter()
        .map(|r| Choice {
            value: r.as_str(),
            label: role_label(t, *r),
            selected: r.as_str() == selected,
        })
        .collect()
}

/// A local date and time (`YYYY-MM-DD HH:MM`) in [`TIME_ZONE`].
fn local_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .ok()
        .and_then(|t| t.in_tz(TIME_ZONE).ok())
        .map(|z| z.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A local date and time as typed (or sent by `datetime-local`), in [`TIME_ZONE`].
fn parse_local_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let dt: DateTime = s
        .parse()
        .ok()
        .or_else(|| s.parse::<Date>().ok().map(DateTime::from))?;
    dt.in_tz(TIME_ZONE).ok().map(|z| z.timestamp())
}

/// A notice after a redirect: what was done, and warnings about it.
#[derive(Debug, Clone, Default)]
pub struct Notices {
    /// What was done.
    pub done: Vec<String>,
    /// What to look at (e.g. a shared role address).
    pub warnings: Vec<String>,
}

/// What a redirect after a form tells the page to announce.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Flash {
    new: Option<String>,
    added: Option<String>,
    created: Option<String>,
    changed: Option<String>,
}

fn flash_id(v: Option<&String>) -> Option<i64> {
    v.and_then(|s| s.parse().ok())
}

/// The notices of a redirect: a person created (with the role-address warning) or changed.
async fn people_notices(app: &AppState, v: &Viewer, flash: &Flash) -> Notices {
    let t = v.t;
    let mut n = Notices::default();
    if let Some(id) = flash_id(flash.created.as_ref())
        && let Ok(p) = app.store.get_person(&v.caller.scope, PersonId(id)).await
    {
        n.done
            .push(format!("{} {}", p.name, t.get("admin.people.created")));
        if desk::people::role_address_warning(&p.email).is_some() {
            n.warnings.push(
                t.get("admin.warn.role_address")
                    .replace("{email}", &p.email),
            );
        }
    }
    if let Some(id) = flash_id(flash.changed.as_ref())
        && let Ok(p) = app.store.get_person(&v.caller.scope, PersonId(id)).await
    {
        n.done.push(format!(
            "{}: {} {}.",
            p.name,
            t.get("admin.people.changed"),
            role_label(t, p.role)
        ));
    }
    n
}

/// A person in a table, with the form to change their role.
#[derive(Debug, Clone)]
pub struct PersonRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// The role, for people.
    pub role: &'static str,
    /// Whether they may sign in.
    pub active: bool,
    /// The signed-in administrator themself (no role form).
    pub me: bool,
    /// The roles to choose from, the current one selected.
    pub choices: Vec<Choice>,
    /// Why the last role change was refused.
    pub error: Option<String>,
}

fn person_rows(
    t: Tr,
    v: &Viewer,
    people: &[Person],
    error: Option<&(i64, String)>,
) -> Vec<PersonRow> {
    people
        .iter()
        .map(|p| PersonRow {
            id: p.id.0,
            name: p.name.clone(),
            email: p.email.clone(),
            role: role_label(t, p.role),
            active: p.active,
            me: p.id == v.caller.person.id,
            choices: role_choices(t, !p.role.is_vendor(), p.role.as_str()),
            error: error
                .filter(|(id, _)| *id == p.id.0)
                .map(|(_, m)| m.clone()),
        })
        .collect()
}

/// The form to add a person (of a customer when `org` is set, else to the vendor's staff).
#[derive(Debug, Clone)]
pub struct PersonForm {
    /// The customer.
    pub org: Option<i64>,
    /// Name.
    pub name: Field,
    /// Personal e-mail address.
    pub email: Field,
    /// Role.
    pub role: Field,
    /// The roles to choose from.
    pub roles: Vec<Choice>,
    /// Language.
    pub lang: Field,
    /// Initial password (never filled in again).
    pub password: Field,
    /// Whether the last attempt failed.
    pub failed: bool,
}

impl PersonForm {
    fn new(t: Tr, org: Option<OrgId>) -> PersonForm {
        let customer = org.is_some();
        let role = if customer {
            Role::CustomerViewer
        } else {
            Role::Agent
        };
        PersonForm {
            org: org.map(|o| o.0),
            name: Field::new("person-name"),
            email: Field::hinted("person-email"),
            role: Field::hinted("person-role").with(role.as_str()),
            roles: role_choices(t, customer, role.as_str()),
            lang: Field::new("person-lang").with("nl"),
            password: Field::hinted("person-password"),
            failed: false,
        }
    }

    /// Whether Dutch is selected.
    pub fn lang_nl(&self) -> bool {
        self.lang.value != "en"
    }
}

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

fn require_admin(v: &Viewer) -> Result<(), PageError> {
    if v.caller.role() == Role::Admin {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            v.t,
            v.t.get("admin.forbidden").to_string(),
        ))
    }
}

/// The agreement in force for a customer now, with its administrator limit.
async fn in_force(app: &AppState, org: OrgId) -> Result<Option<(Agreement, u32)>, ApiError> {
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

async fn customers(State(app): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let page = customers_page(&app, &viewer, Field::hinted("org-name"), false).await?;
    Ok(render(&page))
}

/// Reads an `application/x-www-form-urlencoded` body; text with U+0000 is refused (as the API
/// does), because PostgreSQL cannot store it.
fn read_form<T: DeserializeOwned>(t: Tr, body: &[u8]) -> Result<T, PageError> {
    let bad = |detail: String| {
        PageError::Api(
            t,
            ApiError::BadRequest {
                detail,
                field: None,
            },
        )
    };
    if form_urlencoded::parse(body).any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(bad(NUL_DETAIL.into()));
    }
    serde_urlencoded::from_bytes(body).map_err(|_| bad(t.get("error.bad_input").into()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CustomerInput {
    csrf: String,
    name: String,
}

async fn create_customer(
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

// ----- one customer -------------------------------------------------------------------------

/// A version of the agreement.
#[derive(Debug, Clone)]
pub struct AgreementRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// In force from (local time), or "from the start".
    pub from: String,
    /// Reference to the signed document.
    pub document_ref: Option<String>,
    /// The standard agreement (no text of its own).
    pub standard: bool,
    /// The policy text.
    pub policy: String,
    /// `now`, `future` or `past`.
    pub status: &'static str,
}

/// One line of a submitted agreement text, for the listing shown with an error.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based number.
    pub no: usize,
    /// The line the error concerns.
    pub err: bool,
    /// The text (before the error's column, on the error line).
    pub before: String,
    /// On the error line: the text from the error's column on.
    pub marked: String,
}

/// A policy error, placed at its line.
#[derive(Debug, Clone)]
pub struct PolicyProblem {
    /// 1-based line; 0 when unknown.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub column: usize,
    /// `key: message`.
    pub what: String,
    /// `regel 7: key: message`.
    pub summary: String,
    /// The submitted text, line by line.
    pub lines: Vec<Line>,
}

impl PolicyProblem {
    fn new(t: Tr, text: &str, e: &sla::PolicyError) -> PolicyProblem {
        let what = format!("{}: {}", e.key, e.message);
        let summary = if e.line > 0 {
            format!("{} {}: {what}", t.get("admin.line"), e.line)
        } else {
            what.clone()
        };
        let mut lines: Vec<Line> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let no = i + 1;
                if no == e.line {
                    let split = e.column.saturating_sub(1).min(l.chars().count());
                    let before: String = l.chars().take(split).collect();
                    let mut marked: String = l.chars().skip(split).collect();
                    if marked.is_empty() {
                        marked.push(' ');
                    }
                    Line {
                        no,
                        err: true,
                        before,
                        marked,
                    }
                } else {
                    Line {
                        no,
                        err: false,
                        before: l.to_string(),
                        marked: String::new(),
                    }
                }
            })
            .collect();
        // An error at the end of the text (e.g. an unclosed table) names the line after it.
        if e.line > lines.len() {
            lines.push(Line {
                no: e.line,
                err: true,
                before: String::new(),
                marked: " ".into(),
            });
        }
        PolicyProblem {
            line: e.line,
            column: e.column,
            what,
            summary,
            lines,
        }
    }
}

/// The form to add a version of the agreement.
#[derive(Debug, Clone)]
pub struct AgreementForm {
    /// Name of the version.
    pub name: Field,
    /// In force from, local date and time.
    pub effective_from: Field,
    /// Reference to the signed document.
    pub document_ref: Field,
    /// The pasted text (or the uploaded file's text, after an error).
    pub policy: Field,
    /// The uploaded file.
    pub file: Field,
    /// The policy error, at its line.
    pub problem: Option<PolicyProblem>,
    /// The text came from an uploaded file.
    pub from_file: bool,
    /// Whether the last attempt failed.
    pub failed: bool,
}

impl AgreementForm {
    fn new() -> AgreementForm {
        AgreementForm {
            name: Field::new("agreement-name"),
            effective_from: Field::hinted("agreement-from"),
            document_ref: Field::new("agreement-doc"),
            policy: Field::hinted("agreement-policy"),
            file: Field::hinted("agreement-file"),
            problem: None,
            from_file: false,
            failed: false,
        }
    }

    /// `aria-describedby` of the textarea: the hint, and the error block when there is one.
    pub fn policy_describedby(&self) -> String {
        let mut ids = format!("{}-hint", self.policy.id);
        if self.problem.is_some() || self.policy.error.is_some() {
            ids.push_str(&format!(" {}-error", self.policy.id));
        }
        ids
    }
}

#[derive(Template)]
#[template(path = "admin_customer.html")]
struct CustomerPage {
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
struct CustomerParts {
    form: AgreementForm,
    person_form: PersonForm,
    role_error: Option<(i64, String)>,
    notices: Notices,
}

impl CustomerParts {
    fn new(t: Tr, org: OrgId) -> CustomerParts {
        CustomerParts {
            form: AgreementForm::new(),
            person_form: PersonForm::new(t, Some(org)),
            role_error: None,
            notices: Notices::default(),
        }
    }
}

async fn customer_page(
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
        people: person_rows(t, v, &people, parts.role_error.as_ref()),
        people_caption: t.get("admin.people.caption"),
        form: parts.form,
        person_form: parts.person_form,
        role_hint,
        notices: parts.notices,
    })
}

fn path_id(t: Tr, id: &str) -> Result<i64, PageError> {
    id.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(PageError::NotFound(t))
}

async fn customer(
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

/// What the agreement form sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AgreementInput {
    csrf: String,
    name: String,
    effective_from: String,
    document_ref: String,
    policy: String,
    #[serde(skip)]
    file: Vec<u8>,
}

/// Reads the agreement form: `multipart/form-data` (with the file) from the page, or
/// `application/x-www-form-urlencoded` (pasted text only).
async fn read_agreement(app: &AppState, t: Tr, req: Request) -> Result<AgreementInput, PageError> {
    let multipart = crate::pages::is_multipart(req.headers());
    let bad = |detail: String| {
        PageError::Api(
            t,
            ApiError::BadRequest {
                detail,
                field: None,
            },
        )
    };
    if !multipart {
        let body = Bytes::from_request(req, app)
            .await
            .map_err(|_| PageError::Api(t, ApiError::TooLarge(MAX_BODY)))?;
        return read_form(t, &body);
    }
    let too_large_or_bad = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            PageError::Api(t, ApiError::TooLarge(MAX_BODY))
        } else {
            bad(t.get("error.bad_input").into())
        }
    };
    let mut form = Multipart::from_request(req, app)
        .await
        .map_err(|e| too_large_or_bad(e.status()))?;
    let mut input = AgreementInput::default();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| too_large_or_bad(e.status()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            input.file = field
                .bytes()
                .await
                .map_err(|e| too_large_or_bad(e.status()))?
                .to_vec();
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| too_large_or_bad(e.status()))?;
        if text.contains('\0') {
            return Err(bad(NUL_DETAIL.into()));
        }
        match name.as_str() {
            "csrf" => input.csrf = text,
            "name" => input.name = text,
            "effective_from" => input.effective_from = text,
            "document_ref" => input.document_ref = text,
            "policy" => input.policy = text,
            _ => {}
        }
    }
    Ok(input)
}

/// Text as a browser sends a textarea (CRLF) made plain (LF); line numbers stay the same.
fn plain_lines(s: &str) -> String {
    s.replace("\r\n", "\n")
}

async fn add_agreement(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let t = viewer.t;
    let org = OrgId(path_id(t, &id)?);
    let input = read_agreement(&app, t, req).await?;
    viewer.check_csrf(&input.csrf)?;
    app.store
        .get_org(&viewer.caller.scope, org)
        .await
        .map_err(|e| api(t)(e))?;

    let mut form = AgreementForm::new();
    form.name = form.name.with(&input.name);
    form.effective_from = form.effective_from.with(&input.effective_from);
    form.document_ref = form.document_ref.with(&input.document_ref);
    let pasted = plain_lines(&input.policy);
    let mut policy = pasted.clone();
    if !input.file.is_empty() {
        match String::from_utf8(input.file) {
            Ok(text) if text.contains('\0') => form.file.fail(t.get("admin.err.file_text")),
            Ok(text) if pasted.trim().is_empty() => {
                policy = plain_lines(text.trim_start_matches('\u{feff}'));
                form.from_file = true;
            }
            Ok(_) => form.file.fail(t.get("admin.err.file_and_text")),
            Err(_) => form.file.fail(t.get("admin.err.file_text")),
        }
    }
    form.policy = form.policy.with(&policy);

    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        form.name.fail(t.get("admin.err.agreement_name"));
    }
    let effective_from = parse_local_time(&input.effective_from);
    if effective_from.is_none() {
        form.effective_from.fail(t.get("admin.err.effective_from"));
    }
    let document_ref = input.document_ref.trim();
    if document_ref.chars().count() > MAX_DOCUMENT_REF {
        form.document_ref.fail(t.get("admin.err.document_ref"));
    }
    if let Err(e) = desk::policies::parse_policy(&policy, "policy") {
        let problem = PolicyProblem::new(t, &policy, &e);
        form.policy.fail(problem.summary.clone());
        form.problem = Some(problem);
    }

    let fields = [
        &form.name,
        &form.effective_from,
        &form.document_ref,
        &form.policy,
        &form.file,
    ];
    if let (false, Some(from)) = (fields.iter().any(|f| f.error.is_some()), effective_from) {
        let new = NewAgreement {
            org_id: org,
            name: name.to_string(),
            policy: policy.clone(),
            effective_from: desk::time::ms(from),
            document_ref: (!document_ref.is_empty()).then(|| document_ref.to_string()),
        };
        match app.add_agreement(&viewer.caller, new).await {
            Ok(a) => {
                return Ok(Redirect::to(&format!(
                    "/admin/customers/{}?added={}#agreements",
                    org.0, a.id.0
                ))
                .into_response());
            }
            Err(DeskError::Invalid {
                field,
                rule: message,
            }) => match field.as_str() {
                "name" => form.name.fail(message),
                _ => form.policy.fail(message),
            },
            Err(e) => return Err(PageError::Api(t, e.into())),
        }
    }
    form.failed = true;
    let mut parts = CustomerParts::new(t, org);
    parts.form = form;
    let page = customer_page(&app, &viewer, org, parts).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

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
    Ok(StaffPage {
        t: v.t,
        shell: v.shell.clone(),
        people: person_rows(v.t, v, &people, role_error.as_ref()),
        people_caption: v.t.get("admin.people.staff_caption"),
        person_form,
        role_hint: v.t.get("admin.people.staff_role_hint"),
        notices,
    })
}

async fn staff(
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

async fn create_person(
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
    if name.is_empty() || name.chars().count() > MAX_NAME {
        form.name.fail(t.get("admin.err.name"));
    }
    if desk::people::check_email(&input.email).is_err() {
        form.email.fail(t.get("admin.err.email_invalid"));
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
    if input.password.chars().count() < MIN_PASSWORD {
        form.password.fail(t.get("admin.err.password_short"));
    } else if input.password.len() > MAX_PASSWORD_BYTES {
        form.password.fail(t.get("admin.err.password_long"));
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

async fn change_role(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_read_and_write_in_amsterdam() {
        let t = parse_local_time("2027-01-01T00:00").unwrap();
        assert_eq!(t.to_string(), "2026-12-31T23:00:00Z");
        assert_eq!(
            parse_local_time("2027-07-01 09:30").unwrap().to_string(),
            "2027-07-01T07:30:00Z"
        );
        assert_eq!(parse_local_time("2027-01-01").unwrap(), t);
        assert!(parse_local_time("morgen").is_none());
        assert!(parse_local_time("").is_none());
        assert_eq!(local_time(t.as_millisecond()), "2027-01-01 00:00");
    }

    #[test]
    fn a_policy_error_is_placed_at_its_line_and_column() {
        let text = "[people]\nmax_administrators = \"vier\"\n";
        let e = desk::policies::parse_policy(text, "policy").unwrap_err();
        let p = PolicyProblem::new(Tr(sla::Lang::Nl), text, &e);
        assert_eq!(p.line, 2);
        assert!(
            p.summary
                .starts_with("regel 2: people.max_administrators: "),
            "{}",
            p.summary
        );
        let err: Vec<&Line> = p.lines.iter().filter(|l| l.err).collect();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].no, 2);
        assert_eq!(
            format!("{}{}", err[0].before, err[0].marked),
            "max_administrators = \"vier\""
        );
        assert!(err[0].marked.starts_with('"'), "{:?}", err[0]);
        let en = PolicyProblem::new(Tr(sla::Lang::En), text, &e);
        assert!(en.summary.starts_with("line 2: "));
    }

    #[test]
    fn fields_name_their_hint_and_message() {
        let mut f = Field::hinted("x");
        assert_eq!(f.describedby().as_deref(), Some("x-hint"));
        f.fail("first");
        f.fail("second");
        assert_eq!(f.error.as_deref(), Some("first"));
        assert_eq!(f.describedby().as_deref(), Some("x-hint x-error"));
        assert_eq!(Field::new("y").describedby(), None);
    }
}
