//! The notification preferences in a real browser (SLA-RULES §10): a customer's administrator
//! finds the page from the header, turns one event off, chooses the daily digest and follows
//! her colleagues' tickets; the page says so in Dutch and keeps the choices; at a phone's
//! 390 px the page has no horizontal overflow.

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
fn journey_i_notification_preferences() {
    let Some(b) = Bench::new("i-preferences", super::MONDAY) else {
        return;
    };
    let org = b.customer("Gemeente Zuidhoven");
    let jan = b.person(
        "jan.devries@zuidhoven.example",
        "Jan de Vries",
        Role::CustomerAdmin,
        Some(org),
        "nl",
    );
    b.sign_in(&jan, "admin");
    b.click("header a[href='/settings/notifications']");
    b.browser
        .wait_path("the preferences", |p| p == "/settings/notifications");
    b.page_lang("nl");
    b.sees(&[
        tr("nl", "settings.title"),
        tr("nl", "settings.event.reply"),
        tr("nl", "settings.delivery.digest"),
        tr("nl", "settings.colleagues"),
    ]);
    b.shot("page");
    fits_a_phone(&b, "page");

    b.click("#event-reply");
    b.click("#delivery-digest");
    b.click("#colleagues");
    b.submit("form[action='/settings/notifications']");
    b.browser
        .wait_path("saved", |p| p == "/settings/notifications?saved=1");
    b.browser.wait_for("p[role=status]");
    b.sees(&[tr("nl", "settings.saved")]);
    b.shot("saved");
    fits_a_phone(&b, "saved");

    let reply = b.browser.find("#event-reply");
    assert_eq!(b.browser.property(&reply, "checked"), "false");
    let waiting = b.browser.find("#event-waiting");
    assert_eq!(b.browser.property(&waiting, "checked"), "true");
    let digest = b.browser.find("#delivery-digest");
    assert_eq!(b.browser.property(&digest, "checked"), "true");
    let prefs = b
        .block_on(b.store.notification_prefs(jan.id))
        .expect("prefs");
    assert_eq!(prefs.off, vec!["reply".to_string()]);
    assert!(prefs.digest && prefs.colleagues);
}
