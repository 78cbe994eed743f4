//! `tween models` end to end through the binary: import → list → verify OK,
//! tampering → verify FAIL (non-zero exit), names protected, hostile files refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn conformance_dir() -> PathBuf {
    std::env::var_os("TWEEN_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
        })
}

/// Runs `tween models ARGS` with the store in `dir` (through the environment
/// when `via_env`, else `--models-dir`).
fn models(dir: &Path, via_env: bool, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tween"));
    cmd.arg("models").args(args).env_remove("TWEEN_MODELS_DIR");
    if via_env {
        cmd.env("TWEEN_MODELS_DIR", dir);
    } else {
        cmd.arg("--models-dir").arg(dir);
    }
    cmd.output().expect("tween runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn import_list_verify_tamper() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let rife = conformance_dir().join("weights/rife_v4.6/flownet.pkl");
    let esrgan = conformance_dir().join("weights/esrgan/rrdb_x2_b2.pth");

    let o = models(&store, false, &["import", rife.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("imported rife-v4.6"), "{}", text(&o));
    let o = models(
        &store,
        true,
        &["import", esrgan.to_str().unwrap(), "--name", "x2"],
    );
    assert!(o.status.success(), "{}", text(&o));

    let o = models(&store, true, &["list"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("rife-v4.6") && out.contains("5306256") && out.contains("RIFE IFNet v4.6"),
        "{out}"
    );
    assert!(
        out.contains("x2") && out.contains("RRDBNet: x2, 2 blocks"),
        "{out}"
    );

    let o = models(&store, false, &["verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("OK    rife-v4.6") && text(&o).contains("OK    x2"),
        "{}",
        text(&o)
    );

    // The same name again needs --overwrite.
    let o = models(&store, false, &["import", rife.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("already exists") && text(&o).contains("--overwrite"),
        "{}",
        text(&o)
    );
    let o = models(
        &store,
        false,
        &["import", rife.to_str().unwrap(), "--overwrite"],
    );
    assert!(o.status.success(), "{}", text(&o));

    // Tamper with the stored weights: verify fails, names the model, exits non-zero.
    let weights = store.join("x2.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 1;
    std::fs::write(&weights, bytes).unwrap();
    let o = models(&store, false, &["verify"]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("OK    rife-v4.6") && out.contains("FAIL  x2") && out.contains("sha256"),
        "{out}"
    );
    let o = models(&store, false, &["verify", "x2"]);
    assert!(!o.status.success());
    let o = models(&store, false, &["verify", "missing"]);
    assert!(
        !o.status.success() && text(&o).contains("no model named `missing`"),
        "{}",
        text(&o)
    );
}

#[test]
fn hostile_pickle_is_refused_with_the_global_named() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let evil = tmp.path().join("evil.pth");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&evil).unwrap());
    z.start_file("archive/data.pkl", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.")
        .unwrap();
    z.finish().unwrap();
    let o = models(
        &tmp.path().join("store"),
        false,
        &["import", evil.to_str().unwrap()],
    );
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("os.system") && out.contains("evil.pth") && out.contains("refused"),
        "{out}"
    );
    assert!(!tmp.path().join("store").exists());
}
