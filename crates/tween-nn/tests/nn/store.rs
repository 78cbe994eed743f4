//! The model store: import → list → verify, tampering detected, names
//! protected, hostile files leave nothing behind.

use tween_nn::{load, ImportOptions, ModelStore, NnError};

use crate::helpers::*;

#[test]
fn import_list_verify_and_tamper() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path().join("models"));
    let src = conformance_dir().join("weights/rife_v4.25/flownet.pkl");
    let m = store.import(&src, &ImportOptions::default()).unwrap();
    assert_eq!(m.name, "rife-v4.25");
    assert_eq!(m.architecture.preset(), Some("v4.25"));
    assert_eq!((m.tensors, m.parameters), (158, 5_664_776));
    assert_eq!(m.source.file_name, "flownet.pkl");
    assert_eq!(m.source.sha256.len(), 64);
    assert!(m.imported_at.ends_with('Z'));

    let listed = store.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1.as_ref().unwrap(), &m);
    assert!(store.verify("rife-v4.25").unwrap().ok());
    // The stored file holds the same tensors, keys without `module.`.
    let (stored, _) = store.load("rife-v4.25").unwrap();
    assert!(stored == load(&src).unwrap());
    // Only the two files: no temporaries left.
    let mut names: Vec<_> = std::fs::read_dir(store.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["rife-v4.25.json", "rife-v4.25.safetensors"]);

    // Same name again: refused without overwrite, replaced with it.
    let again = store.import(&src, &ImportOptions::default());
    assert!(matches!(again, Err(NnError::ModelExists { ref name, .. }) if name == "rife-v4.25"));
    store
        .import(
            &src,
            &ImportOptions {
                name: None,
                overwrite: true,
            },
        )
        .unwrap();

    // Flip one byte of tensor data: verify fails on the hash and load refuses.
    let weights = store.dir().join("rife-v4.25.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0x40;
    std::fs::write(&weights, &bytes).unwrap();
    let report = store.verify("rife-v4.25").unwrap();
    assert!(!report.ok());
    assert!(
        report.problems.iter().any(|p| p.contains("sha256")),
        "{:?}",
        report.problems
    );
    assert!(store.load("rife-v4.25").is_err());

    // A truncated stored file: hash and parse both fail.
    std::fs::write(&weights, &bytes[..n / 2]).unwrap();
    let report = store.verify("rife-v4.25").unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains("does not parse")),
        "{:?}",
        report.problems
    );

    assert!(matches!(
        store.verify("nope"),
        Err(NnError::ModelNotFound { .. })
    ));
}

#[test]
fn names_default_to_the_stem_and_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let src = conformance_dir().join("weights/esrgan/realesr-animevideov3.pth");
    let m = store.import(&src, &ImportOptions::default()).unwrap();
    assert_eq!(m.name, "realesr-animevideov3");
    assert_eq!(m.source.unwrapped.as_deref(), Some("params"));
    let m = store
        .import(
            &src,
            &ImportOptions {
                name: Some("anime".into()),
                overwrite: false,
            },
        )
        .unwrap();
    assert_eq!(m.name, "anime");
    let bad = store.import(
        &src,
        &ImportOptions {
            name: Some("../escape".into()),
            overwrite: false,
        },
    );
    assert!(matches!(bad, Err(NnError::InvalidName { .. })));
    let reports = store.verify_all().unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.ok()));
}

#[test]
fn hostile_or_mismatched_files_are_not_imported() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path().join("m"));
    let evil = dir.path().join("evil.pth");
    torch_zip(
        &evil,
        &Pickle::new()
            .global("os", "system")
            .str("id")
            .op(b"\x85R")
            .stop(),
        &[],
    );
    assert!(matches!(
        store.import(&evil, &ImportOptions::default()),
        Err(NnError::RefusedGlobal { .. })
    ));
    // Tensors that fit no architecture.
    let odd = dir.path().join("odd.pth");
    small_zip(&odd);
    assert!(matches!(
        store.import(&odd, &ImportOptions::default()),
        Err(NnError::UnknownArchitecture { .. })
    ));
    assert!(!store.dir().exists() || std::fs::read_dir(store.dir()).unwrap().next().is_none());
}
