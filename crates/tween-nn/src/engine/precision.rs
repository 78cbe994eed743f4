//! [`Precision`]: the float type a graph computes in. Inputs and outputs stay
//! float32 whatever it is; a reduced-precision graph casts at its edges.

use std::fmt;
use std::str::FromStr;

use crate::error::NnError;

/// The float type a network computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Precision {
    /// IEEE float32: the reference.
    #[default]
    Fp32,
    /// bfloat16 (8-bit exponent, 7-bit mantissa).
    Bf16,
    /// IEEE float16.
    Fp16,
}

impl Precision {
    /// "fp32", "bf16" or "fp16" (what `--precision` takes).
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Fp16 => "fp16",
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Precision {
    type Err = NnError;
    fn from_str(s: &str) -> Result<Self, NnError> {
        match s {
            "fp32" => Ok(Precision::Fp32),
            "bf16" => Ok(Precision::Bf16),
            "fp16" => Ok(Precision::Fp16),
            other => Err(NnError::BadInput {
                reason: format!("precision must be fp32, bf16 or fp16 (got `{other}`)"),
            }),
        }
    }
}
