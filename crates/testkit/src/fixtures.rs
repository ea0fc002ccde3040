//! Common fixtures: time units, assertions on store errors, and organizations, agreements and
//! people made straight in the store (no permission checks, no audit), for suites that need a
//! customer or a person before the story starts.

use std::fmt::Debug;

use store::{
    Agreement, Millis, NewAgreement, NewPerson, OrgId, Organization, Person, Role, Scope, Store,
    StoreError,
};

/// One minute in milliseconds.
pub const MINUTE: Millis = 60_000;
/// One hour in milliseconds.
pub const HOUR: Millis = 60 * MINUTE;
/// One day in milliseconds.
pub const DAY: Millis = 24 * HOUR;

/// Asserts `NotFound`.
#[track_caller]
pub fn assert_not_found<T: Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// Asserts `Conflict` on `field`.
#[track_caller]
pub fn assert_conflict<T: Debug>(r: Result<T, StoreError>, field: &str) {
    match r {
        Err(StoreError::Conflict { field: f, .. }) if f == field => {}
        other => panic!("expected Conflict on `{field}`, got {other:?}"),
    }
}

/// Asserts `Rejected` on `field`.
#[track_caller]
pub fn assert_rejected<T: Debug>(r: Result<T, StoreError>, field: &str) {
    match r {
        Err(StoreError::Rejected { field: f, .. }) if f == field => {}
        other => panic!("expected Rejected on `{field}`, got {other:?}"),
    }
}

/// A customer organization, created at `at`.
pub async fn org(store: &Store, name: &str, at: Millis) -> Organization {
    store
        .create_org(name, at)
        .await
        .unwrap_or_else(|e| panic!("create organization {name}: {e}"))
}

/// The standard agreement (no policy laid over it) of `org`, in force and recorded from
/// `from`.
pub async fn agreement(store: &Store, org: OrgId, from: Millis) -> Agreement {
    store
        .add_agreement(
            &Scope::System,
            &NewAgreement {
                org_id: org,
                name: "Standaard".into(),
                policy: String::new(),
                effective_from: from,
                document_ref: Some("DOC-2025-001".into()),
            },
            from,
        )
        .await
        .unwrap_or_else(|e| panic!("add agreement of organization {org}: {e}"))
}

/// A new person's input: Dutch, with a password hash no password matches.
pub fn new_person(email: &str, name: &str, role: Role, org: Option<OrgId>) -> NewPerson {
    NewPerson {
        email: email.into(),
        name: name.into(),
        role,
        org_id: org,
        lang: "nl".into(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
    }
}

/// Creates a person (see [`new_person`]) at `at`, without an administrator limit.
pub async fn person(
    store: &Store,
    email: &str,
    name: &str,
    role: Role,
    org: Option<OrgId>,
    at: Millis,
) -> Person {
    store
        .create_person(&new_person(email, name, role, org), None, at)
        .await
        .unwrap_or_else(|e| panic!("create person {email}: {e}"))
}

/// The scope a person acts in: their customer's, or the vendor's.
pub fn scope_of(p: &Person) -> Scope {
    match p.org_id {
        Some(org) => Scope::Customer {
            person: p.id,
            org,
            role: p.role,
        },
        None => Scope::Vendor {
            person: p.id,
            role: p.role,
        },
    }
}
