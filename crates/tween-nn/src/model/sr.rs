//! What the super-resolution networks (RRDBNet, SRVGGNetCompact) share: a
//! graph whose input height and width are symbolic, so ONE ONNX Runtime
//! session serves every tile shape and frame size (a session holds a copy of
//! the weights, so one per shape would multiply memory), weight lookup with
//! the graph named in errors, and [`SrNet`], either network behind one type.

use crate::detect::Architecture;
use crate::engine::{
    winograd_op, Array, ArrayView, Device, Engine, OrtEngine, Runtime, SessionConfig,
};
use crate::error::NnError;
use crate::onnx::proto::Dim;
use crate::onnx::{GraphBuilder, Model};
use crate::state_dict::StateDict;
use crate::tensor::Tensor;

use super::rrdbnet::Rrdbnet;
use super::srvgg::Srvgg;

/// The nominal size graphs are written at; [`symbolic_hw`] then renames the
/// spatial dims of the input and output, so nothing in the graph depends on it.
pub(crate) const NOMINAL: usize = 64;

/// Makes dims 2 and 3 of every graph input (`h`, `w`) and output (`H`, `W`)
/// symbolic. Only valid for graphs without shape constants (no Reshape or
/// Expand to fixed sizes), which is how the SR graphs are written.
pub(crate) fn symbolic_hw(model: &mut Model) {
    for (vis, (h, w)) in [
        (&mut model.inputs, ("h", "w")),
        (&mut model.outputs, ("H", "W")),
    ] {
        for vi in vis.iter_mut() {
            vi.dims[2] = Dim::Named(h.into());
            vi.dims[3] = Dim::Named(w.into());
        }
    }
}

/// How an SR graph runs its 3×3 convolutions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convs {
    /// ONNX `Conv` on NCHW tensors: every execution provider and CPU.
    Standard,
    /// tween's Winograd operator ([`crate::winograd`]) on channels-last
    /// tensors: 2.4–3.8x ONNX Runtime's CPU Conv at these shapes
    /// (`examples/winograd_speed.rs`); x86-64 CPUs with AVX-512F or AVX2 + FMA.
    Winograd,
}

impl Convs {
    /// Winograd where the session runs on a CPU that has the kernels.
    pub fn for_session(session: &SessionConfig) -> Self {
        if session.device == Device::Cpu && crate::winograd::supported() {
            Convs::Winograd
        } else {
            Convs::Standard
        }
    }
}

/// Weight lookup by checkpoint key, with the graph's name in the error.
pub(crate) struct Weights<'a> {
    pub sd: &'a StateDict,
    pub graph: &'a str,
}

impl Weights<'_> {
    pub fn tensor(&self, key: &str) -> Result<&Tensor, NnError> {
        self.sd.get(key).ok_or_else(|| NnError::Graph {
            graph: self.graph.into(),
            reason: format!("weight `{key}` is missing"),
        })
    }

    /// `nn.Conv2d(k, 1, k/2)` named `p` (`p.weight`, `p.bias`).
    pub fn conv(&self, g: &mut GraphBuilder, x: &str, p: &str) -> Result<String, NnError> {
        let wt = self.tensor(&format!("{p}.weight"))?;
        let pad = wt.shape[2] / 2;
        let w = g.weight(wt, &format!("{p}.weight"));
        let b = g.weight(self.tensor(&format!("{p}.bias"))?, &format!("{p}.bias"));
        Ok(g.conv(x, &w, &b, 1, pad))
    }

    /// The 3×3 `nn.Conv2d` (stride 1, padding 1) named `p` as a `Conv3x3W` node over channels-last
    /// `inputs` (their real channel counts `real_in`, concatenated):
    /// `prelu(conv·out_scale + Σ scale·residual)`; `slope` `None` is no
    /// activation.
    #[allow(clippy::too_many_arguments)]
    pub fn winograd(
        &self,
        g: &mut GraphBuilder,
        inputs: &[&str],
        real_in: &[usize],
        p: &str,
        out_scale: f32,
        slope: Option<&[f32]>,
        residuals: &[(&str, f32)],
    ) -> Result<String, NnError> {
        let wt = self.tensor(&format!("{p}.weight"))?;
        let bias = self.tensor(&format!("{p}.bias"))?;
        let o = wt.shape[0];
        let cin: usize = real_in.iter().sum();
        if wt.shape != [o, cin, 3, 3] {
            return Err(NnError::Graph {
                graph: self.graph.into(),
                reason: format!("`{p}.weight` is {:?}, not [{o}, {cin}, 3, 3]", wt.shape),
            });
        }
        let scale = (out_scale != 1.0).then(|| vec![out_scale; o]);
        let prepared =
            crate::winograd::prepare(&wt.data, o, real_in, &bias.data, scale.as_deref(), slope);
        Ok(winograd_op::conv3x3(g, inputs, &prepared, residuals, p))
    }
}

/// One session over a symbolic-size SR graph.
pub(crate) struct SrSession {
    engine: OrtEngine,
    scale: usize,
    /// H and W of an input must be multiples of this.
    multiple: usize,
    channels: usize,
    name: String,
}

impl SrSession {
    pub fn new(
        rt: &Runtime,
        model: &Model,
        session: &SessionConfig,
        scale: usize,
        multiple: usize,
        channels: usize,
    ) -> Result<Self, NnError> {
        Ok(SrSession {
            engine: OrtEngine::new(rt, model, session)?,
            scale,
            multiple,
            channels,
            name: model.graph_name.clone(),
        })
    }

    /// `x` is `[1, C, h, w]`; returns `[1, C', h·scale, w·scale]`.
    pub fn run(&self, x: ArrayView<'_>) -> Result<Array, NnError> {
        let ok = matches!(x.shape, &[1, c, h, w] if c == self.channels
            && h > 0 && w > 0 && h % self.multiple == 0 && w % self.multiple == 0);
        if !ok {
            return Err(NnError::BadInput {
                reason: format!(
                    "{} takes [1, {}, H, W] with H and W positive multiples of {}, got {:?}",
                    self.name, self.channels, self.multiple, x.shape
                ),
            });
        }
        let mut out = self.engine.run(&[x])?;
        let y = out.pop().expect("one output");
        debug_assert_eq!(y.shape[2], x.shape[2] * self.scale);
        Ok(y)
    }
}

/// A loaded super-resolution network of either family.
#[derive(Debug)]
#[non_exhaustive]
pub enum SrNet {
    Rrdbnet(Rrdbnet),
    Srvgg(Srvgg),
}

impl SrNet {
    /// Builds the network `arch` describes from `weights` (held to its exact
    /// key list first). RIFE is not an SR network: a typed error.
    pub fn load(
        arch: &Architecture,
        weights: &StateDict,
        runtime: &Runtime,
        session: SessionConfig,
    ) -> Result<Self, NnError> {
        let convs = Convs::for_session(&session);
        Self::load_with(arch, weights, runtime, session, convs)
    }

    /// [`SrNet::load`] with the convolutions chosen by the caller.
    pub fn load_with(
        arch: &Architecture,
        weights: &StateDict,
        runtime: &Runtime,
        session: SessionConfig,
        convs: Convs,
    ) -> Result<Self, NnError> {
        match arch {
            Architecture::Rrdbnet(c) => {
                Rrdbnet::load(c, weights, runtime, session, convs).map(SrNet::Rrdbnet)
            }
            Architecture::Srvgg(c) => {
                Srvgg::load(c, weights, runtime, session, convs).map(SrNet::Srvgg)
            }
            other => Err(NnError::BadInput {
                reason: format!("{other} is not a super-resolution network"),
            }),
        }
    }

    /// The network's own scale (output = input × scale).
    pub fn scale(&self) -> usize {
        match self {
            SrNet::Rrdbnet(n) => n.config().scale,
            SrNet::Srvgg(n) => n.config().upscale,
        }
    }

    /// Input H and W must be multiples of this (2 for RRDBNet x2, 4 for x1).
    pub fn multiple(&self) -> usize {
        match self {
            SrNet::Rrdbnet(n) => n.multiple(),
            SrNet::Srvgg(_) => 1,
        }
    }

    /// `model(x)` for `x` `[1, 3, h, w]` (RGB in [0, 1]); output unclamped.
    pub fn forward(&self, x: ArrayView<'_>) -> Result<Array, NnError> {
        match self {
            SrNet::Rrdbnet(n) => n.forward(x),
            SrNet::Srvgg(n) => n.forward(x),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            SrNet::Rrdbnet(n) => n.config().describe(),
            SrNet::Srvgg(n) => n.config().describe(),
        }
    }

    /// The architecture this net was built as.
    pub fn architecture(&self) -> Architecture {
        match self {
            SrNet::Rrdbnet(n) => Architecture::Rrdbnet(*n.config()),
            SrNet::Srvgg(n) => Architecture::Srvgg(*n.config()),
        }
    }
}

/// The graph for either family (symbolic H and W).
pub fn build_graph(
    arch: &Architecture,
    weights: &StateDict,
    convs: Convs,
) -> Result<Model, NnError> {
    match arch {
        Architecture::Rrdbnet(c) => super::rrdbnet::build_graph(c, weights, convs),
        Architecture::Srvgg(c) => super::srvgg::build_graph(c, weights, convs),
        other => Err(NnError::BadInput {
            reason: format!("{other} is not a super-resolution network"),
        }),
    }
}

/// Shorthand used by both families' `Debug`.
pub(crate) fn debug_config(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    d: String,
) -> std::fmt::Result {
    f.debug_struct(name).field("config", &d).finish()
}
