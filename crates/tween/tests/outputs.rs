//! Outputs, signals and the CLI's edges, through the real binary: Ctrl-C in
//! the encoder's final flush, multi-file outputs (HLS, DASH), what
//! `--overwrite` may replace, names that lead to the same file, `--crf`
//! ranges, closed pipes, and the temporaries dead processes leave behind.

mod helpers;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Output, Stdio};

use helpers::*;

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs tween, asserts it fails with every `needles` in stderr, never names
/// a temporary, and leaves `dir` as it was.
fn refused(dir: &Path, args: &[&str], needles: &[&str]) -> String {
    let before = listing(dir);
    let out = run_tween(args);
    let err = stderr(&out);
    assert!(!out.status.success(), "tween {args:?} succeeded: {err}");
    assert_eq!(out.status.code(), Some(1), "tween {args:?}: {err}");
    for n in needles {
        assert!(
            err.contains(n),
            "tween {args:?}: stderr lacks {n:?}:\n{err}"
        );
    }
    assert!(
        !err.contains(".partial-"),
        "the error names a temporary: {err}"
    );
    assert_eq!(listing(dir), before, "tween {args:?} changed the folder");
    err
}

/// The id of a process that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn ctrl_c_during_the_final_flush_commits_nothing() {
    let d = tempfile::tempdir().unwrap();
    // 60 frames: fewer than x264's lookahead at veryslow (60), so nearly
    // every frame is encoded in the flush, after the last frame was sent.
    let input = make_clip(d.path(), "in.mp4", "640x360", "30", "2", true, &[]);
    for name in ["out.mp4", "out.m3u8"] {
        let out = d.path().join(name);
        let args = [
            "-v",
            "reencode",
            &s(&input),
            "-o",
            &s(&out),
            "--preset",
            "veryslow",
        ];
        interrupt_at_the_flush(&args, name);
        assert_eq!(
            listing(d.path()),
            vec!["in.mp4"],
            "{name}: nothing under the output name, no temporary, no segments"
        );
    }
}

#[test]
fn ctrl_c_during_the_flush_of_pair_commits_neither_video_nor_zip() {
    let d = tempfile::tempdir().unwrap();
    let still = |name: &str, src: &str| {
        let p = d.path().join(name);
        ffmpeg(&["-f", "lavfi", "-i", src, "-frames:v", "1", &s(&p)]);
        p
    };
    let a = still("a.png", "testsrc2=size=640x360");
    let b = still("b.png", "testsrc2=size=640x360,hflip");
    let (out, zip) = (d.path().join("out.mp4"), d.path().join("frames.zip"));
    let args = [
        "-v",
        "pair",
        &s(&a),
        &s(&b),
        "-o",
        &s(&out),
        "--frames",
        "50",
        "--frames-zip",
        &s(&zip),
        "--model",
        "blend",
        "--preset",
        "veryslow",
    ];
    interrupt_at_the_flush(&args, "pair");
    assert_eq!(
        listing(d.path()),
        vec!["a.png", "b.png"],
        "pair: neither the video nor the zip, no temporary"
    );
}

/// Runs tween with `args`, sends SIGINT when the log says the encoder is
/// being flushed, and asserts exit 130 with the "nothing written" message.
fn interrupt_at_the_flush(args: &[&str], what: &str) {
    let mut child = tween()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let flushing = line.contains("flushing the encoder");
        seen.push(line);
        if flushing {
            break;
        }
    }
    assert!(
        seen.last()
            .is_some_and(|l| l.contains("flushing the encoder")),
        "{what}: the flush was never announced: {seen:#?}"
    );
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    seen.extend(lines.map(|l| l.unwrap()));
    let status = child.wait().unwrap();
    let err = seen.join("\n");
    assert_eq!(status.code(), Some(130), "{what}: {err}");
    assert!(
        err.contains("stopped before the output was complete"),
        "{what}: {err}"
    );
}

#[test]
fn hls_playlist_appears_complete_and_never_over_other_segments() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "160x120", "30", "3", true, &[]);
    let out_dir = d.path().join("web");
    std::fs::create_dir(&out_dir).unwrap();
    let playlist = out_dir.join("show.m3u8");
    let args = [
        "interpolate",
        &s(&input),
        "-o",
        &s(&playlist),
        "--factor",
        "2",
        "--model",
        "blend",
    ];
    let out = run_tween(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = listing(&out_dir);
    assert_eq!(
        files.first().map(String::as_str),
        Some("show.m3u8"),
        "{files:?}"
    );
    assert!(files.len() >= 2, "{files:?}");
    assert!(
        files[1..]
            .iter()
            .all(|f| f.starts_with("show") && f.ends_with(".ts")),
        "{files:?}"
    );
    let text = std::fs::read_to_string(&playlist).unwrap();
    assert!(
        text.contains("#EXT-X-ENDLIST") && text.contains("#EXT-X-PLAYLIST-TYPE:VOD"),
        "{text}"
    );
    for seg in &files[1..] {
        assert!(text.lines().any(|l| l == seg), "{seg} not listed:\n{text}");
    }
    let p = probe(&playlist);
    assert_eq!(
        frames(&p),
        180,
        "every frame reachable through the playlist"
    );
    assert_eq!(count_type(&p, "audio"), 1);

    // Again: the playlist exists, so nothing is touched without --overwrite.
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(out_dir.join(f)).unwrap())
        .collect();
    refused(
        &out_dir,
        &args,
        &["show.m3u8", "already exists", "--overwrite"],
    );

    // Another output's segment under a name this one needs: refused at the
    // end, the foreign file untouched, nothing of the new output left.
    std::fs::remove_file(&playlist).unwrap();
    std::fs::write(out_dir.join("show0.ts"), b"someone else's").unwrap();
    let before_run = listing(&out_dir);
    let out = run_tween(&args);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("show0.ts") && err.contains("--overwrite") && !err.contains(".partial-"),
        "{err}"
    );
    assert_eq!(listing(&out_dir), before_run);
    assert_eq!(
        std::fs::read(out_dir.join("show0.ts")).unwrap(),
        b"someone else's"
    );
    for (f, bytes) in files[2..].iter().zip(&before[2..]) {
        assert_eq!(
            &std::fs::read(out_dir.join(f)).unwrap(),
            bytes,
            "{f} was changed"
        );
    }

    // With --overwrite the segments are replaced.
    let mut with = args.to_vec();
    with.push("--overwrite");
    let out = run_tween(&with);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(frames(&probe(&playlist)), 180);
    assert!(listing(&out_dir).iter().all(|f| !f.contains("partial")));
}

#[test]
fn dash_manifest_and_segments_named_after_it() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "160x120", "30", "2", true, &[]);
    for name in ["a.mpd", "b.mpd"] {
        let out = run_tween(&["reencode", &s(&input), "-o", &s(&d.path().join(name))]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let files = listing(d.path());
    for f in &files {
        assert!(
            f == "in.mp4"
                || f == "a.mpd"
                || f == "b.mpd"
                || f.starts_with("a-")
                || f.starts_with("b-"),
            "unexpected {f} in {files:?}"
        );
    }
    assert!(files.iter().any(|f| f.starts_with("a-init-")), "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("b-chunk-")), "{files:?}");
    for name in ["a.mpd", "b.mpd"] {
        let p = probe(&d.path().join(name));
        assert_eq!(frames(&p), 60, "{name}");
        assert_eq!(count_type(&p, "audio"), 1, "{name}");
    }
}

#[test]
fn frames_zip_naming_the_video_is_refused_up_front() {
    let d = tempfile::tempdir().unwrap();
    for name in ["a.png", "b.png"] {
        let p = s(&d.path().join(name));
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=96x64",
            "-frames:v",
            "1",
            &p,
        ]);
    }
    let (a, b) = (s(&d.path().join("a.png")), s(&d.path().join("b.png")));
    let out = s(&d.path().join("out.mp4"));
    let dot = format!("{}/./out.mp4", s(d.path()));
    refused(
        d.path(),
        &["pair", &a, &b, "-o", &out, "--frames-zip", &dot],
        &["--frames-zip", "name the same file"],
    );
    std::os::unix::fs::symlink("out.mp4", d.path().join("frames.zip")).unwrap();
    let link = s(&d.path().join("frames.zip"));
    refused(
        d.path(),
        &[
            "pair",
            &a,
            &b,
            "-o",
            &out,
            "--frames-zip",
            &link,
            "--overwrite",
        ],
        &["--frames-zip", "name the same file"],
    );
}

#[test]
fn overwrite_replaces_only_regular_files() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x48", "10", "0.5", false, &[]);
    let other = d.path().join("precious.mp4");
    std::fs::write(&other, b"not to be replaced").unwrap();
    let link = d.path().join("link.mp4");
    std::os::unix::fs::symlink(&other, &link).unwrap();
    let fifo = d.path().join("fifo.mp4");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::fs::create_dir(d.path().join("folder.mp4")).unwrap();
    for (name, needle) in [
        ("link.mp4", "symbolic link"),
        ("fifo.mp4", "FIFO"),
        ("folder.mp4", "is a folder"),
    ] {
        let target = d.path().join(name);
        let args = ["reencode", &s(&input), "-o", &s(&target), "--overwrite"];
        refused(d.path(), &args, &[name, needle]);
    }
    assert_eq!(std::fs::read(&other).unwrap(), b"not to be replaced");
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
}

#[test]
fn output_names_errors_name_the_users_file() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x48", "10", "0.5", false, &[]);
    let i = s(&input);
    let no_ext = s(&d.path().join("movie"));
    refused(
        d.path(),
        &["reencode", &i, "-o", &no_ext],
        &["movie", "no extension", "movie.mp4"],
    );
    let unknown = s(&d.path().join("out.xyz"));
    refused(
        d.path(),
        &["reencode", &i, "-o", &unknown],
        &["out.xyz", "xyz"],
    );
    let wrong = s(&d.path().join("out.wav"));
    refused(
        d.path(),
        &["interpolate", &i, "-o", &wrong, "--model", "blend"],
        &["out.wav"],
    );
}

#[test]
fn crf_outside_the_codecs_range_is_refused_up_front() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x48", "10", "0.5", false, &[]);
    let (i, o) = (s(&input), s(&d.path().join("out.mkv")));
    refused(
        d.path(),
        &["interpolate", &i, "-o", &o, "--crf", "52"],
        &["--crf 52", "0 to 51"],
    );
    refused(
        d.path(),
        &[
            "reencode", &i, "-o", &o, "--codec", "libx265", "--crf", "60",
        ],
        &["--crf 60", "0 to 51"],
    );
    refused(
        d.path(),
        &["upscale", &i, "-o", &o, "--codec", "vp9", "--crf", "64"],
        &["--crf 64", "0 to 63"],
    );
    refused(
        d.path(),
        &["process", &i, "-o", &o, "--codec", "ffv1", "--crf", "10"],
        &["--crf 10", "ffv1", "no --crf"],
    );
    // In range: accepted.
    let out = run_tween(&["reencode", &i, "-o", &o, "--codec", "vp9", "--crf", "63"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_closed_pipe_ends_printing_quietly() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x48", "10", "0.5", false, &[]);
    let models = d.path().join("models");
    std::fs::create_dir(&models).unwrap();
    for args in [
        vec!["probe".to_string(), s(&input)],
        vec![
            "models".into(),
            "list".into(),
            "--models-dir".into(),
            s(&models),
        ],
    ] {
        // The reading end is closed before tween writes anything.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = tween().args(&args).stdout(writer).output().unwrap();
        let err = stderr(&out);
        assert!(
            out.status.success(),
            "tween {args:?}: {:?} {err}",
            out.status
        );
        assert!(
            !err.contains("panicked") && err.is_empty(),
            "tween {args:?}: {err}"
        );
    }
}

#[test]
fn temporaries_of_dead_processes_are_cleaned_and_others_kept() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x48", "10", "0.5", false, &[]);
    let dead = dead_pid();
    let live = std::process::id();
    let stale_file = format!(".old.mp4.partial-{dead}.mp4");
    let stale_dir = format!(".old.m3u8.partial-{dead}.m3u8");
    let kept = [
        format!(".busy.mp4.partial-{live}.mp4"),
        format!(".old.mp4.partial-{dead}.mkv"),
        format!("old.mp4.partial-{dead}.mp4"),
        "notes.txt".to_string(),
    ];
    std::fs::write(d.path().join(&stale_file), b"half").unwrap();
    std::fs::create_dir(d.path().join(&stale_dir)).unwrap();
    std::fs::write(d.path().join(&stale_dir).join("old0.ts"), b"half").unwrap();
    for k in &kept {
        std::fs::write(d.path().join(k), b"keep").unwrap();
    }
    let out = run_tween(&["reencode", &s(&input), "-o", &s(&d.path().join("out.mp4"))]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = listing(d.path());
    assert!(
        !files.contains(&stale_file) && !files.contains(&stale_dir),
        "{files:?}"
    );
    for k in &kept {
        assert!(files.contains(k), "{k} was removed: {files:?}");
    }
    assert!(files.contains(&"out.mp4".to_string()));
}
