//! People and agreements: the administrator limit and the agreement that raises it, personal
//! e-mail addresses, and agreement policies that do not parse.

use serde_json::{Value, json};

use crate::harness::{App, Auth};

/// Adds a customer person without a password (no hashing needed); returns the response.
async fn add(app: &App, by: &Auth, email: &str, role: &str, org: i64) -> crate::harness::Resp {
    app.post(
        by,
        "/api/v1/people",
        json!({ "email": email, "name": format!("Persoon {email}"), "role": role,
                "organization_id": org }),
    )
    .await
}

async fn count(app: &App, by: &Auth, org: i64, role: &str) -> usize {
    let r = app
        .get(by, &format!("/api/v1/people?organization={org}"))
        .await
        .expect(200);
    r.json
        .as_array()
        .expect("list")
        .iter()
        .filter(|p| p["role"] == role)
        .count()
}

/// At most 3 customer administrators, unless the customer's agreement says otherwise.
pub async fn people_administrator_limit(app: App) {
    let w = app.world().await;
    let admin = w.admin.session();
    let a = w.a.id;
    // Customer A has one administrator from the world; two more fit.
    for n in 2..=3 {
        add(
            &app,
            &admin,
            &format!("beheerder{n}@klant-a.example"),
            "customer_admin",
            a,
        )
        .await
        .expect(201);
    }
    assert_eq!(count(&app, &admin, a, "customer_admin").await, 3);
    let r = add(
        &app,
        &admin,
        "beheerder4@klant-a.example",
        "customer_admin",
        a,
    )
    .await
    .problem(422, Some("role"));
    assert!(
        r.detail().contains("3 administrators already")
            && r.detail().contains("the most its agreement allows"),
        "{}",
        r.detail()
    );
    assert_eq!(count(&app, &admin, a, "customer_admin").await, 3);
    // Promoting a viewer is the same limit.
    let role = |id: i64| format!("/api/v1/people/{id}/role");
    app.post(
        &admin,
        &role(w.a.viewer.id),
        json!({ "role": "customer_admin" }),
    )
    .await
    .problem(422, Some("role"));
    // Viewers do not count.
    add(
        &app,
        &admin,
        "kijker2@klant-a.example",
        "customer_viewer",
        a,
    )
    .await
    .expect(201);
    // Another customer has its own three.
    add(
        &app,
        &admin,
        "beheerder2@klant-b.example",
        "customer_admin",
        w.b.id,
    )
    .await
    .expect(201);

    // A future agreement version is not in force yet.
    let agreements = format!("/api/v1/organizations/{a}/agreements");
    app.post(
        &admin,
        &agreements,
        json!({ "name": "Vanaf 2027", "policy": "[people]\nmax_administrators = 10\n",
                "effective_from": "2027-01-01T00:00:00Z" }),
    )
    .await
    .expect(201);
    add(
        &app,
        &admin,
        "beheerder4@klant-a.example",
        "customer_admin",
        a,
    )
    .await
    .problem(422, Some("role"));
    // A version in force since this month allows four.
    let r = app
        .post(
            &admin,
            &agreements,
            json!({ "name": "Aanvulling november", "policy": "[people]\nmax_administrators = 4",
                    "effective_from": "2026-11-01T00:00:00+01:00",
                    "document_ref": "DMS-2026-118" }),
        )
        .await
        .expect(201);
    assert_eq!(r.json["organization_id"].as_i64(), Some(a));
    assert_eq!(r.json["effective_from"], "2026-10-31T23:00:00Z");
    assert_eq!(r.json["policy"], "[people]\nmax_administrators = 4");
    assert_eq!(r.json["document_ref"], "DMS-2026-118");
    let list = app.get(&admin, &agreements).await.expect(200);
    let names: Vec<&str> = list
        .json
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["Standaard SLA", "Aanvulling november", "Vanaf 2027"]
    );
    // The customer reads its own agreements.
    app.get(&w.a.viewer.session(), &agreements)
        .await
        .expect(200);
    let r = add(
        &app,
        &admin,
        "beheerder4@klant-a.example",
        "customer_admin",
        a,
    )
    .await
    .expect(201);
    assert_eq!(r.json["warnings"], json!([]));
    let r = add(
        &app,
        &admin,
        "beheerder5@klant-a.example",
        "customer_admin",
        a,
    )
    .await
    .problem(422, Some("role"));
    assert!(
        r.detail().contains("4 administrators already"),
        "{}",
        r.detail()
    );
    // B is still on the standard agreement: two more and it is full.
    add(
        &app,
        &admin,
        "beheerder3@klant-b.example",
        "customer_admin",
        w.b.id,
    )
    .await
    .expect(201);
    add(
        &app,
        &admin,
        "beheerder4@klant-b.example",
        "customer_admin",
        w.b.id,
    )
    .await
    .problem(422, Some("role"));
    // Stepping down frees a place, which a viewer may then take.
    let r = app
        .post(
            &admin,
            &role(w.a.admin.id),
            json!({ "role": "customer_viewer" }),
        )
        .await
        .expect(200);
    assert_eq!(r.json["role"], "customer_viewer");
    let r = app
        .post(
            &admin,
            &role(w.a.viewer.id),
            json!({ "role": "customer_admin" }),
        )
        .await
        .expect(200);
    assert_eq!(r.json["role"], "customer_admin");
    assert_eq!(count(&app, &admin, a, "customer_admin").await, 4);
    // A role never moves between the vendor's staff and a customer.
    app.post(&admin, &role(w.a.viewer.id), json!({ "role": "agent" }))
        .await
        .problem(422, Some("role"));
    app.post(
        &admin,
        &role(w.agent.id),
        json!({ "role": "customer_admin" }),
    )
    .await
    .problem(422, Some("role"));
    let r = app
        .post(
            &admin,
            &role(w.agent.id),
            json!({ "role": "service_manager" }),
        )
        .await
        .expect(200);
    assert_eq!(r.json["role"], "service_manager");
    // The new role is what the person's next request acts with.
    let me = app.get(&w.agent.bearer(), "/api/v1/me").await.expect(200);
    assert_eq!(me.json["role"], "service_manager");
    let me = app.get(&w.a.admin.bearer(), "/api/v1/me").await.expect(200);
    assert_eq!(me.json["role"], "customer_viewer");
    app.post(
        &w.a.admin.bearer(),
        "/api/v1/tickets",
        json!({ "kind": "question", "subject": "Mag ik nog melden?" }),
    )
    .await
    .problem(403, None);
}

/// Accounts are personal: one person per address whatever its case, a warning for role
/// addresses, and well-formed input.
pub async fn people_addresses_and_fields(app: App) {
    let w = app.world().await;
    let admin = w.admin.session();
    let a = w.a.id;
    let people_before = app.get(&admin, "/api/v1/people").await.expect(200).json;
    for taken in [
        "JAN.BEHEER@KLANT-A.EXAMPLE",
        "  jan.beheer@klant-a.example ",
        "Jan.Beheer@Klant-A.example",
    ] {
        for org in [a, w.b.id] {
            let r = add(&app, &admin, taken, "customer_viewer", org)
                .await
                .problem(409, Some("email"));
            assert!(
                r.detail().contains("accounts are personal"),
                "{}",
                r.detail()
            );
        }
    }
    let r = app
        .post(
            &admin,
            "/api/v1/people",
            json!({ "email": "A.AGENT@loket.example", "name": "Dubbel", "role": "agent" }),
        )
        .await
        .problem(409, Some("email"));
    assert!(
        r.detail().contains("a.agent@loket.example"),
        "{}",
        r.detail()
    );
    assert_eq!(app.get(&admin, "/api/v1/people").await.json, people_before);

    // Role addresses are allowed, with a warning.
    for role_address in ["info@klant-a.example", "Helpdesk@klant-a.example"] {
        let r = add(&app, &admin, role_address, "customer_viewer", a)
            .await
            .expect(201);
        assert_eq!(r.json["person"]["email"], role_address.to_lowercase());
        let warnings = r.json["warnings"].as_array().expect("warnings");
        assert_eq!(warnings.len(), 1, "{}", r.json);
        assert!(
            warnings[0]
                .as_str()
                .is_some_and(|w| w.contains("role address")),
            "{}",
            r.json
        );
    }
    let r = add(
        &app,
        &admin,
        "informatie.jansen@klant-a.example",
        "customer_viewer",
        a,
    )
    .await
    .expect(201);
    assert_eq!(r.json["warnings"], json!([]));

    // Malformed fields name the field.
    let person = |patch: Value| {
        let mut b = json!({ "email": "nieuw@klant-a.example", "name": "Nieuw",
                            "role": "customer_viewer", "organization_id": a });
        for (k, v) in patch.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    for (patch, field) in [
        (json!({ "email": "geen-adres" }), "email"),
        (json!({ "email": "a@b" }), "email"),
        (json!({ "email": "a b@klant-a.example" }), "email"),
        (json!({ "email": "@klant-a.example" }), "email"),
        (json!({ "email": "" }), "email"),
        (json!({ "name": "  " }), "name"),
        (json!({ "password": "te-kort-11c" }), "password"),
        (json!({ "organization_id": null }), "organization_id"),
        (json!({ "organization_id": 987_654 }), "organization_id"),
        (json!({ "role": "agent" }), "organization_id"),
    ] {
        app.post(&admin, "/api/v1/people", person(patch.clone()))
            .await
            .problem(422, Some(field));
    }
    // A language the document does not list, or text over its length, breaks the request
    // itself (400).
    app.post(&admin, "/api/v1/people", person(json!({ "lang": "de" })))
        .await
        .problem(400, Some("lang"));
    app.post(
        &admin,
        "/api/v1/people",
        person(json!({ "name": "x".repeat(201) })),
    )
    .await
    .problem(400, Some("name"));
    assert_eq!(
        app.get(&admin, "/api/v1/people")
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(people_before.as_array().expect("list").len() + 3)
    );
    // Twelve characters is enough; the person signs in with it.
    let r = app
        .post(
            &admin,
            "/api/v1/people",
            person(json!({ "password": "precies-12ch", "lang": "en" })),
        )
        .await
        .expect(201);
    assert_eq!(r.json["person"]["lang"], "en");
    assert_eq!(r.json["person"]["active"], true);
    app.sign_in("nieuw@klant-a.example", "precies-12ch").await;
    // Without a password nobody signs in.
    app.post(
        &Auth::None,
        "/api/v1/session",
        json!({ "email": "info@klant-a.example", "password": "" }),
    )
    .await
    .problem(401, None);
    // The person is visible to their customer and to the desk.
    let id = r.json["person"]["id"].as_i64().expect("id");
    let me = app
        .get(&w.a.viewer.session(), &format!("/api/v1/people/{id}"))
        .await
        .expect(200);
    assert_eq!(me.json, r.json["person"]);
}

/// An agreement whose policy does not parse is refused with the line at fault; nothing is
/// recorded.
pub async fn people_agreement_policy_errors(app: App) {
    let w = app.world().await;
    let admin = w.admin.bearer();
    let path = format!("/api/v1/organizations/{}/agreements", w.a.id);
    let agreement = |policy: &str| json!({ "name": "Aanvulling", "policy": policy, "effective_from": "2026-01-01T00:00:00Z" });
    for (policy, line) in [
        ("[people]\nmax_administrators = \"veel\"\n", "line 2"),
        (
            "name = \"Klant A\"\n\n[peple]\nmax_administrators = 4\n",
            "line 3",
        ),
        (
            "[targets.incident]\nurgent = [{ percent = 90, within = \"4 hourz\" }]\n",
            "line 2",
        ),
        ("[calendar]\nclosed_dates = [\"2026-02-30\"]\n", "line 2"),
        ("[people\n", "line 1"),
    ] {
        let r = app
            .post(&admin, &path, agreement(policy))
            .await
            .problem(422, Some("policy"));
        assert!(
            r.field_message().contains(line),
            "{policy:?}: expected {line}: {}",
            r.field_message()
        );
    }
    // A stored agreement cannot name a file on the server.
    let r = app
        .post(
            &admin,
            &path,
            agreement("[calendar]\nclosed_dates_ics = \"/etc/passwd\"\n"),
        )
        .await
        .problem(422, Some("policy"));
    assert!(
        r.field_message().contains("closed_dates"),
        "{}",
        r.field_message()
    );
    // Other fields.
    app.post(
        &admin,
        &path,
        json!({ "name": " ", "policy": "", "effective_from": "2026-01-01T00:00:00Z" }),
    )
    .await
    .problem(422, Some("name"));
    for bad in [
        "2026-02-30T00:00:00Z",
        "2026-01-01",
        "gisteren",
        "2026-01-01T25:00:00Z",
    ] {
        app.post(
            &admin,
            &path,
            json!({ "name": "Aanvulling", "policy": "", "effective_from": bad }),
        )
        .await
        .problem(400, Some("effective_from"));
    }
    let list = app.get(&admin, &path).await.expect(200);
    assert_eq!(list.json.as_array().map(Vec::len), Some(1), "{}", list.json);
    // A valid one goes in, and tickets filed afterwards are measured under it.
    let r = app
        .post(
            &admin,
            &path,
            agreement(
                "name = \"SLA Klant A\"\n[targets.incident]\n\
                 urgent = [{ percent = 100, within = \"2 hours\" }]\n",
            ),
        )
        .await
        .expect(201);
    let agreement_id = r.id();
    let t = app
        .file(
            &w.a.admin.session(),
            json!({ "kind": "incident", "priority": "urgent", "subject": "Snel!" }),
        )
        .await;
    assert_eq!(t["agreement_id"].as_i64(), Some(agreement_id));
    // Monday 10:00 in Amsterdam plus two business hours.
    assert_eq!(t["sla"]["targets"][0]["within"], "2 hours");
    assert_eq!(t["sla"]["targets"][0]["deadline"], "2026-11-23T11:00:00Z");
    assert_eq!(t["sla"]["targets"].as_array().map(Vec::len), Some(1));
    // B's tickets are not.
    let t = app
        .file(
            &w.b.admin.session(),
            json!({ "kind": "incident", "priority": "urgent", "subject": "Snel!" }),
        )
        .await;
    assert_eq!(t["sla"]["targets"][0]["deadline"], "2026-11-23T13:00:00Z");
}
