//! An RFC's assessment in a real browser (SLA-SEMANTICS §8): the agent records it on the
//! ticket page (in English), a form refused at its field first; the customer's administrator
//! reads it on the same page in Dutch. At a phone's 390 px both pages have no horizontal
//! overflow.

use desk::tickets::FileTicket;
use sla::TicketKind;
use store::Role;

use super::{Bench, tr};

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

#[test]
fn journey_i_rfc_assessment() {
    let Some(b) = Bench::new("assessment", "2026-11-23T09:00:00Z") else {
        return;
    };
    let org = b.customer("Klant A");
    let customer = b.person(
        "jan.beheer@klant-a.example",
        "Jan Beheer",
        Role::CustomerAdmin,
        Some(org),
        "nl",
    );
    let agent = b.person(
        "a.agent@loket.example",
        "Ann Agent",
        Role::Agent,
        None,
        "en",
    );
    let id = b.file(
        &customer,
        FileTicket {
            kind: TicketKind::Rfc,
            priority: None,
            subject: "Export naar CSV".into(),
            description: "Graag een knop om de lijst te exporteren.".into(),
            organization_id: None,
            reporter_id: None,
            received_at: None,
        },
    );

    b.sign_in(&agent, "agent");
    b.visit(&format!("/tickets/{}", id.0));
    b.browser.wait_for("#assess-decision");
    b.sees(&[tr("en", "assessment.form_hint")]);
    fits_a_phone(&b, "agent-form");
    // On subsequent calculation without an estimate: refused at the hours field.
    b.browser
        .fill("#assess-functionality", "A button Export on the list.");
    b.browser
        .fill("#assess-security", "None: only the customer's own data.");
    b.browser.fill("#assess-release", "2027.1");
    b.browser
        .fill("#assess-design", "https://docs.example/design-csv");
    b.browser.select("#assess-cost", "subsequent_calculation");
    b.submit("form[action$='/assessment']");
    b.browser.wait_for("#assess-hours-error");
    b.sees(&[tr("en", "assessment.error.estimate_hours")]);
    b.browser.fill("#assess-hours", "12");
    b.submit("form[action$='/assessment']");
    b.browser.wait_for("[role=status]");
    b.sees(&[
        tr("en", "ticket.notice.assessment"),
        tr("en", "assessment.decision.will_do"),
        "https://docs.example/design-csv",
    ]);
    fits_a_phone(&b, "agent-assessed");

    b.sign_in(&customer, "customer");
    b.visit(&format!("/tickets/{}", id.0));
    b.browser.wait_for(".pt-assessment");
    b.sees(&[
        tr("nl", "assessment.title"),
        tr("nl", "assessment.decision.will_do"),
        tr("nl", "assessment.cost.subsequent_calculation"),
        "schatting 12 uur",
        "2027.1",
    ]);
    b.absent("#assess-decision");
    fits_a_phone(&b, "customer-reads");
}
