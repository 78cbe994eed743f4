//! Bombs: small files that declare, or inflate to, gigabytes. Each is refused
//! from what it declares — the pickle's tensor sizes, a zip entry's header, a
//! legacy storage's count, a safetensors header — before anything of that
//! size is allocated, with a typed error naming the file and the limit.
//! Several use sparse files: gigabytes long, no bytes on disk.

use std::fmt::Debug;
use std::path::Path;

use tween_nn::state_dict::{MAX_FILE_BYTES, MAX_TENSOR_BYTES};
use tween_nn::{detect_strict, load, load_detailed, load_verified, NnError};
use zip::CompressionMethod::{Deflated, Stored};

use crate::helpers::*;

/// `r` is `TooLarge` for `path` at `limit`; its message names both.
fn too_large<T: Debug>(r: Result<T, NnError>, path: &Path, limit: u64) -> String {
    match r {
        Err(e @ NnError::TooLarge { .. }) => {
            let NnError::TooLarge {
                path: p, limit: l, ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!((p.as_path(), *l), (path, limit));
            let m = e.to_string();
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(m.contains(&*name) && m.contains(&limit.to_string()), "{m}");
            m
        }
        other => panic!("{}: expected TooLarge, got {other:?}", path.display()),
    }
}

/// Sets the uncompressed size a zip's local and central headers declare
/// for `name` (both say the same, as a forger would write them).
fn forge_size(zip: &Path, name: &str, size: u32) {
    let mut b = std::fs::read(zip).unwrap();
    let mut patched = 0;
    for i in 0..b.len().saturating_sub(46) {
        // (where the name starts, where its length is, where the size is)
        let (at_name, at_len, at_size) = match &b[i..i + 4] {
            b"PK\x03\x04" => (30, 26, 22),
            b"PK\x01\x02" => (46, 28, 24),
            _ => continue,
        };
        let len = u16::from_le_bytes([b[i + at_len], b[i + at_len + 1]]) as usize;
        if len == name.len() && b[i + at_name..].starts_with(name.as_bytes()) {
            b[i + at_size..i + at_size + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "{name} in {}", zip.display());
    std::fs::write(zip, b).unwrap();
}

/// The reported bomb: 1 MB of deflate behind a pickle declaring a 2.1 GB
/// tensor. Refused from the pickle's declaration, nothing inflated.
#[test]
fn a_deflated_storage_declaring_gigabytes_is_refused_before_inflating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.pth");
    const N: i32 = 525_000_000; // 2.1 GB of f32
    let pickle = state_dict_pickle(&[("conv_first.weight", "0", N, 0, &[N], &[1])]);
    torch_zip_with(&path, &pickle, &[("0", vec![0u8; 1 << 20])], Deflated);
    assert!(std::fs::metadata(&path).unwrap().len() < 64 << 10);
    too_large(load(&path), &path, MAX_TENSOR_BYTES);
    // Whatever the entry's header says about its size.
    forge_size(&path, "archive/data/0", 2_100_000_000);
    let m = too_large(load(&path), &path, MAX_TENSOR_BYTES);
    assert!(m.contains("2100000000"), "{m}");
    // Many tensors, each small, that add up past the limit.
    let names: Vec<String> = (0..30).map(|i| format!("t{i}")).collect();
    let specs: Vec<TensorSpec> = names
        .iter()
        .map(|n| (n.as_str(), "0", 10_000_000, 0, &[10_000_000][..], &[1][..]))
        .collect();
    torch_zip_with(
        &path,
        &state_dict_pickle(&specs),
        &[("0", vec![0u8; 1 << 20])],
        Deflated,
    );
    too_large(load(&path), &path, MAX_TENSOR_BYTES);
}

/// Only the part of a storage the tensors reach is read: a storage that
/// declares (and whose entry header declares) 2.4 GB, used for 8 floats,
/// costs 32 bytes. The old reader inflated the whole declared storage.
#[test]
fn storages_are_read_only_as_far_as_their_tensors_reach() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide_storage.pth");
    const N: i32 = 600_000_000;
    let pickle = state_dict_pickle(&[("w", "0", N, 0, &[2, 4], &[4, 1])]);
    let mut data = f32_bytes(&[1., 2., 3., 4., 5., 6., 7., 8.]);
    data.resize(1 << 20, 0);
    torch_zip_with(&path, &pickle, &[("0", data)], Deflated);
    forge_size(&path, "archive/data/0", 2_400_000_000);
    let sd = load(&path).unwrap();
    assert_eq!(sd.get("w").unwrap().data, [1., 2., 3., 4., 5., 6., 7., 8.]);
    assert_eq!(sd.get("w").unwrap().shape, [2, 4]);
}

/// A zip entry's declared size is enforced while inflating: a data.pkl
/// whose header says a few hundred bytes but whose deflate stream goes on
/// for megabytes is refused at the declared size.
#[test]
fn an_entry_inflating_past_its_declared_size_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long_pickle.pth");
    let pickle = state_dict_pickle(&[("w", "0", 2, 0, &[2], &[1])]);
    let real = pickle.len() as u32;
    let mut padded = pickle.clone();
    padded.resize(4 << 20, 0);
    torch_zip_with(&path, &padded, &[("0", f32_bytes(&[1., 2.]))], Deflated);
    forge_size(&path, "archive/data.pkl", real);
    match load(&path) {
        Err(NnError::BadArchive { path: p, reason }) => {
            assert_eq!(p, path);
            // The zip crate enforces the declared size while inflating; our
            // reader stops one byte past it as well.
            assert!(
                reason.contains("data.pkl")
                    && (reason.contains("larger than its declared uncompressed size")
                        || reason.contains(&format!("inflates past the {real} bytes"))),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A stored data.pkl whose header claims 4 GB: refused from the header.
    torch_zip_with(&path, &pickle, &[("0", f32_bytes(&[1., 2.]))], Stored);
    forge_size(&path, "archive/data.pkl", u32::MAX);
    too_large(load(&path), &path, 64 << 20);
    // A stored storage whose header claims more than the file holds: an
    // error when the bytes run out, never a buffer of the claimed size.
    torch_zip_with(
        &path,
        &state_dict_pickle(&[("w", "0", 400_000_000, 0, &[200_000_000], &[1])]),
        &[("0", f32_bytes(&[1., 2.]))],
        Stored,
    );
    forge_size(&path, "archive/data/0", 1_600_000_000);
    let e = load(&path).unwrap_err();
    assert!(e.to_string().contains("long_pickle.pth"), "{e}");
}

/// The architecture is held to the declared keys and shapes before any
/// storage is touched: with the storage missing altogether, `load` finds
/// that out, `load_verified` never gets that far.
#[test]
fn the_architecture_is_checked_before_any_storage_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not_a_network.pth");
    let pickle = state_dict_pickle(&[("evil.weight", "0", 1000, 0, &[1000], &[1])]);
    torch_zip(&path, &pickle, &[]);
    assert!(
        matches!(load(&path), Err(NnError::BadArchive { reason, .. }) if reason.contains("data/0"))
    );
    match load_verified(&path, detect_strict) {
        Err(NnError::UnknownArchitecture { sample_keys, .. }) => {
            assert_eq!(sample_keys, ["evil.weight"])
        }
        other => panic!("{other:?}"),
    }
    // The check sees shapes and dtypes, no values.
    let (sd, seen) = load_verified(
        &{
            let p = dir.path().join("small.pth");
            small_zip(&p);
            p
        },
        |declared| {
            Ok(declared
                .iter()
                .map(|(k, t)| (k.to_string(), t.shape.clone(), t.data.len()))
                .collect::<Vec<_>>())
        },
    )
    .unwrap();
    assert_eq!(
        seen,
        [
            ("w".to_string(), vec![2, 3], 0),
            ("b".to_string(), vec![2], 0)
        ]
    );
    assert_eq!(sd.get("b").unwrap().data, [6., 7.]);
}

/// A pickle that copies memo entries into gigabytes of values, in a 1.3 KB
/// torch zip: refused at the budget its size gives, naming the file.
#[test]
fn a_pickle_copy_bomb_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("laughs.pth");
    let mut p = Pickle::new().str(&"a".repeat(1000)).op(b"q\x000");
    for level in 1..=7u8 {
        p = p.op(b"(");
        for _ in 0..8 {
            p = p.op(&[b'h', level - 1]);
        }
        p = p.op(&[b'l', b'q', level, b'0']);
    }
    let pickle = p.op(b"h\x07").stop();
    assert!(pickle.len() < 1300);
    torch_zip(&path, &pickle, &[]);
    let e = load(&path).unwrap_err();
    let NnError::TooLarge { limit, .. } = e else {
        panic!("{e:?}")
    };
    assert!(limit < 2 << 20, "{limit}");
    too_large(load(&path), &path, limit);
}

/// The legacy stream: a pickle declaring gigabytes, a storage count past
/// the end, a file too large to read whole, the pre-1.0 tar format.
#[test]
fn legacy_files_are_bounded_by_their_declarations_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.pth");
    const N: i32 = 525_000_000;
    let object = state_dict_pickle(&[("w", "7", N, 0, &[N], &[1])]);
    torch_legacy(&path, &object, &[("7", vec![0.; 4])]);
    too_large(load(&path), &path, MAX_TENSOR_BYTES);

    // The storage's own count (after the pickles) claims 2^40 elements.
    let object = state_dict_pickle(&[("w", "7", 4, 0, &[4], &[1])]);
    torch_legacy(&path, &object, &[("7", vec![1., 2., 3., 4.])]);
    let mut b = std::fs::read(&path).unwrap();
    let at = b.len() - 16 - 8;
    b[at..at + 8].copy_from_slice(&(1i64 << 40).to_le_bytes());
    std::fs::write(&path, &b).unwrap();
    let e = load(&path).unwrap_err();
    assert!(e.to_string().contains("more than the file holds"), "{e}");

    // 3 GiB (sparse) starting with the legacy magic: refused unread.
    let big = dir.path().join("huge_legacy.pth");
    std::fs::write(&big, &b[..64]).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    too_large(load(&big), &big, MAX_FILE_BYTES);

    // torch < 1.0's tar archives are not read at all.
    let tar = dir.path().join("old.tar.pth");
    let mut t = vec![0u8; 1024];
    t[..8].copy_from_slice(b"storages");
    t[257..262].copy_from_slice(b"ustar");
    std::fs::write(&tar, &t).unwrap();
    assert!(matches!(load(&tar), Err(NnError::UnknownFormat { .. })));
}

/// A safetensors file: 8-byte header length, JSON header, data.
fn safetensors(path: &Path, header: &str, data_len: u64) {
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend(header.as_bytes());
    std::fs::write(path, &b).unwrap();
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(b.len() as u64 + data_len)
        .unwrap();
}

/// The header is read alone, its length checked against the file first,
/// the offsets checked to tile the data exactly, the declared sizes and
/// the architecture checked — all before the data is read.
#[test]
fn safetensors_headers_and_offsets_are_checked_before_the_data_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.safetensors");
    let bad = |path: &Path, words: &str| match load_detailed(path) {
        Err(NnError::Safetensors { path: p, reason }) => {
            assert_eq!(p, path);
            assert!(reason.contains(words), "{reason}");
        }
        other => panic!("{words}: {other:?}"),
    };

    // A header length of 2^64 - 1, and one past the end of the file.
    let mut b = u64::MAX.to_le_bytes().to_vec();
    b.extend(b"{}");
    std::fs::write(&path, &b).unwrap();
    too_large(load(&path), &path, 16 << 20);
    let mut b = (1u64 << 20).to_le_bytes().to_vec();
    b.extend(b"{\"w\":{}}");
    std::fs::write(&path, &b).unwrap();
    bad(&path, "the header declares 1048576 bytes");

    // Offsets past the data, overlapping, or leaving a gap.
    let w = |o: (u64, u64)| {
        format!(
            r#""w":{{"dtype":"F32","shape":[2],"data_offsets":[{},{}]}}"#,
            o.0, o.1
        )
    };
    let v = |o: (u64, u64)| {
        format!(
            r#""v":{{"dtype":"F32","shape":[2],"data_offsets":[{},{}]}}"#,
            o.0, o.1
        )
    };
    safetensors(&path, &format!("{{{}}}", w((0, 8))), 4);
    bad(&path, "offsets cover 8 bytes");
    safetensors(&path, &format!("{{{},{}}}", w((0, 8)), v((0, 8))), 8);
    bad(&path, "invalid offset");
    safetensors(&path, &format!("{{{},{}}}", w((0, 8)), v((16, 24))), 24);
    bad(&path, "invalid offset");
    // A shape whose size disagrees with its offsets.
    safetensors(
        &path,
        r#"{"w":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,8]}}"#,
        8,
    );
    bad(&path, "header");

    // 1.2 GB of f32 declared, the file sparse: refused unread. And 300 MB of
    // u8, which would be 1.2 GB as f32.
    for (dtype, n, bytes) in [("F32", 300_000_000u64, 4), ("U8", 300_000_000, 1)] {
        let header = format!(
            r#"{{"w":{{"dtype":"{dtype}","shape":[{n}],"data_offsets":[0,{}]}}}}"#,
            n * bytes
        );
        safetensors(&path, &header, n * bytes);
        too_large(load(&path), &path, MAX_TENSOR_BYTES);
    }

    // 400 MB of a network tween does not know: the check refuses it unread.
    let header =
        r#"{"evil.weight":{"dtype":"F32","shape":[100000000],"data_offsets":[0,400000000]}}"#;
    safetensors(&path, header, 400_000_000);
    assert!(matches!(
        load_verified(&path, detect_strict),
        Err(NnError::UnknownArchitecture { .. })
    ));
}
