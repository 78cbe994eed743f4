//! `tween serve` as a process: killed with SIGKILL in the middle of a job,
//! started again on the same data folder, the job is run again from the
//! queue and completes with the right frame count; nothing half-written
//! ever carries the result's name.

mod helpers;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use helpers::{frames, make_clip, probe, tween};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request over a fresh connection; (status, body).
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, out.split_once("\r\n\r\n")?.1.to_string()))
}

fn start(data: &Path, inputs: &Path, port: u16) -> Child {
    let child = tween()
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "1",
        ])
        .arg("--data-dir")
        .arg(data)
        .arg("--input-dir")
        .arg(inputs)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tween serve starts");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let t0 = Instant::now();
    while http(addr, "GET", "/api/health", "").is_none_or(|(s, _)| s != 200) {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "tween serve did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn job(addr: SocketAddr, id: &str) -> serde_json::Value {
    let (s, b) = http(addr, "GET", &format!("/api/jobs/{id}"), "").expect("server answers");
    assert_eq!(s, 200, "{b}");
    serde_json::from_str(&b).unwrap()
}

#[test]
fn killed_mid_job_the_job_resumes_and_completes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let clip = make_clip(&inputs, "clip.mp4", "320x240", "30", "4", false, &[]);
    let frames_in = frames(&probe(&clip));
    let port = free_port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));

    let mut server = start(&data, &inputs, port);
    let body = r#"{"kind":"interpolate","params":{"input":{"path":"clip.mp4"},"factor":2}}"#;
    let (s, b) = http(addr, "POST", "/api/jobs", body).unwrap();
    assert_eq!(s, 201, "{b}");
    let created: serde_json::Value = serde_json::from_str(&b).unwrap();
    let id = created["id"].as_str().unwrap().to_string();

    // Kill it once frames are being written, well before the end.
    let t0 = Instant::now();
    loop {
        let j = job(addr, &id);
        let done = j["progress"]["done"].as_u64().unwrap_or(0);
        if j["state"] == "running" && done >= 10 {
            assert!(
                done < 2 * frames_in,
                "the job finished before it could be killed: {j}"
            );
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the job did not start: {j}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill().unwrap(); // SIGKILL: no clean-up of any kind
    server.wait().unwrap();
    let result = data.join("results").join(&id).join("result.mp4");
    assert!(
        !result.exists(),
        "no result under its final name after the kill"
    );

    // Start again on the same data folder: the job is queued again and completes.
    let mut server = start(&data, &inputs, port);
    let t0 = Instant::now();
    let finished = loop {
        let j = job(addr, &id);
        if j["state"] != "queued" && j["state"] != "running" {
            break j;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "the job did not finish after the restart: {j}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(finished["state"], "done", "{finished}");
    assert_eq!(finished["results"][0]["name"], "result.mp4");
    assert_eq!(
        frames(&probe(&result)),
        2 * frames_in,
        "factor 2 doubles the frame count"
    );
    let tmp: Vec<_> = std::fs::read_dir(data.join("tmp")).unwrap().collect();
    assert!(
        tmp.is_empty(),
        "the interrupted run's temporary files are gone: {tmp:?}"
    );
}

/// `tween serve` that is expected to refuse to start: its exit status and
/// stderr, within a bounded time.
fn refused_start(args: &[&str], data: &Path) -> (std::process::ExitStatus, String) {
    let mut child = tween()
        .arg("serve")
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tween serve starts");
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("tween serve {args:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, err)
}

#[test]
fn a_second_server_on_the_same_data_folder_is_refused_and_the_first_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let clip = make_clip(&inputs, "clip.mp4", "320x240", "30", "3", false, &[]);
    let frames_in = frames(&probe(&clip));
    let port = free_port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut first = start(&data, &inputs, port);
    let body = r#"{"kind":"interpolate","params":{"input":{"path":"clip.mp4"},"factor":2}}"#;
    let (s, b) = http(addr, "POST", "/api/jobs", body).unwrap();
    assert_eq!(s, 201, "{b}");
    let id = serde_json::from_str::<serde_json::Value>(&b).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let t0 = Instant::now();
    let started = loop {
        let j = job(addr, &id);
        if j["state"] == "running" {
            break j["started_at"].clone();
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the job did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let work = data.join("tmp").join(&id);
    assert!(work.is_dir(), "the running job works in tmp/");

    let other = format!("127.0.0.1:{}", free_port());
    let (status, err) = refused_start(&["--bind", &other], &data);
    assert!(!status.success(), "the second server must not start");
    assert!(
        err.contains("in use by another tween server") && err.contains("data"),
        "a clear message: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(work.is_dir(), "the first server's tmp/ is untouched");

    // The first server's job is still running and finishes.
    let t0 = Instant::now();
    let finished = loop {
        let j = job(addr, &id);
        if j["state"] != "queued" && j["state"] != "running" {
            break j;
        }
        assert_eq!(j["started_at"], started, "never requeued: {j}");
        assert!(t0.elapsed() < Duration::from_secs(300), "no end: {j}");
        std::thread::sleep(Duration::from_millis(100));
    };
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(finished["state"], "done", "{finished}");
    let result = data.join("results").join(&id).join("result.mp4");
    assert_eq!(frames(&probe(&result)), 2 * frames_in);
}

#[test]
fn bad_startup_values_are_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (args, flag) in [
        (&["--retention-hours", "inf"][..], "--retention-hours"),
        (&["--retention-hours", "nan"][..], "--retention-hours"),
        (&["--retention-hours", "1e300"][..], "--retention-hours"),
        (&["--max-duration-s", "nan"][..], "--max-duration-s"),
        (&["--max-duration-s=-1"][..], "--max-duration-s"),
        (&["--token", ""][..], "--token"),
        (&["--workers", "0"][..], "--workers"),
        (&["--max-jobs-per-client", "0"][..], "--max-jobs-per-client"),
        (&["--header-timeout-s", "0"][..], "--header-timeout-s"),
    ] {
        let (status, err) = refused_start(args, &data);
        assert!(!status.success(), "{args:?} must be refused");
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    assert!(!data.exists(), "nothing created by a refused start");
}
