//! What the administration pages share: form fields with their messages, choices, the
//! notices after a redirect, the rows and forms of people and of agreement versions, the
//! limits checked before the services are asked, and reading a form.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use store::{OrgId, Person, PersonId, Role};

use crate::AppState;
use crate::error::{ApiError, NUL_DETAIL};
use crate::pages::error::PageError;
use crate::pages::layout::Viewer;
use desk::i18n::Tr;

/// The time zone in which administrators enter and read instants.
pub(super) const TIME_ZONE: &str = "Europe/Amsterdam";

// The limits the services apply (`desk::limits`) are checked here first, so that every field
// gets its message at once.

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
    /// An empty field without a hint.
    pub(super) fn new(id: &'static str) -> Field {
        Field {
            id,
            ..Field::default()
        }
    }

    /// An empty field described by its hint.
    pub(super) fn hinted(id: &'static str) -> Field {
        Field {
            hint: true,
            ..Field::new(id)
        }
    }

    /// The field with a value filled in.
    pub(super) fn with(mut self, value: &str) -> Field {
        self.value = value.to_string();
        self
    }

    /// Sets the message unless the field has one already (the first problem counts).
    pub(super) fn fail(&mut self, message: impl Into<String>) {
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

/// A local date and time (`YYYY-MM-DD HH:MM`) in [`TIME_ZONE`].
pub(super) fn local_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .ok()
        .and_then(|t| t.in_tz(TIME_ZONE).ok())
        .map(|z| z.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A local date and time as typed (or sent by `datetime-local`), in [`TIME_ZONE`].
pub(super) fn parse_local_time(s: &str) -> Option<Timestamp> {
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
pub(super) struct Flash {
    pub(super) new: Option<String>,
    pub(super) added: Option<String>,
    pub(super) created: Option<String>,
    pub(super) changed: Option<String>,
}

/// An id a redirect passed in the query, if it is a number.
pub(super) fn flash_id(v: Option<&String>) -> Option<i64> {
    v.and_then(|s| s.parse().ok())
}

/// Only the vendor's administrators administer; anyone else gets the 403 page.
pub(super) fn require_admin(v: &Viewer) -> Result<(), PageError> {
    v.caller
        .require(&[Role::Admin], "only administrators may do this")
        .map_err(|_| PageError::Forbidden(v.t, v.t.get("admin.forbidden").to_string()))
}

/// Reads an `application/x-www-form-urlencoded` body; text with U+0000 is refused (as the API
/// does), because PostgreSQL cannot store it.
pub(super) fn read_form<T: DeserializeOwned>(t: Tr, body: &[u8]) -> Result<T, PageError> {
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

/// An id from the URL, or the 404 page.
pub(super) fn path_id(t: Tr, id: &str) -> Result<i64, PageError> {
    id.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(PageError::NotFound(t))
}

/// The word for a role in the viewer's language.
pub(super) fn role_label(t: Tr, role: Role) -> &'static str {
    match role {
        Role::Agent => t.get("admin.role.agent"),
        Role::ServiceManager => t.get("admin.role.service_manager"),
        Role::Admin => t.get("admin.role.admin"),
        Role::CustomerAdmin => t.get("admin.role.customer_admin"),
        Role::CustomerViewer => t.get("admin.role.customer_viewer"),
    }
}

/// The roles a person of a customer (or, without one, of the vendor) may have.
pub(super) fn roles_for(customer: bool) -> &'static [Role] {
    if customer {
        &[Role::CustomerAdmin, Role::CustomerViewer]
    } else {
        &[Role::Agent, Role::ServiceManager, Role::Admin]
    }
}

/// The roles a person may be given, as choices with `selected` marked.
pub(super) fn role_choices(t: Tr, customer: bool, selected: &str) -> Vec<Choice> {
    roles_for(customer)
        .iter()
        .map(|r| Choice {
            value: r.as_str(),
            label: role_label(t, *r),
            selected: r.as_str() == selected,
        })
        .collect()
}

/// The notices of a redirect: a person created (with the role-address warning) or changed.
pub(super) async fn people_notices(app: &AppState, v: &Viewer, flash: &Flash) -> Notices {
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
    /// On the on-duty list (vendor staff only; `None` for a customer's people).
    pub on_duty: Option<bool>,
    /// Why mail to the address fails, in the reader's language, if it bounces.
    pub failing: Option<String>,
}

/// Fills in the rows' mail standing: the on-duty mark of the vendor's staff and, for anyone
/// whose mail bounces, since when and why (SLA-RULES §10).
pub(super) async fn mail_rows(
    app: &crate::AppState,
    t: Tr,
    rows: &mut [PersonRow],
    people: &[Person],
) -> Result<(), store::StoreError> {
    let on_duty = app.store.on_duty().await?;
    for (row, p) in rows.iter_mut().zip(people) {
        if p.role.is_vendor() {
            row.on_duty = Some(on_duty.iter().any(|o| o.id == p.id));
        }
        if let Some(a) = app.store.address_status(&p.email).await?
            && let Some(since) = a.failing_since
        {
            // In Amsterdam time, on the standard calendar (its zone is the desk's).
            let since = match app.policies.standard() {
                Ok(c) => sla::words::format_local(&c.calendar, since.div_euclid(1000), t.0),
                Err(_) => desk::time::rfc3339(since),
            };
            row.failing = Some(
                t.get("admin.people.failing")
                    .replace("{since}", &since)
                    .replace("{reason}", &a.reason),
            );
        }
    }
    Ok(())
}

/// The people as table rows, with a role form's error at its person.
pub(super) fn person_rows(
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
            on_duty: None,
            failing: None,
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
    /// The empty form, with the default role and Dutch.
    pub(super) fn new(t: Tr, org: Option<OrgId>) -> PersonForm {
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
    /// The problem of a policy text, placed at its line and column, in words.
    pub(super) fn new(t: Tr, text: &str, e: &sla::PolicyError) -> PolicyProblem {
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
    /// The empty form.
    pub(super) fn new() -> AgreementForm {
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
    fn fields_name_their_hint_and_message() {
        let mut f = Field::hinted("x");
        assert_eq!(f.describedby().as_deref(), Some("x-hint"));
        f.fail("first");
        f.fail("second");
        assert_eq!(f.error.as_deref(), Some("first"));
        assert_eq!(f.describedby().as_deref(), Some("x-hint x-error"));
        assert_eq!(Field::new("y").describedby(), None);
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
}
