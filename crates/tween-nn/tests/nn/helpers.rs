//! Test helpers: the conformance folder, and builders for torch files made
//! byte by byte (pickles, zips, the legacy stream).

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// `$TWEEN_CONFORMANCE_DIR`, else `<repo>/../shared/conformance`.
pub fn conformance_dir() -> PathBuf {
    let dir = std::env::var_os("TWEEN_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
        });
    assert!(
        dir.join("manifest.json").is_file(),
        "conformance data not found at {} (set TWEEN_CONFORMANCE_DIR)",
        dir.display()
    );
    dir
}

pub fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(conformance_dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A small pickle writer: enough opcodes to build state dicts and attacks.
#[derive(Default)]
pub struct Pickle(pub Vec<u8>);

impl Pickle {
    pub fn new() -> Self {
        Pickle(b"\x80\x02".to_vec())
    }
    pub fn op(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
    pub fn str(mut self, s: &str) -> Self {
        self.0.push(b'X');
        self.0.extend((s.len() as u32).to_le_bytes());
        self.0.extend(s.as_bytes());
        self
    }
    pub fn int(mut self, i: i32) -> Self {
        self.0.push(b'J');
        self.0.extend(i.to_le_bytes());
        self
    }
    pub fn global(mut self, module: &str, name: &str) -> Self {
        self.0.extend(format!("c{module}\n{name}\n").as_bytes());
        self
    }
    pub fn tuple(mut self, items: &[i32]) -> Self {
        self.0.push(b'(');
        for &i in items {
            self = self.int(i);
        }
        self.0.push(b't');
        self
    }
    /// `name: _rebuild_tensor_v2(storage(key, numel), offset, shape, stride, False, OrderedDict())`.
    pub fn tensor(
        self,
        name: &str,
        key: &str,
        numel: i32,
        offset: i32,
        shape: &[i32],
        stride: &[i32],
    ) -> Self {
        self.str(name)
            .global("torch._utils", "_rebuild_tensor_v2")
            .op(b"((")
            .str("storage")
            .global("torch", "FloatStorage")
            .str(key)
            .str("cpu")
            .int(numel)
            .op(b"tQ")
            .int(offset)
            .tuple(shape)
            .tuple(stride)
            .op(b"\x89")
            .global("collections", "OrderedDict")
            .op(b")RtR")
    }
    pub fn stop(mut self) -> Vec<u8> {
        self.0.push(b'.');
        self.0
    }
}

/// A state dict pickle: `{name: tensor}` for each `(name, key, numel, offset, shape, stride)`.
/// `(name, storage key, storage numel, offset, shape, stride)`.
pub type TensorSpec<'a> = (&'a str, &'a str, i32, i32, &'a [i32], &'a [i32]);

pub fn state_dict_pickle(tensors: &[TensorSpec]) -> Vec<u8> {
    let mut p = Pickle::new().op(b"}(");
    for &(name, key, numel, offset, shape, stride) in tensors {
        p = p.tensor(name, key, numel, offset, shape, stride);
    }
    p.op(b"u").stop()
}

/// A torch zip: `archive/data.pkl` plus `archive/data/<key>` storages.
pub fn torch_zip(path: &Path, pickle: &[u8], storages: &[(&str, Vec<u8>)]) {
    torch_zip_with(path, pickle, storages, zip::CompressionMethod::Stored)
}

/// [`torch_zip`] with every entry stored by `method`.
pub fn torch_zip_with(
    path: &Path,
    pickle: &[u8],
    storages: &[(&str, Vec<u8>)],
    method: zip::CompressionMethod,
) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    z.start_file("archive/data.pkl", opts).unwrap();
    z.write_all(pickle).unwrap();
    z.start_file("archive/byteorder", opts).unwrap();
    z.write_all(b"little").unwrap();
    for (key, bytes) in storages {
        z.start_file(format!("archive/data/{key}"), opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A two-tensor torch zip: `w` [2,3] and `b` [2] sharing storage "0" (8 floats).
pub fn small_zip(path: &Path) -> Vec<u8> {
    let pickle = state_dict_pickle(&[
        ("w", "0", 8, 0, &[2, 3], &[3, 1]),
        ("b", "0", 8, 6, &[2], &[1]),
    ]);
    torch_zip(
        path,
        &pickle,
        &[("0", f32_bytes(&[0., 1., 2., 3., 4., 5., 6., 7.]))],
    );
    pickle
}

/// The legacy (pre-1.6) stream: magic, version, sys info, object, keys, storages.
pub fn torch_legacy(path: &Path, object: &[u8], storages: &[(&str, Vec<f32>)]) {
    let mut out = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.".to_vec();
    out.extend(Pickle::new().op(b"M\xe9\x03").stop()); // 1001
    out.extend(
        Pickle::new()
            .op(b"}")
            .str("little_endian")
            .op(b"\x88s")
            .stop(),
    );
    out.extend(object);
    let mut keys = Pickle::new().op(b"(");
    for (k, _) in storages {
        keys = keys.str(k);
    }
    out.extend(keys.op(b"l").stop());
    for (_, v) in storages {
        out.extend((v.len() as i64).to_le_bytes());
        out.extend(f32_bytes(v));
    }
    std::fs::write(path, out).unwrap();
}

/// The ONNX Runtime for tests: `$TWEEN_ORT_LIB` / `$ORT_DYLIB_PATH` when set,
/// else `<repo>/target/onnxruntime/libonnxruntime.so` (where
/// scripts/fetch-onnxruntime.sh puts it). A missing library FAILS the test
/// with the error saying how to fetch it; nothing is skipped.
pub fn runtime() -> tween_nn::engine::Runtime {
    use tween_nn::engine::{Runtime, RuntimeConfig};
    let set = ["TWEEN_ORT_LIB", "ORT_DYLIB_PATH"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    let library = (!set).then(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/onnxruntime/libonnxruntime.so")
    });
    Runtime::load(&RuntimeConfig { library }).unwrap_or_else(|e| panic!("{e}"))
}
