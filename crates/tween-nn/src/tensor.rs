//! A loaded weight: shape, the dtype it was stored in, and its values as f32.
//! Also the element decoders (f16, bf16, f64 and integers to f32), written out
//! here because they are a few exact bit operations.

use serde::{Deserialize, Serialize};

/// The element type a tensor had in its source file. Values are always held
/// as f32 after loading; this is kept as metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DType {
    F32,
    F16,
    BF16,
    F64,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

impl DType {
    /// Bytes per element in the source file.
    pub fn size(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 => 4,
            DType::F16 | DType::BF16 | DType::I16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }

    /// The dtype of a torch storage class (`FloatStorage` …), if it is one.
    pub(crate) fn from_torch_storage(name: &str) -> Option<DType> {
        Some(match name {
            "FloatStorage" => DType::F32,
            "HalfStorage" => DType::F16,
            "BFloat16Storage" => DType::BF16,
            "DoubleStorage" => DType::F64,
            "LongStorage" => DType::I64,
            "IntStorage" => DType::I32,
            "ShortStorage" => DType::I16,
            "CharStorage" => DType::I8,
            "ByteStorage" => DType::U8,
            "BoolStorage" => DType::Bool,
            _ => return None,
        })
    }

    /// Decodes little-endian elements of this dtype into `out`.
    /// `bytes.len()` must be a multiple of [`DType::size`].
    pub(crate) fn decode_into(self, bytes: &[u8], out: &mut Vec<f32>) {
        let n = self.size();
        debug_assert_eq!(bytes.len() % n, 0);
        out.reserve(bytes.len() / n);
        let chunks = bytes.chunks_exact(n);
        match self {
            DType::F32 => out.extend(chunks.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
            DType::F16 => out.extend(chunks.map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))),
            DType::BF16 => out.extend(
                chunks.map(|c| f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16)),
            ),
            DType::F64 => out.extend(chunks.map(|c| {
                f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32
            })),
            DType::I64 => out.extend(chunks.map(|c| {
                i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32
            })),
            DType::I32 => {
                out.extend(chunks.map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32))
            }
            DType::I16 => out.extend(chunks.map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])))),
            DType::I8 => out.extend(chunks.map(|c| f32::from(c[0] as i8))),
            DType::U8 => out.extend(chunks.map(|c| f32::from(c[0]))),
            DType::Bool => out.extend(chunks.map(|c| if c[0] != 0 { 1.0 } else { 0.0 })),
        }
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// IEEE 754 half to single precision, exact (subnormals, infinities, NaN kept).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = man · 2^-24; normalise into an f32.
            let shift = man.leading_zeros() - 21; // bring the top bit to position 10
            let man = (man << shift) & 0x3ff;
            let exp = 127 - 15 + 1 - shift;
            sign | (exp << 23) | (man << 13)
        }
        (0x1f, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// One weight tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions, outermost first (PyTorch order: a conv weight is `[out, in, kh, kw]`).
    pub shape: Vec<usize>,
    /// The dtype in the source file.
    pub dtype: DType,
    /// Row-major (C-contiguous) values.
    pub data: Vec<f32>,
}

impl Tensor {
    /// Number of elements (product of the shape; 1 for a scalar).
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_decodes_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x03ff), 1023.0 * 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x0400), 2f32.powi(-14));
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
        assert!(f16_to_f32(0x7e00).is_nan());
        assert_eq!(f16_to_f32(0x8000).to_bits(), (-0.0f32).to_bits());
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
    }

    #[test]
    fn bf16_and_ints_decode() {
        let mut out = Vec::new();
        DType::BF16.decode_into(&[0x80, 0x3f, 0x40, 0xc0], &mut out);
        assert_eq!(out, [1.0, -3.0]);
        out.clear();
        DType::I64.decode_into(&(-7i64).to_le_bytes(), &mut out);
        DType::Bool.decode_into(&[0, 2], &mut out);
        assert_eq!(out, [-7.0, 0.0, 1.0]);
    }
}
