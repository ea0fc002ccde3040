use std::time::Duration;

use probe::Heartbeat;

const MIN: i64 = 60_000;

fn rule() -> Heartbeat {
    Heartbeat::new(Duration::from_secs(60), 30)
}

#[test]
fn fresh_until_interval_plus_grace_has_passed() {
    let last = Some(1_000_000);
    assert_eq!(rule().deadline(last, 0), 1_000_000 + 90_000);
    assert!(!rule().is_overdue(last, 0, 1_000_000 + 90_000));
    assert!(rule().is_overdue(last, 0, 1_000_000 + 90_001));
    let ok = rule().check(last, 0, 1_000_000 + MIN);
    assert!(ok.ok);
    assert_eq!(
        (ok.at, ok.latency_ms, ok.detail.as_str()),
        (1_060_000, 0, "")
    );
}

#[test]
fn overdue_gives_a_failure_with_the_silence() {
    let result = rule().check(Some(1_000_000), 0, 1_000_000 + 95_000);
    assert!(!result.ok);
    assert_eq!(result.at, 1_095_000);
    assert_eq!(
        result.detail,
        "no push for 95 s (interval 60 s + grace 30 s)"
    );
}

#[test]
fn before_any_push_silence_counts_from_the_start_of_watching() {
    let since = 5_000_000;
    assert!(!rule().is_overdue(None, since, since + 90_000));
    let result = rule().check(None, since, since + 120_000);
    assert!(!result.ok);
    assert_eq!(
        result.detail,
        "no push since watching began 120 s ago (interval 60 s + grace 30 s)"
    );
}

#[test]
fn a_push_older_than_the_start_of_watching_counts_from_the_start() {
    assert_eq!(rule().deadline(Some(10), 1_000), 91_000);
}

#[test]
fn zero_grace_is_allowed() {
    let rule = Heartbeat::new(Duration::from_secs(10), 0);
    assert!(!rule.is_overdue(Some(0), 0, 10_000));
    assert!(rule.is_overdue(Some(0), 0, 10_001));
}
