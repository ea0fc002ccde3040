use std::time::Duration;

use probe::{Prober, TcpProbe};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::support::closed_port;

#[tokio::test]
async fn listener_up_then_closed_then_back() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let probe = TcpProbe::new("127.0.0.1", addr.port())
        .unwrap()
        .allow_internal(true);
    let prober = Prober::new().with_clock(|| 42);
    let up = prober.check_tcp(&probe).await;
    assert!(up.ok, "{up:?}");
    assert_eq!((up.at, up.detail.as_str()), (42, ""));
    drop(listener);
    let down = prober.check_tcp(&probe).await;
    assert!(!down.ok);
    assert_eq!(down.detail, "connect refused");
    let _listener = TcpListener::bind(addr).await.unwrap();
    assert!(prober.check_tcp(&probe).await.ok);
}

#[tokio::test]
async fn localhost_name_is_resolved() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let probe = TcpProbe::new("localhost", port)
        .unwrap()
        .allow_internal(true);
    let result = Prober::new().check_tcp(&probe).await;
    assert!(result.ok, "{result:?}");
}

#[tokio::test]
async fn closed_port_is_refused() {
    let probe = TcpProbe::new("127.0.0.1", closed_port().await)
        .unwrap()
        .allow_internal(true);
    assert_eq!(
        Prober::new().check_tcp(&probe).await.detail,
        "connect refused"
    );
}

/// A listener whose accept queue is full drops new SYNs, so a connect hangs until the timeout.
#[tokio::test]
async fn full_accept_queue_times_out() {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let _listener = socket.listen(0).unwrap();
    // Fill the queue (never accepted) until a connect no longer completes at once.
    let mut held = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => held.push(stream),
            _ => break,
        }
    }
    let probe = TcpProbe::new("127.0.0.1", addr.port())
        .unwrap()
        .allow_internal(true)
        .timeout(Duration::from_millis(400));
    let result = Prober::new().check_tcp(&probe).await;
    assert!(!result.ok, "{result:?}");
    assert_eq!(result.detail, "timeout after 400 ms");
}

#[test]
fn empty_host_is_rejected() {
    assert!(TcpProbe::new("", 80).is_err());
    assert_eq!(TcpProbe::new("[::1]", 80).unwrap().host(), "::1");
}

/// Without the allowance, an internal address is refused before anything is connected: the
/// listener never sees a connection, also when a name resolves to it.
#[tokio::test]
async fn internal_targets_are_refused_unless_allowed() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    for host in ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"] {
        let probe = TcpProbe::new(host, port).unwrap();
        assert!(!probe.internal_allowed());
        let result = Prober::new().check_tcp(&probe).await;
        assert!(!result.ok, "{host}: {result:?}");
        assert!(
            result.detail.starts_with("refused: `")
                && result.detail.contains("resolves to the internal address")
                && result.detail.contains("not allowed for this monitor"),
            "{host}: {result:?}"
        );
    }
    let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(accepted.is_err(), "nothing connected");
    let allowed = TcpProbe::new("localhost", port)
        .unwrap()
        .allow_internal(true);
    assert!(Prober::new().check_tcp(&allowed).await.ok);
}
