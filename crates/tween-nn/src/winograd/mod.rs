//! 3×3 convolutions (stride 1, padding 1) by Winograd's minimal filtering
//! F(4×4, 3×3) on channels-last tensors, for the CPU.
//!
//! Real-ESRGAN and RIFE spend nearly all their convolution time in 3×3,
//! stride-1 layers of 32–192 channels. A direct convolution needs 144
//! multiply-adds per 4×4 output tile and channel pair; F(4×4, 3×3) needs 36,
//! plus transforms whose cost grows with the channel count only. ONNX
//! Runtime's CPU convolutions are direct (MLAS), already close to this
//! machine's fp32 peak, so this is the way past it (as in cuDNN, ncnn and
//! NNPACK). The arithmetic stays fp32; the error against a direct convolution
//! is of the order of fp32 rounding (tests below, and every Real-ESRGAN and
//! RIFE conformance vector).
//!
//! Layout: activations are `[H, W, C]` (batch 1), with C a multiple of
//! [`LANES`] (channels past a layer's real count are zero and stay zero).
//! Several inputs are read as one channel concatenation, so DenseNet-style
//! blocks (RRDB) never copy their inputs together. The epilogue adds the
//! bias and any scaled residuals, then applies a per-channel PReLU (slope 1
//! is no activation, 0.2 everywhere is LeakyReLU(0.2)).
//!
//! - [`prepare`] transforms `[out, in, 3, 3]` weights once, at graph build.
//! - [`conv3x3`] runs one layer with the best kernels this CPU has
//!   ([`Isa`]: AVX-512F, else AVX2 + FMA); [`supported`] says whether it has
//!   either (the graphs fall back to ONNX Conv where it has neither).

#[cfg(target_arch = "x86_64")]
mod kernels;
#[cfg(target_arch = "x86_64")]
mod simd;
mod transform;

pub use transform::{prepare, Prepared};

/// A layer's transformed weights, borrowed (from a [`Prepared`] or from
/// an ONNX Runtime tensor).
#[derive(Clone, Copy, Debug)]
pub struct Weights<'a> {
    /// `[36][k][n]`.
    pub u: &'a [f32],
    /// Padded input channels.
    pub k: usize,
    /// Padded output channels.
    pub n: usize,
    /// `[n]`.
    pub bias: &'a [f32],
    /// `[n]`, PReLU slopes (1 = identity).
    pub slope: &'a [f32],
}

/// Channels per vector; channel counts are padded to a multiple of it.
pub const LANES: usize = 16;

/// `c` rounded up to a multiple of [`LANES`].
pub fn padded(c: usize) -> usize {
    c.div_ceil(LANES) * LANES
}

/// The instruction sets the kernels are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// 16 lanes (x86-64 with AVX-512F).
    Avx512,
    /// 8 lanes (x86-64 with AVX2 and FMA).
    Avx2,
}

impl Isa {
    /// Every instruction set of [`Isa`] this CPU has, best first.
    pub fn available() -> Vec<Isa> {
        let mut v = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                v.push(Isa::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                v.push(Isa::Avx2);
            }
        }
        v
    }

    /// The best one this CPU has.
    pub fn best() -> Option<Isa> {
        Isa::available().first().copied()
    }
}

/// Whether [`conv3x3`] can run on this CPU.
pub fn supported() -> bool {
    Isa::best().is_some()
}

/// One channels-last input, `[h, w, c]`.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub data: &'a [f32],
    pub c: usize,
}

/// A residual `[h, w, n]` added (times `scale`) before the activation.
#[derive(Clone, Copy, Debug)]
pub struct Residual<'a> {
    pub data: &'a [f32],
    pub scale: f32,
}

/// What [`conv3x3`] refuses.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WinogradError {
    #[error("this CPU has neither AVX-512F nor AVX2 with FMA, which the Winograd kernels need")]
    Unsupported,
    #[error("this CPU lacks {0:?}")]
    Missing(Isa),
    #[error("{0}")]
    Shape(String),
}

/// Runs a closure over `0..n` (in parallel where it can); the
/// engine passes ONNX Runtime's intra-op pool, tests pass rayon or a loop.
pub type Par<'a> = &'a dyn Fn(usize, &(dyn Fn(usize) + Sync));

/// `out = prelu(conv3x3(concat(inputs)) + bias + Σ scale·residual)`, all
/// `[h, w, ·]`; `out` is `[h, w, weights.n]`. Uses [`Isa::best`].
pub fn conv3x3(
    inputs: &[Input<'_>],
    hw: (usize, usize),
    weights: &Weights<'_>,
    residuals: &[Residual<'_>],
    out: &mut [f32],
    par: Par<'_>,
) -> Result<(), WinogradError> {
    let isa = Isa::best().ok_or(WinogradError::Unsupported)?;
    conv3x3_with(isa, inputs, hw, weights, residuals, out, par)
}

/// [`conv3x3`] with the kernels of `isa` (tests and benchmarks compare them).
pub fn conv3x3_with(
    isa: Isa,
    inputs: &[Input<'_>],
    (h, w): (usize, usize),
    weights: &Weights<'_>,
    residuals: &[Residual<'_>],
    out: &mut [f32],
    par: Par<'_>,
) -> Result<(), WinogradError> {
    let shape = |m: String| Err(WinogradError::Shape(m));
    let n = weights.n;
    if !weights.k.is_multiple_of(LANES)
        || !n.is_multiple_of(LANES)
        || weights.u.len() != 36 * weights.k * n
        || weights.bias.len() != n
        || weights.slope.len() != n
    {
        return shape(format!(
            "weights hold {} values for 36x{}x{n}, bias {} and slopes {} for {n} (channels must be multiples of {LANES})",
            weights.u.len(),
            weights.k,
            weights.bias.len(),
            weights.slope.len()
        ));
    }
    let k: usize = inputs.iter().map(|i| i.c).sum();
    if k != weights.k {
        return shape(format!(
            "inputs have {k} channels, the weights {}",
            weights.k
        ));
    }
    for (j, i) in inputs.iter().enumerate() {
        if !i.c.is_multiple_of(LANES) || i.data.len() != h * w * i.c {
            return shape(format!(
                "input {j} holds {} values for {h}x{w}x{} (channels must be a multiple of {LANES})",
                i.data.len(),
                i.c
            ));
        }
    }
    for (j, r) in residuals.iter().enumerate() {
        if r.data.len() != h * w * n {
            return shape(format!(
                "residual {j} holds {} values, not {h}x{w}x{n}",
                r.data.len()
            ));
        }
    }
    if out.len() != h * w * n {
        return shape(format!(
            "output holds {} values, not {h}x{w}x{n}",
            out.len()
        ));
    }
    if h == 0 || w == 0 {
        return Ok(());
    }
    if !Isa::available().contains(&isa) {
        return Err(WinogradError::Missing(isa));
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the CPU has `isa` (checked just above); the shapes were checked.
    unsafe {
        kernels::conv3x3(isa, inputs, (h, w), weights, residuals, out, par)
    };
    Ok(())
}

#[cfg(test)]
mod tests;
