//! The escalation journey in a real browser (SLA-RULES §7): the customer's administrator
//! requests an interim incident consultation, the service manager records the consultation
//! and two follow-ups without progress on the vendor's page, the customer claims the discount
//! once entitled, the monthly reports show the escalation in their compensation section, and
//! the ledger export shows the line. At a phone's 390 px the pages have no horizontal overflow.

use desk::tickets::FileTicket;
use sla::{Priority, TicketKind};
use store::{NewAgreement, OrgId, Role};

use super::{Bench, tr};

/// An urgent incident of `org` filed by `who` on `day` at 09:00 UTC, never resolved: by 17:00
/// both bounds are missed, so its month is an overrun month.
fn miss(b: &Bench, who: &super::Who, day: &str) {
    b.set_time(&format!("{day}T09:00:00Z"));
    b.file(
        who,
        FileTicket {
            kind: TicketKind::Incident,
            priority: Some(Priority::Urgent),
            subject: format!("Storing {day}"),
            description: String::new(),
            organization_id: None,
            reporter_id: None,
            received_at: None,
        },
    );
    b.set_time(&format!("{day}T17:00:00Z"));
    while b.block_on(b.state.refresh_clocks()).expect("refresh") >= 500 {}
}

/// Fails if the page is wider than a 390 px phone.
#[track_caller]
fn fits_a_phone(b: &Bench, step: &str) {
    b.phone_shot(step);
    let (w, h) = b.browser.window_size();
    b.browser.set_window_size(390, 844);
    let over = b.browser.execute(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
    );
    b.browser.set_window_size(w, h);
    assert!(
        over.as_i64().is_some_and(|o| o <= 0),
        "{step}: the page is {over} px wider than a 390 px phone"
    );
}

/// Request, consultation, follow-ups, claim and the ledger line, through the pages.
#[test]
fn journey_g_escalation() {
    let Some(b) = Bench::new("escalation", "2026-02-02T09:00:00Z") else {
        return;
    };
    let org: OrgId = b.customer("Klant A");
    let admin = b.caller(b.admin.id);
    b.block_on(b.state.add_agreement(
        &admin,
        NewAgreement {
            org_id: org,
            name: "Met abonnementsprijs".into(),
            policy: "[compensation]\nmonthly_fee_cents = 123450\n".into(),
            effective_from: 1_767_222_000_000,
            document_ref: None,
        },
    ))
    .expect("agreement");
    let customer = b.person(
        "jan.beheer@klant-a.example",
        "Jan Beheer",
        Role::CustomerAdmin,
        Some(org),
        "nl",
    );
    let manager = b.person(
        "m.manager@loket.example",
        "Mia Manager",
        Role::ServiceManager,
        None,
        "nl",
    );
    miss(&b, &customer, "2026-03-02");

    // The customer requests the consultation about March.
    b.set_time("2026-04-01T08:00:00Z");
    b.sign_in(&customer, "customer");
    b.click("a[href='/portal/escalation']");
    b.browser.wait_for("#request-form");
    b.sees(&[tr("nl", "esc.stage.idle"), tr("nl", "esc.request.title")]);
    fits_a_phone(&b, "customer-idle");
    b.click("#request-form input[value='2026-03']");
    b.submit("#request-form");
    b.browser.wait_for("[role=status]");
    b.sees(&[
        tr("nl", "esc.notice.request"),
        tr("nl", "esc.stage.requested"),
    ]);
    b.shot("requested");

    // The service manager finds it in the overview and records the consultation.
    b.set_time("2026-04-08T12:00:00Z");
    b.sign_in(&manager, "manager");
    b.click("a[href='/desk/escalations']");
    b.browser.wait_for("table.esc-overview");
    fits_a_phone(&b, "overview");
    b.click(&format!(
        "table.esc-overview a[href='/desk/escalations/{}']",
        org.0
    ));
    b.browser.wait_for("#meeting-form");
    b.sees(&["Storing 2026-03-02", tr("nl", "esc.consultation.title")]);
    b.browser.fill("#m-cust", "Jan Beheer");
    b.browser.fill("#m-minutes", "Oorzaak: schijf vol");
    fits_a_phone(&b, "consultation-form");
    b.submit("#meeting-form");
    b.browser.wait_for("[role=status]");
    b.sees(&[tr("nl", "esc.notice.consultation"), "2026-05-08"]);

    // Two follow-ups without progress.
    for day in ["2026-05-08", "2026-06-08"] {
        b.set_time(&format!("{day}T12:00:00Z"));
        b.sign_in(&manager, &format!("manager-{day}"));
        b.visit(&format!("/desk/escalations/{}", org.0));
        b.browser
            .wait_for("#meeting-form input[name=progress][value=no]");
        b.sees(&[tr("nl", "esc.follow_up.title")]);
        // The date field starts at today, the day the clock was set to.
        b.browser.fill("#m-cust", "Jan Beheer");
        b.click("#meeting-form input[name=progress][value=no]");
        b.browser.fill("#m-why", "Nog geen verbetering");
        b.submit("#meeting-form");
        b.browser.wait_for("[role=status]");
        b.sees(&[tr("nl", "esc.notice.follow_up")]);
    }
    b.sees(&["2026-07-08"]);
    fits_a_phone(&b, "desk-after-follow-ups");

    // The customer claims once entitled.
    b.set_time("2026-07-08T12:00:00Z");
    b.sign_in(&customer, "customer-claims");
    b.visit("/portal/escalation");
    b.browser.wait_for("#claim-form");
    b.submit("#claim-form");
    b.browser.wait_for("[role=status]");
    b.sees(&[
        tr("nl", "esc.notice.claim"),
        tr("nl", "esc.stage.discounting"),
        "2026-08",
    ]);
    fits_a_phone(&b, "customer-claimed");

    // The customer's report of July: its compensation section shows the claim, on a phone too.
    b.visit("/reports/2026-07");
    b.browser.wait_for("#compensation");
    b.sees(&[tr("nl", "rc.title"), "5% op de factuur van augustus 2026"]);
    fits_a_phone(&b, "report-compensation");
    // June's shows the second follow-up without progress in its meetings.
    b.visit("/reports/2026-06");
    b.browser.wait_for("table.rp-meetings");
    b.sees(&[
        tr("nl", "rc.meetings"),
        "Vervolgafspraak 2 zonder voortgang",
    ]);
    fits_a_phone(&b, "report-meetings");

    // The service manager's export of August shows the line.
    b.sign_in(&manager, "manager-export");
    b.visit(&format!("/desk/escalations/{}", org.0));
    b.browser
        .wait_for("a[href='/api/v1/ledger?month=2026-08&format=json']");
    b.click("a[href='/api/v1/ledger?month=2026-08&format=json']");
    b.browser
        .wait_path("the ledger", |p| p.starts_with("/api/v1/ledger"));
    let text = b.text();
    assert!(
        text.contains("\"customer\":\"Klant A\"") && text.contains("\"invoice_month\":\"2026-08\""),
        "the ledger export: {text}"
    );
}
