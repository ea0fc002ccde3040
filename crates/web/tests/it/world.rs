//! A small world built through the API: the vendor's administrator (bootstrapped through the
//! application service, as `loket serve` does on first start), a service manager and an agent,
//! customers A and B each with a customer administrator, a viewer and one incident.

use serde_json::{Value, json};
use store::{NewPerson, Role};

use crate::harness::{App, Auth};

/// The vendor administrator's password.
pub const ADMIN_PASSWORD: &str = "beheer-wachtwoord-123";

/// A person with a live session and an API token.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Person id.
    pub id: i64,
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
    /// Role word.
    pub role: &'static str,
    /// Their organization (customer roles).
    pub org: Option<i64>,
    /// Session cookie secret.
    pub cookie: String,
    /// API token secret.
    pub token: String,
}

impl Actor {
    /// Credentials of the session.
    pub fn session(&self) -> Auth {
        Auth::Cookie(self.cookie.clone())
    }

    /// Credentials of the API token.
    pub fn bearer(&self) -> Auth {
        Auth::Bearer(self.token.clone())
    }

    /// Signs in again and makes a new token (after "sign out everywhere").
    pub async fn refresh(&mut self, app: &App) {
        self.cookie = app.sign_in(&self.email, &self.password).await;
        self.token = app.new_token(&self.session(), "refreshed").await.1;
    }
}

/// A customer with its people and a ticket.
#[derive(Debug, Clone)]
pub struct Customer {
    /// Organization id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Its customer administrator.
    pub admin: Actor,
    /// Its viewer.
    pub viewer: Actor,
    /// A normal incident filed by its administrator.
    pub ticket: i64,
}

/// Everyone.
#[derive(Debug, Clone)]
pub struct World {
    /// Vendor administrator.
    pub admin: Actor,
    /// Vendor service manager.
    pub manager: Actor,
    /// Vendor agent.
    pub agent: Actor,
    /// Customer A.
    pub a: Customer,
    /// Customer B.
    pub b: Customer,
}

impl App {
    /// Creates the first administrator the way `loket serve` does, and signs them in.
    pub async fn bootstrap_admin(&self) -> Actor {
        let hash = web::auth::hash_password(ADMIN_PASSWORD.into())
            .await
            .expect("hash");
        let (p, warnings) = self
            .state
            .create_person(
                None,
                NewPerson {
                    email: "Beheer.Leverancier@loket.example".into(),
                    name: "Ada Beheer".into(),
                    role: Role::Admin,
                    org_id: None,
                    lang: "nl".into(),
                    password_hash: Some(hash),
                },
            )
            .await
            .expect("bootstrap admin");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            p.email, "beheer.leverancier@loket.example",
            "stored lower case"
        );
        let mut a = Actor {
            id: p.id.0,
            email: p.email,
            password: ADMIN_PASSWORD.into(),
            role: "admin",
            org: None,
            cookie: String::new(),
            token: String::new(),
        };
        a.refresh(self).await;
        a
    }

    /// Creates a person through the API (as `by`) and signs them in.
    pub async fn person(
        &self,
        by: &Auth,
        email: &str,
        role: &'static str,
        org: Option<i64>,
    ) -> Actor {
        let password = format!("{role}-wachtwoord-{}", email.len());
        let r = self
            .post(
                by,
                "/api/v1/people",
                json!({ "email": email, "name": format!("{role} {email}"), "role": role,
                        "organization_id": org, "lang": "en", "password": password }),
            )
            .await
            .expect(201);
        let p = &r.json["person"];
        assert_eq!(p["role"], role);
        assert_eq!(p["email"], email.to_lowercase());
        assert_eq!(p["organization_id"].as_i64(), org);
        let mut a = Actor {
            id: p["id"].as_i64().expect("id"),
            email: email.into(),
            password,
            role,
            org,
            cookie: String::new(),
            token: String::new(),
        };
        a.refresh(self).await;
        a
    }

    /// Creates an organization through the API.
    pub async fn organization(&self, by: &Auth, name: &str) -> i64 {
        let r = self
            .post(by, "/api/v1/organizations", json!({ "name": name }))
            .await
            .expect(201);
        assert_eq!(r.json["name"], name);
        r.id()
    }

    /// Files a ticket through the API and returns it.
    pub async fn file(&self, by: &Auth, body: Value) -> Value {
        self.post(by, "/api/v1/tickets", body)
            .await
            .expect(201)
            .json
    }

    /// Builds the world at the current clock.
    pub async fn world(&self) -> World {
        let admin = self.bootstrap_admin().await;
        let by = admin.session();
        let manager = self
            .person(&by, "m.manager@loket.example", "service_manager", None)
            .await;
        let agent = self
            .person(&by, "a.agent@loket.example", "agent", None)
            .await;
        let mut customers = Vec::new();
        for (name, domain) in [
            ("Klant A", "klant-a.example"),
            ("Klant B", "klant-b.example"),
        ] {
            let id = self.organization(&by, name).await;
            let cadmin = self
                .person(
                    &by,
                    &format!("Jan.Beheer@{domain}"),
                    "customer_admin",
                    Some(id),
                )
                .await;
            let viewer = self
                .person(
                    &by,
                    &format!("v.kijker@{domain}"),
                    "customer_viewer",
                    Some(id),
                )
                .await;
            let t = self
                .file(
                    &cadmin.session(),
                    json!({ "kind": "incident", "priority": "normal",
                            "subject": format!("Printer van {name} doet het niet") }),
                )
                .await;
            assert_eq!(t["organization_id"].as_i64(), Some(id));
            assert_eq!((cadmin.org, viewer.org), (Some(id), Some(id)));
            customers.push(Customer {
                id,
                name: name.into(),
                admin: cadmin,
                viewer,
                ticket: t["id"].as_i64().expect("id"),
            });
        }
        let b = customers.pop().expect("b");
        let a = customers.pop().expect("a");
        World {
            admin,
            manager,
            agent,
            a,
            b,
        }
    }
}
