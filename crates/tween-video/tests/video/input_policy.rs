//! FFmpeg opens the input file itself and nothing it names: every way a
//! file can ask FFmpeg for another resource (playlists, manifests, concat
//! lists, URL-like paths, sequence patterns) is refused or read literally.
//! Each crafted file points at `secret.*`, a clip of a size (64x48) no
//! other input here has, so reading it would show.

use std::path::Path;
use std::process::Command;

use crate::helpers::*;
use tween_video::{probe, VideoError, VideoReader};

/// The clip the crafted files try to reach.
fn secret(dir: &tempfile::TempDir, name: &str) -> std::path::PathBuf {
    let path = p(dir, name);
    make_clip(&path, "64x48", "10", "1", false, &[]);
    path
}

/// Whether the ffmpeg command (default settings) reads `path` through to
/// the 64x48 secret: the crafted file is a real way in, not a dud.
fn ffprobe_reaches_secret(path: &Path) -> bool {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=width",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout).contains("64")
}

/// probe and open both refuse `path` with InputRefused naming the file and
/// saying `why`.
fn refused(path: &Path, why: &str) {
    for e in [
        probe(path).expect_err("probe must refuse"),
        VideoReader::open(path).err().expect("open must refuse"),
    ] {
        assert!(matches!(e, VideoError::InputRefused { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.contains(&path.display().to_string()),
            "names the file: {text}"
        );
        assert!(text.contains(why), "says why ({why}): {text}");
        assert_eq!(e.path(), Some(path));
    }
}

#[test]
fn an_hls_playlist_naming_another_file_is_refused() {
    let dir = tmp();
    secret(&dir, "secret.ts");
    let list = p(&dir, "list.m3u8");
    std::fs::write(
        &list,
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nsecret.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    assert!(ffprobe_reaches_secret(&list), "the playlist is a way in");
    refused(&list, "HLS playlist");
    // The same bytes under another name are refused the same way.
    let renamed = p(&dir, "clip.mp4");
    std::fs::copy(&list, &renamed).unwrap();
    refused(&renamed, "HLS playlist");
}

#[test]
fn a_dash_manifest_is_refused() {
    let dir = tmp();
    secret(&dir, "secret.mp4");
    let mpd = p(&dir, "clip.mpd");
    std::fs::write(
        &mpd,
        r#"<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011" type="static" mediaPresentationDuration="PT1S" minBufferTime="PT1S">
 <Period><AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="100000" width="64" height="48">
  <BaseURL>secret.mp4</BaseURL>
 </Representation></AdaptationSet></Period>
</MPD>
"#,
    )
    .unwrap();
    refused(&mpd, "DASH manifest");
}

#[test]
fn concat_lists_are_refused_or_not_media() {
    let dir = tmp();
    secret(&dir, "secret.mp4");
    let ffconcat = p(&dir, "list.ffconcat");
    std::fs::write(&ffconcat, "ffconcat version 1.0\nfile secret.mp4\n").unwrap();
    assert!(ffprobe_reaches_secret(&ffconcat), "the list is a way in");
    refused(&ffconcat, "concat list");
    // A list without the header is only read with `-f concat`: for tween it
    // is no media at all.
    let plain = p(&dir, "list.txt");
    std::fs::write(&plain, "file 'secret.mp4'\n").unwrap();
    let e = probe(&plain).unwrap_err();
    assert!(matches!(e, VideoError::NotMedia { .. }), "{e:?}");
}

#[test]
fn url_like_paths_are_local_file_names() {
    let dir = tmp();
    let one = p(&dir, "one.mp4");
    make_clip(&one, "32x24", "10", "0.5", false, &[]);
    // A file literally named like the concat protocol holds its own clip.
    let literal = p(&dir, "concat:one.mp4|one.mp4");
    make_clip(&literal, "48x32", "10", "0.7", false, &[]);
    let info = probe(&literal).unwrap();
    assert_eq!(
        (info.width, info.height),
        (48, 32),
        "the file itself is read"
    );
    assert_eq!(info.frame_count, Some(7));
    // Names of protocols that do not exist as files are not found; nothing
    // is fetched or decoded from the name.
    for url in [
        "http://127.0.0.1:9/secret.mp4",
        "data:video/mp4;base64,AAAAGGZ0eXBtcDQy",
        "subfile,,start,0,end,100,,:one.mp4",
        "file:one.mp4",
    ] {
        let e = probe(Path::new(url)).unwrap_err();
        assert!(matches!(e, VideoError::NotFound { .. }), "{url}: {e:?}");
    }
}

#[test]
fn sequence_patterns_read_only_their_own_folder_and_numbers() {
    let dir = tmp();
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames).unwrap();
    let pattern = frames.join("f%03d.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=32x24:rate=5",
        "-frames:v",
        "3",
        pattern.to_str().unwrap(),
    ]);
    let n = VideoReader::open(&pattern).unwrap().count();
    assert_eq!(n, 3, "a plain sequence still reads");
    // Two numbers, or another conversion, is no sequence tween reads.
    for bad in ["f%03d_%d.png", "f%s.png"] {
        let e = probe(&frames.join(bad)).unwrap_err();
        assert!(matches!(e, VideoError::InputRefused { .. }), "{bad}: {e:?}");
    }
    // Glob characters are literal: no file is named `*.png`.
    let e = probe(&frames.join("*.png")).unwrap_err();
    assert!(matches!(e, VideoError::NotFound { .. }), "{e:?}");
    // A file whose literal name holds `%` is that file, not a pattern.
    let literal = dir.path().join("%03d.mp4");
    make_clip(&literal, "48x32", "10", "0.4", false, &[]);
    let info = probe(&literal).unwrap();
    assert_eq!(
        (info.width, info.height, info.frame_count),
        (48, 32, Some(4))
    );
}

#[test]
fn other_demuxers_are_refused_by_name() {
    let dir = tmp();
    let sdp = p(&dir, "session.sdp");
    std::fs::write(
        &sdp,
        "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n",
    )
    .unwrap();
    refused(&sdp, "SDP");
}
