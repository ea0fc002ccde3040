//! `loket report` on a small SQLite database written through the store.

use jiff::Timestamp;
use store::{
    Derived, EventType, NewAgreement, NewEvent, NewPerson, NewTicket, OrgId, Role, Scope, Store,
    TargetRow, TicketUpdate,
};

use crate::support::{loket, scratch};

/// 2026-10-12T08:00:00Z, a Monday in October.
const OCT: i64 = 1_791_792_000_000;
const HOUR: i64 = 3_600_000;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).expect("instant")
}

fn target(bound: i64, bp: i64, within: &str, outcome: &str, decided: Option<i64>) -> TargetRow {
    TargetRow {
        bound,
        percent_bp: bp,
        within: within.into(),
        deadline: Some(at(OCT + 4 * HOUR)),
        outcome: outcome.parse().expect("outcome"),
        decided_at: decided.map(at),
        business_used: 0,
        budget: 0,
        // The month in Amsterdam, as the service desk stores it with a decided target.
        decided_month: decided.map(|d| {
            let cal = sla::Policy::standard()
                .expect("standard")
                .compile_calendar()
                .expect("calendar");
            sla::Month::containing(&cal, d.div_euclid(1000)).key()
        }),
        bin: None,
    }
}

async fn ticket(
    store: &Store,
    org: OrgId,
    kind: &str,
    priority: Option<&str>,
    targets: Vec<TargetRow>,
) {
    let agreement = store
        .agreement_in_force(&Scope::System, org, OCT)
        .await
        .expect("agreement")
        .expect("in force");
    let reporter = store
        .list_people(&Scope::System, Some(org))
        .await
        .expect("people")[0]
        .id;
    let new = NewTicket {
        org_id: org,
        agreement_id: agreement.id,
        kind: kind.parse().expect("kind"),
        priority: priority.map(|p| p.parse().expect("priority")),
        channel: sla::Channel::Web,
        subject: "Storing".into(),
        reporter_id: reporter,
        received_at: at(OCT),
        created_at: at(OCT),
    };
    let first = NewEvent {
        at: at(OCT),
        actor_id: Some(reporter),
        kind: EventType::Created,
        data: serde_json::json!({ "subject": "Storing", "channel": "web" }),
    };
    let update = TicketUpdate {
        status: sla::Status::Resolved,
        priority: priority.map(|p| p.parse().expect("priority")),
        assignee_id: None,
        clocks: Derived {
            clock_start: at(OCT),
            next_deadline: None,
            queue_at: None,
            sla_outcome: sla::OutcomeKind::Met,
            paused: false,
            targets,
        },
    };
    store
        .create_ticket(&new, &first, &update)
        .await
        .expect("ticket");
}

/// Two customers: Aadorp with two urgent incidents (one missed the 4 hours), Bolder with a
/// question answered in time and one in November.
fn database(name: &str) -> String {
    let dir = scratch(name);
    let url = format!("sqlite:{}", dir.join("loket.db").display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store = Store::connect(&url).await.expect("connect");
        for (name, email) in [
            ("Gemeente Aadorp", "a@aadorp.example"),
            ("Bakkerij Bolder", "b@bolder.example"),
        ] {
            let org = store.create_org(name, 0).await.expect("org");
            store
                .add_agreement(
                    &Scope::System,
                    &NewAgreement {
                        org_id: org.id,
                        name: "Standaard SLA".into(),
                        policy: String::new(),
                        effective_from: 0,
                        document_ref: None,
                    },
                    0,
                )
                .await
                .expect("agreement");
            store
                .create_person(
                    &NewPerson {
                        email: email.into(),
                        name: "Beheerder".into(),
                        role: Role::CustomerAdmin,
                        org_id: Some(org.id),
                        lang: "nl".into(),
                        password_hash: None,
                    },
                    None,
                    0,
                )
                .await
                .expect("person");
        }
        let orgs = store.list_orgs(&Scope::System).await.expect("orgs");
        let id = |n: &str| orgs.iter().find(|o| o.name == n).expect("org").id;
        let (a, b) = (id("Gemeente Aadorp"), id("Bakkerij Bolder"));
        ticket(
            &store,
            a,
            "incident",
            Some("urgent"),
            vec![
                target(0, 9_000, "4 hours", "met", Some(OCT + HOUR)),
                target(1, 10_000, "6 hours", "met", Some(OCT + HOUR)),
            ],
        )
        .await;
        ticket(
            &store,
            a,
            "incident",
            Some("urgent"),
            vec![
                target(0, 9_000, "4 hours", "missed", Some(OCT + 4 * HOUR)),
                target(1, 10_000, "6 hours", "met", Some(OCT + 5 * HOUR)),
            ],
        )
        .await;
        ticket(
            &store,
            b,
            "question",
            None,
            vec![
                target(0, 9_000, "3 working_days", "met", Some(OCT + HOUR)),
                target(1, 10_000, "5 working_days", "met", Some(OCT + HOUR)),
            ],
        )
        .await;
        ticket(
            &store,
            b,
            "question",
            None,
            vec![
                target(
                    0,
                    9_000,
                    "3 working_days",
                    "met",
                    Some(OCT + 30 * 24 * HOUR),
                ),
                target(
                    1,
                    10_000,
                    "5 working_days",
                    "met",
                    Some(OCT + 30 * 24 * HOUR),
                ),
            ],
        )
        .await;
        store.close().await;
    });
    url
}

fn line<'a>(
    csv: &'a str,
    customer: &str,
    kind: &str,
    priority: &str,
    percent: &str,
) -> Vec<&'a str> {
    let prefix = format!("target,{customer},{kind},{priority},{percent},");
    let found: Vec<&str> = csv.lines().filter(|l| l.starts_with(&prefix)).collect();
    assert_eq!(found.len(), 1, "{prefix} in:\n{csv}");
    found[0].split(',').collect()
}

#[test]
fn report_csv_and_json_of_a_month() {
    let db = database("report-csv-json");
    let r = loket(
        &[
            "report",
            "--database",
            &db,
            "--month",
            "2026-10",
            "--customer",
            "gemeente aadorp",
            "--format",
            "csv",
        ],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.lines()[0],
        "section,customer,kind,priority,percent,within,counted,met,missed,share_percent,holds,\
         budget,date,state,follow_ups,progress,proposed,fee_eur,amount_eur,overrun_month,\
         report_sha256,reason"
    );
    // Eleven targets, then the customer's compensation: no escalation, no discount.
    assert_eq!(r.lines().len(), 1 + 11 + 2, "{}", r.stdout);
    assert!(
        r.lines()[1..12]
            .iter()
            .all(|l| l.starts_with("target,Gemeente Aadorp,"))
    );
    // (The state is taken on October's last day, or today if that is earlier.)
    let state: Vec<&str> = r.lines()[12].split(',').collect();
    assert_eq!(
        (state[..4].to_vec(), state[13], state[14]),
        (
            vec!["escalation", "Gemeente Aadorp", "escalation", ""],
            "none",
            "0"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.lines()[13],
        "discount_total,Gemeente Aadorp,total,,,,,,,,,,,,,,,,0.00,,,"
    );
    // 1 of 2 within 4 hours: 50% < 90%, no budget; both within 6 hours.
    assert_eq!(
        line(&r.stdout, "Gemeente Aadorp", "incident", "urgent", "90.00")[6..12],
        ["2", "1", "1", "50.00", "false", "0"]
    );
    assert_eq!(
        line(&r.stdout, "Gemeente Aadorp", "incident", "urgent", "100.00")[6..12],
        ["2", "2", "0", "100.00", "true", "0"]
    );
    assert_eq!(
        line(&r.stdout, "Gemeente Aadorp", "question", "", "90.00")[6..12],
        ["0", "0", "0", "", "true", "0"]
    );

    // All customers in JSON: each, then together; November's question is not in October.
    let r = loket(
        &[
            "report",
            "--database",
            &db,
            "--month",
            "2026-10",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let sections = v["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 3);
    let all = &sections[2]["targets"];
    let find = |kind: &str, bp: u64| {
        all.as_array()
            .expect("targets")
            .iter()
            .find(|t| {
                t["kind"] == kind
                    && t["percent_bp"] == bp
                    && (kind != "incident" || t["priority"] == "urgent")
            })
            .expect("line")
            .clone()
    };
    assert_eq!(find("question", 9_000)["counted"], 1);
    assert_eq!(find("incident", 9_000)["missed"], 1);
    assert_eq!(v["missed"].as_array().expect("missed").len(), 1);
    assert_eq!(v["missed"][0]["decided_at"], "2026-10-12T12:00:00Z");
}

#[test]
fn report_mistakes_exit_2() {
    let db = database("report-mistakes");
    let r = loket(
        &[
            "report",
            "--database",
            &db,
            "--month",
            "2026-10",
            "--customer",
            "Nobody BV",
        ],
        b"",
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("Nobody BV") && r.stderr.contains("Gemeente Aadorp"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    for bad in ["2026-13", "oktober", "2026-1"] {
        let r = loket(&["report", "--database", &db, "--month", bad], b"");
        assert_eq!(r.code, 2, "{bad}");
        assert!(r.stderr.contains("--month"), "{}", r.stderr);
    }
    let r = loket(
        &[
            "report",
            "--database",
            &db,
            "--month",
            "2026-10",
            "--format",
            "pdf",
        ],
        b"",
    );
    assert_eq!(r.code, 2);
    let missing = scratch("report-missing").join("none.db");
    let r = loket(
        &[
            "report",
            "--database",
            &format!("sqlite:{}", missing.display()),
            "--month",
            "2026-10",
        ],
        b"",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!missing.exists());
}

/// The printable report as one self-contained HTML file: Dutch by default (English on
/// request), the A4 print stylesheet inside it, the figures and the charts.
#[test]
fn report_html_is_printable_and_self_contained() {
    let db = database("report-html");
    let args = |lang: Option<&'static str>| {
        let mut a = vec![
            "report",
            "--database",
            db.as_str(),
            "--month",
            "2026-10",
            "--customer",
            "Gemeente Aadorp",
            "--format",
            "html",
        ];
        if let Some(l) = lang {
            a.extend(["--lang", l]);
        }
        a
    };
    let r = loket(&args(None), b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = &r.stdout;
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\"nl\">"),
        "{html}"
    );
    assert!(
        html.contains("<style>") && html.contains("size: A4"),
        "stylesheet inside"
    );
    assert!(
        !html.contains("href=\"/static/"),
        "nothing to fetch from a server"
    );
    assert!(html.contains("Servicerapportage oktober 2026"));
    assert!(html.contains("Gemeente Aadorp") && !html.contains("Bakkerij Bolder"));
    assert!(html.contains("Voorlopig"), "not published: provisional");
    // 5 trend charts (4 priorities, questions) and 4 distributions.
    assert_eq!(html.matches("<svg").count(), 9);
    let en = loket(&args(Some("en")), b"");
    assert_eq!(en.code, 0, "{}", en.stderr);
    assert!(en.stdout.contains("<html lang=\"en\">"));
    assert!(en.stdout.contains("Service-level report October 2026"));
    let bad = loket(&args(Some("de")), b"");
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--lang"), "{}", bad.stderr);
}
