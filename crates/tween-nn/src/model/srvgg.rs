//! SRVGGNetCompact forward (Real-ESRGAN `realesrgan/archs/srvgg_arch.py`;
//! realesr-general-x4v3, realesr-animevideov3) as an ONNX graph built from
//! the checkpoint's weights. The config is [`crate::arch::srvgg::Config`].
//!
//! ```text
//! out = prelu_0(conv_0(x))
//! out = prelu_k(conv_k(out))            k = 1..num_conv
//! out = PixelShuffle(r)(conv_last(out)) + nearest×r(x)
//! ```
//!
//! PixelShuffle is ONNX DepthToSpace in CRD mode (torch's channel order) and
//! the nearest upsample a Resize, so the graph has no fixed shapes and one
//! session serves every size.

use crate::arch::srvgg::Config;
use crate::engine::{Array, ArrayView, Runtime, SessionConfig};
use crate::error::NnError;
use crate::onnx::{GraphBuilder, Model};
use crate::state_dict::StateDict;

use super::sr::{debug_config, symbolic_hw, SrSession, Weights, NOMINAL};

/// A loaded SRVGGNetCompact: one session over a graph with symbolic H and W.
pub struct Srvgg {
    config: Config,
    session: SrSession,
}

impl std::fmt::Debug for Srvgg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_config(f, "Srvgg", self.config.describe())
    }
}

impl Srvgg {
    /// Holds `weights` to `config`'s exact key list, builds the graph and
    /// its session.
    pub fn load(
        config: &Config,
        weights: &StateDict,
        runtime: &Runtime,
        session: SessionConfig,
    ) -> Result<Self, NnError> {
        weights.check_keys(&config.describe(), &config.expected_keys())?;
        let model = build_graph(config, weights)?;
        let session = SrSession::new(
            runtime,
            &model,
            &session,
            config.upscale,
            1,
            config.num_in_ch,
        )?;
        Ok(Srvgg {
            config: *config,
            session,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `model(x)`: `x` is `[1, 3, h, w]`, RGB in [0, 1]; the output
    /// `[1, 3, h·upscale, w·upscale]` is not clamped.
    pub fn forward(&self, x: ArrayView<'_>) -> Result<Array, NnError> {
        self.session.run(x)
    }
}

/// The SRVGGNetCompact graph: input `x` `[1, C, h, w]`, output `out`
/// `[1, C, h·r, w·r]`, h and w symbolic.
pub fn build_graph(config: &Config, sd: &StateDict) -> Result<Model, NnError> {
    let name = format!("srvgg_x{}_c{}", config.upscale, config.num_conv);
    let b = Weights { sd, graph: &name };
    let mut g = GraphBuilder::new(&name);
    let x = g.input("x", &[1, config.num_in_ch, NOMINAL, NOMINAL]);
    let mut out = x.clone();
    for k in 0..=config.num_conv {
        out = b.conv(&mut g, &out, &format!("body.{}", 2 * k))?;
        let slope = b.tensor(&format!("body.{}.weight", 2 * k + 1))?;
        out = g.prelu(&out, &slope.data);
    }
    let last = 2 * (config.num_conv + 1);
    let out = b.conv(&mut g, &out, &format!("body.{last}"))?;
    let out = g.depth_to_space(&out, config.upscale);
    let base = g.resize_nearest(&x, config.upscale);
    let out = g.add(&out, &base);
    g.output(&out, "out");
    let mut model = g.finish()?;
    symbolic_hw(&mut model);
    Ok(model)
}
