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

use super::sr::{debug_config, symbolic_hw, Convs, SrSession, Weights, NOMINAL};

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
    /// Holds `weights` to `config`'s exact key list, builds the graph (its
    /// 3×3 convolutions as `convs` says; [`Convs::for_session`] picks the
    /// best) and its session.
    pub fn load(
        config: &Config,
        weights: &StateDict,
        runtime: &Runtime,
        session: SessionConfig,
        convs: Convs,
    ) -> Result<Self, NnError> {
        weights.check_keys(&config.describe(), &config.expected_keys())?;
        let model = build_graph(config, weights, convs)?;
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
/// `[1, C, h·r, w·r]`, h and w symbolic. With [`Convs::Winograd`] the body
/// runs channels-last from the first activation to the last conv.
pub fn build_graph(config: &Config, sd: &StateDict, convs: Convs) -> Result<Model, NnError> {
    let name = format!("srvgg_x{}_c{}", config.upscale, config.num_conv);
    // Channels-last tensors hold whole vectors of channels.
    let convs = match config.num_feat % crate::winograd::LANES {
        0 => convs,
        _ => Convs::Standard,
    };
    let b = Weights { sd, graph: &name };
    let mut g = GraphBuilder::new(&name);
    let x = g.input("x", &[1, config.num_in_ch, NOMINAL, NOMINAL]);
    let slope = |k: usize| b.tensor(&format!("body.{}.weight", 2 * k + 1));
    let mut out = b.conv(&mut g, &x, "body.0")?;
    out = g.prelu(&out, &slope(0)?.data);
    let last = format!("body.{}", 2 * (config.num_conv + 1));
    let out = match convs {
        Convs::Standard => {
            for k in 1..=config.num_conv {
                out = b.conv(&mut g, &out, &format!("body.{}", 2 * k))?;
                out = g.prelu(&out, &slope(k)?.data);
            }
            b.conv(&mut g, &out, &last)?
        }
        Convs::Winograd => {
            let f = config.num_feat;
            let mut t = g.transpose(&out, &[0, 2, 3, 1]);
            for k in 1..=config.num_conv {
                let p = format!("body.{}", 2 * k);
                t = b.winograd(&mut g, &[&t], &[f], &p, 1.0, Some(&slope(k)?.data), &[])?;
            }
            let t = b.winograd(&mut g, &[&t], &[f], &last, 1.0, None, &[])?;
            let out = g.transpose(&t, &[0, 3, 1, 2]);
            let real = config.num_out_ch * config.upscale * config.upscale;
            if g.shape(&out)[1] == real {
                out
            } else {
                g.channels(&out, 0, real)
            }
        }
    };
    let out = g.depth_to_space(&out, config.upscale);
    let base = g.resize_nearest(&x, config.upscale);
    let out = g.add(&out, &base);
    g.output(&out, "out");
    let mut model = g.finish()?;
    symbolic_hw(&mut model);
    Ok(model)
}
