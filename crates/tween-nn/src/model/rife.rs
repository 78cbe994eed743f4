//! RIFE IFNet v4.x forward (Huang et al., "Real-Time Intermediate Flow
//! Estimation for Video Frame Interpolation", ECCV 2022; hzwer/Practical-RIFE
//! `train_log/IFNet_HDv3.py`) as an ONNX graph built from the checkpoint's
//! weights. The config (blocks, encoder) is [`crate::arch::rife::Config`];
//! v4.6 and v4.25/v4.26 differ only there (and in how the mask is carried:
//! summed without an encoder, replaced with one).
//!
//! A graph is built per (padded size, scale) and kept; the timestep is an
//! input, so one graph serves every t.
//!
//! On the CPU the graph uses tween's own ONNX Runtime operators
//! ([`crate::engine::warp_op`]) where the block scales allow (scale 1, 0.5,
//! 0.25): each block's input (warps of the frames and features, the
//! timestep, the previous mask and features, the flow) is made in one pass
//! at the block's own resolution, and the last warp + blend in one pass at
//! full size, so nothing full-size is concatenated, resized or warped with
//! GridSample. The ConvTranspose + PixelShuffle of every block is a 3×3 Conv
//! then DepthToSpace (same values; ORT's CPU Conv is much faster). Elsewhere
//! (scales 2 and 4, GPU providers) the graph is standard ONNX, as
//! IFNet_HDv3 writes it. Measured at 720p on 2 threads: ORT's GridSample,
//! Concat, Resize and Split at full resolution were about 58% of the
//! standard graph's time; see `examples/rife_speed.rs`.
//!
//! [`Precision`]: fp32 everywhere; fp16 only on a GPU provider (ONNX
//! Runtime's x86 CPU provider has no float16 Conv and would run slower), bf16
//! nowhere (no bfloat16 Conv kernel). The quality cost of both, emulated on
//! the CPU, is measured by `examples/rife_precision.rs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::arch::rife::Config;
use crate::engine::{
    Array, ArrayView, Device, Engine, OrtEngine, Precision, Runtime, SessionConfig,
};
use crate::error::NnError;
use crate::onnx::{GraphBuilder, Model};
use crate::state_dict::StateDict;
use crate::tensor::Tensor;

/// All LeakyReLU slopes in IFNet_HDv3.
const SLOPE: f32 = 0.2;

/// One interpolated frame at the padded size.
#[derive(Debug, Clone)]
pub struct RifeOutput {
    /// `[1, 3, H, W]`, the blend `w0·m + w1·(1 − m)`.
    pub out: Array,
    /// `[1, 4, H, W]`: (dx, dy) towards img0, then towards img1, in pixels.
    pub flow: Array,
    /// `[1, 1, H, W]`: `sigmoid(mask)`, the weight of warped img0.
    pub mask: Array,
}

/// A loaded IFNet: checked weights plus a session per frame geometry.
pub struct Rife {
    config: Config,
    weights: StateDict,
    runtime: Runtime,
    session: SessionConfig,
    precision: Precision,
    engines: Mutex<HashMap<(usize, usize, u32), Arc<OrtEngine>>>,
}

impl std::fmt::Debug for Rife {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rife")
            .field("config", &self.config.describe())
            .field("session", &self.session)
            .finish()
    }
}

impl Rife {
    /// Holds `weights` to `config`'s exact key list, then keeps them.
    pub fn load(
        config: &Config,
        weights: &StateDict,
        runtime: &Runtime,
        session: SessionConfig,
    ) -> Result<Self, NnError> {
        weights.check_keys(&config.describe(), &config.expected_keys())?;
        Ok(Rife {
            config: config.clone(),
            weights: weights.clone(),
            runtime: runtime.clone(),
            session,
            precision: Precision::Fp32,
            engines: Mutex::new(HashMap::new()),
        })
    }

    /// Computes in `precision` (see [`Precision`]); fails when the device
    /// this net runs on has no kernels for it.
    pub fn with_precision(mut self, precision: Precision) -> Result<Self, NnError> {
        check_precision(precision, &self.session)?;
        self.precision = precision;
        self.engines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        Ok(self)
    }

    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Ends ONNX Runtime profiling on every session built so far (see
    /// [`crate::engine::PROFILE_ENV`]); returns the profile files written.
    pub fn end_profiling(&self) -> Result<Vec<String>, NnError> {
        let engines = self.engines.lock().unwrap_or_else(|e| e.into_inner());
        let mut files = Vec::new();
        for e in engines.values() {
            files.extend(e.end_profiling()?);
        }
        Ok(files)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The multiple H and W must have at `scale`: `2^(blocks+1) / scale`
    /// (64/scale for v4.25, 32/scale for v4.6).
    pub fn min_multiple(config: &Config, scale: f32) -> usize {
        let m = (1usize << (config.blocks.len() + 1)) as f32 / scale;
        m.round().max(1.0) as usize
    }

    /// `scale_list`: `[2^(n−1)/scale, …, 1/scale]`.
    pub fn scale_list(config: &Config, scale: f32) -> Vec<f32> {
        let n = config.blocks.len();
        (0..n)
            .map(|i| (1u32 << (n - 1 - i)) as f32 / scale)
            .collect()
    }

    /// Interpolates between `img0` and `img1` (`[1, 3, H, W]`, RGB in [0, 1],
    /// already padded to a multiple of [`Rife::min_multiple`]) at `timestep`.
    pub fn forward(
        &self,
        img0: ArrayView<'_>,
        img1: ArrayView<'_>,
        timestep: f32,
        scale: f32,
    ) -> Result<RifeOutput, NnError> {
        let &[1, 3, h, w] = img0.shape else {
            return Err(NnError::BadInput {
                reason: format!("img0 must be [1, 3, H, W], got {:?}", img0.shape),
            });
        };
        if img1.shape != img0.shape {
            return Err(NnError::BadInput {
                reason: format!("img1 is {:?}, img0 {:?}", img1.shape, img0.shape),
            });
        }
        let engine = self.engine(h, w, scale)?;
        let t = [timestep];
        let mut outs = engine.run(&[img0, img1, ArrayView::new(&[1, 1, 1, 1], &t)?])?;
        let mask = outs.pop().expect("three outputs");
        let flow = outs.pop().expect("three outputs");
        let out = outs.pop().expect("three outputs");
        Ok(RifeOutput { out, flow, mask })
    }

    fn engine(&self, h: usize, w: usize, scale: f32) -> Result<Arc<OrtEngine>, NnError> {
        let key = (h, w, scale.to_bits());
        if let Some(e) = self
            .engines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(e.clone());
        }
        let options = GraphOptions {
            fused: self.session.device == Device::Cpu,
            ..GraphOptions::default()
        }
        .with_precision(self.precision, false);
        let model = build_graph_with(&self.config, &self.weights, h, w, scale, &options)?;
        let e = Arc::new(OrtEngine::new(&self.runtime, &model, &self.session)?);
        self.engines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, e.clone());
        Ok(e)
    }
}

/// Fails when `precision` cannot run on `session`'s device. Measured with
/// ONNX Runtime 1.31 (x86-64 CPU provider): a float16 graph loads, but the
/// CPU provider has no float16 Conv kernel there, so ORT casts every
/// convolution back to float32 and runs it slower than the float32 graph
/// (and without tween's fused operators); bfloat16 Conv is not in ONNX
/// before opset 22 and has no ORT kernel. So on the CPU only fp32 runs;
/// fp16 needs the CUDA provider (`--features cuda`).
fn check_precision(precision: Precision, session: &SessionConfig) -> Result<(), NnError> {
    match (precision, session.device) {
        (Precision::Fp32, _) => Ok(()),
        (Precision::Fp16, Device::Cuda { .. }) if cfg!(feature = "cuda") => Ok(()),
        (Precision::Fp16, Device::Cuda { .. }) => Err(NnError::BackendNotCompiled {
            backend: "CUDA",
            feature: "cuda",
        }),
        (Precision::Fp16, _) => Err(NnError::BadInput {
            reason: "RIFE precision fp16 is not available on the CPU: ONNX Runtime's CPU \
                     provider has no float16 Conv kernel on this platform (it would cast \
                     back to float32 and run slower than fp32); use fp32 on the CPU, or fp16 \
                     on a GPU with the `cuda` feature"
                .into(),
        }),
        (Precision::Bf16, _) => Err(NnError::BadInput {
            reason: "RIFE precision bf16 is not available: ONNX Runtime has no bfloat16 \
                     Conv kernel (ONNX Conv takes bfloat16 only from opset 22); use fp32, or \
                     fp16 on a GPU with the `cuda` feature"
                .into(),
        }),
    }
}

/// How an IFNet graph is built; [`GraphOptions::default`] is what
/// [`Rife`] uses on the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GraphOptions {
    /// The float type of the convolutions (inputs, outputs, warps and
    /// resizes stay float32).
    pub precision: Precision,
    /// Keep every value float32 but round the weights and every
    /// convolution-side activation to `precision` (Cast there and back): the
    /// reduced-precision result on hardware that has no kernels for it, to
    /// measure its quality loss.
    pub emulate_precision: bool,
    /// Use tween's own operators ([`crate::engine::warp_op`]) for the warps,
    /// resizes and concatenations around the blocks, where the scale allows
    /// (every block scale 1 or even: `scale` 1, 0.5, 0.25); otherwise, or
    /// when false, standard ONNX ops only (GridSample, Resize, Concat), as
    /// any execution provider runs them.
    pub fused: bool,
    /// With `fused` at fp32, run each block's stride-1 3×3 convolutions
    /// (the 8 ResConvs and lastconv) with tween's Winograd operator
    /// ([`crate::winograd`]) on channels-last tensors. Defaults to whether
    /// this CPU has its kernels (AVX-512F, or AVX2 + FMA).
    pub winograd: bool,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            precision: Precision::Fp32,
            emulate_precision: false,
            fused: true,
            winograd: crate::winograd::supported(),
        }
    }
}

impl GraphOptions {
    /// Float32, standard ONNX ops only.
    pub fn standard() -> Self {
        GraphOptions {
            fused: false,
            winograd: false,
            ..GraphOptions::default()
        }
    }

    /// Fused operators with ONNX Conv for every convolution.
    pub fn without_winograd(mut self) -> Self {
        self.winograd = false;
        self
    }

    /// With `precision` (and `emulate` as in [`GraphOptions::emulate_precision`]).
    pub fn with_precision(mut self, precision: Precision, emulate: bool) -> Self {
        self.precision = precision;
        self.emulate_precision = emulate;
        self
    }
}

/// The IFNet graph for frames of `h`×`w` (padded) at `scale`, with
/// [`GraphOptions::default`]. Inputs `img0`, `img1` `[1, 3, h, w]` and
/// `timestep` `[1, 1, 1, 1]`; outputs `out`, `flow`, `mask` (sigmoid).
pub fn build_graph(
    config: &Config,
    sd: &StateDict,
    h: usize,
    w: usize,
    scale: f32,
) -> Result<Model, NnError> {
    build_graph_with(config, sd, h, w, scale, &GraphOptions::default())
}

/// The block scales as integers when every one is 1 or even (what tween's
/// fused operators take).
fn fused_scales(scales: &[f32]) -> Option<Vec<usize>> {
    scales
        .iter()
        .map(|&s| {
            let i = s as usize;
            (i as f32 == s && (i == 1 || (i >= 2 && i.is_multiple_of(2)))).then_some(i)
        })
        .collect()
}

/// [`build_graph`] with explicit [`GraphOptions`].
pub fn build_graph_with(
    config: &Config,
    sd: &StateDict,
    h: usize,
    w: usize,
    scale: f32,
    options: &GraphOptions,
) -> Result<Model, NnError> {
    let name = format!("rife_{h}x{w}_s{scale}");
    let m = Rife::min_multiple(config, scale);
    if scale.is_nan()
        || scale <= 0.0
        || h == 0
        || w == 0
        || !h.is_multiple_of(m)
        || !w.is_multiple_of(m)
    {
        return Err(NnError::Graph {
            graph: name,
            reason: format!("{h}x{w} at scale {scale}: H and W must be positive multiples of {m}"),
        });
    }
    let mut g = GraphBuilder::new(&name);
    let b = Weights {
        sd,
        graph: &name,
        precision: options.precision,
        emulate: options.emulate_precision,
    };
    let img0 = g.input("img0", &[1, 3, h, w]);
    let img1 = g.input("img1", &[1, 3, h, w]);
    let t = g.input("timestep", &[1, 1, 1, 1]);
    let feats = match config.encoder {
        Some(_) => Some((encode(&mut g, &b, &img0)?, encode(&mut g, &b, &img1)?)),
        None => None,
    };
    let scales = Rife::scale_list(config, scale);
    match fused_scales(&scales).filter(|_| options.fused) {
        Some(scales) => {
            let winograd = options.winograd
                && b.code().is_none()
                && config
                    .blocks
                    .iter()
                    .all(|k| k.c % crate::winograd::LANES == 0);
            let io = [&img0, &img1, &t];
            fused_body(&mut g, &b, config, io, feats, &scales, winograd)?
        }
        None => standard_body(&mut g, &b, [&img0, &img1, &t], feats, &scales)?,
    }
    g.finish()
}

/// The blocks with tween's operators: each block's input is made at the
/// block's own resolution by `RifeInput` (nothing full-size but the flow);
/// the output by `RifeMerge`.
fn fused_body(
    g: &mut GraphBuilder,
    b: &Weights,
    config: &Config,
    [img0, img1, t]: [&String; 3],
    feats: Option<(String, String)>,
    scales: &[usize],
    winograd: bool,
) -> Result<(), NnError> {
    use crate::engine::warp_op::DOMAIN;
    use crate::onnx::proto::Attribute;
    let (h, w) = (g.shape(img0)[2], g.shape(img0)[3]);
    let mut warped: Vec<&str> = vec![img0, img1];
    if let Some((f0, f1)) = &feats {
        warped.extend([f0.as_str(), f1.as_str()]);
    }
    let wch: usize = warped.iter().map(|x| g.shape(x)[1]).sum();
    // (full-size flow, mask source + its factor, feat at 1/s_prev + its factor)
    let mut flow: Option<String> = None;
    let mut mask: Option<(String, usize)> = None;
    let mut feat: Option<(String, usize)> = None;
    for (i, &s) in scales.iter().enumerate() {
        let p = format!("block{i}");
        let mut inputs: Vec<&str> = Vec::new();
        if let Some(f) = &flow {
            inputs.push(f);
        }
        inputs.extend(&warped);
        inputs.push(t);
        let mut extras = vec![0i64];
        let mut ch = wch + 1;
        for (v, up) in [&mask, &feat].into_iter().flatten() {
            inputs.push(v);
            extras.push(*up as i64);
            ch += g.shape(v)[1];
        }
        if flow.is_some() {
            ch += 4;
        }
        let attrs = vec![
            Attribute::int("has_flow", i64::from(flow.is_some())),
            Attribute::int("warped", warped.len() as i64),
            Attribute::ints("extras", &extras),
            Attribute::int("flow_out", i64::from(flow.is_some())),
            Attribute::int("down", s as i64),
        ];
        let x = g
            .custom(
                DOMAIN,
                "RifeInput",
                &inputs,
                &[vec![1, ch, h / s, w / s]],
                attrs,
            )
            .remove(0);
        let want = config.blocks[i].in_ch;
        if ch != want {
            return Err(NnError::Graph {
                graph: b.graph.into(),
                reason: format!("{p} takes {want} channels, its input has {ch}"),
            });
        }
        let tmp = if winograd {
            ifblock_core_winograd(g, b, &p, &x)?
        } else {
            ifblock_core(g, b, &p, &x)?
        };
        let k = g.shape(&tmp)[1];
        let fd = g.channels(&tmp, 0, 4);
        let fd = g.resize_bilinear(&fd, s as f32);
        let fd = if s == 1 { fd } else { g.scale(&fd, s as f32) };
        flow = Some(match &flow {
            Some(f) => g.add(f, &fd),
            None => fd,
        });
        let md = g.channels(&tmp, 4, 5);
        mask = Some(match (&mask, feats.is_some()) {
            // v4.6: the mask logit accumulates, so it is kept at full size.
            (Some((m, 1)), false) => {
                let up = g.resize_bilinear(&md, s as f32);
                (g.add(m, &up), 1)
            }
            (None, false) => (g.resize_bilinear(&md, s as f32), 1),
            // v4.25+: replaced by each block; read at its own size.
            (_, true) => (md, s),
            (Some(_), false) => unreachable!("v4.6 masks are full size"),
        });
        feat = (k > 6).then(|| (g.channels(&tmp, 5, k), s));
    }
    let flow = flow.expect("at least one block");
    let (mask, up) = mask.expect("at least one block");
    let outs = g.custom(
        DOMAIN,
        "RifeMerge",
        &[&flow, img0, img1, &mask],
        &[vec![1, 3, h, w], vec![1, 1, h, w]],
        vec![Attribute::int("up", up as i64)],
    );
    g.output(&outs[0], "out");
    g.output(&flow, "flow");
    g.output(&outs[1], "mask");
    Ok(())
}

/// The blocks in standard ONNX ops, as IFNet_HDv3 writes them.
fn standard_body(
    g: &mut GraphBuilder,
    b: &Weights,
    [img0, img1, t]: [&String; 3],
    feats: Option<(String, String)>,
    scales: &[f32],
) -> Result<(), NnError> {
    let (h, w) = (g.shape(img0)[2], g.shape(img0)[3]);
    let t = g.expand(t, &[1, 1, h, w]);
    let mut state: Option<(String, String, Option<String>)> = None; // flow, mask, feat
    let (mut w0, mut w1) = (img0.clone(), img1.clone());
    for (i, &s) in scales.iter().enumerate() {
        let p = format!("block{i}");
        let (flow, mask, feat) = match &state {
            None => {
                let mut xs = vec![img0.as_str(), img1.as_str()];
                if let Some((f0, f1)) = &feats {
                    xs.extend([f0.as_str(), f1.as_str()]);
                }
                xs.push(&t);
                let x = g.concat(&xs, 1);
                let (f, m, ft) = ifblock(g, b, &p, &x, None, s)?;
                (f, m, ft)
            }
            Some((flow, mask, feat)) => {
                let fl0 = g.channels(flow, 0, 2);
                let fl1 = g.channels(flow, 2, 4);
                let mut xs = vec![w0.clone(), w1.clone()];
                if let Some((f0, f1)) = &feats {
                    xs.push(g.warp(f0, &fl0));
                    xs.push(g.warp(f1, &fl1));
                }
                xs.push(t.clone());
                xs.push(mask.clone());
                if let Some(ft) = feat {
                    xs.push(ft.clone());
                }
                let xs: Vec<&str> = xs.iter().map(String::as_str).collect();
                let x = g.concat(&xs, 1);
                let (fd, md, ft) = ifblock(g, b, &p, &x, Some(flow), s)?;
                let flow = g.add(flow, &fd);
                // v4.25+: the mask is replaced; v4.6: accumulated.
                let mask = if feats.is_some() {
                    md
                } else {
                    g.add(mask, &md)
                };
                (flow, mask, ft)
            }
        };
        let fl0 = g.channels(&flow, 0, 2);
        let fl1 = g.channels(&flow, 2, 4);
        w0 = g.warp(img0, &fl0);
        w1 = g.warp(img1, &fl1);
        state = Some((flow, mask, feat));
    }
    let (flow, mask, _) = state.expect("at least one block");
    let m = g.sigmoid(&mask);
    // out = w0·m + w1·(1 − m), written as PyTorch does.
    let a = g.mul(&w0, &m);
    let one = g.const_f32("one", &[1], &[1.0]);
    let inv = g.sub(&one, &m);
    let bb = g.mul(&w1, &inv);
    let out = g.add(&a, &bb);
    g.output(&out, "out");
    g.output(&flow, "flow");
    g.output(&m, "mask");
    Ok(())
}

/// Weight lookup with the graph name in the error.
struct Weights<'a> {
    sd: &'a StateDict,
    graph: &'a str,
    precision: Precision,
    emulate: bool,
}

impl Weights<'_> {
    fn tensor(&self, key: &str) -> Result<&Tensor, NnError> {
        self.sd.get(key).ok_or_else(|| NnError::Graph {
            graph: self.graph.into(),
            reason: format!("weight `{key}` is missing"),
        })
    }
    fn get(&self, g: &mut GraphBuilder, key: &str) -> Result<String, NnError> {
        let t = self.tensor(key)?;
        let v = g.weight(t, key);
        Ok(self.lower(g, &v))
    }
    /// The ONNX type code of the reduced precision, if any.
    fn code(&self) -> Option<i64> {
        match self.precision {
            Precision::Fp32 => None,
            Precision::Fp16 => Some(10),
            Precision::Bf16 => Some(16),
        }
    }
    /// A float32 value into the convolutions' precision (emulated: rounded
    /// there and back).
    fn lower(&self, g: &mut GraphBuilder, x: &str) -> String {
        match self.code() {
            None => x.to_string(),
            Some(c) if self.emulate => {
                let r = g.cast(x, c);
                g.cast(&r, 1)
            }
            Some(c) => g.cast(x, c),
        }
    }
    /// A convolution-side activation: rounded when emulating, as it is.
    fn round(&self, g: &mut GraphBuilder, x: String) -> String {
        match self.code() {
            Some(c) if self.emulate => {
                let r = g.cast(&x, c);
                g.cast(&r, 1)
            }
            _ => x,
        }
    }
    /// Back to float32 after the convolutions.
    fn raise(&self, g: &mut GraphBuilder, x: &str) -> String {
        match self.code() {
            Some(_) if !self.emulate => g.cast(x, 1),
            _ => x.to_string(),
        }
    }
    fn conv(
        &self,
        g: &mut GraphBuilder,
        x: &str,
        p: &str,
        stride: usize,
        pad: usize,
    ) -> Result<String, NnError> {
        let w = self.get(g, &format!("{p}.weight"))?;
        let b = self.get(g, &format!("{p}.bias"))?;
        let y = g.conv(x, &w, &b, stride, pad);
        Ok(self.round(g, y))
    }
    /// [`deconv_weights`] of `ConvTranspose2d` `p`: the 3×3 weights and
    /// bias, its input and output channels.
    #[allow(clippy::type_complexity)]
    fn deconv3(
        &self,
        p: &str,
        shuffle: bool,
    ) -> Result<(Vec<f32>, Vec<f32>, usize, usize), NnError> {
        let key = format!("{p}.weight");
        let t = self.tensor(&key)?;
        let bias = self.tensor(&format!("{p}.bias"))?;
        let &[cin, cout, 4, 4] = t.shape.as_slice() else {
            return Err(NnError::Graph {
                graph: self.graph.into(),
                reason: format!("`{key}` is {:?}, not [in, out, 4, 4]", t.shape),
            });
        };
        let (w3, b3) = deconv_weights(&t.data, &bias.data, cin, cout, shuffle);
        Ok((w3, b3, cin, cout))
    }
    /// `ConvTranspose2d(k=4, stride=2, padding=1)` as a 3×3 convolution to
    /// 4× the channels and DepthToSpace — with `shuffle`, the following
    /// `PixelShuffle(2)` folded in (one DepthToSpace(4)). Same values, and
    /// ONNX Runtime's Conv is much faster on the CPU than its ConvTranspose.
    fn deconv_as_conv(
        &self,
        g: &mut GraphBuilder,
        x: &str,
        p: &str,
        shuffle: bool,
    ) -> Result<String, NnError> {
        let (w3, b3, cin, cout) = self.deconv3(p, shuffle)?;
        let w = g.const_f32(&format!("{p}.conv3"), &[cout * 4, cin, 3, 3], &w3);
        let b = g.const_f32(&format!("{p}.bias3"), &[cout * 4], &b3);
        let (w, b) = (self.lower(g, &w), self.lower(g, &b));
        let y = g.conv(x, &w, &b, 1, 1);
        let y = self.round(g, y);
        Ok(g.depth_to_space(&y, if shuffle { 4 } else { 2 }))
    }
}

/// `Head`: conv s2 → lrelu → conv → lrelu → conv → lrelu → ConvTranspose s2.
fn encode(g: &mut GraphBuilder, b: &Weights, x: &str) -> Result<String, NnError> {
    let x = b.lower(g, x);
    let x = b.conv(g, &x, "encode.cnn0", 2, 1)?;
    let x = g.leaky_relu(&x, SLOPE);
    let x = b.conv(g, &x, "encode.cnn1", 1, 1)?;
    let x = g.leaky_relu(&x, SLOPE);
    let x = b.conv(g, &x, "encode.cnn2", 1, 1)?;
    let x = g.leaky_relu(&x, SLOPE);
    let x = b.deconv_as_conv(g, &x, "encode.cnn3", false)?;
    Ok(b.raise(g, &x))
}

/// `IFBlock.forward(x, flow, scale)`: returns (flow·s, mask logit, feat if any).
fn ifblock(
    g: &mut GraphBuilder,
    b: &Weights,
    p: &str,
    x: &str,
    flow: Option<&String>,
    s: f32,
) -> Result<(String, String, Option<String>), NnError> {
    let mut x = g.resize_bilinear(x, 1.0 / s);
    if let Some(flow) = flow {
        let f = g.resize_bilinear(flow, 1.0 / s);
        let f = g.scale(&f, 1.0 / s);
        x = g.concat(&[&x, &f], 1);
    }
    let tmp = ifblock_core(g, b, p, &x)?;
    let tmp = g.resize_bilinear(&tmp, s);
    let k = g.shape(&tmp)[1];
    let fl = g.channels(&tmp, 0, 4);
    let fl = g.scale(&fl, s);
    let mask = g.channels(&tmp, 4, 5);
    let feat = (k > 6).then(|| g.channels(&tmp, 5, k));
    Ok((fl, mask, feat))
}

/// An IFBlock's `conv0`: two stride-2 convs with LeakyReLU, to 1/4 of the
/// block's input (in the convolutions' precision).
fn conv0(g: &mut GraphBuilder, b: &Weights, p: &str, x: &str) -> Result<String, NnError> {
    let x = b.lower(g, x);
    let f = b.conv(g, &x, &format!("{p}.conv0.0.0"), 2, 1)?;
    let f = g.leaky_relu(&f, SLOPE);
    let f = b.conv(g, &f, &format!("{p}.conv0.1.0"), 2, 1)?;
    Ok(g.leaky_relu(&f, SLOPE))
}

/// The convolutions of an IFBlock on its (already shrunk) input: conv0,
/// 8 ResConvs, lastconv, PixelShuffle — `tmp` at the input's size.
fn ifblock_core(g: &mut GraphBuilder, b: &Weights, p: &str, x: &str) -> Result<String, NnError> {
    let mut f = conv0(g, b, p, x)?;
    for i in 0..8 {
        let q = format!("{p}.convblock.{i}");
        let c = b.conv(g, &f, &format!("{q}.conv"), 1, 1)?;
        let beta = b.get(g, &format!("{q}.beta"))?;
        let c = g.mul(&c, &beta);
        let c = b.round(g, c);
        let c = g.add(&c, &f);
        let c = b.round(g, c);
        f = g.leaky_relu(&c, SLOPE);
    }
    let tmp = b.deconv_as_conv(g, &f, &format!("{p}.lastconv.0"), true)?;
    Ok(b.raise(g, &tmp))
}

/// [`ifblock_core`] at fp32 with the stride-1 3×3 convolutions on tween's
/// Winograd operator: conv0 (stride 2, ONNX Conv) → channels-last → 8
/// ResConvs (`lrelu(conv·beta + x)`, beta and the residual folded into the
/// operator) → lastconv as its 3×3 form → one Transpose that is both the
/// return to NCHW and DepthToSpace(4).
fn ifblock_core_winograd(
    g: &mut GraphBuilder,
    b: &Weights,
    p: &str,
    x: &str,
) -> Result<String, NnError> {
    use crate::engine::winograd_op::conv3x3;
    use crate::winograd::prepare;
    let f = conv0(g, b, p, x)?;
    let [_, c, h, w] = g.shape(&f)[..] else {
        unreachable!("conv outputs are 4-D")
    };
    let lrelu = vec![SLOPE; c];
    let mut t = g.transpose(&f, &[0, 2, 3, 1]);
    for i in 0..8 {
        let q = format!("{p}.convblock.{i}");
        let wt = b.tensor(&format!("{q}.conv.weight"))?;
        let bias = b.tensor(&format!("{q}.conv.bias"))?;
        let beta = b.tensor(&format!("{q}.beta"))?;
        if wt.shape != [c, c, 3, 3] || bias.data.len() != c || beta.data.len() != c {
            return Err(NnError::Graph {
                graph: b.graph.into(),
                reason: format!("`{q}` is {:?}, not [{c}, {c}, 3, 3]", wt.shape),
            });
        }
        let u = prepare(
            &wt.data,
            c,
            &[c],
            &bias.data,
            Some(&beta.data),
            Some(&lrelu),
        );
        t = conv3x3(g, &[&t], &u, &[(&t, 1.0)], &q);
    }
    let last = format!("{p}.lastconv.0");
    let (w3, b3, cin, cout) = b.deconv3(&last, true)?;
    let n = 4 * cout;
    if cin != c || n % crate::winograd::LANES != 0 {
        return Err(NnError::Graph {
            graph: b.graph.into(),
            reason: format!("`{last}` takes {cin} channels to {cout}; the block has {c}"),
        });
    }
    let u = prepare(&w3, n, &[c], &b3, None, None);
    let y = conv3x3(g, &[&t], &u, &[], &last);
    // DepthToSpace(4, CRD): out[k, 4y + i, 4x + j] = in[y, x, 16k + 4i + j].
    let k = n / 16;
    let y = g.reshape(&y, &[1, h, w, k, 4, 4]);
    let y = g.transpose(&y, &[0, 3, 1, 4, 2, 5]);
    Ok(g.reshape(&y, &[1, k, 4 * h, 4 * w]))
}

/// A `ConvTranspose2d(k=4, s=2, p=1)` (weight `[cin, cout, 4, 4]`) as a
/// 3×3 convolution (pad 1, weight `[4·cout, cin, 3, 3]`) whose output,
/// through DepthToSpace(2, CRD), is the deconvolution's: output row `2y + a`
/// reads input rows `y` (tap `a + 1`) and `y − 1` (a = 0, tap 3) or `y + 1`
/// (a = 1, tap 0), and the same for columns. With `shuffle`, the channels
/// are ordered for DepthToSpace(4), which then also does the block's
/// `PixelShuffle(2)`.
fn deconv_weights(
    w: &[f32],
    bias: &[f32],
    cin: usize,
    cout: usize,
    shuffle: bool,
) -> (Vec<f32>, Vec<f32>) {
    let mut w3 = vec![0.0f32; cout * 4 * cin * 9];
    let mut b3 = vec![0.0f32; cout * 4];
    for co in 0..cout {
        for a in 0..2 {
            for bb in 0..2 {
                // DepthToSpace(2) channel of (co, a, b): co·4 + a·2 + b. With the
                // PixelShuffle folded in, co = k·4 + i·2 + j lands at
                // k·16 + (2a + i)·4 + (2b + j).
                let o = if shuffle {
                    let (k, i, j) = (co / 4, (co / 2) % 2, co % 2);
                    k * 16 + (2 * a + i) * 4 + (2 * bb + j)
                } else {
                    co * 4 + a * 2 + bb
                };
                b3[o] = bias[co];
                for ci in 0..cin {
                    for dy in 0..3usize {
                        // d = dy − 1; tap = a + 1 − 2d
                        let ky = a as isize + 3 - 2 * dy as isize;
                        if !(0..4).contains(&ky) {
                            continue;
                        }
                        for dx in 0..3usize {
                            let kx = bb as isize + 3 - 2 * dx as isize;
                            if !(0..4).contains(&kx) {
                                continue;
                            }
                            w3[((o * cin + ci) * 3 + dy) * 3 + dx] =
                                w[((ci * cout + co) * 4 + ky as usize) * 4 + kx as usize];
                        }
                    }
                }
            }
        }
    }
    (w3, b3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiples_and_scale_lists_follow_practical_rife() {
        assert_eq!(Rife::min_multiple(&Config::v4_25(), 1.0), 64);
        assert_eq!(Rife::min_multiple(&Config::v4_25(), 0.5), 128);
        assert_eq!(Rife::min_multiple(&Config::v4_6(), 1.0), 32);
        assert_eq!(
            Rife::scale_list(&Config::v4_25(), 0.5),
            [32.0, 16.0, 8.0, 4.0, 2.0]
        );
        assert_eq!(Rife::scale_list(&Config::v4_6(), 1.0), [8.0, 4.0, 2.0, 1.0]);
    }

    #[test]
    fn fused_scales_are_one_or_even() {
        assert_eq!(
            fused_scales(&[16.0, 8.0, 4.0, 2.0, 1.0]),
            Some(vec![16, 8, 4, 2, 1])
        );
        assert_eq!(fused_scales(&[8.0, 4.0, 2.0, 1.0, 0.5]), None);
        assert_eq!(fused_scales(&[3.0]), None);
    }

    /// `ConvTranspose2d(k=4, s=2, p=1)` written plainly, then
    /// `PixelShuffle(2)` when `shuffle`.
    #[allow(clippy::too_many_arguments)]
    fn deconv_plain(
        x: &[f32],
        w: &[f32],
        b: &[f32],
        cin: usize,
        cout: usize,
        h: usize,
        wd: usize,
        shuffle: bool,
    ) -> Vec<f32> {
        let (oh, ow) = (2 * h, 2 * wd);
        let mut y = vec![0.0f32; cout * oh * ow];
        for co in 0..cout {
            for i in 0..oh * ow {
                y[co * oh * ow + i] = b[co];
            }
        }
        for ci in 0..cin {
            for iy in 0..h {
                for ix in 0..wd {
                    let v = x[(ci * h + iy) * wd + ix];
                    for co in 0..cout {
                        for ky in 0..4 {
                            for kx in 0..4 {
                                let oy = (2 * iy + ky) as isize - 1;
                                let ox = (2 * ix + kx) as isize - 1;
                                if oy < 0 || ox < 0 || oy >= oh as isize || ox >= ow as isize {
                                    continue;
                                }
                                y[(co * oh + oy as usize) * ow + ox as usize] +=
                                    v * w[((ci * cout + co) * 4 + ky) * 4 + kx];
                            }
                        }
                    }
                }
            }
        }
        if !shuffle {
            return y;
        }
        let k = cout / 4;
        let mut z = vec![0.0f32; cout * oh * ow];
        for c in 0..k {
            for yy in 0..oh {
                for xx in 0..ow {
                    for i in 0..2 {
                        for j in 0..2 {
                            z[(c * 2 * oh + 2 * yy + i) * 2 * ow + 2 * xx + j] =
                                y[((c * 4 + i * 2 + j) * oh + yy) * ow + xx];
                        }
                    }
                }
            }
        }
        z
    }

    /// 3×3 conv (pad 1) then DepthToSpace(r, CRD), written plainly.
    #[allow(clippy::too_many_arguments)]
    fn conv3_d2s(
        x: &[f32],
        w: &[f32],
        b: &[f32],
        cin: usize,
        cout: usize,
        h: usize,
        wd: usize,
        r: usize,
    ) -> Vec<f32> {
        let mut y = vec![0.0f32; cout * h * wd];
        for co in 0..cout {
            for yy in 0..h {
                for xx in 0..wd {
                    let mut acc = b[co];
                    for ci in 0..cin {
                        for dy in 0..3 {
                            for dx in 0..3 {
                                let (sy, sx) =
                                    (yy as isize + dy as isize - 1, xx as isize + dx as isize - 1);
                                if sy < 0 || sx < 0 || sy >= h as isize || sx >= wd as isize {
                                    continue;
                                }
                                acc += x[(ci * h + sy as usize) * wd + sx as usize]
                                    * w[((co * cin + ci) * 3 + dy) * 3 + dx];
                            }
                        }
                    }
                    y[(co * h + yy) * wd + xx] = acc;
                }
            }
        }
        let c = cout / (r * r);
        let mut z = vec![0.0f32; cout * h * wd];
        for k in 0..c {
            for yy in 0..h {
                for xx in 0..wd {
                    for i in 0..r {
                        for j in 0..r {
                            z[(k * r * h + r * yy + i) * r * wd + r * xx + j] =
                                y[((k * r * r + i * r + j) * h + yy) * wd + xx];
                        }
                    }
                }
            }
        }
        z
    }

    #[test]
    fn deconvolution_as_convolution_is_exact() {
        let (cin, cout, h, w) = (3usize, 8usize, 5usize, 6usize);
        let val = |i: usize, k: f32| (i as f32 * k).sin();
        let x: Vec<f32> = (0..cin * h * w).map(|i| val(i, 0.7)).collect();
        let wt: Vec<f32> = (0..cin * cout * 16).map(|i| val(i, 1.3)).collect();
        let b: Vec<f32> = (0..cout).map(|i| val(i, 2.1)).collect();
        for shuffle in [false, true] {
            let want = deconv_plain(&x, &wt, &b, cin, cout, h, w, shuffle);
            let (w3, b3) = deconv_weights(&wt, &b, cin, cout, shuffle);
            let got = conv3_d2s(
                &x,
                &w3,
                &b3,
                cin,
                4 * cout,
                h,
                w,
                if shuffle { 4 } else { 2 },
            );
            let d = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(d < 1e-5, "shuffle {shuffle}: max abs {d}");
        }
    }

    #[test]
    fn reduced_precision_on_the_cpu_is_a_typed_error_with_the_reason() {
        let cpu = SessionConfig::default();
        assert!(check_precision(Precision::Fp32, &cpu).is_ok());
        let e = check_precision(Precision::Fp16, &cpu)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("fp16") && e.contains("CPU") && e.contains("float16 Conv"),
            "{e}"
        );
        let e = check_precision(Precision::Bf16, &cpu)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bf16") && e.contains("bfloat16 Conv"), "{e}");
        let gpu = SessionConfig {
            device: Device::Cuda { id: 0 },
            ..SessionConfig::default()
        };
        let r = check_precision(Precision::Fp16, &gpu);
        if cfg!(feature = "cuda") {
            assert!(r.is_ok());
        } else {
            assert_eq!(
                r.unwrap_err().to_string(),
                "CUDA support not compiled in; rebuild with --features cuda"
            );
        }
    }
}
