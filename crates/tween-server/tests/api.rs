//! The API through the router, without a socket (tower `oneshot`), with the
//! real job runner (tween-ops) on clips made by the ffmpeg CLI.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::{json, Value};

fn code(v: &Value) -> &str {
    v["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {v}"))
}

#[tokio::test]
async fn health_models_and_ui_are_served() {
    let t = TestApp::new(|c| c.workers = 2);
    let (s, h) = t.get("/api/health").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["workers"], 2);
    assert_eq!(h["queue"], 0);
    let (s, models) = t.get("/api/models").await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<(&str, &str)> = models
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["task"].as_str().unwrap()))
        .collect();
    assert!(names.contains(&("classical", "interpolate")), "{names:?}");
    assert!(names.contains(&("lanczos", "upscale")), "{names:?}");
    let (s, body, headers) = t.send(Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let on_disk = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/index.html")).unwrap();
    assert_eq!(body, on_disk, "/ serves the embedded ui/index.html");
    let (s, v) = t.get("/no/such/thing").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(code(&v), "not_found");
}

#[tokio::test]
async fn openapi_document_and_vendored_swagger_ui() {
    let t = TestApp::new(|_| {});
    let (s, doc) = t.get("/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/jobs",
        "/api/jobs/{id}",
        "/api/jobs/{id}/events",
        "/api/uploads",
        "/api/models",
        "/metrics",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    let (s, body, _) = t
        .send(Request::get("/api/docs/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("https://"),
        "Swagger UI must not load anything from the network"
    );
    let (s, _, _) = t
        .send(
            Request::get("/api/docs/swagger-ui-bundle.js")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn errors_are_stable_json_and_params_are_checked() {
    let t = TestApp::new(|_| {});
    make_clip(&t.input("a.mp4"), "64x48", 10, 1.0);
    let (s, v) = t.get("/api/jobs/j_0123").await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
    let (s, v) = t.get("/api/jobs/..%2F..%2Fetc").await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
    let (s, v) = t
        .post("/api/jobs", json!({"kind": "explode", "params": {}}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_params")
    );
    let (s, v) = t
        .post("/api/jobs", json!({"kind": "extract", "params": {"input": {"path": "a.mp4"}, "start": 5, "end": 2}}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_params")
    );
    assert!(
        v["error"]["message"].as_str().unwrap().starts_with("start"),
        "{v}"
    );
    let (s, v) = t
        .post("/api/jobs", json!({"kind": "extract", "params": {"input": {"path": "a.mp4"}, "start": 0, "end": 10}}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_params"),
        "10 frames: end 10 is out"
    );
    assert!(
        v["error"]["message"].as_str().unwrap().starts_with("end"),
        "{v}"
    );
    let (s, v) = t
        .post(
            "/api/jobs",
            json!({"kind": "interpolate", "params": {"input": {"upload": "u_0a"}}}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_input")
    );
    let (s, v) = t.post("/api/jobs/j_0a/cancel", json!({})).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn path_inputs_cannot_leave_the_input_folder() {
    let t = TestApp::new(|_| {});
    make_clip(&t.input("ok.mp4"), "64x48", 10, 0.5);
    let outside = t.data.path().join("outside.mp4");
    make_clip(&outside, "64x48", 10, 0.5);
    std::os::unix::fs::symlink(&outside, t.input("link.mp4")).unwrap();
    for bad in [
        "../outside.mp4",
        "/etc/passwd",
        "sub/../../outside.mp4",
        "link.mp4",
    ] {
        let (s, v) = t
            .post(
                "/api/jobs",
                json!({"kind": "reencode", "params": {"input": {"path": bad}}}),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::FORBIDDEN, "path_not_allowed"),
            "{bad}: {v}"
        );
    }
    let (s, v) = t
        .post("/api/jobs", json!({"kind": "reencode", "params": {"input": {"job": "j_0a", "file": "../../jobs.db"}}}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_input"),
        "{v}"
    );
    let (s, v) = t.get("/api/jobs/j_0a/results/..%2F..%2Fjobs.db").await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
    // With no input folder configured, paths are refused outright.
    let t2 = TestApp::new(|c| c.input_dir = None);
    let (s, v) = t2
        .post(
            "/api/jobs",
            json!({"kind": "reencode", "params": {"input": {"path": "ok.mp4"}}}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "path_not_allowed"));
}

#[tokio::test]
async fn uploaded_file_names_never_become_paths() {
    let t = TestApp::new(|_| {});
    let clip = t.data.path().join("src.mp4");
    make_clip(&clip, "64x48", 10, 0.5);
    let bytes = std::fs::read(&clip).unwrap();
    for name in [
        "../../etc/passwd",
        "/tmp/evil.mp4",
        "..\\..\\win.mp4",
        "clip.mp4",
    ] {
        let (s, u) = t.upload(name, &bytes).await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {u}");
        let shown = u["name"].as_str().unwrap();
        assert!(
            !shown.contains('/') && !shown.contains('\\') && !shown.contains(".."),
            "{shown}"
        );
        assert_eq!(u["kind"], "video");
        assert_eq!(u["info"]["width"], 64);
        assert_eq!(u["size"], bytes.len() as u64);
        let id = u["id"].as_str().unwrap();
        // The file is found under uploads/ID/ and nowhere else.
        let stored: Vec<_> = std::fs::read_dir(t.data.path().join("uploads").join(id))
            .unwrap()
            .collect();
        assert_eq!(stored.len(), 1);
        let (s, back, _) = t
            .send(
                Request::get(format!("/api/uploads/{id}/file"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(back, bytes);
    }
    // Every file under the data folder is one we know: nothing was written by a client's name.
    let mut files = Vec::new();
    let mut dirs = vec![t.data.path().to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(
                    p.strip_prefix(t.data.path())
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    for f in &files {
        let known = f.starts_with("jobs.db")
            || f == tween_jobs::LOCK_FILE
            || f == "src.mp4"
            || (f.starts_with("uploads/u_") && f.ends_with("/input.mp4") || f.ends_with("/input"));
        assert!(known, "unexpected file {f} in {files:?}");
    }
    assert!(!std::path::Path::new("/tmp/evil.mp4").exists());
    let left: Vec<_> = std::fs::read_dir(t.data.path().join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "tmp/ is left empty: {left:?}");
}

#[tokio::test]
async fn upload_limits_answer_413_and_422() {
    let t = TestApp::new(|c| {
        c.limits.max_upload_bytes = 4096;
        c.limits.max_width = 100;
        c.limits.max_height = 100;
        c.limits.max_duration_s = 1.0;
    });
    let (s, v) = t.upload("big.bin", &vec![7u8; 10_000]).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        "{v}"
    );
    let wide = t.data.path().join("wide.png");
    make_png(&wide, "160x32");
    let (s, v) = t.upload("wide.png", &std::fs::read(&wide).unwrap()).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "too_large_video"),
        "{v}"
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("160x32"),
        "{v}"
    );
    let long = t.data.path().join("long.mp4");
    make_clip(&long, "32x32", 5, 3.0);
    let (s, v) = t.upload("long.mp4", &std::fs::read(&long).unwrap()).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "too_large_video"),
        "{v}"
    );
    let (s, v) = t.upload("junk.mp4", b"this is not a video at all").await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "unreadable_input"),
        "{v}"
    );
    let small = t.data.path().join("small.png");
    make_png(&small, "40x30");
    let (s, u) = t.upload("small.png", &std::fs::read(&small).unwrap()).await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    assert_eq!(u["kind"], "image");
    assert_eq!(u["info"]["width"], 40);
    assert!(
        std::fs::read_dir(t.data.path().join("tmp"))
            .unwrap()
            .next()
            .is_none(),
        "rejected uploads leave nothing"
    );
}

#[tokio::test]
async fn token_guards_api_metrics_and_docs_but_not_health_or_ui_shell() {
    let t = TestApp::new(|c| c.token = Some("s3cret/+".into()));
    for uri in [
        "/api/jobs",
        "/api/models",
        "/metrics",
        "/api/openapi.json",
        "/api/docs/",
    ] {
        let (s, v) = t.get(uri).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(code(&v), "unauthorized", "{uri}");
    }
    let (s, _) = t.get("/api/health").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = t.send(Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let bearer = Request::get("/api/jobs")
        .header(header::AUTHORIZATION, "Bearer s3cret/+")
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(bearer).await.0, StatusCode::OK);
    let wrong = Request::get("/api/jobs")
        .header(header::AUTHORIZATION, "Bearer s3cret/-")
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(wrong).await.0, StatusCode::UNAUTHORIZED);
    let (s, _) = t.get("/api/jobs?token=s3cret%2F%2B").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = t.post("/api/login", json!({"token": "nope"})).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    let login = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"token": "s3cret/+"}).to_string()))
        .unwrap();
    let (s, _, headers) = t.send(login).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("HttpOnly"));
    let pair = cookie.split(';').next().unwrap().to_string();
    let with_cookie = Request::get("/metrics")
        .header(header::COOKIE, pair)
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(with_cookie).await.0, StatusCode::OK);
}

#[tokio::test]
async fn job_runs_with_events_results_range_and_metrics() {
    let t = TestApp::new(|_| {});
    let clip = t.data.path().join("src.mp4");
    make_clip(&clip, "64x48", 10, 1.0);
    let (s, u) = t.upload("src.mp4", &std::fs::read(&clip).unwrap()).await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    let (s, job) = t
        .post(
            "/api/jobs",
            json!({"kind": "interpolate", "params": {"input": {"upload": u["id"]}, "factor": 2}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    assert_eq!(
        job["params"]["model"], "classical",
        "defaults are filled in"
    );
    let id = job["id"].as_str().unwrap().to_string();
    // The event stream ends after the terminal state, which it sends last.
    let (s, body, headers) = t
        .send(
            Request::get(format!("/api/jobs/{id}/events"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let text = String::from_utf8(body).unwrap();
    let states: Vec<Value> = text
        .split("\n\n")
        .filter(|e| e.contains("event: state"))
        .map(|e| {
            serde_json::from_str(e.lines().find(|l| l.starts_with("data:")).unwrap()[5..].trim())
                .unwrap()
        })
        .collect();
    assert_eq!(states.last().unwrap()["state"], "done", "{text}");
    let job = t.wait_job(&id, 60, |j| j["state"] == "done").await;
    assert_eq!(job["results"][0]["name"], "result.mp4");
    let size = job["results"][0]["size"].as_u64().unwrap();
    let result = t.data.path().join("results").join(&id).join("result.mp4");
    assert_eq!(count_frames(&result), 20);
    assert_eq!(job["progress"]["done"], 20);
    let url = job["results"][0]["url"].as_str().unwrap();
    let (s, body, h) = t
        .send(
            Request::get(url)
                .header(header::RANGE, "bytes=10-19")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, std::fs::read(&result).unwrap()[10..20]);
    assert_eq!(
        h[header::CONTENT_RANGE],
        format!("bytes 10-19/{size}").as_str()
    );
    let (s, _, h) = t
        .send(
            Request::get(format!("{url}?download=1"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("result.mp4"));
    // A finished job's result feeds another job; cancelling a finished job is refused.
    let (s, v) = t.post(&format!("/api/jobs/{id}/cancel"), json!({})).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "not_cancellable"));
    let (s, ex) = t
        .post("/api/jobs", json!({"kind": "extract", "params": {"input": {"job": id, "file": "result.mp4"}, "start": 0, "end": 19}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{ex}");
    let ex = t
        .wait_job(ex["id"].as_str().unwrap(), 60, |j| {
            j["state"] != "queued" && j["state"] != "running"
        })
        .await;
    let names: Vec<&str> = ex["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["end.png", "start.png"], "{ex}");
    // Metrics count what happened.
    let (s, m) = t.get("/metrics").await;
    assert_eq!(s, StatusCode::OK);
    let m = m.as_str().unwrap().to_string();
    assert!(m.contains("tween_jobs{state=\"done\"} 2"), "{m}");
    assert!(m.contains("tween_queue_length 0"), "{m}");
    let frames: u64 = metric(&m, "tween_frames_processed_total");
    assert!(frames >= 20, "{m}");
    assert!(
        m.contains("tween_job_duration_seconds_count{kind=\"interpolate\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("tween_job_duration_seconds_bucket{kind=\"extract\",le=\"+Inf\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("tween_http_requests_total{status=\"201\"}"),
        "{m}"
    );
    assert!(m.contains("tween_processing_fps"), "{m}");
    // Deleting removes the results.
    let (s, _, _) = t
        .send(
            Request::delete(format!("/api/jobs/{id}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(!result.exists());
    assert_eq!(
        t.get(&format!("/api/jobs/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(name) && l.as_bytes().get(name.len()) == Some(&b' '))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing in {text}"))
}

#[tokio::test]
async fn per_client_limit_cancel_and_failed_jobs() {
    let t = TestApp::new(|c| c.limits.max_jobs_per_client = 2);
    make_clip(&t.input("long.mp4"), "320x240", 30, 4.0);
    make_clip(&t.input("short.mp4"), "64x48", 10, 0.5);
    let new =
        json!({"kind": "interpolate", "params": {"input": {"path": "long.mp4"}, "factor": 4}});
    let (s, a) = t.post("/api/jobs", new.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (s, b) = t.post("/api/jobs", new.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, v) = t.post("/api/jobs", new.clone()).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_jobs"),
        "{v}"
    );
    let a = a["id"].as_str().unwrap().to_string();
    let b = b["id"].as_str().unwrap().to_string();
    // b waits behind a: cancelled at once.
    let (s, v) = t.post(&format!("/api/jobs/{b}/cancel"), json!({})).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{v}"
    );
    // a runs: cancelled within moments of asking, nothing left behind.
    t.wait_job(&a, 60, |j| {
        j["state"] == "running" && j["progress"]["done"].as_u64() > Some(0)
    })
    .await;
    let (s, _) = t.post(&format!("/api/jobs/{a}/cancel"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let job = t.wait_job(&a, 10, |j| j["state"] != "running").await;
    assert_eq!(job["state"], "cancelled", "{job}");
    assert!(job["results"].as_array().unwrap().is_empty());
    assert!(!t.data.path().join("results").join(&a).exists());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        std::fs::read_dir(t.data.path().join("tmp"))
            .unwrap()
            .next()
            .is_none(),
        "the run's tmp folder is gone"
    );
    // A job whose operation fails records the error code and message.
    let (s, f) = t
        .post("/api/jobs", json!({"kind": "interpolate", "params": {"input": {"path": "short.mp4"}, "model": "no-such-model"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let f = t
        .wait_job(f["id"].as_str().unwrap(), 60, |j| j["state"] == "failed")
        .await;
    assert!(
        f["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no-such-model"),
        "{f}"
    );
    let (_, m) = t.get("/metrics").await;
    let code = f["error"]["code"].as_str().unwrap();
    assert!(
        m.as_str()
            .unwrap()
            .contains(&format!("tween_errors_total{{code=\"{code}\"}} 1")),
        "{m}"
    );
    assert!(
        m.as_str()
            .unwrap()
            .contains("tween_jobs{state=\"cancelled\"} 2"),
        "{m}"
    );
}
