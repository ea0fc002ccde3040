//! The meeting pages (`/meetings`, `/meetings/{id}`): the vendor picks a customer and plans a
//! meeting, invites, records action items and minutes, sets a schedule; a customer sees their
//! own meetings without the vendor's forms and marks an action item done; each form's errors
//! come back in the person's language (the world's vendor administrator reads Dutch, everyone
//! else English); another customer's meeting is not found, whatever the page or form.

use store::{MeetingId, Scope};

use crate::harness::App;
use crate::pagekit::{Browser, Page};

/// The meeting id a plan form redirected to.
fn meeting_id(p: &Page) -> i64 {
    let to = p.redirect();
    to.trim_start_matches("/meetings/")
        .split(['#', '?'])
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a meeting page: {to}"))
}

/// Plans a meeting of customer `org` through the page; returns its id.
pub async fn plan_on_page(b: &Browser, org: i64, title: &str, date: &str) -> i64 {
    let org = org.to_string();
    let list = format!("/meetings?organization={org}");
    let p = b
        .submit(
            &list,
            "/meetings",
            &[
                ("organization", &org),
                ("kind", "tactical"),
                ("title", title),
                ("date", date),
                ("time", "10:00"),
                ("duration_minutes", "90"),
                ("location", "Utrecht"),
            ],
        )
        .await;
    meeting_id(&p)
}

pub async fn meeting_pages_plan_and_forms(app: App) {
    let mut w = app.world().await;
    let admin = Browser::of(&app, &w.admin).html_only();
    let manager = Browser::of(&app, &w.manager).html_only();
    let a = w.a.id.to_string();
    let list = format!("/meetings?organization={a}");

    // The vendor first picks a customer.
    admin
        .get("/meetings")
        .await
        .expect(200)
        .has("Kies een klant")
        .has("Klant B");
    admin
        .get(&list)
        .await
        .expect(200)
        .has("Overleggen: Klant A")
        .has("Nog geen overleggen.")
        .has("Overleg plannen")
        .has("Ritme instellen");

    // A bad date and time come back in Dutch, with what was typed.
    let bad = [
        ("organization", a.as_str()),
        ("kind", "tactical"),
        ("title", "Kwartaaloverleg"),
        ("date", "2026-13-40"),
        ("time", "25:61"),
        ("duration_minutes", "90"),
    ];
    admin
        .submit(&list, "/meetings", &bad)
        .await
        .expect(422)
        .has("Het formulier is niet opgeslagen")
        .has("Vul een geldige datum in")
        .has("Vul een geldige tijd in, zoals 10:00.")
        .has_html("value=\"Kwartaaloverleg\"");
    // A rule of the services (the duration) too, and in English for the manager.
    let zero = [
        ("organization", a.as_str()),
        ("kind", "tactical"),
        ("date", "2026-11-30"),
        ("time", "10:00"),
        ("duration_minutes", "0"),
    ];
    admin
        .submit(&list, "/meetings", &zero)
        .await
        .expect(422)
        .has("Vul de duur in als aantal minuten, van 1 tot 1440.");
    manager
        .submit(&list, "/meetings", &zero)
        .await
        .expect(422)
        .has("The form was not saved")
        .has("Enter the duration in minutes, from 1 to 1440.");

    // Planned: the page follows (PRG), the list shows it.
    let id = plan_on_page(&admin, w.a.id, "Kwartaaloverleg", "2026-11-30").await;
    let page = format!("/meetings/{id}");
    admin
        .get(&list)
        .await
        .expect(200)
        .has_html(&format!("href=\"/meetings/{id}\""))
        .has("Kwartaaloverleg");
    manager
        .get(&page)
        .await
        .expect(200)
        .has("Kwartaaloverleg with Klant A")
        .has("10:00")
        .has("Utrecht")
        .has_html(&format!("/api/v1/meetings/{id}/invitation.ics?lang=en"))
        .has_html(&format!(
            "/api/v1/meetings/{id}/minutes?format=html&amp;lang=en"
        ))
        .has_html(&format!("/api/v1/meetings/{id}/minutes?format=json"))
        .has("Agenda")
        .has("Open RFCs")
        .lacks("Record minutes");

    // Attendees: a bad address in either language, then one invited.
    let guest = [
        ("name", "Piet Extern"),
        ("email", "geen adres"),
        ("side", "customer"),
    ];
    manager
        .submit(&page, &format!("{page}/attendees"), &guest)
        .await
        .expect(422)
        .has("Enter a valid e-mail address, or leave it empty.")
        .has_html("value=\"Piet Extern\"");
    admin
        .submit(&page, &format!("{page}/attendees"), &guest)
        .await
        .expect(422)
        .has("Vul een geldig e-mailadres in");
    let to = manager
        .submit(
            &page,
            &format!("{page}/attendees"),
            &[
                ("name", "Piet Extern"),
                ("email", "piet@extern.example"),
                ("side", "customer"),
                ("role", "contract owner"),
            ],
        )
        .await
        .redirect();
    assert_eq!(to, format!("{page}#attendees"));
    manager
        .get(&page)
        .await
        .expect(200)
        .has("Piet Extern, contract owner (customer)")
        .has("piet@extern.example");

    // Action items: what is to be done may not be blank.
    let blank = [
        ("what", "  "),
        ("owner_name", "Piet"),
        ("due_on", "2026-12-04"),
    ];
    admin
        .submit(&page, &format!("{page}/action-items"), &blank)
        .await
        .expect(422)
        .has("Vul in wat er moet gebeuren");
    manager
        .submit(
            &page,
            &format!("{page}/action-items"),
            &[
                ("what", "x"),
                ("owner_name", "Piet"),
                ("due_on", "4-12-2026"),
            ],
        )
        .await
        .expect(422)
        .has("Enter a valid date.");
    manager
        .submit(
            &page,
            &format!("{page}/action-items"),
            &[
                ("what", "Back-up testen"),
                ("owner_name", "Piet"),
                ("due_on", "2026-12-04"),
            ],
        )
        .await
        .redirect();
    let items = app
        .state
        .store
        .action_items(
            &Scope::System,
            store::OrgId(w.a.id),
            Some(MeetingId(id)),
            false,
        )
        .await
        .expect("items");
    assert_eq!(items.len(), 1);
    let item = items[0].id.0;

    // The customer sees their meeting without the vendor's forms, and their administrator
    // marks the item done.
    let customer = Browser::of(&app, &w.a.admin).html_only();
    customer
        .get("/meetings")
        .await
        .expect(200)
        .has("Meetings: Klant A")
        .has("Kwartaaloverleg")
        .lacks("Plan a meeting")
        .lacks("Set a schedule");
    customer
        .get(&page)
        .await
        .expect(200)
        .has("Back-up testen")
        .lacks("Add attendee")
        .lacks("Cancel meeting")
        .has("Mark done");
    customer
        .submit(
            &page,
            &format!("{page}/action-items/{item}/completion"),
            &[],
        )
        .await
        .redirect();
    customer
        .get(&page)
        .await
        .expect(200)
        .has("Done")
        .lacks("Mark done");
    // A customer cannot plan.
    customer
        .submit(
            "/meetings",
            "/meetings",
            &[
                ("kind", "interim"),
                ("date", "2026-12-01"),
                ("time", "10:00"),
                ("duration_minutes", "30"),
            ],
        )
        .await
        .expect(403);

    // Minutes: not before the meeting has started; then recorded with who was there.
    let m = app
        .state
        .store
        .get_meeting(&Scope::System, MeetingId(id))
        .await
        .expect("meeting");
    let piet = m.attendees[0].id.0.to_string();
    let minutes = [
        ("minutes", "Rapportage besproken."),
        ("decisions", "Besluit een\n\nBesluit twee\n"),
        ("present", piet.as_str()),
    ];
    admin
        .submit(&page, &format!("{page}/minutes"), &minutes)
        .await
        .expect(422)
        .has("Dit kan niet meer");
    // A week on, the sessions of the world have ended: everyone signs in again.
    app.set_time("2026-11-30T09:30:00Z");
    for actor in [&mut w.admin, &mut w.manager, &mut w.agent] {
        actor.refresh(&app).await;
    }
    let admin = Browser::of(&app, &w.admin).html_only();
    let manager = Browser::of(&app, &w.manager).html_only();
    admin.get(&page).await.expect(200).has("Verslag vastleggen");
    admin
        .submit(&page, &format!("{page}/minutes"), &minutes)
        .await
        .redirect();
    admin
        .get(&page)
        .await
        .expect(200)
        .has("Rapportage besproken.")
        .has("Besluit een")
        .has("Besluit twee")
        .has("gehouden")
        .has_html(&format!(
            "id=\"present-{piet}\" name=\"present\" value=\"{piet}\" checked"
        ));

    // Schedules: the service manager sets one; an agent may not; errors in the form.
    let agent = Browser::of(&app, &w.agent).html_only();
    let sched = |every: &'static str| {
        [
            ("organization", a.clone()),
            ("kind", "strategic".to_string()),
            ("every_months", every.to_string()),
            ("anchor_on", "2027-01-15".to_string()),
            ("time", "14:00".to_string()),
            ("duration_minutes", "60".to_string()),
        ]
    };
    let (zero, three) = (sched("0"), sched("3"));
    let zero: Vec<(&str, &str)> = zero.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let three: Vec<(&str, &str)> = three.iter().map(|(k, v)| (*k, v.as_str())).collect();
    agent
        .submit(&list, "/meetings/schedules", &zero)
        .await
        .expect(403);
    manager
        .submit(&list, "/meetings/schedules", &zero)
        .await
        .expect(422)
        .has("Enter a number of months, from 1 to 24.");
    let to = manager
        .submit(&list, "/meetings/schedules", &three)
        .await
        .redirect();
    assert_eq!(to, format!("{list}#schedules"));
    manager
        .get(&list)
        .await
        .expect(200)
        .has("every 3 months, 14:00 (60 min)")
        .has("2027-01-15");

    // A form without the session's token is refused.
    admin
        .post(&format!("{page}/action-items"), &[("what", "x")])
        .await
        .expect(403);
}

pub async fn meeting_pages_other_customer_is_not_found(app: App) {
    let w = app.world().await;
    let admin = Browser::of(&app, &w.admin).html_only();
    let id = plan_on_page(&admin, w.a.id, "Alleen A", "2026-12-01").await;
    admin
        .submit(
            &format!("/meetings/{id}"),
            &format!("/meetings/{id}/action-items"),
            &[
                ("what", "Iets"),
                ("owner_name", "Piet"),
                ("due_on", "2026-12-04"),
            ],
        )
        .await
        .redirect();
    let items = app
        .state
        .store
        .action_items(
            &Scope::System,
            store::OrgId(w.a.id),
            Some(MeetingId(id)),
            false,
        )
        .await
        .expect("items");
    let item = items[0].id.0;
    let done = format!("action-items/{item}/completion");
    for actor in [&w.b.admin, &w.b.viewer] {
        let b = Browser::of(&app, actor).html_only();
        b.get(&format!("/meetings/{id}")).await.expect(404);
        b.get(&format!("/meetings?organization={}", w.a.id))
            .await
            .expect(404);
        // Their own list does not show it.
        b.get("/meetings").await.expect(200).lacks("Alleen A");
        let csrf = b.get("/meetings").await.expect(200).csrf();
        for (action, fields) in [
            ("attendees", vec![("name", "X"), ("side", "customer")]),
            ("minutes", vec![("minutes", "x")]),
            (
                "action-items",
                vec![("what", "x"), ("owner_name", "y"), ("due_on", "2026-12-04")],
            ),
            (
                "move",
                vec![
                    ("date", "2026-12-02"),
                    ("time", "10:00"),
                    ("duration_minutes", "60"),
                ],
            ),
            ("cancellation", vec![]),
            (done.as_str(), vec![]),
        ] {
            let mut all = vec![("csrf", csrf.as_str())];
            all.extend(fields);
            b.post(&format!("/meetings/{id}/{action}"), &all)
                .await
                .expect(404);
        }
    }
    // Nothing changed.
    let m = app
        .state
        .store
        .get_meeting(&Scope::System, MeetingId(id))
        .await
        .expect("meeting");
    assert_eq!(m.status, store::MeetingStatus::Planned);
    assert!(m.attendees.is_empty());
    assert_eq!(m.sequence, 0);
}
