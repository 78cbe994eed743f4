//! Helpers for the server tests: an app on a temporary data folder with the
//! real runner, requests through the router (no socket), clips made by the
//! ffmpeg CLI.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use tween_server::{App, ServerConfig};

pub struct TestApp {
    pub app: Option<App>,
    pub router: Router,
    pub data: tempfile::TempDir,
    pub inputs: tempfile::TempDir,
}

impl TestApp {
    /// An app with one worker; `tweak` adjusts the settings.
    pub fn new(tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let data = tempfile::tempdir().unwrap();
        let inputs = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(data.path());
        config.input_dir = Some(inputs.path().to_path_buf());
        config.threads_per_job = 1;
        tweak(&mut config);
        let app = App::start_default(config).unwrap();
        let router = app.router();
        TestApp {
            app: Some(app),
            router,
            data,
            inputs,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Vec<u8>, axum::http::HeaderMap) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, body, headers)
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let (s, b, _) = self
            .send(Request::get(uri).body(Body::empty()).unwrap())
            .await;
        (s, json_or_text(&b))
    }

    pub async fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (s, b, _) = self.send(req).await;
        (s, json_or_text(&b))
    }

    /// Uploads `bytes` as multipart field `file` named `name`.
    pub async fn upload(&self, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
        let (s, b, _) = self.send(upload_request(name, bytes)).await;
        (s, json_or_text(&b))
    }

    /// Polls the job until `done(job)` or the timeout.
    pub async fn wait_job(&self, id: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let (s, job) = self.get(&format!("/api/jobs/{id}")).await;
            assert_eq!(s, StatusCode::OK, "{job}");
            if done(&job) {
                return job;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "job did not get there in {secs}s: {job}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Puts a file in the input folder.
    pub fn input(&self, name: &str) -> PathBuf {
        self.inputs.path().join(name)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.shutdown();
        }
    }
}

pub fn upload_request(name: &str, bytes: &[u8]) -> Request<Body> {
    let boundary = "tweenboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post("/api/uploads")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap()
}

pub fn json_or_text(b: &[u8]) -> Value {
    serde_json::from_slice(b)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(b).into_owned()))
}

/// A testsrc2 clip made by the ffmpeg CLI.
pub fn make_clip(path: &Path, size: &str, rate: u32, seconds: f64) {
    let out = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("testsrc2=size={size}:rate={rate}"))
        .args([
            "-t",
            &seconds.to_string(),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(path)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PNG made by the ffmpeg CLI.
pub fn make_png(path: &Path, size: &str) {
    let out = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("testsrc2=size={size}:rate=1"))
        .args(["-frames:v", "1"])
        .arg(path)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Frames in a video, counted by ffprobe.
pub fn count_frames(path: &Path) -> u64 {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_frames",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "ffprobe: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// A server on 127.0.0.1:0 over a real socket; stopped when dropped.
pub struct SocketServer {
    pub addr: std::net::SocketAddr,
    pub data: tempfile::TempDir,
    pub inputs: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), tween_server::ServeError>>>,
}

impl SocketServer {
    /// Starts one worker with `tweak`ed settings.
    pub async fn start(tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let data = tempfile::tempdir().unwrap();
        let inputs = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(data.path());
        config.input_dir = Some(inputs.path().to_path_buf());
        config.threads_per_job = 1;
        tweak(&mut config);
        let app = App::start_default(config).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(tween_server::serve_on(listener, app, async {
            let _ = rx.await;
        }));
        SocketServer {
            addr,
            data,
            inputs,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server and waits (bounded) for it.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), t)
                .await
                .expect("the server stops")
                .unwrap()
                .unwrap();
        }
    }
}

/// Sends `raw` (a whole HTTP/1.1 request, `Connection: close`) to `addr`
/// from `from` (a loopback address), and returns (status, headers+body text).
pub async fn raw_http(
    addr: std::net::SocketAddr,
    from: std::net::IpAddr,
    raw: &[u8],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((from, 0).into()).unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    s.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out))
        .await
        .expect("the server answers in time")
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The JSON body of a raw response.
pub fn body_json(text: &str) -> Value {
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {text}"))
}
