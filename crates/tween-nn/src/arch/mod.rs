//! One file per architecture: a `Config` with named presets, the exact list
//! of checkpoint keys and shapes a config implies (the one place it is
//! written down), and how to read a config back from a state dict.

pub mod rife;
pub mod rrdbnet;
pub mod srvgg;

use crate::state_dict::StateDict;

/// Expected `(key, shape)` pairs, in checkpoint order.
pub type KeyList = Vec<(String, Vec<usize>)>;

/// Appends a conv's `weight` and `bias` (`[out, in, k, k]`, `[out]`).
pub(crate) fn conv(keys: &mut KeyList, name: &str, out: usize, inp: usize, k: usize) {
    keys.push((format!("{name}.weight"), vec![out, inp, k, k]));
    keys.push((format!("{name}.bias"), vec![out]));
}

/// Dimension `dim` of tensor `key`, if the tensor exists and has it.
pub(crate) fn dim(sd: &StateDict, key: &str, dim: usize) -> Option<usize> {
    sd.get(key).and_then(|t| t.shape.get(dim).copied())
}

/// The distinct `N` in keys `"{prefix}N.…"`, sorted.
pub(crate) fn indices(sd: &StateDict, prefix: &str) -> Vec<usize> {
    let mut v: Vec<usize> = sd
        .keys()
        .filter_map(|k| k.strip_prefix(prefix)?.split('.').next()?.parse().ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}
