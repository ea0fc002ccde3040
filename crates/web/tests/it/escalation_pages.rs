//! The escalation pages (SLA-RULES §7), driven as a browser does: the customer's page with
//! the request and the claim, the service manager's overview, the vendor's page of one
//! customer with the request by phone, the consultation, the follow-ups beside the system's
//! proposal, the claim on an administrator's behalf, a reversal and the ledger export. Form
//! errors come back in the form, in the person's language; another customer's page is a 404.

use desk::compensation::ClaimInput;

use crate::compensation::{meeting, miss, story};
use crate::harness::App;
use crate::pagekit::Browser;
use crate::world::Actor;

const FEE: &str = "[compensation]\nmonthly_fee_cents = 123450\n";

/// `actor`'s browser with a session signed in now (the clock may have moved past the old one).
pub async fn signed_in(app: &App, actor: &Actor) -> Browser {
    plain(app, actor).await.html_only()
}

/// The same, for answers that are no pages (the ledger export).
pub async fn plain(app: &App, actor: &Actor) -> Browser {
    let mut a = actor.clone();
    a.refresh(app).await;
    Browser::of(app, &a)
}

/// Switches the signed-in person to `lang` through the header's form.
pub async fn speak(b: &Browser, lang: &str) {
    let csrf = b.get("/availability").await.csrf();
    b.post("/me/lang", &[("csrf", &csrf), ("lang", lang)])
        .await
        .redirect();
}

/// The customer: where they stand, the request (errors in English and Dutch), the claim
/// once entitled, the discount in their history, and the ledger export of their own line.
pub async fn escalation_pages_customer_request_and_claim(app: App) {
    let s = story(&app, FEE).await;
    miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    let admin = signed_in(&app, &s.w.a.admin).await;
    let page = admin.get("/portal/escalation").await.expect(200);
    page.has("<a href=\"/portal/escalation\">Escalation</a>")
        .has("no running escalation")
        .has("<input type=\"checkbox\" name=\"month\" value=\"2026-03\">")
        .lacks("value=\"2026-02\"")
        .has("No steps yet.");

    // Nothing chosen, in English and then in Dutch; a month without overrun.
    let r = admin
        .submit("/portal/escalation", "/portal/escalation/request", &[])
        .await
        .expect(422);
    r.has("Choose at least one ended overrun month.")
        .has("aria-describedby=\"request-error\"");
    speak(&admin, "nl").await;
    admin
        .submit("/portal/escalation", "/portal/escalation/request", &[])
        .await
        .expect(422)
        .has("Kies ten minste één afgelopen maand met overschrijding.");
    admin
        .submit(
            "/portal/escalation",
            "/portal/escalation/request",
            &[("month", "2026-02")],
        )
        .await
        .expect(422)
        .has("Een gekozen maand is niet afgelopen of had geen overschrijding.");
    // Without the form's token nothing happens.
    admin
        .post("/portal/escalation/request", &[("month", "2026-03")])
        .await
        .expect(403);

    let done = admin
        .submit(
            "/portal/escalation",
            "/portal/escalation/request",
            &[("month", "2026-03")],
        )
        .await;
    assert_eq!(done.redirect(), "/portal/escalation?notice=request");
    let page = admin.get(&done.redirect()).await.expect(200);
    page.has("Uw aanvraag is vastgelegd")
        .has("tussentijds incidentoverleg aangevraagd")
        .has("Aanvraag")
        .has("Maanden met overschrijding: 2026-03")
        .has("via het portaal")
        .lacks("id=\"request-form\"");
    let v = app.state.escalation(&s.manager, s.a).await.expect("view");
    assert_eq!(v.stage, "requested");

    // A viewer sees the same, may not act.
    let viewer = signed_in(&app, &s.w.a.viewer).await;
    viewer
        .get("/portal/escalation")
        .await
        .expect(200)
        .has("interim incident consultation requested")
        .has("Only an administrator of your organization");
    viewer
        .submit("/portal/escalation", "/portal/escalation/claim", &[])
        .await
        .expect(403)
        .has("Only an administrator of your organization");

    // The service desk holds the consultation and two follow-ups without progress.
    let d = &app.state;
    app.set_time("2026-04-08T12:00:00Z");
    d.record_consultation(&s.agent, s.a, meeting(&s, "2026-04-08"))
        .await
        .expect("consultation");
    for day in ["2026-05-08", "2026-06-08"] {
        app.set_time(&format!("{day}T12:00:00Z"));
        d.record_follow_up(&s.agent, s.a, meeting(&s, day), false, "Geen voortgang")
            .await
            .expect("follow-up");
    }
    app.set_time("2026-06-09T12:00:00Z");
    let admin = signed_in(&app, &s.w.a.admin).await;
    let page = admin.get("/portal/escalation").await.expect(200);
    page.has("Korting claimen kan vanaf 2026-07-08.")
        .has("Vervolgafspraken zonder voortgang</dt><dd>2</dd>")
        .lacks("id=\"claim-form\"");
    admin
        .submit("/portal/escalation", "/portal/escalation/claim", &[])
        .await
        .expect(422)
        .has("U kunt nu (nog) geen korting claimen.");

    app.set_time("2026-07-08T12:00:00Z");
    let admin = signed_in(&app, &s.w.a.admin).await;
    speak(&admin, "en").await;
    admin
        .get("/portal/escalation")
        .await
        .expect(200)
        .has("id=\"claim-form\"");
    let done = admin
        .submit("/portal/escalation", "/portal/escalation/claim", &[])
        .await;
    let page = admin.get(&done.redirect()).await.expect(200);
    page.has("The discount has been claimed.")
        .has("discount claimed")
        .has("Current discount</dt><dd>5%</dd>")
        .has("5% on the invoice of 2026-08")
        .has("<td>2026-08</td><td>discount</td><td>5%</td><td class=\"num\">€ 61.72</td>");
    // Claimed once: a second claim is a conflict, shown in the page.
    assert!(
        d.claim(&s.a_admin, s.a, ClaimInput { on_behalf_of: None })
            .await
            .is_err()
    );

    // The customer's own ledger export, with the session cookie.
    let csv = plain(&app, &s.w.a.admin)
        .await
        .get("/api/v1/ledger?month=2026-08&format=csv&dialect=nl")
        .await
        .expect(200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    csv.has("Klant A")
        .has(";2026-08;5;1234,50;61,72;")
        .lacks("Klant B");
}

/// The vendor's page: the request by phone, the consultation with the incidents that missed
/// (a priority corrected), follow-ups beside the proposal, the claim on an administrator's
/// behalf, a reversal with its reason, the export links; form errors in Dutch and English.
pub async fn escalation_pages_desk_steps_and_reversal(app: App) {
    let s = story(&app, FEE).await;
    let march = miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    let manager = signed_in(&app, &s.w.manager).await;
    let path = format!("/desk/escalations/{}", s.a.0);
    let overview = manager.get("/desk/escalations").await.expect(200);
    overview
        .has("<a href=\"/desk/escalations\">Escalations</a>")
        .has(&format!("<a href=\"{path}\">Klant A</a>"))
        .has("No follow-ups within five weeks.")
        .has("No open claims.");
    let page = manager.get(&path).await.expect(200);
    page.has("Escalation of Klant A")
        .has("value=\"2026-03\"")
        .has(&format!("<option value=\"{}\"", s.w.a.admin.id))
        .lacks(&format!("<option value=\"{}\"", s.w.a.viewer.id));

    // The request by phone: the administrator it is for is needed.
    let action = format!("{path}/request");
    manager
        .submit(&path, &action, &[("month", "2026-03")])
        .await
        .expect(422)
        .has("Choose the customer's administrator you record this for.");
    let admin_id = s.w.a.admin.id.to_string();
    let done = manager
        .submit(
            &path,
            &action,
            &[("month", "2026-03"), ("on_behalf_of", &admin_id)],
        )
        .await;
    assert_eq!(done.redirect(), format!("{path}?notice=request"));
    manager
        .get(&path)
        .await
        .expect(200)
        .has("by phone, recorded by the service desk")
        .has("Record the interim incident consultation");

    // The consultation: the incident that missed is there, ticked, with its priority.
    app.set_time("2026-04-08T12:00:00Z");
    let manager = signed_in(&app, &s.w.manager).await;
    let page = manager.get(&path).await.expect(200);
    page.has(&format!(
        "<input type=\"hidden\" name=\"inc\" value=\"{march}\">"
    ))
    .has(&format!(
        "name=\"inc_{march}_discussed\" value=\"1\" checked"
    ))
    .has("was right (Urgent)")
    .has("value=\"2026-04-08\"");
    let action = format!("{path}/consultation");
    let inc = march.to_string();
    let discussed = format!("inc_{march}_discussed");
    let reason = format!("inc_{march}_reason");
    let priority = format!("inc_{march}_priority");
    let mut fields = vec![
        ("held_on", "2026-04-08"),
        ("customer_attendees", ""),
        ("vendor_attendees", ""),
        ("inc", inc.as_str()),
        (discussed.as_str(), "1"),
        (reason.as_str(), "Schijf vol gelopen"),
        (priority.as_str(), "high"),
        ("agr_what", "Schijfbewaking inrichten"),
        ("agr_owner", "M. Manager"),
        ("agr_due", "2026-05-01"),
        ("minutes", "Oorzaken besproken"),
    ];
    let r = manager.submit(&path, &action, &fields).await.expect(422);
    r.has("Name who attended.")
        .has(">Oorzaken besproken</textarea>");
    fields[1] = ("customer_attendees", "Jan Beheer\nPiet Zonder Account");
    fields[2] = ("vendor_attendees", "M. Manager");
    fields[0] = ("held_on", "2026-04-09");
    manager
        .submit(&path, &action, &fields)
        .await
        .expect(422)
        .has("Give the date the meeting was held");
    fields[0] = ("held_on", "2026-04-08");
    let done = manager.submit(&path, &action, &fields).await;
    assert_eq!(done.redirect(), format!("{path}?notice=consultation"));
    let page = manager.get(&done.redirect()).await.expect(200);
    page.has("The consultation has been recorded.")
        .has("Interim incident consultation")
        .has("Attended: Jan Beheer, Piet Zonder Account, M. Manager")
        .has(&format!(
            "Incidents discussed #{march}: Schijf vol gelopen; priority corrected to High"
        ))
        .has("Agreements: Schijfbewaking inrichten (M. Manager, 2026-05-01)")
        .has("Next follow-up</dt><dd>2026-05-08</dd>")
        .has("Record a follow-up");
    let ticket = app
        .get(&s.w.agent.bearer(), &format!("/api/v1/tickets/{march}"))
        .await
        .expect(200);
    assert_eq!(ticket.json["priority"], "high");
    manager
        .get("/desk/escalations")
        .await
        .expect(200)
        .has(&format!("<a href=\"{path}\">Klant A</a>: 2026-05-08"));

    // A follow-up: the proposal beside the decision; errors in Dutch.
    miss(&app, &s, "2026-04-13").await;
    app.set_time("2026-05-08T12:00:00Z");
    let manager = signed_in(&app, &s.w.manager).await;
    let page = manager.get(&path).await.expect(200);
    page.has(
        "loket proposes: no progress: another follow-up is planned, based on 2026-04 (overrun).",
    )
    .has("name=\"progress\" value=\"no\" checked");
    speak(&manager, "nl").await;
    let action = format!("{path}/follow-ups");
    let mut fields = vec![
        ("held_on", "2026-05-08"),
        ("customer_attendees", "Jan Beheer"),
        ("vendor_attendees", "M. Manager"),
        ("why", "Nog een storing te laat"),
    ];
    manager
        .submit(&path, &action, &fields)
        .await
        .expect(422)
        .has("Kies: voortgang of geen voortgang.")
        .has(">Nog een storing te laat</textarea>");
    fields.push(("progress", "no"));
    fields[3] = ("why", "  ");
    manager
        .submit(&path, &action, &fields)
        .await
        .expect(422)
        .has("Geef aan waarom tot dit besluit is gekomen.");
    fields[3] = ("why", "Nog een storing te laat");
    let done = manager.submit(&path, &action, &fields).await;
    let page = manager.get(&done.redirect()).await.expect(200);
    page.has("De vervolgafspraak is vastgelegd.")
        .has("Voortgang: nee (voorstel van loket: nee, op grond van 2026-04)")
        .has("Waarom: Nog een storing te laat")
        .has("Volgende vervolgafspraak</dt><dd>2026-06-08</dd>");
    app.set_time("2026-06-08T12:00:00Z");
    let manager = signed_in(&app, &s.w.manager).await;
    fields[0] = ("held_on", "2026-06-08");
    manager.submit(&path, &action, &fields).await.redirect();

    // The claim on the administrator's behalf, then a reversal with its reason.
    app.set_time("2026-07-08T12:00:00Z");
    let manager = signed_in(&app, &s.w.manager).await;
    let action = format!("{path}/claim");
    manager
        .submit(&path, &action, &[])
        .await
        .expect(422)
        .has("Kies de beheerder van de klant namens wie u dit vastlegt.");
    manager
        .submit(&path, &action, &[("on_behalf_of", &admin_id)])
        .await
        .redirect();
    let v = app.state.escalation(&s.manager, s.a).await.expect("view");
    assert_eq!((v.stage.as_str(), v.percent), ("discounting", Some(5)));
    let entry = v.ledger[0].entry_id;
    let page = manager.get(&path).await.expect(200);
    page.has("2026-08: korting 5%, € 61,72")
        .has(&format!("action=\"{path}/discounts/{entry}/reversal\""))
        .has("<a href=\"/api/v1/ledger?month=2026-08&format=csv&dialect=nl\">");
    let action = format!("{path}/discounts/{entry}/reversal");
    manager
        .submit(&path, &action, &[("reason", " ")])
        .await
        .expect(422)
        .has("Geef een reden voor het terugboeken.")
        .has(&format!("aria-describedby=\"rev-{entry}-error\""));
    manager
        .submit(&path, &action, &[("reason", "Factuur al gecrediteerd")])
        .await
        .redirect();
    let page = manager.get(&path).await.expect(200);
    page.has("2026-08: terugboeking 5%, € -61,72")
        .has("Reden: Factuur al gecrediteerd")
        .lacks(&format!("action=\"{path}/discounts/{entry}/reversal\""));
    // The export the links lead to works with the session.
    let json = plain(&app, &s.w.manager)
        .await
        .get("/api/v1/ledger?month=2026-08&format=json")
        .await
        .expect(200);
    json.has("\"kind\":\"reversal\"")
        .has("Factuur al gecrediteerd");
    // Another customer's discount, or none, through this customer's page: not found.
    manager
        .submit(
            &path,
            &format!("{path}/discounts/999999/reversal"),
            &[("reason", "x")],
        )
        .await
        .expect(404);
    let b_path = format!("/desk/escalations/{}", s.w.b.id);
    manager
        .submit(
            &b_path,
            &format!("{b_path}/discounts/{entry}/reversal"),
            &[("reason", "x")],
        )
        .await
        .expect(404);
}

/// Who may see which page: customers their own, the desk every customer's, the overview the
/// service managers and administrators; another customer's is a 404.
pub async fn escalation_pages_authz(app: App) {
    let s = story(&app, FEE).await;
    miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    let a_path = format!("/desk/escalations/{}", s.a.0);
    let a_admin = signed_in(&app, &s.w.a.admin).await;
    a_admin
        .submit(
            "/portal/escalation",
            "/portal/escalation/request",
            &[("month", "2026-03")],
        )
        .await
        .redirect();
    // Customer B sees its own (nothing running), never A's.
    let b_admin = signed_in(&app, &s.w.b.admin).await;
    b_admin
        .get("/portal/escalation")
        .await
        .expect(200)
        .has("no running escalation")
        .lacks("2026-03");
    for who in [&s.w.b.admin, &s.w.a.admin, &s.w.a.viewer] {
        let b = signed_in(&app, who).await;
        b.get("/desk/escalations").await.expect(403);
        b.get(&a_path).await.expect(403);
        b.submit(
            "/portal/escalation",
            &format!("{a_path}/consultation"),
            &[("held_on", "2026-04-01"), ("customer_attendees", "X")],
        )
        .await
        .expect(403);
        b.get("/portal/escalation")
            .await
            .has("href=\"/portal/escalation\"")
            .lacks("href=\"/desk/escalations\"");
    }
    // The agent works on a customer's page; the overview is the service manager's.
    let agent = signed_in(&app, &s.w.agent).await;
    agent.get("/desk/escalations").await.expect(403);
    agent
        .get(&a_path)
        .await
        .expect(200)
        .has("interim incident consultation requested")
        .lacks("href=\"/desk/escalations\"");
    let manager = signed_in(&app, &s.w.manager).await;
    manager.get("/desk/escalations/999999").await.expect(404);
    let admin = signed_in(&app, &s.w.admin).await;
    admin.get("/desk/escalations").await.expect(200);
    // The vendor's staff have no portal page of their own; signed out is the login.
    let r = manager.get("/portal/escalation").await;
    assert_eq!(r.redirect(), "/desk/escalations");
    let r = Browser::with_cookie(&app, "").get(&a_path).await;
    assert!(r.redirect().starts_with("/login?next="));
}
