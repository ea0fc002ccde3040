//! The service desk's pages: the queue by time to breach with its SLA marks, filters and
//! paging, saved views, phone registration and bulk actions; staff only, CSRF on every form.
//!
//! Pages answer errors with HTML, not problem documents, so these cases send their requests
//! straight into a router of their own instead of through `App::send`.

use serde_json::{Value, json};

use crate::harness::{App, Auth};
use crate::pagekit::{Browser, Page, unescape};
use crate::world::World;

async fn get(app: &App, cookie: &str, path: &str) -> Page {
    Browser::with_cookie(app, cookie).get(path).await
}

async fn post(app: &App, cookie: &str, path: &str, form: &[(&str, &str)]) -> Page {
    Browser::with_cookie(app, cookie).post(path, form).await
}

/// A ticket as the API shows it to `auth`.
async fn ticket(app: &App, auth: &Auth, id: i64) -> Value {
    app.get(auth, &format!("/api/v1/tickets/{id}"))
        .await
        .expect(200)
        .json
}

fn id(t: &Value) -> i64 {
    t["id"].as_i64().unwrap_or_else(|| panic!("no id in {t}"))
}

/// An agent registers a call through the API (`received_at` in RFC 3339).
async fn phoned(app: &App, w: &World, reporter: i64, body: Value) -> i64 {
    let mut body = body;
    body["reporter_id"] = json!(reporter);
    id(&app.file(&w.agent.bearer(), body).await)
}

/// Tickets for the queue at T0 (Monday 2026-11-23 10:00 Amsterdam): one missed a week ago,
/// one at risk (30 business minutes left), one urgent filed now, and the world's two normal
/// incidents. Returns (missed, at risk, urgent).
async fn queue_world(app: &App, w: &World) -> (i64, i64, i64) {
    // Urgent, called in last Monday at 10:00: 4 and 6 business hours passed long ago.
    let missed = phoned(
        app,
        w,
        w.b.admin.id,
        json!({ "kind": "incident", "priority": "urgent", "subject": "Server plat sinds vorige week",
                "received_at": "2026-11-16T09:00:00Z" }),
    )
    .await;
    // Urgent, called in Friday 15:00: 2.5 h used on Friday, due Monday 10:30.
    let risk = phoned(
        app,
        w,
        w.a.admin.id,
        json!({ "kind": "incident", "priority": "urgent", "subject": "Koppeling hapert",
                "received_at": "2026-11-20T14:00:00Z" }),
    )
    .await;
    let urgent = id(&app
        .file(
            &w.a.admin.session(),
            json!({ "kind": "incident", "priority": "urgent", "subject": "Niemand kan inloggen" }),
        )
        .await);
    (missed, risk, urgent)
}

/// The queue lists open tickets, earliest deadline first, and marks the missed and the at-risk
/// ones in words and with a class; Dutch by default, English for people who chose it.
pub async fn desk_pages_queue_order_and_marks(app: App) {
    let w = app.world().await;
    let (missed, risk, urgent) = queue_world(&app, &w).await;
    // A resolved ticket has left the queue.
    let done = id(&app
        .file(
            &w.b.admin.session(),
            json!({ "kind": "question", "subject": "Al beantwoord" }),
        )
        .await);
    app.post(
        &w.agent.session(),
        &format!("/api/v1/tickets/{done}/status"),
        json!({ "status": "resolved" }),
    )
    .await
    .expect(200);

    // The vendor administrator reads Dutch.
    let nl = get(&app, &w.admin.cookie, "/desk").await.expect(200);
    assert!(nl.html.contains("<html lang=\"nl\">"));
    let ids = nl.ids();
    assert_eq!(
        &ids[..3],
        &[missed, risk, urgent],
        "earliest deadline first"
    );
    let mut rest = ids[3..].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, vec![w.a.ticket, w.b.ticket]);
    assert!(
        !ids.contains(&done),
        "resolved tickets are not in the queue"
    );

    let m = nl.row(missed);
    assert!(m.contains("state-missed"), "{m}");
    assert!(m.contains(">Overschreden<"), "{m}");
    assert!(m.contains("Klant B"), "{m}");
    assert!(m.contains("Server plat sinds vorige week"), "{m}");
    assert!(m.contains(&format!("href=\"/tickets/{missed}\"")), "{m}");
    let r = nl.row(risk);
    assert!(r.contains("state-risk") && r.contains(">Risico<"), "{r}");
    assert!(!r.contains("state-missed"), "{r}");
    let u = nl.row(urgent);
    assert!(
        !u.contains("state-risk") && !u.contains("state-missed"),
        "{u}"
    );
    assert!(u.contains(">Op tijd<") && u.contains("Urgent"), "{u}");
    // Structure for assistive technology.
    assert!(nl.html.contains("<caption>"));
    assert!(nl.html.contains("<th scope=\"col\">"));
    assert!(nl.html.contains("class=\"hide-s\""));
    assert!(!nl.html.contains("style=\""), "no inline styles (CSP)");
    assert!(!nl.html.contains("<script>"), "no inline scripts (CSP)");

    // The agent chose English; past the at-risk ticket's deadline it is missed too.
    let en = get(&app, &w.agent.cookie, "/desk").await.expect(200);
    assert!(en.html.contains("<html lang=\"en\">"));
    assert!(en.row(missed).contains(">Missed<"));
    assert!(en.row(risk).contains(">At risk<"));
    app.set_time("2026-11-23T09:31:00Z");
    let later = get(&app, &w.agent.cookie, "/desk").await.expect(200);
    let r = later.row(risk);
    assert!(r.contains("state-missed") && r.contains(">Missed<"), "{r}");
}

/// Every filter narrows the list; a wrong value is named and ignored; pages follow the cursor.
pub async fn desk_pages_filters_and_paging(app: App) {
    let w = app.world().await;
    let (missed, risk, urgent) = queue_world(&app, &w).await;
    let question = id(&app
        .file(
            &w.b.admin.session(),
            json!({ "kind": "question", "subject": "Hoe exporteer ik de PRINTERlijst?" }),
        )
        .await);
    app.post(
        &w.agent.session(),
        &format!("/api/v1/tickets/{urgent}/assignment"),
        json!({ "assignee_id": w.agent.id }),
    )
    .await
    .expect(200);
    let c = &w.agent.cookie;
    let ids = |p: Page| {
        let mut v = p.expect(200).ids();
        v.sort_unstable();
        v
    };
    let sorted = |mut v: Vec<i64>| {
        v.sort_unstable();
        v
    };
    let all = ids(get(&app, c, "/desk").await);
    assert_eq!(all.len(), 6);
    assert_eq!(
        ids(get(&app, c, &format!("/desk?customer={}", w.a.id)).await),
        sorted(vec![risk, urgent, w.a.ticket])
    );
    assert_eq!(
        ids(get(&app, c, "/desk?kind=question").await),
        vec![question]
    );
    assert_eq!(
        ids(get(&app, c, "/desk?priority=urgent").await),
        sorted(vec![missed, risk, urgent])
    );
    assert_eq!(
        ids(get(&app, c, "/desk?outcome=missed").await),
        vec![missed]
    );
    assert_eq!(ids(get(&app, c, "/desk?risk=1").await), vec![risk]);
    assert_eq!(
        ids(get(&app, c, "/desk?risk=5").await),
        sorted(vec![risk, urgent])
    );
    assert_eq!(ids(get(&app, c, "/desk?mine=1").await), vec![urgent]);
    assert_eq!(
        ids(get(&app, c, "/desk?q=printer").await),
        sorted(vec![question, w.a.ticket, w.b.ticket])
    );
    assert_eq!(
        ids(get(
            &app,
            c,
            &format!("/desk?q=printer&customer={}&kind=incident", w.b.id)
        )
        .await),
        vec![w.b.ticket]
    );
    // Empty fields (as the form sends them) mean "any".
    assert_eq!(
        ids(get(
            &app,
            c,
            "/desk?customer=&kind=&status=&priority=&outcome=&risk=&q="
        )
        .await),
        all
    );
    // Resolved tickets are found newest first.
    assert!(ids(get(&app, c, "/desk?status=resolved").await).is_empty());
    // The form shows the filter back.
    let shown = get(&app, c, "/desk?kind=question&mine=1&q=lijst")
        .await
        .expect(200);
    assert!(shown.html.contains("<option value=\"question\" selected>"));
    assert!(
        shown
            .html
            .contains("name=\"mine\" type=\"checkbox\" value=\"1\" checked")
    );
    assert!(shown.html.contains("value=\"lijst\""));
    // A value loket does not understand is named, and left out.
    let bad = get(&app, c, "/desk?kind=storing&risk=veel")
        .await
        .expect(400);
    assert!(bad.html.contains("role=\"alert\""));
    assert!(bad.html.contains("was ignored: Kind<"), "{}", bad.html);
    assert!(
        bad.html
            .contains("was ignored: At risk within (business hours)<")
    );
    assert_eq!(sorted(bad.ids()), all);

    // 50 a page, with a link to the next one that keeps the filter.
    for n in 0..50 {
        app.file(
            &w.b.admin.session(),
            json!({ "kind": "question", "subject": format!("Vraag {n}") }),
        )
        .await;
    }
    let first = get(&app, c, &format!("/desk?customer={}", w.b.id))
        .await
        .expect(200);
    assert_eq!(first.ids().len(), 50);
    let next = first.next().expect("a next page");
    assert!(
        next.starts_with(&format!("/desk?customer={}&cursor=", w.b.id)),
        "{next}"
    );
    let second = get(&app, c, &next).await.expect(200);
    assert_eq!(second.ids().len(), 3);
    assert!(second.next().is_none());
    let mut seen = first.ids();
    seen.extend(second.ids());
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 53);
    // A broken cursor says so instead of failing.
    let broken = get(&app, c, "/desk?cursor=zz").await.expect(200);
    assert!(broken.html.contains("This page link has expired"));
}

/// A filter saved under a name comes back as a link to the same list, for its owner only, and
/// can be deleted; without the CSRF token nothing is saved or deleted.
pub async fn desk_pages_saved_views(app: App) {
    let w = app.world().await;
    let (_, risk, urgent) = queue_world(&app, &w).await;
    let c = &w.agent.cookie;
    let queue = get(&app, c, "/desk").await.expect(200);
    assert!(queue.html.contains("You have not saved any views yet."));
    let csrf = queue.csrf();
    let query = format!("priority=urgent&customer={}", w.a.id);

    // Without a token: 403, nothing saved.
    post(
        &app,
        c,
        "/desk/views",
        &[("name", "Urgent A"), ("query", &query)],
    )
    .await
    .expect(403);
    post(
        &app,
        c,
        "/desk/views",
        &[("csrf", "wrong"), ("name", "Urgent A"), ("query", &query)],
    )
    .await
    .expect(403);
    assert!(
        get(&app, c, "/desk")
            .await
            .html
            .contains("You have not saved any views yet.")
    );

    // A name is needed.
    let unnamed = post(
        &app,
        c,
        "/desk/views",
        &[("csrf", &csrf), ("name", "  "), ("query", &query)],
    )
    .await
    .expect(422);
    assert!(unnamed.html.contains("Give the view a name"));

    let saved = post(
        &app,
        c,
        "/desk/views",
        &[("csrf", &csrf), ("name", "Urgent <A>"), ("query", &query)],
    )
    .await
    .expect(303);
    let normal = format!("customer={}&priority=urgent", w.a.id);
    assert_eq!(saved.location(), Some(format!("/desk?{normal}").as_str()));

    let listed = get(&app, c, "/desk").await.expect(200);
    assert!(listed.html.contains("Urgent &#60;A&#62;") || listed.html.contains("Urgent &lt;A&gt;"));
    let at = listed
        .html
        .find("class=\"desk-views\"")
        .expect("the list of views");
    let href = {
        let s = &listed.html[at..];
        let start = s.find("href=\"").expect("link") + "href=\"".len();
        unescape(&s[start..start + s[start..].find('"').expect("end")])
    };
    assert_eq!(href, format!("/desk?{normal}"));
    let mut shown = get(&app, c, &href).await.expect(200).ids();
    shown.sort_unstable();
    let mut want = vec![risk, urgent];
    want.sort_unstable();
    assert_eq!(shown, want);

    // Views are personal.
    let others = get(&app, &w.manager.cookie, "/desk").await.expect(200);
    assert!(others.html.contains("You have not saved any views yet."));
    let view = app
        .state
        .store
        .views(store::PersonId(w.agent.id))
        .await
        .expect("views");
    assert_eq!(view.len(), 1);
    let delete = format!("/desk/views/{}/delete", view[0].id);
    let manager_csrf = others.csrf();
    post(&app, &w.manager.cookie, &delete, &[("csrf", &manager_csrf)])
        .await
        .expect(404);
    post(&app, c, &delete, &[]).await.expect(403);
    assert_eq!(
        app.state
            .store
            .views(store::PersonId(w.agent.id))
            .await
            .expect("views")
            .len(),
        1
    );

    let gone = post(&app, c, &delete, &[("csrf", &csrf)]).await.expect(303);
    assert_eq!(gone.location(), Some("/desk"));
    assert!(
        get(&app, c, "/desk")
            .await
            .html
            .contains("You have not saved any views yet.")
    );
    post(&app, c, &delete, &[("csrf", &csrf)]).await.expect(404);
}

/// An agent registers a phone call: the form offers the customers' administrators, defaults
/// to now in Amsterdam time, and the ticket's clock starts when the call came in.
pub async fn desk_pages_phone_registration(app: App) {
    let w = app.world().await;
    let c = &w.admin.cookie;
    let form = get(&app, c, "/desk/phone").await.expect(200);
    assert!(form.html.contains("<optgroup label=\"Klant A\">"));
    assert!(
        form.html
            .contains(&format!("<option value=\"{}\"", w.a.admin.id))
    );
    assert!(
        !form
            .html
            .contains(&format!("<option value=\"{}\"", w.a.viewer.id)),
        "viewers do not report"
    );
    assert!(
        form.html.contains("value=\"2026-11-23T10:00\""),
        "now, local"
    );
    assert!(form.html.contains("<label for=\"received_at\">"));
    let csrf = form.csrf();
    let reporter = w.a.admin.id.to_string();

    // Mistakes come back with the values kept and every problem named.
    let wrong = post(
        &app,
        c,
        "/desk/phone",
        &[
            ("csrf", &csrf),
            ("reporter", &reporter),
            ("received_at", "2026-11-23T11:00"),
            ("kind", "incident"),
            ("priority", ""),
            ("subject", "  "),
            ("description", "Belde over de <printer>"),
        ],
    )
    .await
    .expect(422);
    assert!(wrong.html.contains("role=\"alert\""));
    assert!(wrong.html.contains("niet in de toekomst"), "{}", wrong.html);
    assert!(wrong.html.contains("heeft een prioriteit nodig"));
    assert!(wrong.html.contains("Vul een onderwerp in"));
    assert!(wrong.html.contains("value=\"2026-11-23T11:00\""));
    assert!(
        wrong.html.contains("Belde over de &#60;printer&#62;")
            || wrong.html.contains("Belde over de &lt;printer&gt;")
    );
    assert!(
        wrong
            .html
            .contains(&format!("<option value=\"{reporter}\" selected>"))
    );
    assert!(wrong.html.contains("aria-invalid=\"true\""));
    // Only a customer administrator may report.
    let viewer = w.a.viewer.id.to_string();
    let not_admin = post(
        &app,
        c,
        "/desk/phone",
        &[
            ("csrf", &csrf),
            ("reporter", &viewer),
            ("received_at", "2026-11-23T09:15"),
            ("kind", "question"),
            ("subject", "Vraag"),
        ],
    )
    .await
    .expect(422);
    assert!(not_admin.html.contains("geen beheerder van een klant"));
    // Without the token: 403.
    post(
        &app,
        c,
        "/desk/phone",
        &[
            ("reporter", &reporter),
            ("received_at", "2026-11-23T09:15"),
            ("kind", "question"),
            ("subject", "Vraag"),
        ],
    )
    .await
    .expect(403);
    assert_eq!(
        app.all_ticket_ids(&w.admin.bearer(), "").await.len(),
        2,
        "nothing filed"
    );

    // The call came in at 09:15 local (08:15 UTC), 45 minutes before it is registered.
    let filed = post(
        &app,
        c,
        "/desk/phone",
        &[
            ("csrf", &csrf),
            ("reporter", &reporter),
            ("received_at", "2026-11-23T09:15"),
            ("kind", "incident"),
            ("priority", "high"),
            ("subject", "Storing gemeld per telefoon"),
            (
                "description",
                "Jan belde: de koppeling met het zaaksysteem ligt eruit.",
            ),
        ],
    )
    .await
    .expect(303);
    let location = filed.location().expect("a location");
    let new_id: i64 = location
        .strip_prefix("/tickets/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{location}"));
    let t = ticket(&app, &w.a.viewer.bearer(), new_id).await;
    assert_eq!(t["channel"], "phone");
    assert_eq!(t["kind"], "incident");
    assert_eq!(t["priority"], "high");
    assert_eq!(t["reporter_id"].as_i64(), Some(w.a.admin.id));
    assert_eq!(t["organization_id"].as_i64(), Some(w.a.id));
    assert_eq!(t["received_at"], "2026-11-23T08:15:00Z");
    assert_eq!(t["created_at"], "2026-11-23T09:00:00Z");
    assert_eq!(t["sla"]["clock_start"], "2026-11-23T08:15:00Z");
    // One working day of 8.5 business hours from 09:15: Tuesday 09:15.
    assert_eq!(t["sla"]["next_deadline"], "2026-11-24T08:15:00Z");

    // A priority on a question is ignored, not an error; a call outside SW1 starts at opening.
    let q = post(
        &app,
        c,
        "/desk/phone",
        &[
            ("csrf", &csrf),
            ("reporter", &w.b.admin.id.to_string()),
            ("received_at", "2026-11-21T11:00"),
            ("kind", "question"),
            ("priority", "urgent"),
            ("subject", "Vraag op zaterdag"),
        ],
    )
    .await
    .expect(303);
    let qid: i64 = q.location().expect("location")["/tickets/".len()..]
        .parse()
        .expect("id");
    let t = ticket(&app, &w.b.admin.bearer(), qid).await;
    assert_eq!(t["priority"], Value::Null);
    assert_eq!(t["received_at"], "2026-11-21T10:00:00Z");
    assert_eq!(t["sla"]["clock_start"], "2026-11-23T08:00:00Z");
}

/// Bulk actions change the selected tickets only and report each failure with its reason;
/// without the CSRF token nothing changes.
pub async fn desk_pages_bulk_actions(app: App) {
    let w = app.world().await;
    let (missed, risk, urgent) = queue_world(&app, &w).await;
    let c = &w.agent.cookie;
    let csrf = get(&app, c, "/desk").await.expect(200).csrf();
    let status = |t: Value| t["status"].as_str().expect("status").to_string();
    let admin = w.admin.bearer();

    // No token: 403, nothing resolved.
    let ids = [missed.to_string(), risk.to_string()];
    post(
        &app,
        c,
        "/desk/bulk",
        &[
            ("ids", &ids[0]),
            ("ids", &ids[1]),
            ("action", "status:resolved"),
        ],
    )
    .await
    .expect(403);
    for t in [missed, risk] {
        assert_eq!(status(ticket(&app, &admin, t).await), "new");
    }

    // Resolve two of the five open tickets.
    let done = post(
        &app,
        c,
        "/desk/bulk",
        &[
            ("csrf", &csrf),
            ("ids", &ids[0]),
            ("ids", &ids[1]),
            ("action", "status:resolved"),
            ("back", "priority=urgent"),
        ],
    )
    .await
    .expect(200);
    assert!(
        done.html
            .contains("<strong>2 of 2</strong> tickets changed"),
        "{}",
        done.html
    );
    assert!(done.html.contains("href=\"/desk?priority=urgent\""));
    for t in [missed, risk] {
        assert_eq!(status(ticket(&app, &admin, t).await), "resolved");
    }
    for t in [urgent, w.a.ticket, w.b.ticket] {
        assert_eq!(status(ticket(&app, &admin, t).await), "new");
    }
    let queue = get(&app, c, "/desk").await.expect(200).ids();
    assert!(!queue.contains(&missed) && !queue.contains(&risk));

    // Resolving again fails for those, with the reason; the others go through.
    let (u, a) = (urgent.to_string(), w.a.ticket.to_string());
    let mixed = post(
        &app,
        c,
        "/desk/bulk",
        &[
            ("csrf", &csrf),
            ("ids", &ids[0]),
            ("ids", &u),
            ("ids", "999999"),
            ("action", "status:resolved"),
        ],
    )
    .await
    .expect(200);
    assert!(
        mixed.html.contains("<strong>1 of 3</strong>"),
        "{}",
        mixed.html
    );
    assert!(
        mixed
            .html
            .contains("This status change is not possible (resolved → resolved)"),
        "{}",
        mixed.html
    );
    assert!(mixed.html.contains("Server plat sinds vorige week"));
    assert!(mixed.html.contains("#999999"));
    assert!(
        mixed
            .html
            .contains("This ticket does not exist, or you may not see it.")
    );
    assert_eq!(status(ticket(&app, &admin, urgent).await), "resolved");
    // Waiting on the customer.
    let waiting = post(
        &app,
        c,
        "/desk/bulk",
        &[
            ("csrf", &csrf),
            ("ids", &a),
            ("action", "status:waiting_on_customer"),
        ],
    )
    .await
    .expect(200);
    assert!(waiting.html.contains("<strong>1 of 1</strong>"));
    assert_eq!(
        status(ticket(&app, &admin, w.a.ticket).await),
        "waiting_on_customer"
    );
    assert_eq!(status(ticket(&app, &admin, w.b.ticket).await), "new");

    // Assign to me, and to a colleague.
    post(
        &app,
        c,
        "/desk/bulk",
        &[
            ("csrf", &csrf),
            ("ids", &u),
            ("ids", &a),
            ("action", "assign_me"),
        ],
    )
    .await
    .expect(200);
    for t in [urgent, w.a.ticket] {
        assert_eq!(
            ticket(&app, &admin, t).await["assignee_id"].as_i64(),
            Some(w.agent.id)
        );
    }
    let to_manager = format!("assign:{}", w.manager.id);
    let b = w.b.ticket.to_string();
    let assigned = post(
        &app,
        c,
        "/desk/bulk",
        &[("csrf", &csrf), ("ids", &b), ("action", &to_manager)],
    )
    .await
    .expect(200);
    assert!(assigned.html.contains("<strong>1 of 1</strong>"));
    assert_eq!(
        ticket(&app, &admin, w.b.ticket).await["assignee_id"].as_i64(),
        Some(w.manager.id)
    );
    // A customer's person is no assignee.
    let to_customer = format!("assign:{}", w.a.admin.id);
    let refused = post(
        &app,
        c,
        "/desk/bulk",
        &[("csrf", &csrf), ("ids", &b), ("action", &to_customer)],
    )
    .await
    .expect(200);
    assert!(refused.html.contains("<strong>0 of 1</strong>"));
    assert!(
        refused
            .html
            .contains("only be assigned to the service desk")
    );

    // Nothing selected, or no action: said so, nothing done.
    post(
        &app,
        c,
        "/desk/bulk",
        &[("csrf", &csrf), ("action", "assign_me")],
    )
    .await
    .expect(400);
    post(
        &app,
        c,
        "/desk/bulk",
        &[("csrf", &csrf), ("ids", &b), ("action", "delete")],
    )
    .await
    .expect(400);
}

/// Customers get the 403 page everywhere in the desk; without a session, the sign-in page.
pub async fn desk_pages_staff_only(app: App) {
    let w = app.world().await;
    for who in [&w.a.admin, &w.a.viewer] {
        let page = get(&app, &who.cookie, "/desk").await.expect(403);
        assert!(
            page.html.contains("The queue is for the service desk"),
            "{}",
            page.html
        );
        get(&app, &who.cookie, "/desk/phone").await.expect(403);
    }
    // Even with their own valid token, a customer's post is refused and changes nothing.
    let own_csrf = web::pages::csrf_token(&w.a.admin.cookie);
    let a = w.a.ticket.to_string();
    post(
        &app,
        &w.a.admin.cookie,
        "/desk/bulk",
        &[
            ("csrf", &own_csrf),
            ("ids", &a),
            ("action", "status:resolved"),
        ],
    )
    .await
    .expect(403);
    assert_eq!(
        ticket(&app, &w.a.admin.bearer(), w.a.ticket).await["status"],
        "new"
    );
    post(
        &app,
        &w.a.admin.cookie,
        "/desk/views",
        &[("csrf", &own_csrf), ("name", "x"), ("query", "")],
    )
    .await
    .expect(403);
    let r = post(
        &app,
        &w.a.admin.cookie,
        "/desk/phone",
        &[
            ("csrf", &own_csrf),
            ("reporter", &w.a.admin.id.to_string()),
            ("kind", "question"),
            ("subject", "x"),
        ],
    )
    .await
    .expect(403);
    assert!(r.html.contains("<html lang=\"en\">"));
    assert_eq!(app.all_ticket_ids(&w.admin.bearer(), "").await.len(), 2);

    // Not signed in: to the sign-in page, and back here afterwards.
    let anon = get(&app, "", "/desk?kind=rfc").await.expect(303);
    assert_eq!(anon.location(), Some("/login?next=%2Fdesk%3Fkind%3Drfc"));
}
