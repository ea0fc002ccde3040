//! The monthly report through the API: tickets filed and answered on a fixed clock around the
//! month boundaries and the end of summer time, counted here independently from each ticket's
//! deadlines and the instants we answered them, and compared with the report and its CSV.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::harness::{App, Auth, at};

/// October 2026 in Amsterdam: from midnight 1 October (summer time, UTC+2) to midnight
/// 1 November (winter time again since 25 October, UTC+1).
const FROM: &str = "2026-09-30T22:00:00Z";
const TO: &str = "2026-10-31T23:00:00Z";

/// A report line's identity: kind, priority, bound index, percent (basis points), within.
type Key = (String, Option<String>, i64, u32, String);

/// One generated ticket: who files (A or B), kind, priority, when, and when we answer it.
struct Spec {
    a: bool,
    kind: &'static str,
    priority: Option<&'static str>,
    filed: &'static str,
    answered: Option<&'static str>,
}

const fn spec(
    a: bool,
    kind: &'static str,
    priority: Option<&'static str>,
    filed: &'static str,
    answered: Option<&'static str>,
) -> Spec {
    Spec {
        a,
        kind,
        priority,
        filed,
        answered,
    }
}

/// Answers are at :07 or :37 past, never on a (whole-hour) deadline.
const SPECS: &[Spec] = &[
    // Resolved just before / just after midnight 30 September–1 October in Amsterdam.
    spec(
        true,
        "incident",
        Some("urgent"),
        "2026-09-30T08:00:00Z",
        Some("2026-09-30T21:53:00Z"),
    ),
    spec(
        true,
        "incident",
        Some("high"),
        "2026-09-30T08:00:00Z",
        Some("2026-09-30T22:07:00Z"),
    ),
    spec(
        false,
        "incident",
        Some("urgent"),
        "2026-09-30T13:00:00Z",
        Some("2026-10-01T09:07:00Z"),
    ),
    // Early in the month, met and missed.
    spec(
        true,
        "incident",
        Some("urgent"),
        "2026-10-05T08:00:00Z",
        Some("2026-10-05T09:07:00Z"),
    ),
    spec(
        true,
        "incident",
        Some("urgent"),
        "2026-10-05T08:00:00Z",
        Some("2026-10-06T12:37:00Z"),
    ),
    spec(
        false,
        "incident",
        Some("normal"),
        "2026-10-06T10:00:00Z",
        Some("2026-10-07T10:07:00Z"),
    ),
    spec(
        true,
        "incident",
        Some("normal"),
        "2026-10-07T10:00:00Z",
        None,
    ),
    spec(
        false,
        "incident",
        Some("high"),
        "2026-10-08T14:00:00Z",
        Some("2026-10-12T08:07:00Z"),
    ),
    spec(
        true,
        "incident",
        Some("low"),
        "2026-10-09T09:00:00Z",
        Some("2026-10-13T09:07:00Z"),
    ),
    spec(
        true,
        "question",
        None,
        "2026-10-12T09:00:00Z",
        Some("2026-10-13T09:07:00Z"),
    ),
    spec(
        false,
        "question",
        None,
        "2026-10-12T09:00:00Z",
        Some("2026-10-22T09:07:00Z"),
    ),
    spec(
        true,
        "rfc",
        None,
        "2026-10-13T09:00:00Z",
        Some("2026-10-14T09:07:00Z"),
    ),
    spec(true, "rfc", None, "2026-10-14T09:00:00Z", None),
    // Across the end of summer time (Sunday 25 October 03:00 → 02:00).
    spec(
        true,
        "incident",
        Some("urgent"),
        "2026-10-23T14:00:00Z",
        Some("2026-10-26T08:37:00Z"),
    ),
    spec(
        false,
        "incident",
        Some("high"),
        "2026-10-23T15:00:00Z",
        Some("2026-10-26T15:07:00Z"),
    ),
    spec(
        true,
        "incident",
        Some("normal"),
        "2026-10-23T09:00:00Z",
        None,
    ),
    spec(
        true,
        "question",
        None,
        "2026-10-23T12:00:00Z",
        Some("2026-10-27T09:07:00Z"),
    ),
    // Resolved just before / just after midnight 31 October–1 November (winter time).
    spec(
        true,
        "incident",
        Some("low"),
        "2026-10-26T09:00:00Z",
        Some("2026-10-31T22:37:00Z"),
    ),
    spec(
        false,
        "incident",
        Some("low"),
        "2026-10-26T09:00:00Z",
        Some("2026-10-31T23:07:00Z"),
    ),
    spec(
        true,
        "incident",
        Some("urgent"),
        "2026-10-30T15:00:00Z",
        None,
    ),
    spec(
        false,
        "incident",
        Some("high"),
        "2026-11-02T09:00:00Z",
        Some("2026-11-02T10:07:00Z"),
    ),
];

fn ts(v: &Value) -> Timestamp {
    at(v.as_str().unwrap_or_else(|| panic!("an instant: {v}")))
}

fn key_of(kind: &str, priority: Option<&str>, bound: i64, t: &Value) -> Key {
    let percent = t["percent"].as_f64().expect("percent");
    (
        kind.to_string(),
        priority.filter(|_| kind == "incident").map(String::from),
        bound,
        (percent * 100.0).round() as u32,
        t["within"].as_str().expect("within").to_string(),
    )
}

/// The report lines with something counted, as (met, missed) per key.
fn counted(section: &Value) -> BTreeMap<Key, (u64, u64)> {
    section["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter(|l| l["counted"].as_u64() != Some(0))
        .map(|l| {
            let key = (
                l["kind"].as_str().expect("kind").to_string(),
                l["priority"].as_str().map(String::from),
                l["bound"].as_i64().expect("bound"),
                l["percent_bp"].as_u64().expect("bp") as u32,
                l["within"].as_str().expect("within").to_string(),
            );
            let (met, missed) = (
                l["met"].as_u64().expect("met"),
                l["missed"].as_u64().expect("missed"),
            );
            assert_eq!(l["counted"].as_u64(), Some(met + missed), "{l}");
            // Holds when met / counted reaches the percent.
            let holds = met * 10_000 >= u64::from(key.3) * (met + missed);
            assert_eq!(l["holds"].as_bool(), Some(holds), "{l}");
            assert_eq!(
                l["share_bp"].as_u64(),
                Some(met * 10_000 / (met + missed)),
                "{l}"
            );
            (key, (met, missed))
        })
        .collect()
}

/// Files and answers every ticket, then returns, per customer id, the expected (met, missed)
/// per key in October, and every ticket id expected to appear as missed in October.
async fn generate(
    app: &App,
    w: &crate::world::World,
) -> (HashMap<i64, BTreeMap<Key, (u64, u64)>>, Vec<i64>) {
    enum Step {
        File(usize),
        Answer(usize),
    }
    let mut steps: Vec<(Timestamp, Step)> = Vec::new();
    for (i, s) in SPECS.iter().enumerate() {
        steps.push((at(s.filed), Step::File(i)));
        if let Some(a) = s.answered {
            steps.push((at(a), Step::Answer(i)));
        }
    }
    steps.sort_by_key(|(t, _)| *t);
    let agent = w.agent.bearer();
    let mut ids = vec![0i64; SPECS.len()];
    for (t, step) in steps {
        app.clock.set(t);
        match step {
            Step::File(i) => {
                let s = &SPECS[i];
                let by = if s.a {
                    w.a.admin.bearer()
                } else {
                    w.b.admin.bearer()
                };
                let mut body = json!({ "kind": s.kind, "subject": format!("Rapportmelding {i}") });
                if let Some(p) = s.priority {
                    body["priority"] = json!(p);
                }
                ids[i] = app.file(&by, body).await["id"].as_i64().expect("id");
            }
            Step::Answer(i) => {
                let path = if SPECS[i].kind == "incident" {
                    app.post(
                        &agent,
                        &format!("/api/v1/tickets/{}/status", ids[i]),
                        json!({ "status": "resolved", "reason": "opgelost" }),
                    )
                    .await
                } else {
                    app.post(
                        &agent,
                        &format!("/api/v1/tickets/{}/comments", ids[i]),
                        json!({ "body": "Zo doet u dat." }),
                    )
                    .await
                };
                path.expect(200);
            }
        }
    }
    // Weeks later, every deadline of October has passed and been folded in.
    app.set_time("2026-12-15T12:00:00Z");
    while app.state.refresh_clocks().await.expect("refresh") >= 500 {}

    // Independently: a target is met when answered before its deadline (in the month of the
    // answer), else missed (in the month of the deadline); the world's own two tickets, never
    // answered, count too.
    let (from, to, now) = (at(FROM), at(TO), at("2026-12-15T12:00:00Z"));
    let answered: HashMap<i64, Timestamp> = SPECS
        .iter()
        .zip(&ids)
        .filter_map(|(s, id)| s.answered.map(|a| (*id, at(a))))
        .collect();
    let mut expected: HashMap<i64, BTreeMap<Key, (u64, u64)>> = HashMap::new();
    let mut missed_ids = Vec::new();
    let admin = w.admin.bearer();
    let mut all = ids.clone();
    all.extend([w.a.ticket, w.b.ticket]);
    for id in all {
        let t = app
            .get(&admin, &format!("/api/v1/tickets/{id}"))
            .await
            .expect(200)
            .json;
        let org = t["organization_id"].as_i64().expect("org");
        let kind = t["kind"].as_str().expect("kind");
        let priority = t["priority"].as_str();
        for (b, target) in t["sla"]["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .enumerate()
        {
            let deadline = ts(&target["deadline"]);
            let (met, decided) = match answered.get(&id) {
                Some(a) if *a < deadline => (true, *a),
                _ if deadline <= now => (false, deadline),
                _ => continue,
            };
            if decided < from || decided >= to {
                continue;
            }
            let e = expected
                .entry(org)
                .or_default()
                .entry(key_of(kind, priority, b as i64, target))
                .or_default();
            if met {
                e.0 += 1;
            } else {
                e.1 += 1;
                missed_ids.push(id);
            }
        }
    }
    (expected, missed_ids)
}

/// A customer's and all customers' October, in JSON and CSV, against independent counts.
pub async fn reports_monthly_counts(app: App) {
    app.set_time("2026-09-28T07:00:00Z");
    let w = app.world().await;
    let (expected, mut missed_ids) = generate(&app, &w).await;
    let vendor = w.manager.bearer();

    // Each customer's report, asked by the vendor.
    for c in [&w.a, &w.b] {
        let r = app
            .get(
                &vendor,
                &format!("/api/v1/reports/2026-10?organization={}", c.id),
            )
            .await
            .expect(200)
            .json;
        assert_eq!(r["month"], "2026-10");
        assert_eq!(
            (r["from"].as_str(), r["to"].as_str()),
            (Some(FROM), Some(TO))
        );
        assert_eq!(r["organization_id"].as_i64(), Some(c.id));
        let sections = r["sections"].as_array().expect("sections");
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0]["customer"], c.name.as_str());
        // Every target of the standard agreement has a line: 4 priorities × 2, 2 + 1.
        assert_eq!(sections[0]["targets"].as_array().expect("t").len(), 11);
        assert_eq!(
            counted(&sections[0]),
            expected.get(&c.id).cloned().unwrap_or_default()
        );
        assert!(
            r["missed"]
                .as_array()
                .expect("missed")
                .iter()
                .all(|m| m["organization_id"] == c.id)
        );
    }
    assert!(
        expected
            .values()
            .flat_map(|m| m.values())
            .any(|v| v.0 > 0 && v.1 > 0)
    );

    // All customers: each, then the total.
    let all = app
        .get(&vendor, "/api/v1/reports/2026-10")
        .await
        .expect(200)
        .json;
    let sections = all["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 3);
    assert_eq!(sections[2]["organization_id"], Value::Null);
    let mut total: BTreeMap<Key, (u64, u64)> = BTreeMap::new();
    for m in expected.values() {
        for (k, v) in m {
            let e = total.entry(k.clone()).or_default();
            e.0 += v.0;
            e.1 += v.1;
        }
    }
    assert!(
        total.len() >= 8,
        "too little counted to mean much: {total:?}"
    );
    assert_eq!(counted(&sections[2]), total);
    let mut listed: Vec<i64> = all["missed"]
        .as_array()
        .expect("missed")
        .iter()
        .map(|m| m["ticket_id"].as_i64().expect("id"))
        .collect();
    listed.sort_unstable();
    missed_ids.sort_unstable();
    assert_eq!(listed, missed_ids);
    for m in all["missed"].as_array().expect("missed") {
        let d = ts(&m["decided_at"]);
        assert!(d >= at(FROM) && d < at(TO), "{m}");
        assert_eq!(
            m["deadline"], m["decided_at"],
            "a miss counts when its deadline passed"
        );
    }

    // The CSV says the same, line for line (the report for all customers has only target
    // rows; a customer's compensation rows are checked in `report_compensation`).
    let csv = app
        .get(&vendor, "/api/v1/reports/2026-10?format=csv")
        .await
        .expect(200);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv"),
        "{:?}",
        csv.headers
    );
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "section,customer,kind,priority,percent,within,counted,met,missed,share_percent,\
             holds,budget,date,state,follow_ups,progress,proposed,fee_eur,amount_eur,\
             overrun_month,report_sha256,reason"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let json_lines: Vec<(&Value, &Value)> = sections
        .iter()
        .flat_map(|s| {
            s["targets"]
                .as_array()
                .expect("t")
                .iter()
                .map(move |t| (s, t))
        })
        .collect();
    assert_eq!(rows.len(), json_lines.len());
    for (row, (s, t)) in rows.iter().zip(&json_lines) {
        assert_eq!(row.len(), 22, "{row:?}");
        assert_eq!(row[0], "target", "{row:?}");
        assert!(row[12..].iter().all(|c| c.is_empty()), "{row:?}");
        let row = &row[1..];
        assert_eq!(row[0], s["customer"].as_str().expect("customer"));
        assert_eq!(row[1], t["kind"].as_str().expect("kind"));
        assert_eq!(row[2], t["priority"].as_str().unwrap_or(""));
        let bp = t["percent_bp"].as_u64().expect("bp");
        assert_eq!(row[3].parse::<f64>().expect("percent"), bp as f64 / 100.0);
        assert_eq!(row[4], t["within"].as_str().expect("within"));
        for (i, field) in [(5, "counted"), (6, "met"), (7, "missed"), (10, "budget")] {
            assert_eq!(
                row[i].parse::<u64>().ok(),
                t[field].as_u64(),
                "{field} in {row:?}"
            );
        }
        match t["share_bp"].as_u64() {
            Some(share) => assert_eq!(row[8].parse::<f64>().expect("share"), share as f64 / 100.0),
            None => assert_eq!(row[8], ""),
        }
        assert_eq!(row[9].parse::<bool>().ok(), t["holds"].as_bool());
    }

    // The distribution of resolution times, recounted here from every incident's own clock:
    // its 90% target decided in October, binned by the time it used in twelfths of its own
    // 100% bound (beyond it: the last bin).
    let mut bins: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for id in app.all_ticket_ids(&w.admin.bearer(), "").await {
        let t = app
            .get(&vendor, &format!("/api/v1/tickets/{id}"))
            .await
            .expect(200)
            .json;
        let targets = t["sla"]["targets"].as_array().expect("targets");
        let Some(decided) = targets[0]["decided_at"].as_str() else {
            continue;
        };
        let decided = at(decided);
        if t["kind"] != "incident" || decided < at(FROM) || decided >= at(TO) {
            continue;
        }
        let used = targets[0]["business_seconds_used"].as_i64().expect("used");
        let hard = targets[1]["business_seconds_allowed"]
            .as_i64()
            .expect("allowed");
        let bin = if used > hard {
            12
        } else {
            (used * 12 / hard).min(11)
        };
        let p = t["priority"].as_str().expect("priority").to_string();
        bins.entry(p).or_insert_with(|| vec![0; 13])[bin as usize] += 1;
    }
    assert!(!bins.is_empty());
    for d in all["distribution"].as_array().expect("distribution") {
        let p = d["priority"].as_str().expect("priority");
        let got: Vec<u64> = d["bins"]
            .as_array()
            .expect("bins")
            .iter()
            .map(|n| n.as_u64().expect("n"))
            .collect();
        assert_eq!(got, bins.get(p).cloned().unwrap_or(vec![0; 13]), "{p}");
        // As many as the 90% line of that priority counted.
        let counted: u64 = sections[2]["targets"]
            .as_array()
            .expect("t")
            .iter()
            .filter(|l| l["priority"] == p && l["bound"] == 0)
            .map(|l| l["counted"].as_u64().expect("counted"))
            .sum();
        assert_eq!(got.iter().sum::<u64>(), counted, "{p}");
    }
}

/// Customers see only their own report; bad months are refused naming `month`.
pub async fn reports_customers_and_bad_months(app: App) {
    let w = app.world().await;
    let a: Auth = w.a.viewer.bearer();
    // Another customer's: not found, like a customer that does not exist.
    app.get(
        &a,
        &format!("/api/v1/reports/2026-11?organization={}", w.b.id),
    )
    .await
    .problem(404, None);
    app.get(
        &w.b.admin.bearer(),
        &format!("/api/v1/reports/2026-11?organization={}", w.a.id),
    )
    .await
    .problem(404, None);
    app.get(
        &w.admin.bearer(),
        "/api/v1/reports/2026-11?organization=987654",
    )
    .await
    .problem(404, None);
    // Without a customer: their own, only.
    let own = app
        .get(&a, "/api/v1/reports/2026-11")
        .await
        .expect(200)
        .json;
    assert_eq!(own["organization_id"].as_i64(), Some(w.a.id));
    let sections = own["sections"].as_array().expect("sections");
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0]["organization_id"].as_i64(), Some(w.a.id));
    let csv = app
        .get(&a, "/api/v1/reports/2026-11?format=csv")
        .await
        .expect(200);
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    assert!(
        text.lines().skip(1).all(|l| l
            .split_once(',')
            .is_some_and(|(_, rest)| rest.starts_with("Klant A,"))),
        "{text}"
    );

    for bad in ["2026-13", "2026-1", "oktober", "2026-00", "26-10"] {
        app.get(&a, &format!("/api/v1/reports/{bad}"))
            .await
            .problem(400, Some("month"));
    }
    app.get(&a, "/api/v1/reports/2026-10?format=pdf")
        .await
        .problem(400, Some("format"));
    app.get(&Auth::None, "/api/v1/reports/2026-10")
        .await
        .problem(401, None);
}
