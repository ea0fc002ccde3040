//! The monthly report's compensation section (SLA-RULES §7, issue 12 point 6): a customer
//! taken from an overrun month through the request, the consultation, two follow-ups without
//! progress and the claim to a discount, a reversal and the month that ends it; each month's
//! report shows where the escalation stood at its end, the meetings held in it and the
//! discount on its invoice, in JSON, CSV, the page (Dutch and English) and the printable
//! report. A published report keeps its hash: the section is live and follows the publication.
//! Expected states, dates and amounts are worked out by hand here.

use axum::http::Method;
use desk::compensation::ClaimInput;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::DiscountId;

use crate::compensation::*;
use crate::harness::{App, Auth, Req};
use crate::pagekit::Browser;

/// The CSV header of a report, as documented.
const HEADER: &str = "section,customer,kind,priority,percent,within,counted,met,missed,\
share_percent,holds,budget,date,state,follow_ups,progress,proposed,fee_eur,amount_eur,\
overrun_month,report_sha256,reason";

/// A CSV row from (column, value) pairs; the other columns empty.
fn row(cells: &[(&str, &str)]) -> String {
    HEADER
        .split(',')
        .map(|c| {
            cells
                .iter()
                .find(|(k, _)| *k == c)
                .map_or(String::new(), |(_, v)| v.to_string())
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The report of `month` for customer `org` as JSON.
async fn report(app: &App, who: &Auth, org: i64, month: &str) -> Value {
    app.get(who, &format!("/api/v1/reports/{month}?organization={org}"))
        .await
        .expect(200)
        .json
}

/// The compensation rows of a report's CSV (every row after the targets).
async fn csv_rows(app: &App, who: &Auth, org: i64, month: &str) -> Vec<String> {
    let r = app
        .get(
            who,
            &format!("/api/v1/reports/{month}?organization={org}&format=csv"),
        )
        .await
        .expect(200);
    let text = String::from_utf8(r.body.to_vec()).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<&str> = lines.collect();
    for r in &rows {
        assert_eq!(r.split(',').count(), 22, "{r}");
    }
    let targets = rows.iter().take_while(|r| r.starts_with("target,")).count();
    assert!(targets >= 10, "the target lines come first: {rows:?}");
    rows[targets..].iter().map(|r| r.to_string()).collect()
}

/// The printable report of `month` for `org` in `lang`.
async fn printed(app: &App, who: &Auth, org: i64, month: &str, lang: &str) -> String {
    let r = app
        .get(
            who,
            &format!("/api/v1/reports/{month}?organization={org}&format=html&lang={lang}"),
        )
        .await
        .expect(200);
    String::from_utf8(r.body.to_vec()).expect("utf-8")
}

/// The state of a report's compensation section.
fn state(r: &Value) -> &Value {
    &r["compensation"]["state"]
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Customer A from the overrun in March 2026 to the end of its escalation in September, the
/// report of every month read after it.
pub async fn report_compensation_through_the_ladder(app: App) {
    // € 1,234.50 a month: 5% is 6172.5 cents, to the even cent 6172; 10% is 12345.
    let s = story(&app, "[compensation]\nmonthly_fee_cents = 123450\n").await;
    let d = &app.state;
    let a = s.a.0;
    let (admin, agent, manager) = (
        s.w.a.admin.bearer(),
        s.w.agent.bearer(),
        s.w.manager.bearer(),
    );
    miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    d.request_consultation(&s.a_admin, s.a, request(&["2026-03"]))
        .await
        .expect("request");
    app.set_time("2026-04-08T12:00:00Z");
    let esc = d
        .record_consultation(&s.agent, s.a, meeting(&s, "2026-04-08"))
        .await
        .expect("consultation")
        .escalation_id
        .expect("running");
    // A service-level meeting in April, planned and minuted as a meeting record.
    let tactical = app
        .post(
            &agent,
            &format!("/api/v1/organizations/{a}/meetings"),
            json!({ "kind": "tactical", "starts_at": "2026-04-14T08:00:00Z",
                    "duration_minutes": 60, "title": "Servicegesprek april" }),
        )
        .await
        .expect(201)
        .json["meeting"]["id"]
        .as_i64()
        .expect("meeting id");
    // A strategic meeting planned for April but never held does not count.
    app.post(
        &agent,
        &format!("/api/v1/organizations/{a}/meetings"),
        json!({ "kind": "strategic", "starts_at": "2026-04-20T08:00:00Z",
                "duration_minutes": 60 }),
    )
    .await
    .expect(201);
    miss(&app, &s, "2026-04-13").await;
    app.set_time("2026-04-14T10:00:00Z");
    app.send(
        Req::new(Method::PUT, format!("/api/v1/meetings/{tactical}/minutes"))
            .auth(&agent)
            .json(&json!({ "minutes": "Rapportage maart besproken." })),
    )
    .await
    .expect(200);
    miss(&app, &s, "2026-05-04").await;
    for day in ["2026-05-08", "2026-06-08"] {
        app.set_time(&format!("{day}T12:00:00Z"));
        d.record_follow_up(&s.agent, s.a, meeting(&s, day), false, "Geen voortgang")
            .await
            .expect("follow-up");
    }

    // On the morning of 8 July the customer is entitled (three months after 8 April), and
    // July's report, read that day, says so.
    app.set_time("2026-07-08T08:00:00Z");
    let july = report(&app, &admin, a, "2026-07").await;
    assert_eq!(july["compensation"]["state_on"], "2026-07-08");
    assert_eq!(state(&july)["state"], "entitled");
    assert_eq!(state(&july)["entitled_from"], "2026-07-08");
    assert_eq!(state(&july)["follow_ups_without_progress"], 2);
    app.set_time("2026-07-08T12:00:00Z");
    d.claim(&s.a_admin, s.a, ClaimInput { on_behalf_of: None })
        .await
        .expect("claim");

    // August overruns. Its report is published on 1 September, before the month is
    // processed, so September's discount rests on the published August with its hash.
    miss(&app, &s, "2026-08-03").await;
    app.set_time("2026-09-01T08:00:00Z");
    let published = app
        .post(
            &manager,
            "/api/v1/reports/2026-08/publication",
            json!({ "organization": a }),
        )
        .await
        .expect(201);
    let sha_aug = published.json["publication"]["sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    assert_eq!(
        published.json["compensation"]["state"]["state"], "claimed",
        "the answer to publishing carries the live section too"
    );
    d.month_ended(None).await.expect("august");
    // The August invoice's 5% was booked twice by mistake elsewhere: reversed.
    let view = d.escalation(&s.manager, s.a).await.expect("view");
    let first = view
        .ledger
        .iter()
        .find(|l| l.invoice_month == "2026-08")
        .expect("august discount")
        .entry_id;
    d.reverse_discount(
        &s.manager,
        DiscountId(first),
        "Factuur augustus al gecrediteerd",
    )
    .await
    .expect("reverse");
    // September has no overrun: the escalation ends.
    app.set_time("2026-10-02T12:00:00Z");
    d.month_ended(None).await.expect("september");

    // --- JSON, month by month ---
    let march = report(&app, &admin, a, "2026-03").await;
    let c = &march["compensation"];
    assert_eq!(c["organization_id"], a);
    assert_eq!(c["state_on"], "2026-03-31");
    assert_eq!(
        state(&march)["state"],
        "none",
        "the request came on 1 April"
    );
    assert_eq!(c["meetings"], json!([]));
    assert_eq!(
        (c["discounts"].clone(), c["discount_cents"].clone()),
        (json!([]), json!(0))
    );

    let april = report(&app, &admin, a, "2026-04").await;
    let st = state(&april);
    assert_eq!(
        (
            st["state"].clone(),
            st["escalation_id"].clone(),
            st["months"].clone(),
            st["requested_on"].clone(),
            st["consultation_on"].clone(),
            st["next_follow_up"].clone(),
            st["follow_ups_without_progress"].clone(),
        ),
        (
            json!("consultation_held"),
            json!(esc),
            json!(["2026-03"]),
            json!("2026-04-01"),
            json!("2026-04-08"),
            json!("2026-05-08"),
            json!(0),
        )
    );
    // The consultation was kept with an interim meeting record of its own: listed once, as
    // the escalation's consultation, with that record's id.
    let consulted = d
        .escalation(&s.manager, s.a)
        .await
        .expect("view")
        .timeline
        .iter()
        .find(|t| t.step == "consultation")
        .and_then(|t| t.meeting_id)
        .expect("the consultation's meeting");
    assert_eq!(
        april["compensation"]["meetings"],
        json!([
            { "held_on": "2026-04-08", "kind": "interim", "title": "", "meeting_id": consulted,
              "escalation_id": esc, "escalation_meeting": "consultation",
              "progress": null, "proposed": null },
            { "held_on": "2026-04-14", "kind": "tactical", "title": "Servicegesprek april",
              "meeting_id": tactical, "escalation_id": null, "escalation_meeting": null,
              "progress": null, "proposed": null },
        ])
    );

    let may = report(&app, &admin, a, "2026-05").await;
    assert_eq!(
        (
            state(&may)["state"].clone(),
            state(&may)["follow_ups_without_progress"].clone(),
            state(&may)["next_follow_up"].clone()
        ),
        (json!("follow_up"), json!(1), json!("2026-06-08"))
    );
    let m = &may["compensation"]["meetings"][0];
    assert_eq!(
        (
            m["held_on"].clone(),
            m["escalation_meeting"].clone(),
            m["progress"].clone(),
            m["proposed"].clone()
        ),
        (
            json!("2026-05-08"),
            json!("follow_up"),
            json!(false),
            json!(false)
        )
    );

    // End of June: two follow-ups without progress, entitled only from 8 July.
    let june = report(&app, &admin, a, "2026-06").await;
    assert_eq!(
        (
            state(&june)["state"].clone(),
            state(&june)["follow_ups_without_progress"].clone(),
            state(&june)["entitled_from"].clone(),
            state(&june)["next_follow_up"].clone()
        ),
        (
            json!("follow_up"),
            json!(2),
            json!("2026-07-08"),
            json!("2026-07-08")
        )
    );

    let july = report(&app, &admin, a, "2026-07").await;
    assert_eq!(
        (
            state(&july)["state"].clone(),
            state(&july)["claimed_on"].clone(),
            state(&july)["percent"].clone(),
            state(&july)["percent_invoice_month"].clone()
        ),
        (
            json!("claimed"),
            json!("2026-07-08"),
            json!(5),
            json!("2026-08")
        )
    );
    assert_eq!(july["compensation"]["meetings"], json!([]));
    assert_eq!(july["compensation"]["discount_cents"], 0);

    // August: published; its overrun raised the September invoice's discount to 10%; its own
    // invoice had 5% (rests on May, the last overrun before the claim), reversed.
    let aug = app
        .get(&admin, &format!("/api/v1/reports/2026-08?organization={a}"))
        .await
        .expect(200);
    assert_eq!(aug.headers["loket-report-sha256"], sha_aug.as_str());
    let text = String::from_utf8(aug.body.to_vec()).expect("utf-8");
    let cut = text.rfind(",\"publication\":").expect("publication");
    assert_eq!(
        sha256_hex(&format!("{}}}", &text[..cut])),
        sha_aug,
        "the frozen body is everything before the publication"
    );
    assert!(
        text[cut..].contains(",\"compensation\":"),
        "the live section follows the publication"
    );
    let aug = aug.json;
    assert_eq!(
        (
            state(&aug)["state"].clone(),
            state(&aug)["percent"].clone(),
            state(&aug)["percent_invoice_month"].clone()
        ),
        (json!("claimed"), json!(10), json!("2026-09"))
    );
    let lines = aug["compensation"]["discounts"].as_array().expect("lines");
    assert_eq!(
        lines
            .iter()
            .map(|l| (
                l["kind"].as_str().expect("kind"),
                l["invoice_month"].as_str().expect("invoice"),
                l["percent"].as_i64().expect("percent"),
                l["fee_cents"].as_i64().expect("fee"),
                l["amount_cents"].as_i64().expect("amount"),
                l["overrun_month"].as_str().expect("overrun"),
                l["reason"].as_str(),
            ))
            .collect::<Vec<_>>(),
        vec![
            ("discount", "2026-08", 5, 123_450, 6_172, "2026-05", None),
            (
                "reversal",
                "2026-08",
                5,
                123_450,
                -6_172,
                "2026-05",
                Some("Factuur augustus al gecrediteerd")
            ),
        ]
    );
    assert_eq!(aug["compensation"]["discount_cents"], 0);

    // September: 10% on its invoice, resting on the published August; the month without
    // overrun ended the escalation.
    let sep = report(&app, &admin, a, "2026-09").await;
    assert_eq!(
        (
            state(&sep)["state"].clone(),
            state(&sep)["ended_how"].clone(),
            state(&sep)["ended_on"].clone(),
            state(&sep)["months"].clone(),
            state(&sep)["escalation_id"].clone()
        ),
        (
            json!("ended"),
            json!("month_without_overrun"),
            json!("2026-09"),
            json!(["2026-03"]),
            json!(esc)
        )
    );
    let line = &sep["compensation"]["discounts"][0];
    assert_eq!(
        (
            line["percent"].clone(),
            line["amount_cents"].clone(),
            line["overrun_month"].clone(),
            line["report_sha256"].clone()
        ),
        (json!(10), json!(12_345), json!("2026-08"), json!(sha_aug))
    );
    assert_eq!(sep["compensation"]["discount_cents"], 12_345);
    // October: nothing runs any more.
    let oct = report(&app, &admin, a, "2026-10").await;
    assert_eq!(state(&oct)["state"], "none");
    assert_eq!(oct["compensation"]["state_on"], "2026-10-02");
    // The service desk reads the same section.
    assert_eq!(
        report(&app, &manager, a, "2026-09").await["compensation"]["state"],
        sep["compensation"]["state"]
    );

    // --- CSV ---
    assert_eq!(
        csv_rows(&app, &admin, a, "2026-04").await,
        vec![
            row(&[
                ("section", "escalation"),
                ("customer", "Klant A"),
                ("kind", "escalation"),
                ("date", "2026-04-30"),
                ("state", "consultation_held"),
                ("follow_ups", "0"),
                ("overrun_month", "2026-03"),
            ]),
            row(&[
                ("section", "meeting"),
                ("customer", "Klant A"),
                ("kind", "interim"),
                ("date", "2026-04-08"),
                ("state", "consultation"),
            ]),
            row(&[
                ("section", "meeting"),
                ("customer", "Klant A"),
                ("kind", "tactical"),
                ("date", "2026-04-14"),
            ]),
            row(&[
                ("section", "discount_total"),
                ("customer", "Klant A"),
                ("kind", "total"),
                ("amount_eur", "0.00"),
            ]),
        ]
    );
    assert_eq!(
        csv_rows(&app, &admin, a, "2026-05").await[1],
        row(&[
            ("section", "meeting"),
            ("customer", "Klant A"),
            ("kind", "interim"),
            ("date", "2026-05-08"),
            ("state", "follow_up"),
            ("progress", "false"),
            ("proposed", "false"),
        ])
    );
    assert_eq!(
        csv_rows(&app, &admin, a, "2026-08").await,
        vec![
            row(&[
                ("section", "escalation"),
                ("customer", "Klant A"),
                ("kind", "escalation"),
                ("percent", "10.00"),
                ("date", "2026-08-31"),
                ("state", "claimed"),
                ("follow_ups", "2"),
                ("overrun_month", "2026-03"),
            ]),
            row(&[
                ("section", "discount"),
                ("customer", "Klant A"),
                ("kind", "discount"),
                ("percent", "5.00"),
                ("fee_eur", "1234.50"),
                ("amount_eur", "61.72"),
                ("overrun_month", "2026-05"),
            ]),
            row(&[
                ("section", "discount"),
                ("customer", "Klant A"),
                ("kind", "reversal"),
                ("percent", "5.00"),
                ("fee_eur", "1234.50"),
                ("amount_eur", "-61.72"),
                ("overrun_month", "2026-05"),
                ("reason", "Factuur augustus al gecrediteerd"),
            ]),
            row(&[
                ("section", "discount_total"),
                ("customer", "Klant A"),
                ("kind", "total"),
                ("amount_eur", "0.00"),
            ]),
        ]
    );
    let sep_csv = csv_rows(&app, &admin, a, "2026-09").await;
    assert_eq!(
        sep_csv[0],
        row(&[
            ("section", "escalation"),
            ("customer", "Klant A"),
            ("kind", "escalation"),
            ("date", "2026-09-30"),
            ("state", "ended"),
            ("follow_ups", "0"),
            ("overrun_month", "2026-03"),
        ])
    );
    assert_eq!(
        sep_csv[1],
        row(&[
            ("section", "discount"),
            ("customer", "Klant A"),
            ("kind", "discount"),
            ("percent", "10.00"),
            ("fee_eur", "1234.50"),
            ("amount_eur", "123.45"),
            ("overrun_month", "2026-08"),
            ("report_sha256", &sha_aug),
        ])
    );
    assert_eq!(
        sep_csv[2],
        row(&[
            ("section", "discount_total"),
            ("customer", "Klant A"),
            ("kind", "total"),
            ("amount_eur", "123.45"),
        ])
    );

    // --- The page: the customer's administrator reads English, the vendor's Dutch ---
    let mut customer = s.w.a.admin.clone();
    customer.refresh(&app).await;
    let mut vendor = s.w.admin.clone();
    vendor.refresh(&app).await;
    let en = Browser::of(&app, &customer).html_only();
    let nl = Browser::of(&app, &vendor).html_only();
    en.get("/reports/2026-04")
        .await
        .expect(200)
        .has("Compensation (SLA §6.2)")
        .has("Live data from the escalation records")
        .has("State on Thu 30 Apr 2026")
        .has("Interim incident consultation held on Wed 8 Apr 2026; follow-up planned for Fri 8 May 2026")
        .has("March 2026")
        .has("Meetings held this month")
        .has("Interim incident meeting")
        .has("Service-level meeting: Servicegesprek april")
        .has("No discount on this month's invoice.");
    en.get("/reports/2026-05")
        .await
        .expect(200)
        .has("Follow-up 1 without progress; next follow-up on Mon 8 Jun 2026")
        .has("Progress: no (loket proposed: no)");
    en.get("/reports/2026-08")
        .await
        .expect(200)
        .has("Discount claimed on Wed 8 Jul 2026: 10% on the invoice of September 2026")
        .has("€ 1234.50")
        .has("€ 61.72")
        .has("€ -61.72")
        .has("reversal")
        .has("Factuur augustus al gecrediteerd")
        .has("Standing discount")
        .has("€ 0.00")
        .has(&sha_aug);
    en.get("/reports/2026-09")
        .await
        .expect(200)
        .has("Escalation ended: a month without overrun (September 2026)")
        .has("€ 123.45");
    nl.get(&format!("/reports/2026-06?organization={a}"))
        .await
        .expect(200)
        .has("Compensatie (SLA §6.2)")
        .has("Stand op di 30 jun 2026")
        .has("Vervolgafspraak 2 zonder voortgang; volgende vervolgafspraak op wo 8 jul 2026")
        .has("Voortgang: nee (voorstel van loket: nee)");
    nl.get(&format!("/reports/2026-08?organization={a}"))
        .await
        .expect(200)
        .has("Korting geclaimd op wo 8 jul 2026: 10% op de factuur van september 2026")
        .has("€ 61,72")
        .has("€ -61,72")
        .has("terugboeking")
        .has("Staande korting");
    nl.get(&format!("/reports/2026-09?organization={a}"))
        .await
        .expect(200)
        .has("Escalatie geëindigd: een maand zonder overschrijding (september 2026)")
        .has("€ 123,45");

    // --- The printable report, in both languages ---
    let p = printed(&app, &admin, a, "2026-08", "en").await;
    for words in [
        "Compensation (SLA §6.2)",
        "Discount claimed on Wed 8 Jul 2026: 10% on the invoice of September 2026",
        "€ -61.72",
        "Factuur augustus al gecrediteerd",
        "not part of this report",
    ] {
        assert!(p.contains(words), "{words} in {p}");
    }
    let p = printed(&app, &admin, a, "2026-04", "nl").await;
    for words in [
        "Compensatie (SLA §6.2)",
        "Tussentijds incidentoverleg gehouden op wo 8 apr 2026; vervolgafspraak gepland op vr 8 mei 2026",
        "Service-level overleg: Servicegesprek april",
        "Geen korting op de factuur van deze maand.",
    ] {
        assert!(p.contains(words), "{words} in {p}");
    }

    // Another customer's section is not to be had.
    app.get(
        &s.w.b.admin.bearer(),
        &format!("/api/v1/reports/2026-08?organization={a}"),
    )
    .await
    .problem(404, None);
}

/// A customer without an escalation: the section says so in every form; the report for all
/// customers has none.
pub async fn report_compensation_without_escalation(app: App) {
    app.set_time("2026-10-05T07:00:00Z");
    let mut w = app.world().await;
    app.set_time("2026-11-02T09:00:00Z");
    let b = w.b.id;
    let who = w.b.admin.bearer();
    let r = report(&app, &who, b, "2026-10").await;
    assert_eq!(
        r["compensation"],
        json!({
            "organization_id": b,
            "state_on": "2026-10-31",
            "state": {
                "state": "none", "escalation_id": null, "months": [], "requested_on": null,
                "consultation_on": null, "follow_ups_without_progress": 0,
                "next_follow_up": null, "entitled_from": null, "claimed_on": null,
                "percent": null, "percent_invoice_month": null, "ended_how": null,
                "ended_on": null
            },
            "meetings": [],
            "discounts": [],
            "discount_cents": 0
        })
    );
    assert_eq!(
        csv_rows(&app, &who, b, "2026-10").await,
        vec![
            row(&[
                ("section", "escalation"),
                ("customer", "Klant B"),
                ("kind", "escalation"),
                ("date", "2026-10-31"),
                ("state", "none"),
                ("follow_ups", "0"),
            ]),
            row(&[
                ("section", "discount_total"),
                ("customer", "Klant B"),
                ("kind", "total"),
                ("amount_eur", "0.00"),
            ]),
        ]
    );
    // The report for all customers has no section; its CSV only targets.
    let vendor = w.manager.bearer();
    let all = app
        .get(&vendor, "/api/v1/reports/2026-10")
        .await
        .expect(200)
        .json;
    assert!(all.get("compensation").is_none(), "{all}");
    let csv = app
        .get(&vendor, "/api/v1/reports/2026-10?format=csv")
        .await
        .expect(200);
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    assert!(
        text.lines().skip(1).all(|l| l.starts_with("target,")),
        "{text}"
    );

    for a in [&mut w.b.admin, &mut w.admin] {
        a.refresh(&app).await;
    }
    Browser::of(&app, &w.b.admin)
        .html_only()
        .get("/reports/2026-10")
        .await
        .expect(200)
        .has("Compensation (SLA §6.2)")
        .has("No escalation")
        .has("No meetings were held this month.")
        .has("No discount on this month's invoice.");
    let nl = Browser::of(&app, &w.admin).html_only();
    nl.get(&format!("/reports/2026-10?organization={b}"))
        .await
        .expect(200)
        .has("Compensatie (SLA §6.2)")
        .has("Geen escalatie")
        .has("In deze maand is geen overleg gehouden.")
        .has("Geen korting op de factuur van deze maand.");
    nl.get("/reports/2026-10")
        .await
        .expect(200)
        .lacks("Compensatie (SLA §6.2)");
    for (lang, words) in [("nl", "Geen escalatie"), ("en", "No escalation")] {
        let p = printed(&app, &who, b, "2026-10", lang).await;
        assert!(p.contains(words), "{words} in {p}");
    }
}
