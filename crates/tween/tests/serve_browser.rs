//! The web UI in a real browser: starts `tween serve` on a free local port
//! with a fresh data dir, drives the page with Chromium through Playwright
//! (`tests/browser/ui.spec.mjs`, plain node), then checks the files the
//! browser downloaded with ffprobe.
//!
//! Needs `/usr/bin/chromium` (or `$CHROMIUM`), `node`, and
//! `tests/browser/node_modules` (`npm ci` there). Without them the test
//! prints why and passes, unless `TWEEN_REQUIRE_BROWSER=1` (CI), where it fails.

mod helpers;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use helpers::*;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the browser test needs, or why it cannot run here.
fn browser_setup() -> Result<(PathBuf, PathBuf), String> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        return Err(format!(
            "{} not found (apt-get install chromium)",
            chromium.display()
        ));
    }
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !node_ok {
        return Err("node not found (apt-get install nodejs npm)".into());
    }
    let dir = repo_root().join("tests/browser");
    if !dir.join("node_modules/playwright-core").is_dir() {
        return Err(format!(
            "{} missing (run `npm ci` in {})",
            dir.join("node_modules/playwright-core").display(),
            dir.display()
        ));
    }
    Ok((chromium, dir))
}

/// `tween serve`, killed when dropped; its log goes to a file for failures.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.1 GET; returns the status code and body.
fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    Ok((status, body.to_string()))
}

fn start_server(data: &Path, log: PathBuf, token: Option<&str>) -> (Server, SocketAddr) {
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let log_file = std::fs::File::create(&log).unwrap();
    let mut cmd = tween();
    cmd.args(["serve", "--bind", &addr.to_string(), "--data-dir"])
        .arg(data)
        .env_remove("TWEEN_TOKEN");
    if let Some(t) = token {
        cmd.args(["--token", t]);
    }
    let child = cmd
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .spawn()
        .expect("tween serve starts");
    let mut server = Server { child, log };
    let t0 = Instant::now();
    loop {
        if let Ok((200, body)) = http_get(addr, "/api/health") {
            assert!(body.contains("\"ok\""), "health: {body}");
            break;
        }
        if let Some(st) = server.child.try_wait().unwrap() {
            panic!("tween serve exited ({st}):\n{}", server.log_text());
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "tween serve did not answer /api/health within 30 s:\n{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, page) = http_get(addr, "/").unwrap();
    assert_eq!(status, 200, "GET / answered {status}");
    assert!(page.contains("Video interpolation"), "GET / is not the UI");
    (server, addr)
}

/// The generated inputs: a 320x240 25 fps clip of 50 frames, two images of
/// its size and one smaller image.
struct Media {
    clip: PathBuf,
    img_a: PathBuf,
    img_b: PathBuf,
    img_small: PathBuf,
}

fn make_media(dir: &Path) -> Media {
    std::fs::create_dir_all(dir).unwrap();
    let clip = make_clip(dir, "clip.mp4", "320x240", "25", "2", false, &[]);
    let image = |name: &str, size: &str, frame: u32| {
        let p = dir.join(name);
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size={size}:rate=25"),
            "-vf",
            &format!("select=eq(n\\,{frame})"),
            "-frames:v",
            "1",
            p.to_str().unwrap(),
        ]);
        p
    };
    Media {
        img_a: image("a.png", "320x240", 0),
        img_b: image("b.png", "320x240", 20),
        img_small: image("small.png", "160x120", 0),
        clip,
    }
}

/// Runs `ui.spec.mjs` against `addr`; returns its result.json, panicking
/// with the script's output and the server's log when it fails.
fn run_browser(
    setup: &(PathBuf, PathBuf),
    addr: SocketAddr,
    media: &Media,
    out: &Path,
    server: &Server,
    token: Option<&str>,
) -> serde_json::Value {
    let (chromium, browser_dir) = setup;
    let mut cmd = Command::new("node");
    cmd.arg("ui.spec.mjs")
        .current_dir(browser_dir)
        .env("TWEEN_URL", format!("http://{addr}"))
        .env("TWEEN_CLIP", &media.clip)
        .env("TWEEN_IMG_A", &media.img_a)
        .env("TWEEN_IMG_B", &media.img_b)
        .env("TWEEN_IMG_SMALL", &media.img_small)
        .env("TWEEN_OUT", out)
        .env("CHROMIUM", chromium)
        .env_remove("TWEEN_TOKEN");
    if let Some(t) = token {
        cmd.env("TWEEN_TOKEN", t);
    }
    if let Some(dir) = std::env::var_os("TWEEN_SCREENS") {
        cmd.env("TWEEN_SCREENS", dir);
    }
    let run = cmd.output().expect("node runs");
    assert!(
        run.status.success(),
        "browser test failed ({}; screenshot {}):\n{}\n{}\n--- tween serve log ---\n{}",
        run.status,
        out.join("failure.png").display(),
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
        server.log_text()
    );
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("result.json")).unwrap()).unwrap();
    assert_eq!(result["ok"], true, "{result}");
    result
}

/// The browser set-up, or None (test skipped) when it is missing locally;
/// with `TWEEN_REQUIRE_BROWSER=1` a missing set-up fails the test.
fn setup_or_skip() -> Option<(PathBuf, PathBuf)> {
    match browser_setup() {
        Ok(x) => Some(x),
        Err(why) => {
            if std::env::var_os("TWEEN_REQUIRE_BROWSER").is_some_and(|v| v == "1") {
                panic!("browser test cannot run and TWEEN_REQUIRE_BROWSER=1: {why}");
            }
            eprintln!("SKIPPED web UI browser test: {why}");
            None
        }
    }
}

#[test]
fn web_ui_runs_every_workflow_in_chromium() {
    let Some(setup) = setup_or_skip() else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let media = make_media(&d.path().join("media"));
    let clip_frames = frames(&probe(&media.clip));
    assert_eq!(clip_frames, 50, "test clip");

    let (server, addr) = start_server(&d.path().join("data"), d.path().join("serve.log"), None);
    let out = d.path().join("browser");
    let result = run_browser(&setup, addr, &media, &out, &server, None);
    let download = |key: &str| PathBuf::from(result["downloads"][key].as_str().unwrap());

    // Tab 4: 2x of 50 frames at 25 fps, as downloaded by the browser.
    let interp = probe(&download("interpolate"));
    assert_eq!(frames(&interp), 2 * clip_frames, "2x result frame count");
    assert_eq!(video_stream(&interp)["avg_frame_rate"], "50/1");
    assert_eq!(video_stream(&interp)["width"], 320);
    // The page saw the job's progress while it ran, ending at 100 %.
    let seen = result["progress"]["interpolate"].as_array().unwrap();
    assert!(seen.len() >= 2, "progress updates seen: {seen:?}");
    assert_eq!(seen.last().unwrap()["percent"], "100", "{seen:?}");

    // Tab 2: two passes = 3 in-between frames, so 5 frames at the default 25 fps.
    let pair = probe(&download("pair"));
    assert_eq!(frames(&pair), 5, "pair frame count");
    assert_eq!(video_stream(&pair)["avg_frame_rate"], "25/1");
    let zip = zip::ZipArchive::new(std::fs::File::open(download("pair_zip")).unwrap())
        .expect("frames.zip is a zip");
    let pngs = zip
        .file_names()
        .filter(|n| n.as_ref().is_ok_and(|n| n.ends_with(".png")))
        .count();
    assert_eq!(pngs, 5, "frames.zip holds the 5 frames");

    // Tab 5: the defaults (H.264 High, yuv420p, BT.709), every frame kept.
    let re = probe(&download("reencode"));
    let vs = video_stream(&re);
    assert_eq!(vs["codec_name"], "h264");
    assert_eq!(vs["profile"], "High");
    assert_eq!(vs["pix_fmt"], "yuv420p");
    assert_eq!(vs["color_primaries"], "bt709");
    assert_eq!(vs["color_transfer"], "bt709");
    assert_eq!(vs["color_space"], "bt709");
    assert_eq!(frames(&re), clip_frames);

    // Tab 3: clip + one transition frame (1 pass) + clip.
    let chain = probe(&download("chain"));
    assert_eq!(frames(&chain), 2 * clip_frames + 1, "chain frame count");

    drop(server);
}

#[test]
fn web_ui_asks_for_the_token_and_works_after_login() {
    let Some(setup) = setup_or_skip() else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let media = make_media(&d.path().join("media"));
    let token = "ui-test-token-5d1f";
    let (server, addr) = start_server(
        &d.path().join("data"),
        d.path().join("serve.log"),
        Some(token),
    );
    let (status, _) = http_get(addr, "/api/jobs").unwrap();
    assert_eq!(status, 401, "the API needs the token");
    let result = run_browser(
        &setup,
        addr,
        &media,
        &d.path().join("browser"),
        &server,
        Some(token),
    );
    let checks = result["checks"].to_string();
    assert!(checks.contains("wrong token is refused"), "{checks}");
    drop(server);
}
