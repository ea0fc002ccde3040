use std::collections::HashSet;
use std::time::Duration;

use probe::{HttpProbe, MIN_INTERVAL, Monitor, MonitorError, Probe, TcpProbe, first_run_offset};

fn tcp() -> Probe {
    Probe::Tcp(TcpProbe::new("127.0.0.1", 9).unwrap().allow_internal(true))
}

#[test]
fn interval_below_ten_seconds_is_rejected() {
    let err = Monitor::new(1, tcp(), Duration::from_secs(9)).unwrap_err();
    assert_eq!(
        err,
        MonitorError::IntervalTooShort {
            interval: Duration::from_secs(9),
            minimum: MIN_INTERVAL
        }
    );
    assert_eq!(
        err.to_string(),
        "interval 9 s is shorter than the minimum of 10 s"
    );
    let push = Probe::Push { grace_s: 0 };
    assert!(Monitor::new(1, push, Duration::from_millis(9_999)).is_err());
    let ok = Monitor::new(1, tcp(), Duration::from_secs(10)).unwrap();
    assert_eq!((ok.id(), ok.interval()), (1, Duration::from_secs(10)));
}

#[test]
fn timeout_must_be_positive_and_fit_in_the_interval() {
    let http = HttpProbe::new("http://127.0.0.1/").unwrap();
    let long = Probe::Http(http.clone().timeout(Duration::from_secs(31)));
    assert_eq!(
        Monitor::new(1, long, Duration::from_secs(30)).unwrap_err(),
        MonitorError::TimeoutLongerThanInterval {
            timeout: Duration::from_secs(31),
            interval: Duration::from_secs(30)
        }
    );
    let zero = Probe::Http(http.timeout(Duration::ZERO));
    assert_eq!(
        Monitor::new(1, zero, Duration::from_secs(30)).unwrap_err(),
        MonitorError::ZeroTimeout
    );
}

#[test]
fn first_runs_are_deterministic_and_spread() {
    let interval = Duration::from_secs(30);
    let offsets: Vec<Duration> = (1..=1000)
        .map(|id| first_run_offset(id, interval))
        .collect();
    assert_eq!(
        offsets,
        (1..=1000)
            .map(|id| first_run_offset(id, interval))
            .collect::<Vec<_>>()
    );
    assert!(offsets.iter().all(|o| *o < interval));
    // Every 1-second slot of the 30 gets some monitors, none more than twice its share.
    let mut per_second = [0usize; 30];
    for o in &offsets {
        per_second[usize::try_from(o.as_secs()).unwrap()] += 1;
    }
    assert!(
        per_second.iter().all(|n| (10..=67).contains(n)),
        "{per_second:?}"
    );
    let distinct: HashSet<_> = offsets.iter().collect();
    assert!(distinct.len() > 950);
}
