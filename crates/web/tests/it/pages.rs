//! The customer portal and the ticket page, driven as a browser would: session cookie, the
//! CSRF token read from the page's hidden input, form posts, 303 redirects, HTML answers.
//!
//! Pages answer errors with HTML, not problem documents, so these requests go straight into
//! the router instead of through `App::send` (which insists on problem+json for 4xx).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::harness::{App, Auth};
use crate::pagekit::{Browser, Page, sign_in_form};
use crate::world::{Actor, World};

/// A second customer administrator of customer A who reads Dutch.
async fn dutch_admin(app: &App, w: &World) -> Actor {
    let password = "nederlands-wachtwoord-1";
    let r = app
        .post(
            &w.admin.session(),
            "/api/v1/people",
            json!({ "email": "p.devries@klant-a.example", "name": "Piet de Vries",
                    "role": "customer_admin", "organization_id": w.a.id, "lang": "nl",
                    "password": password }),
        )
        .await
        .expect(201);
    let mut a = Actor {
        id: r.json["person"]["id"].as_i64().expect("id"),
        email: "p.devries@klant-a.example".into(),
        password: password.into(),
        role: "customer_admin",
        org: Some(w.a.id),
        cookie: String::new(),
        token: String::new(),
    };
    a.refresh(app).await;
    a
}

async fn events(app: &App, auth: &Auth, ticket: i64) -> Vec<Value> {
    app.get(auth, &format!("/api/v1/tickets/{ticket}/events"))
        .await
        .expect(200)
        .json
        .as_array()
        .expect("events")
        .clone()
}

/// The ticket id a filing redirected to.
#[track_caller]
fn filed_id(p: &Page) -> i64 {
    let rest = p
        .location
        .strip_prefix("/tickets/")
        .unwrap_or_else(|| panic!("redirected to {}", p.location));
    rest.split('?')
        .next()
        .expect("id")
        .parse()
        .expect("numeric id")
}

pub async fn pages_portal_lists_own_organization(app: App) {
    let w = app.world().await;
    for actor in [&w.a.admin, &w.a.viewer] {
        let b = Browser::of(&app, actor).html_only();
        for path in ["/portal", "/portal?filter=all"] {
            let p = b.get(path).await.expect(200);
            p.has("Printer van Klant A doet het niet")
                .has(&format!("href=\"/tickets/{}\"", w.a.ticket))
                .lacks("Klant B")
                .lacks(&format!("/tickets/{}\"", w.b.ticket));
        }
    }
    // The file link is there for the administrator only (the page's own, and the nav's).
    let admin = Browser::of(&app, &w.a.admin)
        .html_only()
        .get("/portal")
        .await;
    admin.has("href=\"/portal/new\"");
    let viewer = Browser::of(&app, &w.a.viewer)
        .html_only()
        .get("/portal")
        .await;
    viewer.lacks("href=\"/portal/new\"");
    // The service desk has its own workspace.
    let desk = Browser::of(&app, &w.agent)
        .html_only()
        .get("/portal")
        .await
        .expect(303);
    assert_eq!(desk.location, "/desk");
    // Not signed in: to the sign-in page, and back here afterwards.
    let anon = Browser::with_cookie(&app, "").html_only();
    let r = anon.get("/portal").await.expect(303);
    assert_eq!(r.location, "/login?next=%2Fportal");
}

pub async fn pages_portal_pages_and_filters(app: App) {
    let w = app.world().await;
    let cust = w.a.admin.session();
    let mut ids = vec![w.a.ticket];
    for i in 0..30 {
        app.advance(60);
        let t = app
            .file(
                &cust,
                json!({ "kind": "question", "subject": format!("Vraag nummer {i:02}") }),
            )
            .await;
        ids.push(t["id"].as_i64().expect("id"));
    }
    // The service desk resolves the first question: gone from "open", still in "all".
    let resolved = ids[1];
    app.post(
        &w.agent.session(),
        &format!("/api/v1/tickets/{resolved}/status"),
        json!({ "status": "resolved" }),
    )
    .await
    .expect(200);
    let b = Browser::of(&app, &w.a.viewer).html_only();
    let listed = |p: &Page| -> Vec<i64> {
        p.html
            .split("href=\"/tickets/")
            .skip(1)
            .map(|s| s.split('"').next().expect("id").parse().expect("id"))
            .collect()
    };
    for (filter, expected) in [
        (
            "open",
            ids.iter()
                .rev()
                .copied()
                .filter(|i| *i != resolved)
                .collect::<Vec<_>>(),
        ),
        ("all", ids.iter().rev().copied().collect()),
    ] {
        let first = b.get(&format!("/portal?filter={filter}")).await.expect(200);
        let mut seen = listed(&first);
        assert_eq!(seen.len(), 25, "{filter}");
        first.lacks("First page");
        let next = first
            .html
            .split("href=\"")
            .find(|s| s.contains("cursor="))
            .and_then(|s| s.split('"').next())
            .expect("a next page")
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        let second = b.get(&next).await.expect(200);
        second.has("First page").lacks("rel=\"next\"");
        if filter == "all" {
            second
                .has("answered within the target")
                .has("<td>resolved</td>");
        }
        seen.extend(listed(&second));
        assert_eq!(seen, expected, "{filter}: newest first, every ticket once");
    }

    // A cursor that is not one is a page with the reason, not a crash.
    let bad = b.get("/portal?cursor=xyz").await;
    assert!(bad.status.is_client_error(), "{}", bad.status);
}

pub async fn pages_filing_through_the_form(app: App) {
    let w = app.world().await;
    let piet = dutch_admin(&app, &w).await;
    let b = Browser::of(&app, &piet).html_only();
    let form = b.get("/portal/new").await.expect(200);
    form.has("<html lang=\"nl\">")
        .has("Werken onmogelijk")
        .has("Oplostijd: 90% < 4 uur · 100% < 6 uur")
        .has("90% < 1 werkdag · 100% < 2 werkdagen")
        .has("90% < 2 weken · 100% < 1 maand")
        .has("Reactietijd: 90% < 3 werkdagen · 100% < 5 werkdagen")
        .has("Reactietijd: 100% < 2 weken")
        .has("Service Window 1 is nu open")
        .has("<label for=\"subject\">")
        .has("<label for=\"priority-urgent\">");
    let csrf = form.csrf();
    let before = app.all_ticket_ids(&w.a.viewer.session(), "").await;

    // No subject: the form again, the message at the field, the values kept.
    let again = b
        .post(
            "/portal/tickets",
            &[
                ("csrf", &csrf),
                ("kind", "incident"),
                ("priority", "high"),
                ("subject", "  "),
                ("description", "Het rapport blijft leeg."),
            ],
        )
        .await
        .expect(422);
    again
        .has("Vul een onderwerp in")
        .has("aria-invalid=\"true\" aria-describedby=\"subject-error\"")
        .has("Het rapport blijft leeg.</textarea>")
        .has("value=\"high\" aria-describedby=\"priority-high-help\" checked");
    // An incident without a priority, and no kind at all.
    let again = b
        .post(
            "/portal/tickets",
            &[("csrf", &csrf), ("kind", "incident"), ("subject", "Traag")],
        )
        .await
        .expect(422);
    again.has("Kies de prioriteit van de storing");
    let again = b
        .post("/portal/tickets", &[("csrf", &csrf), ("subject", "Traag")])
        .await
        .expect(422);
    again.has("Kies de soort melding").has("value=\"Traag\"");
    assert_eq!(app.all_ticket_ids(&w.a.viewer.session(), "").await, before);

    // Filed: 303 to the ticket's page.
    let done = b
        .post(
            "/portal/tickets",
            &[
                ("csrf", &csrf),
                ("kind", "incident"),
                ("priority", "high"),
                ("subject", "Rapport blijft leeg"),
                ("description", "Sinds vanochtend."),
            ],
        )
        .await
        .expect(303);
    let id = filed_id(&done);
    let t = app
        .get(&w.a.viewer.session(), &format!("/api/v1/tickets/{id}"))
        .await
        .expect(200)
        .json;
    assert_eq!(t["priority"], "high");
    assert_eq!(t["channel"], "web");
    assert_eq!(t["reporter_id"].as_i64(), Some(piet.id));
    let page = b.get(&done.location).await.expect(200);
    page.has("Uw melding is ingediend.")
        .has("Rapport blijft leeg")
        .has("Sinds vanochtend.")
        .has("Piet de Vries")
        .has("Hoog");
    // A question's priority radio is ignored, not an error.
    let q = b
        .post(
            "/portal/tickets",
            &[
                ("csrf", &csrf),
                ("kind", "question"),
                ("priority", "urgent"),
                ("subject", "Hoe exporteer ik?"),
            ],
        )
        .await
        .expect(303);
    let t = app
        .get(
            &w.a.viewer.session(),
            &format!("/api/v1/tickets/{}", filed_id(&q)),
        )
        .await
        .expect(200)
        .json;
    assert_eq!(
        (t["kind"].as_str(), t["priority"].as_str()),
        (Some("question"), None)
    );
}

pub async fn pages_viewer_cannot_file(app: App) {
    let w = app.world().await;
    let b = Browser::of(&app, &w.a.viewer).html_only();
    let p = b.get("/portal/new").await.expect(403);
    p.has("Only your organization's administrators may file tickets (SLA §3)");
    let csrf = b.get("/portal").await.expect(200).csrf();
    let before = app.all_ticket_ids(&w.a.viewer.session(), "").await;
    let r = b
        .post(
            "/portal/tickets",
            &[
                ("csrf", &csrf),
                ("kind", "question"),
                ("subject", "Mag ik dit?"),
            ],
        )
        .await
        .expect(403);
    r.has("Only your organization's administrators");
    assert_eq!(app.all_ticket_ids(&w.a.viewer.session(), "").await, before);
    // Viewers read a ticket, without forms to change it.
    let page = b.get(&format!("/tickets/{}", w.a.ticket)).await.expect(200);
    page.has("Printer van Klant A").lacks("action=\"/tickets/");
    let c = b
        .post(
            &format!("/tickets/{}/comment", w.a.ticket),
            &[("csrf", &csrf), ("body", "Ik lees mee")],
        )
        .await
        .expect(403);
    c.lacks("Ik lees mee");
    // Staff do not file through the portal.
    Browser::of(&app, &w.agent)
        .html_only()
        .get("/portal/new")
        .await
        .expect(403);
}

pub async fn pages_other_customers_ticket_is_not_found(app: App) {
    let w = app.world().await;
    let b = Browser::of(&app, &w.a.admin).html_only();
    let p = b.get(&format!("/tickets/{}", w.b.ticket)).await.expect(404);
    p.lacks("Printer van Klant B")
        .has("This page does not exist, or you may not see it.");
    for path in [
        "/tickets/0",
        "/tickets/abc",
        "/tickets/007",
        "/tickets/99999999",
    ] {
        b.get(path).await.expect(404);
    }
    // Nor can it be written to.
    let csrf = b.get("/portal").await.csrf();
    let before = events(&app, &w.b.admin.session(), w.b.ticket).await.len();
    b.post(
        &format!("/tickets/{}/comment", w.b.ticket),
        &[("csrf", &csrf), ("body", "Hallo buren")],
    )
    .await
    .expect(404);
    b.post(
        &format!("/tickets/{}/status", w.b.ticket),
        &[("csrf", &csrf), ("status", "closed")],
    )
    .await
    .expect(404);
    assert_eq!(
        events(&app, &w.b.admin.session(), w.b.ticket).await.len(),
        before
    );
    // The service desk sees both.
    let desk = Browser::of(&app, &w.agent).html_only();
    desk.get(&format!("/tickets/{}", w.b.ticket))
        .await
        .expect(200)
        .has("Printer van Klant B")
        .has("Klant B");
}

pub async fn pages_comment_appears_in_history(app: App) {
    let w = app.world().await;
    let b = Browser::of(&app, &w.a.admin).html_only();
    let path = format!("/tickets/{}", w.a.ticket);
    let page = b.get(&path).await.expect(200);
    page.has("<label for=\"body\">")
        .lacks("name=\"visibility\"");
    let csrf = page.csrf();
    app.advance(120);
    let r = b
        .post(
            &format!("{path}/comment"),
            &[
                ("csrf", &csrf),
                ("body", "Ook de printer op de 2e verdieping <b>faalt</b>."),
            ],
        )
        .await
        .expect(303);
    assert_eq!(r.location, format!("{path}?notice=comment"));
    let after = b.get(&r.location).await.expect(200);
    after
        .has("Your reply has been posted.")
        .has("Ook de printer op de 2e verdieping <b>faalt</b>.");
    assert!(!after.html.contains("<b>faalt</b>"), "comments are escaped");
    let history = after.text();
    let created = history
        .find("Ticket filed: incident via portal")
        .expect("created");
    let commented = history.find("Ook de printer").expect("comment");
    assert!(created < commented, "oldest first");
    let ev = events(&app, &w.a.admin.session(), w.a.ticket).await;
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[1]["kind"], "commented");
    assert_eq!(ev[1]["data"]["internal"], false);
    // An empty comment: the page again with the message at the field.
    let empty = b
        .post(
            &format!("{path}/comment"),
            &[("csrf", &csrf), ("body", " ")],
        )
        .await
        .expect(422);
    empty
        .has("Write a reply.")
        .has("aria-invalid=\"true\" aria-describedby=\"body-error\"");
    // A customer cannot sneak in an internal note.
    let sneaky = b
        .post(
            &format!("{path}/comment"),
            &[
                ("csrf", &csrf),
                ("body", "stil"),
                ("visibility", "internal"),
            ],
        )
        .await
        .expect(403);
    sneaky.has("internal notes are for the service desk");
    assert_eq!(
        events(&app, &w.a.admin.session(), w.a.ticket).await.len(),
        2
    );
}

pub async fn pages_internal_notes_stay_with_the_desk(app: App) {
    let w = app.world().await;
    let agent = Browser::of(&app, &w.agent).html_only();
    let path = format!("/tickets/{}", w.a.ticket);
    let page = agent.get(&path).await.expect(200);
    page.has("name=\"visibility\" value=\"internal\"");
    let csrf = page.csrf();
    let secret = "Klant belt vaak; eerst logs opvragen";
    agent
        .post(
            &format!("{path}/comment"),
            &[
                ("csrf", &csrf),
                ("visibility", "internal"),
                ("body", secret),
            ],
        )
        .await
        .expect(303);
    agent
        .post(
            &format!("{path}/comment"),
            &[
                ("csrf", &csrf),
                ("visibility", "public"),
                ("body", "We kijken ernaar."),
            ],
        )
        .await
        .expect(303);
    let desk = agent.get(&path).await.expect(200);
    desk.has(secret)
        .has("Internal note (service desk only)")
        .has("Reply from the service desk");
    for actor in [&w.a.admin, &w.a.viewer] {
        let p = Browser::of(&app, actor)
            .html_only()
            .get(&path)
            .await
            .expect(200);
        p.lacks(secret)
            .lacks("Internal note")
            .has("We kijken ernaar.")
            // Customers see the desk, not the agent's name.
            .has("the service desk")
            .lacks(&format!("agent {}", w.agent.email));
    }
}

pub async fn pages_forms_without_the_right_token_are_refused(app: App) {
    let w = app.world().await;
    let cust = Browser::of(&app, &w.a.admin).html_only();
    let agent = Browser::of(&app, &w.agent).html_only();
    let id = w.a.ticket;
    let before = events(&app, &w.agent.session(), id).await.len();
    let tickets = app.all_ticket_ids(&w.agent.session(), "").await;
    // The agent's token is a real one, but not this session's.
    let other = agent.get(&format!("/tickets/{id}")).await.csrf();
    for token in [None, Some(""), Some("not-the-token"), Some(other.as_str())] {
        let with = |rest: &[(&'static str, &'static str)]| {
            let mut f: Vec<(&str, &str)> = rest.to_vec();
            if let Some(t) = token {
                f.push(("csrf", t));
            }
            f
        };
        for (path, form) in [
            (format!("/tickets/{id}/comment"), with(&[("body", "vals")])),
            (
                format!("/tickets/{id}/status"),
                with(&[("status", "closed")]),
            ),
            (
                "/portal/tickets".to_string(),
                with(&[("kind", "question"), ("subject", "vals")]),
            ),
        ] {
            let r = cust.post(&path, &form).await.expect(403);
            r.has("The form has expired or did not come from this site.");
        }
    }
    let own = agent.get(&format!("/tickets/{id}")).await.csrf();
    for (path, form) in [
        (
            format!("/tickets/{id}/priority"),
            vec![("priority", "urgent"), ("reason", "vals"), ("csrf", "x")],
        ),
        (format!("/tickets/{id}/assign"), vec![("assignee", "1")]),
    ] {
        agent.post(&path, &form).await.expect(403);
    }
    assert_eq!(events(&app, &w.agent.session(), id).await.len(), before);
    assert_eq!(app.all_ticket_ids(&w.agent.session(), "").await, tickets);
    // The right token works.
    agent
        .post(
            &format!("/tickets/{id}/comment"),
            &[("csrf", &own), ("body", "echt")],
        )
        .await
        .expect(303);
    assert_eq!(events(&app, &w.agent.session(), id).await.len(), before + 1);
}

/// Friday 27 November 2026, 18:15 in Amsterdam: after Service Window 1 has closed.
const FRIDAY_EVENING: &str = "2026-11-27T17:15:00Z";

pub async fn pages_friday_evening_urgent_ticket(app: App) {
    app.set_time(FRIDAY_EVENING);
    let w = app.world().await;
    let piet = dutch_admin(&app, &w).await;
    let b = Browser::of(&app, &piet).html_only();
    let form = b.get("/portal/new").await.expect(200);
    form.has("Service Window 1 is nu gesloten: dient u nu in, dan start de klok ma 30 nov 09:00.");
    let done = b
        .post(
            "/portal/tickets",
            &[
                ("csrf", &form.csrf()),
                ("kind", "incident"),
                ("priority", "urgent"),
                ("subject", "Niemand kan inloggen"),
            ],
        )
        .await
        .expect(303);
    let page = b.get(&done.location).await.expect(200);
    page.has("Ontvangen</strong> <time datetime=\"2026-11-27T17:15:00Z\">vr 27 nov 18:15</time>")
        .has("Klok start</strong>")
        .has("<time datetime=\"2026-11-30T08:00:00Z\">ma 30 nov 09:00</time>")
        .has(
            "Waarom: ontvangen buiten Service Window 1: na sluitingstijd 17:30; \
             de klok start bij de eerstvolgende opening van Service Window 1.",
        )
        .has("klok start ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 4 u 0 m")
        .has("90% binnen 4 uur")
        .has("100% binnen 6 uur")
        .has("loopt, nog 6 u 0 m")
        .has("Melding ingediend: incident via portaal, prioriteit Urgent");

    // Monday 10:50: the portal says how much time is left, exactly.
    app.set_time("2026-11-30T09:50:00Z");
    // The sessions of Friday have expired by Monday.
    let mut piet = piet;
    piet.refresh(&app).await;
    let b = Browser::of(&app, &piet).html_only();
    let portal = b.get("/portal").await.expect(200);
    portal.has("klok gestart ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 2 u 10 m");
    let page = b.get(&done.location).await.expect(200);
    page.has("Klok gestart</strong>");
    // 14:00: the 90% deadline has passed, whatever the stored clocks say yet.
    app.set_time("2026-11-30T13:00:00Z");
    let page = b.get(&done.location).await.expect(200);
    page.has("90%-termijn verstreken ma 13:00 · 100%-termijn ma 15:00 · nog 1 u 0 m")
        .has("class=\"state-missed\">verstreken</span>");
}

pub async fn pages_english_for_lang_en(app: App) {
    let w = app.world().await;
    let b = Browser::of(&app, &w.a.admin).html_only();
    let portal = b.get("/portal").await.expect(200);
    portal
        .has("<html lang=\"en\">")
        .has("Your organization's tickets")
        .has("clock started Mon 23 Nov 10:00 · 90% target Wed 25 Nov 10:00 · 17 h 0 m left")
        .lacks("Meldingen");
    let page = b.get(&format!("/tickets/{}", w.a.ticket)).await.expect(200);
    page.has("Why: received inside Service Window 1: the clock runs at once.")
        .has("Ticket filed: incident via portal, priority Normal")
        .has("90% within 2 working days")
        .has("Reported by");
    let form = b.get("/portal/new").await.expect(200);
    form.has("Working is impossible")
        .has("Resolution time: 90% < 4 hours · 100% < 6 hours");
}

pub async fn pages_desk_forms_and_customer_decision(app: App) {
    let w = app.world().await;
    let agent = Browser::of(&app, &w.agent).html_only();
    let id = w.a.ticket;
    let path = format!("/tickets/{id}");
    let page = agent.get(&path).await.expect(200);
    page.has("<h2 id=\"desk-h\">Service desk</h2>")
        .has("<label for=\"priority-reason\">")
        .has(&format!("<option value=\"{}\"", w.agent.id));
    let csrf = page.csrf();
    // A priority change needs its reason.
    let r = agent
        .post(
            &format!("{path}/priority"),
            &[("csrf", &csrf), ("priority", "urgent"), ("reason", "")],
        )
        .await
        .expect(422);
    r.has("Give the reason for the change (SLA §6.2).");
    agent
        .post(
            &format!("{path}/priority"),
            &[
                ("csrf", &csrf),
                ("priority", "urgent"),
                ("reason", "Hele afdeling ligt stil"),
            ],
        )
        .await
        .expect(303);
    let same = agent
        .post(
            &format!("{path}/priority"),
            &[
                ("csrf", &csrf),
                ("priority", "urgent"),
                ("reason", "nog eens"),
            ],
        )
        .await
        .expect(422);
    same.has("the priority is urgent already")
        .has("nog eens</textarea>");
    let agent_id = w.agent.id.to_string();
    agent
        .post(
            &format!("{path}/assign"),
            &[("csrf", &csrf), ("assignee", &agent_id)],
        )
        .await
        .expect(303);
    // A customer's person is not an assignee.
    let cust_id = w.a.admin.id.to_string();
    agent
        .post(
            &format!("{path}/assign"),
            &[("csrf", &csrf), ("assignee", &cust_id)],
        )
        .await
        .expect(422)
        .has("tickets are assigned to the service desk's staff");
    agent
        .post(
            &format!("{path}/status"),
            &[
                ("csrf", &csrf),
                ("status", "resolved"),
                ("reason", "Driver bijgewerkt"),
            ],
        )
        .await
        .expect(303);
    let t = app
        .get(&w.agent.session(), &format!("/api/v1/tickets/{id}"))
        .await
        .expect(200)
        .json;
    assert_eq!(t["priority"], "urgent");
    assert_eq!(t["status"], "resolved");
    assert_eq!(t["assignee_id"].as_i64(), Some(w.agent.id));
    let desk = agent.get(&path).await.expect(200);
    desk.has("Priority changed from Normal to Urgent")
        .has("Reason: Hele afdeling ligt stil")
        .has(&format!("Assigned to agent {}", w.agent.email))
        .has("Status changed from new to resolved")
        .has("Reason: Driver bijgewerkt");

    // The customer's administrator decides: reopen (the clock goes on) or close.
    let cust = Browser::of(&app, &w.a.admin).html_only();
    let page = cust.get(&path).await.expect(200);
    page.has("Resolved?").lacks("id=\"desk-h\"");
    let csrf = page.csrf();
    cust.post(
        &format!("{path}/status"),
        &[
            ("csrf", &csrf),
            ("status", "reopened"),
            ("reason", "Nog steeds kapot"),
        ],
    )
    .await
    .expect(303);
    let page = cust.get(&path).await.expect(200);
    page.has("Status changed from resolved to reopened")
        .has("Reason: Nog steeds kapot")
        .lacks("Resolved?");
    // Not resolved now: closing is not the customer's to do; the page says why.
    cust.post(
        &format!("{path}/status"),
        &[("csrf", &csrf), ("status", "closed")],
    )
    .await
    .expect(422)
    .has("role=\"alert\"")
    .has("a ticket cannot go from reopened to closed here");
    // The viewer has no say.
    let viewer = Browser::of(&app, &w.a.viewer).html_only();
    let vcsrf = viewer.get(&path).await.csrf();
    viewer
        .post(
            &format!("{path}/status"),
            &[("csrf", &vcsrf), ("status", "closed")],
        )
        .await
        .expect(403);
}

/// A person switches the interface to English from the header, and back; the choice stays on
/// their account, and the form needs the page's CSRF token.
pub async fn pages_language_switch(app: App) {
    let w = app.world().await;
    let dutch = dutch_admin(&app, &w).await;
    let b = Browser::of(&app, &dutch).html_only();
    let portal = b.get("/portal").await.expect(200);
    portal.has("<html lang=\"nl\">").has("English");
    b.post("/me/lang", &[("lang", "en")]).await.expect(403);
    b.get("/portal").await.expect(200).has("<html lang=\"nl\">");
    let csrf = portal.csrf();
    b.post("/me/lang", &[("csrf", &csrf), ("lang", "en")])
        .await
        .expect(303);
    b.get("/portal")
        .await
        .expect(200)
        .has("<html lang=\"en\">")
        .has("Nederlands");
    let person = app
        .state
        .store
        .get_person(&store::Scope::System, store::PersonId(dutch.id))
        .await
        .expect("person");
    assert_eq!(person.lang, "en");
    b.post("/me/lang", &[("csrf", &csrf), ("lang", "fr")])
        .await
        .expect(403);
    b.post("/me/lang", &[("csrf", &csrf), ("lang", "nl")])
        .await
        .expect(303);
    b.get("/portal").await.expect(200).has("<html lang=\"nl\">");
}

/// A refused sign-in answers in the language of the form it came from.
pub async fn pages_sign_in_refusal_in_the_forms_language(app: App) {
    let _w = app.world().await;
    for (lang, words) in [
        ("en", "The e-mail address or password is not right."),
        ("nl", "Het e-mailadres of wachtwoord klopt niet."),
    ] {
        let router = web::router(app.state.clone());
        let fields = [
            ("email", "niemand@example.nl"),
            ("password", "verkeerd-wachtwoord"),
            ("lang", lang),
        ];
        let res = sign_in_form(&router, &format!("?lang={lang}"), &fields).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let html = String::from_utf8_lossy(
            &axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .expect("body"),
        )
        .into_owned();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
        assert!(html.contains(words), "{html}");
    }
}

/// Sends `method path` with `accept` (and a session cookie when given); returns status,
/// content type and body.
async fn raw(
    app: &App,
    method: &str,
    path: &str,
    accept: &str,
    cookie: Option<&str>,
) -> (StatusCode, String, String) {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::ACCEPT, accept);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("{}={c}", web::auth::SESSION_COOKIE));
    }
    let res = web::router(app.state.clone())
        .oneshot(b.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = res.status();
    let kind = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, kind, String::from_utf8_lossy(&body).into_owned())
}

pub async fn pages_unknown_urls_answer_browsers_with_a_page(app: App) {
    let w = app.world().await;
    let html = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";
    // A signed-in person gets the page with the header and navigation, in their language
    // (the customers' people in this world read English; the browser asks for nothing).
    let (status, kind, body) =
        raw(&app, "GET", "/no-such-page", html, Some(&w.a.admin.cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(body.starts_with("<!doctype html>"), "{body}");
    assert!(body.contains(r#"<html lang="en">"#), "{body}");
    assert!(body.contains("This page does not exist"), "{body}");
    assert!(
        body.contains(r#"<nav aria-label="main">"#) && body.contains(r#"href="/portal""#),
        "the header with the person's navigation: {body}"
    );
    // Nobody signed in, English browser: English.
    let (status, _, body) = raw(&app, "GET", "/nowhere", html, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, en) = {
        let mut b = Request::builder()
            .uri("/nowhere")
            .header(header::ACCEPT, html);
        b = b.header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9");
        let res = web::router(app.state.clone())
            .oneshot(b.body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let s = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        (
            s,
            String::new(),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    };
    assert!(body.contains("Deze pagina bestaat niet"), "{body}");
    assert!(en.contains("This page does not exist"), "{en}");
    // A wrong method on a page: 405 as a page.
    let (status, kind, body) = raw(&app, "DELETE", "/login", html, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        kind.starts_with("text/html") && body.contains("Deze pagina kan dit niet"),
        "{body}"
    );
    // API clients, and anything under /api/, get problem+json.
    for (method, path, accept, code) in [
        ("GET", "/no-such-page", "application/json", 404),
        ("GET", "/api/v1/nothing-here", html, 404),
        ("DELETE", "/api/v1/tickets", "application/json", 405),
    ] {
        let (status, kind, body) = raw(&app, method, path, accept, None).await;
        assert_eq!(status.as_u16(), code, "{method} {path}");
        assert_eq!(kind, "application/problem+json", "{method} {path}: {body}");
        let v: Value = serde_json::from_str(&body).expect("problem document");
        assert_eq!(v["status"], code);
    }
}
