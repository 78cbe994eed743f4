//! Memory stays bounded whatever a small input claims: images whose headers
//! declare huge pictures, requests whose outputs would be huge frames or
//! millions of frames, weight files that declare or inflate to gigabytes.
//! Each bomb runs the real binary in a 1 GiB address space (`ulimit -v`),
//! so one that got past its check would die allocating; instead each is
//! refused with a message naming the file, the size, the limit and the
//! option that raises it, and nothing is written.

mod helpers;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use helpers::*;

/// The address space the bombs run in, KiB.
const LIMIT_KB: u64 = 1 << 20;

/// Runs tween with `args` under [`LIMIT_KB`] of address space.
fn run_bounded(args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {LIMIT_KB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_tween"))
        .args(args)
        .output()
        .expect("sh runs")
}

/// `out` is a clean refusal (an exit status, not a signal) whose message
/// holds every one of `words`.
fn refused(out: &Output, words: &[&str]) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success() && out.status.code().is_some(),
        "expected a clean refusal, got {:?}: {err}",
        out.status
    );
    for w in words {
        assert!(err.contains(w), "{w:?} not in: {err}");
    }
    err
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// CRC-32 of PNG chunks, to forge a header.
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A real 16×16 gray PNG.
fn small_png(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=gray:s=16x16",
        "-frames:v",
        "1",
        s(&p),
    ]);
    p
}

/// A PNG of a few hundred bytes whose header declares `w`×`h`.
fn png_bomb(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
    let p = small_png(dir, name);
    let mut b = std::fs::read(&p).unwrap();
    b[16..20].copy_from_slice(&w.to_be_bytes());
    b[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&b[12..29]);
    b[29..33].copy_from_slice(&crc.to_be_bytes());
    std::fs::write(&p, &b).unwrap();
    p
}

#[test]
fn pair_refuses_images_whose_headers_claim_too_many_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The reported bomb: a small PNG decoding to 16000×16000 took 13 GB.
    let bomb = png_bomb(d, "bomb.png", 16_000, 16_000);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 4096);
    let good = small_png(d, "good.png");
    let out = d.join("out.mp4");
    for (a, b) in [(&bomb, &good), (&good, &bomb)] {
        let o = run_bounded(&["pair", s(a), s(b), "-o", s(&out)]);
        refused(
            &o,
            &["bomb.png", "16000x16000", "67108864", "--max-input-pixels"],
        );
        assert!(!out.exists());
    }
    // The limit is the user's: lowered, it refuses small images too…
    let o = run_bounded(&[
        "pair",
        s(&good),
        s(&good),
        "-o",
        s(&out),
        "--max-input-pixels",
        "100",
    ]);
    refused(&o, &["good.png", "16x16", "--max-input-pixels"]);
    // …and by default two small images make their video.
    ok(&run_tween(&[
        "pair",
        s(&good),
        s(&good),
        "-o",
        s(&out),
        "--passes",
        "1",
    ]));
    assert_eq!(frames(&probe(&out)), 3);
}

#[test]
fn upscale_refuses_outputs_over_the_pixel_limit_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A one-frame gray clip: 2304×2304 × 8 would be 18432×18432.
    let gray = solid_clip(d, "gray.mp4", "gray", "2304x2304", "25", 1);
    let out = d.join("big.mp4");
    let o = run_bounded(&["upscale", s(&gray), "-o", s(&out), "--scale", "8"]);
    refused(
        &o,
        &[
            "gray.mp4",
            "upscaling by 8",
            "18432x18432",
            "268435456",
            "--max-pixels",
        ],
    );
    assert!(!out.exists());
    // `process` says the same of its --upscale.
    let o = run_bounded(&["process", s(&gray), "-o", s(&out), "--upscale", "8x"]);
    refused(&o, &["gray.mp4", "upscaling by 8", "--max-pixels"]);

    // An image: an output over a lowered limit; an input whose header
    // claims too much, before any model is built.
    let png = small_png(d, "small.png");
    let big = d.join("big.png");
    let o = run_bounded(&[
        "upscale",
        s(&png),
        "-o",
        s(&big),
        "--scale",
        "4",
        "--max-pixels",
        "1000",
    ]);
    refused(&o, &["small.png", "64x64", "--max-pixels"]);
    let bomb = png_bomb(d, "claims.png", 16_000, 16_000);
    let o = run_bounded(&["upscale", s(&bomb), "-o", s(&big), "--scale", "2"]);
    refused(&o, &["claims.png", "16000x16000", "--max-input-pixels"]);
    assert!(!big.exists());
    ok(&run_tween(&[
        "upscale",
        s(&png),
        "-o",
        s(&big),
        "--scale",
        "4",
    ]));
    assert!(big.is_file());
}

#[test]
fn interpolate_refuses_absurd_frame_counts_with_an_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clip = solid_clip(d, "ten.mp4", "blue", "32x32", "25", 10);
    let out = d.join("out.mp4");
    // The reported case: --factor 1000000 started ten million frames.
    let o = run_bounded(&[
        "interpolate",
        s(&clip),
        "-o",
        s(&out),
        "--factor",
        "1000000",
    ]);
    refused(
        &o,
        &[
            "ten.mp4",
            "10000000 frames",
            "25000000 fps",
            "0.4 s",
            "--max-frames",
        ],
    );
    assert!(!out.exists());
    let o = run_bounded(&[
        "interpolate",
        s(&clip),
        "-o",
        s(&out),
        "--factor",
        "4",
        "--max-frames",
        "39",
    ]);
    refused(&o, &["40 frames", "limit of 39"]);
    let o = run_bounded(&[
        "process",
        s(&clip),
        "-o",
        s(&out),
        "--interpolate",
        "1000000x",
    ]);
    refused(&o, &["10000000 frames", "--max-frames"]);
    ok(&run_tween(&[
        "interpolate",
        s(&clip),
        "-o",
        s(&out),
        "--factor",
        "4",
        "--max-frames",
        "40",
    ]));
    assert!(out.is_file());
}

#[test]
fn chain_checks_every_clip_and_its_length_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = solid_clip(d, "a.mp4", "red", "32x32", "25", 10);
    let b = solid_clip(d, "b.mp4", "blue", "32x32", "25", 10);
    let out = d.join("out.mp4");
    let o = run_bounded(&["chain", s(&a), s(&b), "-o", s(&out), "--max-frames", "5"]);
    refused(&o, &["out.mp4", "23 frames", "--max-frames"]);
    let o = run_bounded(&[
        "chain",
        s(&a),
        s(&b),
        "-o",
        s(&out),
        "--max-input-pixels",
        "1000",
    ]);
    refused(&o, &["a.mp4", "32x32", "--max-input-pixels"]);
    let bomb = png_bomb(d, "bomb.png", 16_000, 16_000);
    let o = run_bounded(&["chain", s(&a), s(&bomb), "-o", s(&out)]);
    refused(&o, &["bomb.png", "16000x16000"]);
    assert!(!out.exists());
}

/// `X`: a BINUNICODE string.
fn text(p: &mut Vec<u8>, t: &str) {
    p.push(b'X');
    p.extend((t.len() as u32).to_le_bytes());
    p.extend(t.as_bytes());
}

/// A protocol-2 pickle of a state dict `{name: tensor}` whose storage "0"
/// declares `numel` floats and whose tensor is all of them.
fn state_dict_pickle(name: &str, numel: i32) -> Vec<u8> {
    let mut p = b"\x80\x02}(".to_vec();
    text(&mut p, name);
    p.extend(b"ctorch._utils\n_rebuild_tensor_v2\n((");
    text(&mut p, "storage");
    p.extend(b"ctorch\nFloatStorage\n");
    text(&mut p, "0");
    text(&mut p, "cpu");
    p.push(b'J');
    p.extend(numel.to_le_bytes());
    // offset 0, size (numel,), stride (1,), requires_grad False, hooks {}
    p.extend(b"tQJ\x00\x00\x00\x00(J");
    p.extend(numel.to_le_bytes());
    p.extend(b"t(J\x01\x00\x00\x00t\x89ccollections\nOrderedDict\n)RtRu.");
    p
}

/// A torch zip of `pickle` and one storage "0", deflated.
fn torch_zip(path: &Path, pickle: &[u8], storage: &[u8]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("archive/data.pkl", opts).unwrap();
    z.write_all(pickle).unwrap();
    z.start_file("archive/data/0", opts).unwrap();
    z.write_all(storage).unwrap();
    z.finish().unwrap();
}

#[test]
fn weight_bombs_are_refused_within_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = d.join("models");
    let import =
        |file: &Path| run_bounded(&["models", "import", s(file), "--models-dir", s(&store)]);

    // A deflated .pth whose pickle declares a 2.1 GB tensor (the reported
    // one inflated 1 MB of deflate to 2.1 GB before the architecture check).
    let zip_bomb = d.join("inflates.pth");
    torch_zip(
        &zip_bomb,
        &state_dict_pickle("conv_first.weight", 525_000_000),
        &vec![0u8; 1 << 20],
    );
    assert!(std::fs::metadata(&zip_bomb).unwrap().len() < 64 << 10);
    refused(
        &import(&zip_bomb),
        &["inflates.pth", "over the limit of 1073741824"],
    );

    // A 1.2 KB pickle whose memo copies make gigabytes of values.
    let mut p = b"\x80\x02X\xe8\x03\x00\x00".to_vec();
    p.extend([b'a'; 1000]);
    p.extend(b"q\x000");
    for level in 1..=7u8 {
        p.push(b'(');
        for _ in 0..8 {
            p.extend([b'h', level - 1]);
        }
        p.extend([b'l', b'q', level, b'0']);
    }
    p.extend(b"h\x07.");
    let laughs = d.join("laughs.pth");
    torch_zip(&laughs, &p, b"");
    refused(
        &import(&laughs),
        &["laughs.pth", "pickle", "over the limit"],
    );

    // A safetensors header declaring 1.2 GB of f32 over a sparse file.
    let st = d.join("declares.safetensors");
    let header = r#"{"conv_first.weight":{"dtype":"F32","shape":[300000000],"data_offsets":[0,1200000000]}}"#;
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend(header.as_bytes());
    std::fs::write(&st, &b).unwrap();
    let f = std::fs::File::options().write(true).open(&st).unwrap();
    f.set_len(b.len() as u64 + 1_200_000_000).unwrap();
    refused(
        &import(&st),
        &["declares.safetensors", "over the limit of 1073741824"],
    );
    assert!(!store.exists() || listing(&store).is_empty());
}

/// Peak resident size (KiB) of `tween args`, measured in a python process of
/// its own (`RUSAGE_CHILDREN` there covers this one child only).
fn peak_rss_kib(args: &[&str]) -> u64 {
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import resource, subprocess, sys\n\
             r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n\
             assert r.returncode == 0, r\n\
             print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        )
        .arg(env!("CARGO_BIN_EXE_tween"))
        .args(args)
        .output()
        .expect("python3 runs");
    ok(&out);
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn probe_reads_a_large_file_in_constant_memory() {
    // 80 raw 1280x720 RGB frames: 221 MB in a container (NUT) that keeps no
    // frame count, so probe counts the packets by demuxing them all. Each
    // packet must be released as the next is read: a probe that kept them
    // would hold the whole file.
    let d = tempfile::tempdir().unwrap();
    let big = d.path().join("big.nut");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1280x720:rate=30",
        "-frames:v",
        "80",
        "-c:v",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        s(&big),
    ]);
    let size_kib = std::fs::metadata(&big).unwrap().len() / 1024;
    let peak = peak_rss_kib(&["probe", s(&big)]);
    assert!(
        peak < 150 * 1024 && peak < size_kib / 2,
        "probe of a {size_kib} KiB file peaked at {peak} KiB"
    );
}
