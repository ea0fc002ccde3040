use std::time::Duration;

use probe::{ExpectedStatus, HttpProbe, Prober, USER_AGENT};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::support::{Target, closed_port};

fn prober() -> Prober {
    Prober::new().with_clock(|| 1_700_000_000_000)
}

#[tokio::test]
async fn up_target_is_ok_and_sees_host_and_user_agent() {
    let target = Target::start().await;
    let probe = HttpProbe::new(&target.url("/health?x=1"))
        .unwrap()
        .allow_internal(true);
    let result = prober().check_http(&probe).await;
    assert!(result.ok, "{result:?}");
    assert_eq!(result.detail, "");
    assert_eq!(result.at, 1_700_000_000_000);
    assert!(result.latency_ms < 2_000);
    let (hosts, agents, hits) = target.seen(|s| {
        (
            s.hosts.clone(),
            s.user_agents.clone(),
            s.hits.get("/health").copied(),
        )
    });
    assert_eq!(hosts, vec![target.addr.to_string()]);
    assert_eq!(
        agents,
        vec![format!("loket-probe/{}", env!("CARGO_PKG_VERSION"))]
    );
    assert_eq!(agents[0], USER_AGENT);
    assert_eq!(hits, Some(1));
}

#[tokio::test]
async fn host_header_can_be_overridden() {
    let target = Target::start().await;
    let probe = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true)
        .host_header("status.example.nl");
    assert!(prober().check_http(&probe).await.ok);
    assert_eq!(target.seen(|s| s.hosts.clone()), vec!["status.example.nl"]);
}

#[tokio::test]
async fn status_503_fails_and_recovery_is_seen() {
    let target = Target::start().await;
    let probe = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true);
    target.set(|b| b.status = 503);
    let down = prober().check_http(&probe).await;
    assert!(!down.ok);
    assert_eq!(down.detail, "status 503, expected 200–399");
    target.set(|b| b.status = 200);
    let up = prober().check_http(&probe).await;
    assert!(up.ok, "{up:?}");
}

#[tokio::test]
async fn exact_status_is_checked() {
    let target = Target::start().await;
    let probe = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true)
        .expect_status(ExpectedStatus::Exact(204));
    let result = prober().check_http(&probe).await;
    assert_eq!(result.detail, "status 200, expected 204");
    target.set(|b| {
        b.status = 204;
        b.body = String::new();
    });
    assert!(prober().check_http(&probe).await.ok);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let target = Target::start().await;
    target.set(|b| {
        b.status = 302;
        b.location = Some("/elsewhere".to_owned());
    });
    let default = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true);
    assert!(prober().check_http(&default).await.ok);
    let strict = default.expect_status(ExpectedStatus::Exact(200));
    assert_eq!(
        prober().check_http(&strict).await.detail,
        "status 302, expected 200"
    );
    assert_eq!(target.seen(|s| s.hits.get("/elsewhere").copied()), None);
    assert_eq!(target.seen(|s| s.hits.get("/").copied()), Some(2));
}

#[tokio::test]
async fn keyword_missing_then_back() {
    let target = Target::start().await;
    let probe = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true)
        .keyword("operational");
    assert!(prober().check_http(&probe).await.ok);
    target.set(|b| b.body = "<html>major outage</html>".to_owned());
    let down = prober().check_http(&probe).await;
    assert!(!down.ok);
    assert_eq!(down.detail, "keyword `operational` missing");
    target.set(|b| b.body = "<html>all systems operational</html>".to_owned());
    assert!(prober().check_http(&probe).await.ok);
}

#[tokio::test]
async fn keyword_is_only_looked_for_in_the_first_256_kib() {
    let target = Target::start().await;
    let probe = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true)
        .keyword("needle");
    // Found near the end of the limit, also when it straddles chunk boundaries.
    target.set(|b| b.body = format!("{}needle{}", "x".repeat(200 * 1024), "y".repeat(100 * 1024)));
    assert!(prober().check_http(&probe).await.ok);
    target.set(|b| b.body = format!("{}needle", "x".repeat(300 * 1024)));
    let down = prober().check_http(&probe).await;
    assert_eq!(down.detail, "keyword `needle` missing in first 256 KiB");
}

#[tokio::test]
async fn slower_than_the_latency_limit_fails() {
    let target = Target::start().await;
    let probe = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true)
        .max_latency(Duration::from_millis(100));
    target.set(|b| b.delay = Duration::from_millis(300));
    let slow = prober().check_http(&probe).await;
    assert!(!slow.ok);
    assert!(slow.latency_ms >= 300, "{slow:?}");
    assert_eq!(
        slow.detail,
        format!("took {} ms, limit 100 ms", slow.latency_ms)
    );
    target.set(|b| b.delay = Duration::ZERO);
    assert!(prober().check_http(&probe).await.ok);
}

#[tokio::test]
async fn no_answer_within_the_timeout_fails() {
    let target = Target::start().await;
    target.set(|b| b.delay = Duration::from_secs(5));
    let probe = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true)
        .timeout(Duration::from_millis(300));
    let result = prober().check_http(&probe).await;
    assert_eq!(result.detail, "timeout after 300 ms");
    assert!((300..2_000).contains(&result.latency_ms), "{result:?}");
    let probe = probe.timeout(Duration::from_secs(1));
    let result = prober().check_http(&probe).await;
    assert_eq!(result.detail, "timeout after 1 s");
}

#[tokio::test]
async fn stopped_target_is_refused_and_recovery_is_seen() {
    let mut target = Target::start().await;
    let probe = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true);
    assert!(prober().check_http(&probe).await.ok);
    target.stop().await;
    let down = prober().check_http(&probe).await;
    assert!(!down.ok);
    assert_eq!(down.detail, "connect refused");
    target.restart().await;
    let up = prober().check_http(&probe).await;
    assert!(up.ok, "{up:?}");
}

#[tokio::test]
async fn closed_port_is_refused() {
    let port = closed_port().await;
    let probe = HttpProbe::new(&format!("http://127.0.0.1:{port}/"))
        .unwrap()
        .allow_internal(true);
    assert_eq!(prober().check_http(&probe).await.detail, "connect refused");
}

#[tokio::test]
async fn connection_closed_without_response_fails() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let _ = socket.shutdown().await;
        }
    });
    let probe = HttpProbe::new(&format!("http://{addr}/"))
        .unwrap()
        .allow_internal(true);
    let result = prober().check_http(&probe).await;
    assert!(!result.ok);
    assert!(result.detail.starts_with("http error: "), "{result:?}");
}

#[tokio::test]
async fn garbage_response_fails() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let _ = socket.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await;
            let _ = socket.shutdown().await;
        }
    });
    let probe = HttpProbe::new(&format!("http://{addr}/"))
        .unwrap()
        .allow_internal(true);
    let result = prober().check_http(&probe).await;
    assert!(!result.ok);
    assert!(result.detail.starts_with("http error: "), "{result:?}");
}

#[test]
fn urls_are_validated() {
    assert!(HttpProbe::new("ftp://example.nl/").is_err());
    assert!(HttpProbe::new("example.nl/status").is_err());
    assert!(HttpProbe::new("http://user:pw@example.nl/").is_err());
    assert!(HttpProbe::new("http:// bad").is_err());
    let p = HttpProbe::new("https://example.nl").unwrap();
    assert_eq!(p.host_header_value(), "example.nl");
    let p = HttpProbe::new("https://example.nl:8443/a?b=c").unwrap();
    assert_eq!(p.host_header_value(), "example.nl:8443");
    let p = HttpProbe::new("http://[::1]:8080/").unwrap();
    assert_eq!(p.host_header_value(), "[::1]:8080");
    assert_eq!(p.timeout_value(), Duration::from_secs(10));
    assert_eq!(p.expected_status(), ExpectedStatus::SuccessOrRedirect);
}

/// An HTTP probe of an internal address fails with the reason unless it is allowed, and the
/// target never sees the request.
#[tokio::test]
async fn internal_targets_are_refused_unless_allowed() {
    let target = Target::start().await;
    let port = target.addr.port();
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://[::ffff:7f00:1]:{port}/"),
    ] {
        let result = prober().check_http(&HttpProbe::new(&url).unwrap()).await;
        assert!(!result.ok, "{url}: {result:?}");
        assert!(
            result.detail.starts_with("refused: `") && result.detail.contains("internal address"),
            "{url}: {result:?}"
        );
    }
    assert!(
        target.seen(|s| s.hits.is_empty()),
        "no request reached the target"
    );
    let allowed = HttpProbe::new(&target.url("/"))
        .unwrap()
        .allow_internal(true);
    assert!(allowed.internal_allowed());
    assert!(prober().check_http(&allowed).await.ok);
}
