//! Pages: administration, for the vendor's administrators only. Customers (with the number
//! of administrators their agreement allows), the versions of a customer's agreement (a new
//! version is pasted or uploaded, and a policy error is shown at its line), the customer's
//! people and the vendor's own staff (add a person, change a role).
//!
//! Every form posts back with the session's CSRF token and is answered with a redirect
//! (post/redirect/get) or, when something is wrong, with the same page showing the message
//! at the field it concerns (422; 409 for an e-mail address in use).
//!
//! One file per subject: `customers` (the list and one customer's page), `agreements` (a new
//! version of a customer's agreement), `people` (the vendor's staff, adding a person, changing
//! a role); `forms` holds the fields, rows and forms they share.

pub mod agreements;
pub mod customers;
pub mod forms;
pub mod people;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use agreements::add_agreement;
use customers::{create_customer, customer, customers};
use people::{change_on_duty, change_role, create_person, staff};

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(customers))
        .route("/admin/customers", post(create_customer))
        .route("/admin/customers/{id}", get(customer))
        .route("/admin/customers/{id}/agreements", post(add_agreement))
        .route("/admin/people", get(staff).post(create_person))
        .route("/admin/people/{id}/role", post(change_role))
        .route("/admin/people/{id}/on-duty", post(change_on_duty))
}
