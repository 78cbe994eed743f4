//! The server against careless and hostile clients: files that name other
//! files, bursts, unknown ids, half-sent requests, guessed tokens, foreign
//! hosts and origins, malformed requests, bad settings.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tween_server::{App, ServerConfig};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// Another loopback address: "another client" on the same machine.
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// An HLS playlist naming `target` by its absolute path.
fn playlist(target: &std::path::Path) -> String {
    format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{}\n#EXT-X-ENDLIST\n",
        target.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_naming_other_files_never_reach_them() {
    let t = TestApp::new(|_| {});
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.ts");
    make_clip(&secret, "64x48", 10, 1.0);
    let list = playlist(&secret);
    // Uploads: an HLS playlist, a DASH manifest, an ffconcat list.
    let mpd = format!(
        r#"<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011" type="static" mediaPresentationDuration="PT1S"><Period><AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000"><BaseURL>{}</BaseURL></Representation></AdaptationSet></Period></MPD>"#,
        secret.display()
    );
    let concat = format!("ffconcat version 1.0\nfile {}\n", secret.display());
    for (name, bytes, why) in [
        ("list.m3u8", list.as_str(), "HLS playlist"),
        ("clip.mp4", list.as_str(), "HLS playlist"),
        ("clip.mpd", mpd.as_str(), "DASH manifest"),
        ("list.ffconcat", concat.as_str(), "concat list"),
    ] {
        let (s, v) = t.upload(name, bytes.as_bytes()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {v}");
        assert_eq!(code(&v), "unreadable_input", "{name}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(why) && msg.contains(name), "{name}: {msg}");
    }
    // --input-dir paths: the same files put in the input folder.
    std::fs::write(t.input("list.m3u8"), &list).unwrap();
    std::fs::write(t.input("list.ffconcat"), &concat).unwrap();
    for path in ["list.m3u8", "list.ffconcat"] {
        let (s, v) = t
            .post(
                "/api/jobs",
                json!({"kind": "reencode", "params": {"input": {"path": path}}}),
            )
            .await;
        let failed = if s == StatusCode::CREATED {
            let id = v["id"].as_str().unwrap().to_string();
            t.wait_job(&id, 60, |j| {
                j["state"] != "queued" && j["state"] != "running"
            })
            .await
        } else {
            v
        };
        let text = failed.to_string();
        assert!(
            text.contains("refused") && !text.contains("\"state\":\"done\""),
            "{path}: {text}"
        );
    }
    // No result of any job holds anything: nothing was written.
    let results = t.data.path().join("results");
    let files: Vec<_> = walk(&results);
    assert!(files.is_empty(), "no results: {files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_of_unknown_jobs_keep_nothing() {
    let t = TestApp::new(|_| {});
    for _ in 0..2000 {
        let id = tween_jobs::JobId::new();
        let (s, v) = t.get(&format!("/api/jobs/{id}/events")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        assert_eq!(code(&v), "not_found");
    }
    let live = &t.app.as_ref().unwrap().state.queue.live;
    assert_eq!(live.len(), 0, "no entry kept for unknown ids");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_jobs_gets_exactly_the_client_limit() {
    let t = std::sync::Arc::new(TestApp::new(|c| c.limits.max_jobs_per_client = 8));
    make_clip(&t.input("long.mp4"), "320x240", 30, 4.0);
    let new =
        json!({"kind": "interpolate", "params": {"input": {"path": "long.mp4"}, "factor": 4}});
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let t = t.clone();
        let new = new.clone();
        tasks.push(tokio::spawn(async move { t.post("/api/jobs", new).await }));
    }
    let mut created = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let (s, v) = task.await.unwrap();
        match s {
            StatusCode::CREATED => created.push(v["id"].as_str().unwrap().to_string()),
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(code(&v), "too_many_jobs", "{v}");
                refused += 1;
            }
            s => panic!("unexpected {s}: {v}"),
        }
    }
    assert_eq!((created.len(), refused), (8, 12));
    for id in &created {
        let _ = t.post(&format!("/api/jobs/{id}/cancel"), json!({})).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_json() {
    let t = TestApp::new(|_| {});
    let send = |method: &str, uri: &str, ct: Option<&str>, body: &str| {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(ct) = ct {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        b.body(Body::from(body.to_string())).unwrap()
    };
    let cases = [
        (
            send("POST", "/api/jobs", Some("application/json"), "{not json"),
            400,
            "bad_request",
        ),
        (
            send("POST", "/api/jobs", Some("text/plain"), "{}"),
            415,
            "unsupported_media_type",
        ),
        (
            send("POST", "/api/jobs", None, "{}"),
            415,
            "unsupported_media_type",
        ),
        (
            send(
                "POST",
                "/api/jobs",
                Some("application/json"),
                "{\"params\":{}}",
            ),
            422,
            "bad_params",
        ),
        (
            send(
                "POST",
                "/api/login",
                Some("application/json"),
                "{\"token\":",
            ),
            400,
            "bad_request",
        ),
        (
            send("DELETE", "/api/health", None, ""),
            405,
            "method_not_allowed",
        ),
        (
            send("PUT", "/api/jobs", None, ""),
            405,
            "method_not_allowed",
        ),
        (send("GET", "/api/nope", None, ""), 404, "not_found"),
        (
            send("GET", "/api/jobs?limit=x", None, ""),
            400,
            "bad_request",
        ),
        (
            send("POST", "/api/uploads", Some("application/json"), "{}"),
            400,
            "bad_request",
        ),
    ];
    for (req, status, want) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let (s, body, headers) = t.send(req).await;
        assert_eq!(
            s.as_u16(),
            status,
            "{what}: {}",
            String::from_utf8_lossy(&body)
        );
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{what}"
        );
        let v: Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(code(&v), want, "{what}: {v}");
        assert!(
            !v["error"]["message"].as_str().unwrap().is_empty(),
            "{what}: {v}"
        );
    }
}

#[test]
fn bad_settings_are_refused_at_start_naming_the_flag() {
    let data = tempfile::tempdir().unwrap();
    let start = |f: &dyn Fn(&mut ServerConfig)| {
        let mut c = ServerConfig::new(data.path());
        f(&mut c);
        App::start_default(c).err().expect("refused").to_string()
    };
    assert!(start(&|c| c.token = Some(String::new())).contains("--token"));
    assert!(start(&|c| c.limits.max_duration_s = f64::NAN).contains("--max-duration-s"));
    assert!(start(&|c| c.limits.max_duration_s = -5.0).contains("--max-duration-s"));
    assert!(start(&|c| c.workers = 0).contains("--workers"));
    assert!(start(&|c| c.limits.max_jobs_per_client = 0).contains("--max-jobs-per-client"));
    // Nothing was created in the data folder by a refused start.
    assert!(std::fs::read_dir(data.path()).unwrap().next().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tokens_are_throttled_per_client() {
    let t = TestApp::new(|c| {
        c.token = Some("s3cret".into());
        c.limits.max_failed_logins = 3;
    });
    for _ in 0..3 {
        let (s, v) = t.post("/api/login", json!({"token": "guess"})).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    }
    // Now even the right token waits, at the login and on the API.
    let (s, v) = t.post("/api/login", json!({"token": "s3cret"})).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(code(&v), "too_many_attempts");
    let req = Request::get("/api/jobs")
        .header(header::AUTHORIZATION, "Bearer s3cret")
        .body(Body::empty())
        .unwrap();
    let (s, _, headers) = t.send(req).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    // A request without any token is not a guess: plain 401.
    let (s, _) = t.get("/api/jobs").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_hosts_and_cross_origin_posts_are_refused() {
    let srv = SocketServer::start(|_| {}).await;
    let port = srv.addr.port();
    let get = |host: &str| {
        format!("GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    };
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (s, text) = raw_http(srv.addr, LOCAL, get(&host).as_bytes()).await;
        assert_eq!(s, 200, "{host}: {text}");
    }
    // DNS rebinding: a page on attacker.example whose name now resolves to
    // 127.0.0.1 sends its own name as Host.
    for host in [
        format!("attacker.example:{port}"),
        format!("127.0.0.1.attacker.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let (s, text) = raw_http(srv.addr, LOCAL, get(&host).as_bytes()).await;
        assert_eq!(s, 403, "{host}: {text}");
        assert_eq!(code(&body_json(&text)), "host_not_allowed");
    }
    // A form on another site posting an upload here.
    let post = |origin: &str| {
        let boundary = "XyZ";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--{boundary}--\r\n"
        );
        format!(
            "POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    for origin in [
        "http://attacker.example",
        "null",
        &format!("http://localhost:{}", port.wrapping_add(1)),
    ] {
        let (s, text) = raw_http(srv.addr, LOCAL, post(origin).as_bytes()).await;
        assert_eq!(s, 403, "{origin}: {text}");
        assert_eq!(code(&body_json(&text)), "origin_not_allowed");
    }
    assert!(
        walk(&srv.data.path().join("uploads")).is_empty(),
        "nothing stored"
    );
    // The same post from the server's own page gets through the guard (the
    // text file is then refused as media, 422).
    let (s, text) = raw_http(
        srv.addr,
        LOCAL,
        post(&format!("http://127.0.0.1:{port}")).as_bytes(),
    )
    .await;
    assert_eq!(s, 422, "{text}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_are_closed_and_cannot_starve_health() {
    let srv = SocketServer::start(|c| {
        c.header_timeout = Duration::from_secs(1);
        c.body_timeout = Duration::from_secs(1);
        c.max_connections_per_client = 16;
    })
    .await;
    // 200 connections from one client, each with half a request.
    let mut held = Vec::new();
    for _ in 0..200 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((OTHER, 0).into()).unwrap();
        let Ok(mut s) = socket.connect(srv.addr).await else {
            continue;
        };
        let _ = s
            .write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0")
            .await;
        held.push(s);
    }
    // Another client is still served at once.
    let (s, text) = raw_http(
        srv.addr,
        LOCAL,
        b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(s, 200, "{text}");
    // Every half-sent request is closed by the server, in bounded time.
    let t0 = Instant::now();
    for mut s in held {
        let mut buf = Vec::new();
        let r = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf)).await;
        assert!(
            r.is_ok(),
            "a half-sent request is still open after {:?}",
            t0.elapsed()
        );
    }
    // A body that stops arriving fails too.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    let mut s = socket.connect(srv.addr).await.unwrap();
    s.write_all(
        b"POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"kind\":",
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
        .await
        .expect("a stalled body is given up in bounded time")
        .unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 4"), "{text}");
    srv.stop().await;
}
