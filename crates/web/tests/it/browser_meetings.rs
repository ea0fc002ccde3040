//! The meeting pages on a phone (SLA-RULES §7): the list of a customer's meetings and a
//! meeting's page at 390 px wide, in Dutch (the service manager) and English (the customer's
//! administrator), with long names, places and links. No page is wider than the viewport
//! (no horizontal scrolling) and the main actions are on screen: the meeting links and the
//! planning form on the list; moving, cancelling, inviting, adding an action item, the
//! minutes, marking done and the invitation and minutes links on a meeting's page.

use desk::meetings::MeetingPlan;
use store::{MeetingId, Minutes, NewActionItem, NewAttendee, OrgId, Role, Side};

use super::{Bench, tr};

/// The iCalendar writer the server uses.
static WRITE: &desk::meetings::WriteInvitation = &render::ical::invitation;

/// Fails unless, in a 390×844 viewport, the page has no horizontal overflow and every one of
/// `actions` is laid out inside the viewport's width; takes a phone screenshot.
#[track_caller]
fn fits_a_phone(b: &Bench, step: &str, actions: &[&str]) {
    b.phone_shot(step);
    let (w, h) = b.browser.window_size();
    b.browser.set_window_size(390, 844);
    let width = b.browser.execute("return window.innerWidth;");
    assert!(
        width.as_i64().is_some_and(|v| v <= 390),
        "{step}: the viewport is {width} px wide"
    );
    let over = b.browser.execute(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) \
         - document.documentElement.clientWidth;",
    );
    let mut misplaced = Vec::new();
    for css in actions {
        let script = format!(
            "const e = document.querySelector({css}); if (!e) return 'missing'; \
             const r = e.getBoundingClientRect(); const s = getComputedStyle(e); \
             const w = document.documentElement.clientWidth; \
             return (r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= w \
                     && s.visibility !== 'hidden' && s.display !== 'none') \
                 ? 'ok' : `${{r.left}}..${{r.right}} of ${{w}}`;",
            css = serde_json::Value::from(*css)
        );
        let at = b.browser.execute(&script);
        if at.as_str() != Some("ok") {
            misplaced.push(format!("{css}: {at}"));
        }
    }
    b.browser.set_window_size(w, h);
    assert!(
        over.as_i64().is_some_and(|o| o <= 0),
        "{step}: the page is {over} px wider than a 390 px phone"
    );
    assert!(
        misplaced.is_empty(),
        "{step}: main actions not on screen at 390 px: {misplaced:#?}"
    );
}

/// The list and a held and a planned meeting's page, for each side, at a phone's width.
#[test]
fn journey_h_meetings_on_a_phone() {
    let Some(b) = Bench::new("meetings-phone", "2026-11-23T09:00:00Z") else {
        return;
    };
    let org: OrgId = b.customer("Gemeenschappelijke Regeling Samenwerkende Waterschappen");
    let manager = b.person(
        "marieke.van.den.berg-de.vries@loket.example",
        "Marieke van den Berg-de Vries",
        Role::ServiceManager,
        None,
        "nl",
    );
    let customer = b.person(
        "emma.clarke@samenwerkende-waterschappen.example",
        "Emma Clarke",
        Role::CustomerAdmin,
        Some(org),
        "en",
    );
    let staff = b.caller(manager.id);
    let attendees = vec![
        NewAttendee {
            name: "Emma Clarke".into(),
            email: Some(customer.email.clone()),
            side: Side::Customer,
            role: "Contractmanager informatievoorziening en gegevensbeheer".into(),
            person_id: Some(customer.id),
        },
        NewAttendee {
            name: "Marieke van den Berg-de Vries".into(),
            email: Some(manager.email.clone()),
            side: Side::Vendor,
            role: "Servicemanager".into(),
            person_id: Some(manager.id),
        },
    ];

    // A tactical meeting held last week, with minutes and an open action item, and an
    // interim meeting ahead with a long place and link.
    let plan = |kind, title: &str, starts: &str, location: &str, url: &str| MeetingPlan {
        org_id: org,
        kind,
        title: title.into(),
        starts_at: starts.parse().expect("instant"),
        duration_minutes: 90,
        location: location.into(),
        online_url: url.into(),
        attendees: attendees.clone(),
    };
    let (held, _) = b
        .block_on(b.state.plan_meeting(
            &staff,
            &plan(
                store::MeetingKind::Tactical,
                "",
                "2026-11-16T09:00:00Z",
                "Vergaderzaal Hoogheemraadschap, Stationsplein 1",
                "",
            ),
            WRITE,
        ))
        .expect("plan");
    let present: Vec<_> = held.attendees.iter().map(|a| a.id).collect();
    b.block_on(b.state.record_minutes(
        &staff,
        held.id,
        &Minutes {
            text: "De maandrapportage van oktober besproken; de oplostermijn voor urgente \
                   storingen is twee keer overschreden door een defecte opslagvoorziening."
                .into(),
            decisions: vec![
                "Opslagbewaking_met_drempelwaarden_per_omgeving_inrichten_voor_productie_en_acceptatie"
                    .into(),
            ],
            present,
        },
    ))
    .expect("minutes");
    b.block_on(b.state.add_action_item(
        &staff,
        held.id,
        &NewActionItem {
            what: "Capaciteitsplanning voor de opslag van de waterstandsmetingen herzien".into(),
            owner_name: "Emma Clarke".into(),
            owner_person_id: Some(customer.id),
            due_on: "2026-11-20".parse().expect("date"),
        },
    ))
    .expect("action item");
    let (ahead, _) = b
        .block_on(b.state.plan_meeting(
            &staff,
            &plan(
                store::MeetingKind::Interim,
                "Tussentijds incidentoverleg over de opslagstoringen van november",
                "2026-12-01T13:00:00Z",
                "Waterschapshuis, vergaderruimte Boezemkade (tweede verdieping, achter de receptie)",
                "https://vergaderen.samenwerkende-waterschappen.example/ruimte/incidentoverleg-opslagstoringen-november-2026",
            ),
            WRITE,
        ))
        .expect("plan");
    let (held, ahead): (MeetingId, MeetingId) = (held.id, ahead.id);

    // The service manager, in Dutch.
    b.sign_in(&manager, "manager");
    b.visit(&format!("/meetings?organization={}", org.0));
    b.browser.wait_for("table.mt-table");
    b.page_lang("nl");
    b.sees(&[tr("nl", "meetpage.list"), tr("nl", "meetpage.plan")]);
    fits_a_phone(
        &b,
        "list-nl",
        &[
            &format!("a[href='/meetings/{}']", held.0),
            &format!("a[href='/meetings/{}']", ahead.0),
            "form[action='/meetings'] button[type=submit]",
        ],
    );
    b.visit(&format!("/meetings/{}", ahead.0));
    b.browser.wait_for("#mt-details");
    b.sees(&["Boezemkade", tr("nl", "meetpage.move")]);
    fits_a_phone(
        &b,
        "planned-nl",
        &[
            ".mt-links a",
            "#mt-details ~ details summary",
            &format!("form[action='/meetings/{}/cancellation'] button", ahead.0),
            &format!(
                "form[action='/meetings/{}/attendees'] button[type=submit]",
                ahead.0
            ),
            &format!(
                "form[action='/meetings/{}/action-items'] button[type=submit]",
                ahead.0
            ),
        ],
    );
    b.visit(&format!("/meetings/{}", held.0));
    b.browser.wait_for("#mt-details");
    b.sees(&[tr("nl", "minutes.decisions"), tr("nl", "meetpage.agenda")]);
    fits_a_phone(
        &b,
        "held-nl",
        &[
            ".mt-links a",
            &format!(
                "form[action='/meetings/{}/minutes'] button[type=submit]",
                held.0
            ),
            ".mt-items form.mt-inline button",
        ],
    );

    // The customer's administrator, in English.
    b.sign_in(&customer, "customer");
    b.visit("/meetings");
    b.browser.wait_for("table.mt-table");
    b.page_lang("en");
    b.sees(&[tr("en", "meetpage.list")]);
    fits_a_phone(
        &b,
        "list-en",
        &[
            &format!("a[href='/meetings/{}']", held.0),
            &format!("a[href='/meetings/{}']", ahead.0),
        ],
    );
    b.visit(&format!("/meetings/{}", held.0));
    b.browser.wait_for("#mt-details");
    b.sees(&[
        tr("en", "minutes.action_items"),
        tr("en", "meetpage.mark_done"),
    ]);
    fits_a_phone(
        &b,
        "held-en",
        &[".mt-links a", ".mt-items form.mt-inline button"],
    );
    b.visit(&format!("/meetings/{}", ahead.0));
    b.browser.wait_for("#mt-details");
    b.sees(&["Boezemkade"]);
    fits_a_phone(&b, "planned-en", &[".mt-links a"]);
}
