//! Hostile and damaged files: refused with a typed error that names the file
//! and the problem; never a panic, never a huge allocation.

use std::path::Path;

use tween_nn::{load, NnError};

use crate::helpers::*;

fn refused_global(path: &Path) -> String {
    match load(path) {
        Err(NnError::RefusedGlobal {
            path: p, global, ..
        }) => {
            assert_eq!(p, path);
            global
        }
        other => panic!("expected RefusedGlobal, got {other:?}"),
    }
}

#[test]
fn code_executing_globals_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // GLOBAL 'os system' + REDUCE, the classic.
        ("os.system", Pickle::new().global("os", "system").str("touch /tmp/pwned").op(b"\x85R").stop()),
        ("posix.system", Pickle::new().global("posix", "system").str("id").op(b"\x85R").stop()),
        ("subprocess.Popen", Pickle::new().global("subprocess", "Popen").str("id").op(b"\x85R").stop()),
        // STACK_GLOBAL (protocol 4) to builtins.eval.
        (
            "builtins.eval",
            b"\x80\x04\x95\x30\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x8c\x04eval\x93\x8c\x0bprint(1337)\x85R.".to_vec(),
        ),
        // Hidden inside an otherwise good state dict, after a real tensor.
        (
            "os.system",
            Pickle::new()
                .op(b"}(")
                .tensor("w", "0", 2, 0, &[2], &[1])
                .str("evil")
                .global("os", "system")
                .str("id")
                .op(b"\x85Ru")
                .stop(),
        ),
        // As a BUILD/NEWOBJ target rather than REDUCE.
        ("__main__.Evil", Pickle::new().global("__main__", "Evil").op(b")\x81").stop()),
    ];
    for (i, (global, pickle)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("evil{i}.pth"));
        torch_zip(&path, &pickle, &[("0", f32_bytes(&[1., 2.]))]);
        assert_eq!(refused_global(&path), global);
        let msg = load(&path).unwrap_err().to_string();
        assert!(
            msg.contains(global) && msg.contains(&format!("evil{i}.pth")),
            "{msg}"
        );
    }
    assert!(!Path::new("/tmp/pwned").exists());
}

#[test]
fn unknown_and_code_running_opcodes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // 0xff is no opcode; INST ('i') and OBJ ('o') instantiate classes; EXT1 uses the copyreg registry.
    for (op, code) in [
        (&b"\xff"[..], 0xff),
        (b"ios\nsystem\n", b'i'),
        (b"(o", b'o'),
        (b"\x82\x01", 0x82),
    ] {
        let path = dir.path().join("op.pth");
        torch_zip(&path, &Pickle::new().op(b"(").op(op).stop(), &[]);
        match load(&path) {
            Err(NnError::RefusedOpcode { opcode, .. }) => assert_eq!(opcode, code),
            other => panic!("{op:?}: {other:?}"),
        }
    }
}

#[test]
fn a_legacy_file_loads_and_a_hostile_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("legacy.pth");
    let object = state_dict_pickle(&[("w", "93", 4, 0, &[2, 2], &[1, 2])]); // transposed view
    torch_legacy(&good, &object, &[("93", vec![1., 2., 3., 4.])]);
    let l = tween_nn::load_detailed(&good).unwrap();
    assert_eq!(l.format, tween_nn::SourceFormat::TorchLegacy);
    assert_eq!(l.state_dict.get("w").unwrap().data, [1., 3., 2., 4.]);

    let evil = dir.path().join("legacy_evil.pth");
    torch_legacy(
        &evil,
        &Pickle::new()
            .global("os", "system")
            .str("id")
            .op(b"\x85R")
            .stop(),
        &[],
    );
    assert_eq!(refused_global(&evil), "os.system");
}

#[test]
fn a_small_zip_loads_with_shared_storage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.pth");
    small_zip(&path);
    let sd = load(&path).unwrap();
    assert_eq!(sd.keys().collect::<Vec<_>>(), ["w", "b"]);
    assert_eq!(sd.get("w").unwrap().data, [0., 1., 2., 3., 4., 5.]);
    assert_eq!(sd.get("b").unwrap().data, [6., 7.]);
}

#[test]
fn damaged_views_and_sizes_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.pth");
    let data = f32_bytes(&[0.; 8]);
    const BIG: i32 = i32::MAX;
    type Case<'a> = (&'a [i32], i32, &'a [i32], i32, &'a str);
    let cases: Vec<Case> = vec![
        // (shape, offset, stride, declared numel, expected words)
        (&[2], 7, &[1], 8, "reaches past"), // offset past the end
        (&[4], 0, &[3], 8, "reaches past"), // stride past the end
        (&[BIG, BIG, BIG], 0, &[0, 0, 0], 8, "overflows"), // absurd shape, overflow
        (&[1 << 20, 1 << 20], 0, &[0, 0], 8, "more than its storage"), // expansion to 4 TB
        (&[8], 0, &[1], BIG, "holds 32 bytes"), // storage declared 8 GB, holds 32 B
    ];
    for (shape, offset, stride, numel, words) in cases {
        let pickle = state_dict_pickle(&[("conv.weight", "0", numel, offset, shape, stride)]);
        torch_zip(&path, &pickle, &[("0", data.clone())]);
        let err = load(&path).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(words) && msg.contains("bad.pth"),
            "{shape:?}: {msg}"
        );
        if !matches!(err, NnError::BadArchive { .. }) {
            assert!(
                matches!(&err, NnError::BadTensor { key, .. } if key == "conv.weight"),
                "{err:?}"
            );
        }
    }
    // A storage entry that is missing altogether.
    torch_zip(
        &path,
        &state_dict_pickle(&[("w", "5", 2, 0, &[2], &[1])]),
        &[],
    );
    assert!(
        matches!(load(&path), Err(NnError::BadArchive { reason, .. }) if reason.contains("data/5"))
    );
    // No data.pkl; not a weight file at all; an empty file.
    let f = std::fs::File::create(&path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    z.start_file("archive/other", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.finish().unwrap();
    assert!(
        matches!(load(&path), Err(NnError::BadArchive { reason, .. }) if reason.contains("data.pkl"))
    );
    std::fs::write(&path, b"<html>not weights</html>").unwrap();
    assert!(matches!(load(&path), Err(NnError::UnknownFormat { .. })));
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(load(&path), Err(NnError::UnknownFormat { .. })));
}

#[test]
fn every_single_byte_flip_in_a_pickle_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flip.pth");
    let pickle = small_zip(&path);
    let storage = [("0", f32_bytes(&[0., 1., 2., 3., 4., 5., 6., 7.]))];
    let (mut ok, mut err) = (0, 0);
    for i in 0..pickle.len() {
        for x in [0xff, 0x01, 0x80] {
            let mut p = pickle.clone();
            p[i] ^= x;
            torch_zip(&path, &p, &storage);
            match load(&path) {
                Ok(_) => ok += 1,
                Err(_) => err += 1,
            }
        }
    }
    eprintln!("byte flips: {ok} still load, {err} refused");
    assert!(err > ok);
}

#[test]
fn truncated_and_garbled_real_files_give_errors() {
    let src = conformance_dir().join("weights/esrgan/realesr-animevideov3.pth");
    let bytes = std::fs::read(&src).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.pth");
    for cut in [bytes.len() / 2, bytes.len() - 1, 100, 4] {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let err = load(&path).unwrap_err();
        assert!(err.to_string().contains("cut.pth"), "{err}");
    }
    // Flip bytes through the whole pickle of the real file (it is stored uncompressed).
    let start = bytes
        .windows(7)
        .position(|w| w == b"\x80\x02}q\x00X\x06")
        .unwrap();
    for i in (0..6000).step_by(37) {
        let mut b = bytes.clone();
        b[start + i] ^= 0x5a;
        std::fs::write(&path, &b).unwrap();
        let _ = load(&path); // must not panic; the zip CRC usually catches it first
    }
    // A .safetensors cut short.
    let st =
        std::fs::read(conformance_dir().join("weights/esrgan/realesr-animevideov3.safetensors"))
            .unwrap();
    let path = dir.path().join("cut.safetensors");
    std::fs::write(&path, &st[..st.len() - 10]).unwrap();
    assert!(matches!(load(&path), Err(NnError::Safetensors { .. })));
}
