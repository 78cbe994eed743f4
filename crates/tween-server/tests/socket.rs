//! The server over a real socket on 127.0.0.1:0: raw HTTP/1.1 requests,
//! the per-client limit keyed by the remote address, the event stream, and
//! the server staying responsive while every worker is busy.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tween_server::{serve_on, App, ServerConfig};

/// One request, `Connection: close`; returns status and body.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn json_body(b: &str) -> Value {
    serde_json::from_str(b).unwrap_or_else(|_| panic!("not JSON: {b}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_socket_limits_events_and_responsiveness() {
    let data = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    make_clip(&inputs.path().join("long.mp4"), "320x240", 30, 4.0);
    let mut config = ServerConfig::new(data.path());
    config.input_dir = Some(inputs.path().to_path_buf());
    config.workers = 2;
    config.limits.max_jobs_per_client = 2;
    let app = App::start_default(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_on(listener, app, async {
        let _ = stop_rx.await;
    }));

    let (s, b) = http(addr, "GET", "/api/health", None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(json_body(&b)["workers"], 2);

    // Two long jobs keep both workers (and both cores) busy.
    let new =
        json!({"kind": "interpolate", "params": {"input": {"path": "long.mp4"}, "factor": 4}});
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (s, b) = http(addr, "POST", "/api/jobs", Some(&new)).await;
        assert_eq!(s, 201, "{b}");
        ids.push(json_body(&b)["id"].as_str().unwrap().to_string());
    }
    // This client (127.0.0.1) has its two: a third is refused.
    let (s, b) = http(addr, "POST", "/api/jobs", Some(&new)).await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(json_body(&b)["error"]["code"], "too_many_jobs");

    // Wait until both run, then the API must still answer quickly.
    let start = Instant::now();
    loop {
        let (_, b) = http(addr, "GET", "/api/jobs?state=running", None).await;
        if json_body(&b).as_array().unwrap().len() == 2 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "jobs did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let t0 = Instant::now();
        let (s, _) = http(addr, "GET", "/api/health", None).await;
        assert_eq!(s, 200);
        slowest = slowest.max(t0.elapsed());
    }
    assert!(
        slowest < Duration::from_secs(1),
        "health took {slowest:?} while the workers were busy"
    );

    // The event stream of a running job sends progress; cancelling ends it.
    let mut sse = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET /api/jobs/{}/events HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        ids[0]
    );
    sse.write_all(req.as_bytes()).await.unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(30);
    while !seen.contains("event: progress") {
        assert!(Instant::now() < deadline, "no progress event: {seen}");
        let n = tokio::time::timeout(Duration::from_secs(30), sse.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "stream closed early: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(seen.contains("text/event-stream"), "{seen}");
    for id in &ids {
        let (s, b) = http(addr, "POST", &format!("/api/jobs/{id}/cancel"), None).await;
        assert_eq!(s, 200, "{b}");
    }
    let mut rest = String::new();
    tokio::time::timeout(Duration::from_secs(30), sse.read_to_string(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert!(
        rest.contains("\"state\":\"cancelled\""),
        "the stream ends with the final state: {rest}"
    );
    // A running job stops at its next frame: wait for every cancel to land.
    for id in &ids {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, b) = http(addr, "GET", &format!("/api/jobs/{id}"), None).await;
            if b.contains("\"state\":\"cancelled\"") {
                break;
            }
            assert!(Instant::now() < deadline, "job {id} was not cancelled: {b}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    let (s, b) = http(addr, "GET", "/metrics", None).await;
    assert_eq!(s, 200);
    assert!(b.contains("tween_jobs{state=\"cancelled\"} 2"), "{b}");
    assert!(
        b.contains("tween_http_requests_total{status=\"429\"} 1"),
        "{b}"
    );

    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
