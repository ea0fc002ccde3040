//! The administration pages (`/admin…`) as a vendor administrator uses them: forms posted as
//! a browser posts them (`application/x-www-form-urlencoded`, or `multipart/form-data` for an
//! uploaded agreement file) with the CSRF token read from the page, redirects followed by
//! hand. Pages answer errors with HTML, not problem documents, so these requests go straight
//! into the router rather than through [`App::send`] (which checks for problem documents).

use serde_json::json;

use crate::harness::App;
use crate::pagekit::{Browser, Page, Part};
use crate::world::World;

/// The pages over the app's state, used with the session cookie each call names.
struct Pages {
    browser: Browser,
}

impl Pages {
    fn new(app: &App) -> Pages {
        Pages {
            browser: Browser::with_cookie(app, ""),
        }
    }

    async fn get(&self, cookie: &str, path: &str) -> Page {
        self.browser.as_cookie(cookie).get(path).await
    }

    async fn post(&self, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        self.browser.as_cookie(cookie).post(path, fields).await
    }

    /// Posts a `multipart/form-data` form with a TOML file `(name, content)` in the field `file`.
    async fn upload(
        &self,
        cookie: &str,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str),
    ) -> Page {
        let mut parts: Vec<Part<'_>> = fields.iter().map(|(k, v)| Part::Text(k, v)).collect();
        parts.push(Part::File {
            name: "file",
            file_name: file.0,
            content_type: "application/toml",
            data: file.1.as_bytes(),
        });
        self.browser
            .as_cookie(cookie)
            .post_multipart(path, &parts)
            .await
    }

    async fn submit(
        &self,
        cookie: &str,
        path: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        self.browser
            .as_cookie(cookie)
            .submit(path, action, fields)
            .await
    }
}

/// The number of agreement versions of a customer (through the API).
async fn versions(app: &App, w: &World, org: i64) -> usize {
    app.get(
        &w.admin.session(),
        &format!("/api/v1/organizations/{org}/agreements"),
    )
    .await
    .expect(200)
    .json
    .as_array()
    .expect("list")
    .len()
}

/// The number of people with an account (through the API, as the vendor sees them).
async fn people(app: &App, w: &World) -> usize {
    app.get(&w.admin.session(), "/api/v1/people")
        .await
        .expect(200)
        .json
        .as_array()
        .expect("list")
        .len()
}

/// Customers, people and customer A's agreement versions: what a refused form must not change.
async fn counts(app: &App, w: &World) -> (usize, usize, usize) {
    (
        organizations(app, w).await,
        people(app, w).await,
        versions(app, w, w.a.id).await,
    )
}

async fn organizations(app: &App, w: &World) -> usize {
    app.get(&w.admin.session(), "/api/v1/organizations")
        .await
        .expect(200)
        .json
        .as_array()
        .expect("list")
        .len()
}

/// Adds a person of customer `org` through the customer's page.
async fn add_person(
    pages: &Pages,
    cookie: &str,
    org: i64,
    name: &str,
    email: &str,
    role: &str,
) -> Page {
    let org_s = org.to_string();
    pages
        .submit(
            cookie,
            &format!("/admin/customers/{org}"),
            "/admin/people",
            &[
                ("org", org_s.as_str()),
                ("name", name),
                ("email", email),
                ("role", role),
                ("lang", "nl"),
                ("password", "een-goed-wachtwoord"),
            ],
        )
        .await
}

/// A customer added through the form; the administrator limit shown as "x van 3" (and "x of
/// 3" in English), enforced at the role field when adding and when promoting; one person per
/// e-mail address; a role changed through the table.
pub async fn admin_pages_customers_and_administrator_limit(app: App) {
    let w = app.world().await;
    let pages = Pages::new(&app);
    let me = w.admin.cookie.as_str();

    let list = pages.get(me, "/admin").await.expect(200);
    list.has_html("<html lang=\"nl\">")
        .has_html("<caption>Klanten met hun beheerders en meelezers</caption>")
        .has_html("<th scope=\"col\">Naam</th>")
        .has_html("Klant A")
        .has_html("1 van 3");

    // A new customer, through the form.
    let r = pages
        .submit(me, "/admin", "/admin/customers", &[("name", "Klant C")])
        .await;
    let to = r.redirect();
    assert!(to.starts_with("/admin/customers/"), "{to}");
    let c = pages.get(me, &to).await.expect(200);
    c.has_html("<h1>Klant C</h1>")
        .has_html("De klant is toegevoegd")
        .has_html("0 van 3 beheerders")
        .has_html("Standaard SLA")
        .has_html("Van kracht");
    pages
        .get(me, "/admin")
        .await
        .expect(200)
        .has_html("Klant C");
    // The same name again is refused at the name field.
    let r = pages
        .submit(me, "/admin", "/admin/customers", &[("name", "Klant C")])
        .await
        .expect(409);
    r.has_html("aria-describedby=\"org-name-hint org-name-error\"")
        .has_html("id=\"org-name-error\">Er is al een klant met deze naam.");
    let r = pages
        .submit(me, "/admin", "/admin/customers", &[("name", "  ")])
        .await
        .expect(422);
    r.has_html("id=\"org-name-error\"");

    // Customer A: two more administrators fit, the count follows.
    let a = w.a.id;
    let page = format!("/admin/customers/{a}");
    for n in 2..=3 {
        let to = add_person(
            &pages,
            me,
            a,
            &format!("Beheerder {n}"),
            &format!("beheerder{n}@klant-a.example"),
            "customer_admin",
        )
        .await
        .redirect();
        pages
            .get(me, &to)
            .await
            .expect(200)
            .has_html(&format!("Beheerder {n} is toegevoegd."))
            .has_html(&format!("{n} van 3 beheerders"))
            .lacks_html("Let op:");
    }
    pages
        .get(me, "/admin")
        .await
        .expect(200)
        .has_html("3 van 3");

    // A fourth is refused by the service, with its message at the role field.
    let before = people(&app, &w).await;
    let r = add_person(
        &pages,
        me,
        a,
        "Beheerder 4",
        "beheerder4@klant-a.example",
        "customer_admin",
    )
    .await
    .expect(422);
    r.has_html("3 van 3 beheerders")
        .has_html("aria-describedby=\"person-role-hint person-role-error\" aria-invalid=\"true\"");
    let message = r.element("p", "person-role-error");
    assert!(
        message.contains("Deze klant heeft al 3 beheerders"),
        "{message}"
    );
    // What was typed stays, except the password.
    r.has_html("value=\"beheerder4@klant-a.example\"")
        .lacks_html("een-goed-wachtwoord");
    assert_eq!(people(&app, &w).await, before, "nothing written");

    // Promoting the viewer is the same limit, shown at that person's role field.
    let viewer = w.a.viewer.id;
    let r = pages
        .submit(
            me,
            &page,
            &format!("/admin/people/{viewer}/role"),
            &[("role", "customer_admin")],
        )
        .await
        .expect(422);
    r.has_html(&format!(
        "aria-invalid=\"true\" aria-describedby=\"role-{viewer}-error\""
    ));
    assert!(
        r.element("p", &format!("role-{viewer}-error"))
            .contains("Deze klant heeft al 3 beheerders")
    );

    // A role change that fits: an administrator becomes a viewer, and the viewer may then be
    // promoted.
    let jan = w.a.admin.id;
    let to = pages
        .submit(
            me,
            &page,
            &format!("/admin/people/{jan}/role"),
            &[("role", "customer_viewer")],
        )
        .await
        .redirect();
    pages
        .get(me, &to)
        .await
        .expect(200)
        .has_html("rol gewijzigd in Meelezer")
        .has_html("2 van 3 beheerders");
    let to = pages
        .submit(
            me,
            &page,
            &format!("/admin/people/{viewer}/role"),
            &[("role", "customer_admin")],
        )
        .await
        .redirect();
    pages
        .get(me, &to)
        .await
        .expect(200)
        .has_html("3 van 3 beheerders");

    // One person per e-mail address: the 409 is shown at the e-mail field.
    let r = add_person(
        &pages,
        me,
        a,
        "Nog een Jan",
        "JAN.BEHEER@klant-a.example",
        "customer_viewer",
    )
    .await
    .expect(409);
    assert!(
        r.element("p", "person-email-error")
            .contains("hoort al bij iemand anders")
    );
    r.has_html("aria-describedby=\"person-email-hint person-email-error\" aria-invalid=\"true\"");

    // Someone whose language is English gets the pages in English.
    let to = pages
        .submit(
            me,
            "/admin/people",
            "/admin/people",
            &[
                ("name", "Eve Admin"),
                ("email", "eve.admin@loket.example"),
                ("role", "admin"),
                ("lang", "en"),
                ("password", "another-good-password"),
            ],
        )
        .await
        .redirect();
    assert!(to.starts_with("/admin/people?created="), "{to}");
    let eve = app
        .sign_in("eve.admin@loket.example", "another-good-password")
        .await;
    pages
        .get(&eve, "/admin")
        .await
        .expect(200)
        .has_html("<html lang=\"en\">")
        .has_html("<caption>Customers with their administrators and viewers</caption>")
        .has_html("3 of 3");
}

/// An agreement text with an error is refused and shown with line numbers, the line at fault
/// marked with its message (pasted or uploaded); nothing is stored.
pub async fn admin_pages_agreement_error_at_its_line(app: App) {
    let w = app.world().await;
    let pages = Pages::new(&app);
    let me = w.admin.cookie.as_str();
    let a = w.a.id;
    let page = format!("/admin/customers/{a}");
    let action = format!("/admin/customers/{a}/agreements");
    let text = "# Aanvulling klant A\nname = \"SLA Klant A\"\n\n[people]\nmax_administrators = 4\n\
                [targets.incident]\nurgent = [{ percent = 90, within = \"4 hourz\" }]\n";
    assert_eq!(
        text.lines().nth(6).map(|l| l.starts_with("urgent")),
        Some(true)
    );
    let fields = [
        ("name", "Aanvulling december"),
        ("effective_from", "2026-12-01T00:00"),
        ("document_ref", "DMS-2026-201"),
    ];

    // Pasted, with CRLF line ends as a browser sends a textarea.
    let crlf = text.replace('\n', "\r\n");
    let mut pasted = fields.to_vec();
    pasted.push(("policy", crlf.as_str()));
    let r = pages.submit(me, &page, &action, &pasted).await.expect(422);
    let line = r.element("li", "policy-line-7");
    assert!(line.contains("class=\"admin-line-err\""), "{line}");
    assert!(line.contains("<span class=\"admin-ln\">7</span>"), "{line}");
    assert!(
        line.contains("regel 7: targets.incident.urgent[0].within: `4 hourz` is not a duration"),
        "{line}"
    );
    assert!(line.contains("<mark>"), "{line}");
    assert_eq!(r.html.matches("class=\"admin-line-err\"").count(), 1);
    r.has_html("<span class=\"admin-ln\">6</span><code>[targets.incident]</code>")
        .has_html("<a href=\"#policy-line-7\">regel 7</a>: targets.incident.urgent[0].within")
        .has_html("aria-describedby=\"agreement-policy-hint agreement-policy-error\" aria-invalid=\"true\"")
        .has_html("id=\"agreement-policy-error\" role=\"alert\"")
        // The form keeps what was sent, to correct it.
        .has_html("value=\"Aanvulling december\"")
        .has_html("value=\"2026-12-01T00:00\"")
        .has_html("max_administrators = 4\n[targets.incident]");
    assert_eq!(versions(&app, &w, a).await, 1, "nothing stored");

    // Uploaded as a file: the same, and its text is put in the text box to correct it there.
    let csrf = pages.get(me, &page).await.expect(200).csrf();
    let mut with_csrf = vec![("csrf", csrf.as_str())];
    with_csrf.extend_from_slice(&fields);
    with_csrf.push(("policy", ""));
    let r = pages
        .upload(me, &action, &with_csrf, ("klant-a.toml", text))
        .await
        .expect(422);
    assert!(
        r.element("li", "policy-line-7")
            .contains("regel 7: targets.incident.urgent[0].within")
    );
    r.has_html("De tekst uit het bestand staat nu in het tekstvak");
    assert_eq!(versions(&app, &w, a).await, 1, "nothing stored");

    // Other fields are checked at once, each at its own field.
    let r = pages
        .submit(
            me,
            &page,
            &action,
            &[
                ("name", ""),
                ("effective_from", "morgen"),
                ("policy", "[people\n"),
            ],
        )
        .await
        .expect(422);
    r.has_html("id=\"agreement-name-error\"")
        .has_html("id=\"agreement-from-error\"")
        .has_html("<a href=\"#policy-line-1\">regel 1</a>");
    // A text both pasted and uploaded is ambiguous.
    let csrf = pages.get(me, &page).await.expect(200).csrf();
    let r = pages
        .upload(
            me,
            &action,
            &[
                ("csrf", csrf.as_str()),
                ("name", "Twee teksten"),
                ("effective_from", "2026-12-01T00:00"),
                ("policy", "[people]\nmax_administrators = 5\n"),
            ],
            ("klant-a.toml", "[people]\nmax_administrators = 4\n"),
        )
        .await
        .expect(422);
    assert!(
        r.element("p", "agreement-file-error")
            .contains("niet allebei")
    );
    assert_eq!(versions(&app, &w, a).await, 1, "nothing stored");
}

/// A valid custom agreement (pasted) is stored and shown, and its limit of four lets a fourth
/// administrator in; an uploaded version for later is planned.
pub async fn admin_pages_custom_agreement_raises_the_limit(app: App) {
    let w = app.world().await;
    let pages = Pages::new(&app);
    let me = w.admin.cookie.as_str();
    let a = w.a.id;
    let page = format!("/admin/customers/{a}");
    for n in 2..=3 {
        add_person(
            &pages,
            me,
            a,
            &format!("Beheerder {n}"),
            &format!("beheerder{n}@klant-a.example"),
            "customer_admin",
        )
        .await
        .redirect();
    }
    add_person(
        &pages,
        me,
        a,
        "Vier",
        "vier@klant-a.example",
        "customer_admin",
    )
    .await
    .expect(422);

    // In force since 10:00 today (Amsterdam time; the clock stands at 10:00).
    let to = pages
        .submit(
            me,
            &page,
            &format!("/admin/customers/{a}/agreements"),
            &[
                ("name", "Aanvulling vier beheerders"),
                ("effective_from", "2026-11-23T10:00"),
                ("document_ref", "DMS-2026-118"),
                ("policy", "[people]\nmax_administrators = 4"),
            ],
        )
        .await
        .redirect();
    assert!(to.contains("?added="), "{to}");
    let r = pages.get(me, &to).await.expect(200);
    r.has_html("De nieuwe versie is opgeslagen: Aanvulling vier beheerders")
        .has_html("Nu van kracht: <strong>Aanvulling vier beheerders</strong>")
        .has_html("2026-11-23 10:00")
        .has_html("DMS-2026-118")
        .has_html("Maatwerk")
        .has_html("Vervangen")
        .has_html("3 van 4 beheerders");
    let pre_at = r.html.find("<pre class=\"admin-pre\"").expect("pre");
    let pre = &r.html[pre_at..pre_at + r.html[pre_at..].find("</pre>").expect("end")];
    assert!(pre.contains(">[people]\nmax_administrators = 4"), "{pre}");
    assert_eq!(versions(&app, &w, a).await, 2);
    let stored = app
        .get(
            &w.admin.session(),
            &format!("/api/v1/organizations/{a}/agreements"),
        )
        .await
        .expect(200);
    assert_eq!(stored.json[1]["effective_from"], "2026-11-23T09:00:00Z");
    assert_eq!(stored.json[1]["policy"], "[people]\nmax_administrators = 4");
    assert_eq!(stored.json[1]["document_ref"], "DMS-2026-118");

    // The fourth administrator fits now.
    let to = add_person(
        &pages,
        me,
        a,
        "Vier",
        "vier@klant-a.example",
        "customer_admin",
    )
    .await
    .redirect();
    pages
        .get(me, &to)
        .await
        .expect(200)
        .has_html("4 van 4 beheerders");
    pages
        .get(me, "/admin")
        .await
        .expect(200)
        .has_html("4 van 4");

    // A version uploaded as a file, for next year: planned, not in force.
    let csrf = pages.get(me, &page).await.expect(200).csrf();
    let to = pages
        .upload(
            me,
            &format!("/admin/customers/{a}/agreements"),
            &[
                ("csrf", csrf.as_str()),
                ("name", "Vanaf 2027"),
                ("effective_from", "2027-01-01T00:00"),
                ("document_ref", ""),
                ("policy", ""),
            ],
            (
                "klant-a-2027.toml",
                "\u{feff}[people]\r\nmax_administrators = 6\r\n",
            ),
        )
        .await
        .redirect();
    let r = pages.get(me, &to).await.expect(200);
    r.has_html("Gepland")
        .has_html("2027-01-01 00:00")
        .has_html("Nu van kracht: <strong>Aanvulling vier beheerders</strong>")
        .has_html("4 van 4 beheerders");
    let stored = app
        .get(
            &w.admin.session(),
            &format!("/api/v1/organizations/{a}/agreements"),
        )
        .await
        .expect(200);
    assert_eq!(stored.json[2]["effective_from"], "2026-12-31T23:00:00Z");
    assert_eq!(
        stored.json[2]["policy"],
        "[people]\nmax_administrators = 6\n"
    );
    assert_eq!(stored.json[2]["document_ref"], json!(null));
}

/// A role address gives a warning after creation; the vendor's staff are added on their own
/// page; a short password is refused at its field.
pub async fn admin_pages_role_address_warning_and_staff(app: App) {
    let w = app.world().await;
    let pages = Pages::new(&app);
    let me = w.admin.cookie.as_str();
    let a = w.a.id;

    let to = add_person(
        &pages,
        me,
        a,
        "Gedeelde bus",
        "info@klant-a.example",
        "customer_viewer",
    )
    .await
    .redirect();
    let r = pages.get(me, &to).await.expect(200);
    r.has_html("Gedeelde bus is toegevoegd.")
        .has_html("Let op:</strong> info@klant-a.example lijkt een gedeeld adres")
        .has_html("info@klant-a.example</td>");

    // The vendor's staff.
    let staff = pages.get(me, "/admin/people").await.expect(200);
    staff
        .has_html("<h1>Medewerkers van de leverancier</h1>")
        .has_html("<caption>Medewerkers van de leverancier met hun rol</caption>")
        .has_html("a.agent@loket.example")
        .has_html("Dat bent u.")
        .lacks_html("klant-a.example");
    let before = people(&app, &w).await;
    let r = pages
        .submit(
            me,
            "/admin/people",
            "/admin/people",
            &[
                ("name", "Kort"),
                ("email", "kort@loket.example"),
                ("role", "agent"),
                ("lang", "nl"),
                ("password", "te-kort"),
            ],
        )
        .await
        .expect(422);
    assert!(
        r.element("p", "person-password-error")
            .contains("minstens 12 tekens")
    );
    r.has_html(
        "aria-describedby=\"person-password-hint person-password-error\" aria-invalid=\"true\"",
    );
    assert_eq!(people(&app, &w).await, before, "nothing written");
    // A customer role is not offered, nor taken, for staff.
    let r = pages
        .submit(
            me,
            "/admin/people",
            "/admin/people",
            &[
                ("name", "Verkeerd"),
                ("email", "verkeerd@loket.example"),
                ("role", "customer_admin"),
                ("lang", "nl"),
                ("password", "een-goed-wachtwoord"),
            ],
        )
        .await
        .expect(422);
    r.has_html("id=\"person-role-error\"");
    let to = pages
        .submit(
            me,
            "/admin/people",
            "/admin/people",
            &[
                ("name", "Helpdesk Algemeen"),
                ("email", "helpdesk@loket.example"),
                ("role", "service_manager"),
                ("lang", "en"),
                ("password", "een-goed-wachtwoord"),
            ],
        )
        .await
        .redirect();
    pages
        .get(me, &to)
        .await
        .expect(200)
        .has_html("Helpdesk Algemeen is toegevoegd.")
        .has_html("helpdesk@loket.example lijkt een gedeeld adres");
    assert_eq!(people(&app, &w).await, before + 1);
    // A staff member's role changes on the same page.
    let agent = w.agent.id;
    let to = pages
        .submit(
            me,
            "/admin/people",
            &format!("/admin/people/{agent}/role"),
            &[("role", "service_manager")],
        )
        .await
        .redirect();
    pages
        .get(me, &to)
        .await
        .expect(200)
        .has_html("rol gewijzigd in Servicemanager");
}

/// Vendor staff other than administrators and customers get the 403 page with the reason, for
/// every page and form; a form without (or with a wrong) CSRF token is refused and writes
/// nothing; without a session the pages send to the sign-in page.
pub async fn admin_pages_forbidden_and_csrf(app: App) {
    let w = app.world().await;
    let pages = Pages::new(&app);
    let a = w.a.id;
    let paths = [
        "/admin".to_string(),
        "/admin/people".to_string(),
        format!("/admin/customers/{a}"),
    ];
    let forms = [
        ("/admin/customers".to_string(), vec![("name", "Klant X")]),
        (
            "/admin/people".to_string(),
            vec![
                ("name", "X"),
                ("email", "x@loket.example"),
                ("role", "admin"),
                ("lang", "nl"),
                ("password", "een-goed-wachtwoord"),
            ],
        ),
        (
            format!("/admin/people/{}/role", w.agent.id),
            vec![("role", "admin")],
        ),
        (
            format!("/admin/customers/{a}/agreements"),
            vec![
                ("name", "X"),
                ("effective_from", "2026-11-23T10:00"),
                ("policy", ""),
            ],
        ),
    ];
    let before = counts(&app, &w).await;

    for who in [&w.agent, &w.manager, &w.a.admin, &w.a.viewer] {
        // Their pages are in English (the world's people chose it).
        let own_csrf = web::pages::csrf_token(&who.cookie);
        for path in &paths {
            pages
                .get(&who.cookie, path)
                .await
                .expect(403)
                .has_html("Only the vendor&#39;s administrators may manage customers");
        }
        for (action, fields) in &forms {
            let mut all = vec![("csrf", own_csrf.as_str())];
            all.extend_from_slice(fields);
            pages
                .post(&who.cookie, action, &all)
                .await
                .expect(403)
                .has_html("Only the vendor&#39;s administrators");
        }
    }
    assert_eq!(counts(&app, &w).await, before);

    // The administrator, without the token or with another session's: refused, nothing done.
    let me = w.admin.cookie.as_str();
    let other = web::pages::csrf_token(&w.agent.cookie);
    for csrf in [None, Some(""), Some(other.as_str())] {
        for (action, fields) in &forms {
            let mut all = Vec::new();
            if let Some(c) = csrf {
                all.push(("csrf", c));
            }
            all.extend_from_slice(fields);
            pages
                .post(me, action, &all)
                .await
                .expect(403)
                .has_html("Het formulier is verlopen");
        }
        // The upload form the same.
        let mut all = Vec::new();
        if let Some(c) = csrf {
            all.push(("csrf", c));
        }
        all.extend_from_slice(&[("name", "X"), ("effective_from", "2026-11-23T10:00")]);
        pages
            .upload(
                me,
                &format!("/admin/customers/{a}/agreements"),
                &all,
                ("x.toml", "[people]\nmax_administrators = 9\n"),
            )
            .await
            .expect(403);
    }
    assert_eq!(counts(&app, &w).await, before);
    let agent = app
        .get(
            &w.admin.session(),
            &format!("/api/v1/people/{}", w.agent.id),
        )
        .await
        .expect(200);
    assert_eq!(agent.json["role"], "agent");

    // Without a session: to the sign-in page; an API token opens no pages.
    let r = pages.get("", "/admin").await;
    assert_eq!(r.redirect(), "/login?next=%2Fadmin");
    let r = pages
        .post("", "/admin/customers", &[("name", "Klant X")])
        .await;
    assert!(r.redirect().starts_with("/login"));
    // An unknown customer is a 404 page.
    pages.get(me, "/admin/customers/999999").await.expect(404);
    pages.get(me, "/admin/customers/abc").await.expect(404);
    assert_eq!(counts(&app, &w).await, before);
}
