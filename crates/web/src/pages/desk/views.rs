//! Saved views of the queue (`/desk/views`): a filter kept under a name, and deleting one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::queue::{Filter, queue_href, queue_page};
use super::shared::{MAX_VIEW_NAME, staff_only, store_err};
use crate::AppState;
use crate::pages::error::PageError;
use crate::pages::form::too_long;
use crate::pages::layout::Viewer;

// ----- saved views --------------------------------------------------------------------------

/// The form that saves the current filter under a name.
#[derive(Debug, Deserialize)]
pub(super) struct SaveViewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

/// `POST /desk/views`: saves a view.
pub(super) async fn save_view(
    State(app): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<SaveViewForm>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    viewer.check_csrf(&form.csrf)?;
    let t = viewer.t;
    let (filter, _, bad) = Filter::parse(&form.query);
    let query = filter.query();
    let name = form.name.as_str();
    let bad_name = if desk::limits::over(name, MAX_VIEW_NAME) {
        Some(too_long(t, MAX_VIEW_NAME))
    } else if name.trim().is_empty() || name.contains('\0') {
        Some(t.get("desk.views.bad_name").to_string())
    } else {
        None
    };
    if let Some(error) = bad_name {
        let res = queue_page(&app, &viewer, &query, None, vec![error]).await?;
        return Ok(with_status(res, StatusCode::UNPROCESSABLE_ENTITY));
    }
    if !bad.is_empty() {
        let errors = bad.iter().map(|b| b.message(t)).collect();
        let res = queue_page(&app, &viewer, &query, None, errors).await?;
        return Ok(with_status(res, StatusCode::UNPROCESSABLE_ENTITY));
    }
    app.save_view(&viewer.caller, name, &query)
        .await
        .map_err(crate::pages::error::api(t))?;
    Ok(Redirect::to(&queue_href(&query)).into_response())
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

/// A form with only its CSRF token.
#[derive(Debug, Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /desk/views/{id}/delete`: deletes a saved view.
pub(super) async fn delete_view(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    viewer.check_csrf(&form.csrf)?;
    let t = viewer.t;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound(t))?;
    let deleted = app
        .store
        .delete_view(viewer.caller.person.id, id)
        .await
        .map_err(store_err(t))?;
    if !deleted {
        return Err(PageError::NotFound(t));
    }
    Ok(Redirect::to("/desk").into_response())
}
