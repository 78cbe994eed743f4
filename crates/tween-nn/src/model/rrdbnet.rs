//! RRDBNet forward (Wang et al., "ESRGAN", ECCVW 2018; Real-ESRGAN, ICCVW
//! 2021; BasicSR `basicsr/archs/rrdbnet_arch.py`) as an ONNX graph built
//! from the checkpoint's weights. The config (blocks, widths, scale) is
//! [`crate::arch::rrdbnet::Config`], read from the weights.
//!
//! ```text
//! x  = pixel_unshuffle(x, 2)            (scale 2; 4 for scale 1)
//! f  = conv_first(x)
//! f  = f + conv_body(RRDB_n(… RRDB_1(f)))
//! RRDB(x) = RDB3(RDB2(RDB1(x))) · 0.2 + x
//! RDB(x):  x_k = lrelu(conv_k(cat(x, x_1 … x_{k-1})))  k = 1..4
//!          x_5 = conv5(cat(x, x_1 … x_4));  return x_5 · 0.2 + x
//! f  = lrelu(conv_up1(nearest×2(f))); f = lrelu(conv_up2(nearest×2(f)))
//! out = conv_last(lrelu(conv_hr(f)))    no clamp, no global residual
//! ```
//!
//! The pixel-unshuffle is ONNX SpaceToDepth, whose channel order differs
//! from torch's; `conv_first`'s input channels are permuted to match, which
//! keeps the graph free of fixed shapes (one session serves every size).

use crate::arch::rrdbnet::Config;
use crate::engine::{Array, ArrayView, Runtime, SessionConfig};
use crate::error::NnError;
use crate::onnx::{GraphBuilder, Model};
use crate::state_dict::StateDict;
use crate::tensor::Tensor;

use super::sr::{debug_config, symbolic_hw, Convs, SrSession, Weights, NOMINAL};

/// Every LeakyReLU slope in RRDBNet.
const SLOPE: f32 = 0.2;
/// The residual scale of every RDB and RRDB.
const RES_SCALE: f32 = 0.2;

/// A loaded RRDBNet: one session over a graph with symbolic H and W.
pub struct Rrdbnet {
    config: Config,
    session: SrSession,
}

impl std::fmt::Debug for Rrdbnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_config(f, "Rrdbnet", self.config.describe())
    }
}

impl Rrdbnet {
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
            config.scale,
            unshuffle(config),
            config.num_in_ch,
        )?;
        Ok(Rrdbnet {
            config: *config,
            session,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Input H and W must be multiples of this: the pixel-unshuffle factor
    /// (2 for scale 2, 4 for scale 1, else 1).
    pub fn multiple(&self) -> usize {
        unshuffle(&self.config)
    }

    /// `model(x)`: `x` is `[1, 3, h, w]`, RGB in [0, 1]; the output
    /// `[1, 3, h·scale, w·scale]` is not clamped.
    pub fn forward(&self, x: ArrayView<'_>) -> Result<Array, NnError> {
        self.session.run(x)
    }
}

/// The pixel-unshuffle factor in front of `conv_first`.
fn unshuffle(config: &Config) -> usize {
    match config.scale {
        2 => 2,
        1 => 4,
        _ => 1,
    }
}

/// The RRDBNet graph: input `x` `[1, C, h, w]` (h, w multiples of the
/// unshuffle factor), output `out` `[1, C', h·scale, w·scale]`, h and w
/// symbolic. With [`Convs::Winograd`], everything after `conv_first` runs
/// channels-last: each RDB conv reads its inputs in place (no concatenation)
/// and the 0.2 residual scalings and additions are folded into the convs.
pub fn build_graph(config: &Config, sd: &StateDict, convs: Convs) -> Result<Model, NnError> {
    let name = format!("rrdbnet_x{}_b{}", config.scale, config.num_block);
    let b = Weights { sd, graph: &name };
    let mut g = GraphBuilder::new(&name);
    let r = unshuffle(config);
    let x = g.input("x", &[1, config.num_in_ch, NOMINAL, NOMINAL]);
    let feat = if r > 1 {
        let x = g.space_to_depth(&x, r);
        let w = permute_for_space_to_depth(b.tensor("conv_first.weight")?, r);
        let w = g.weight(&w, "conv_first.weight");
        let bias = g.weight(b.tensor("conv_first.bias")?, "conv_first.bias");
        g.conv(&x, &w, &bias, 1, 1)
    } else {
        b.conv(&mut g, &x, "conv_first")?
    };
    let lanes = crate::winograd::LANES;
    let out = if convs == Convs::Winograd
        && config.num_feat.is_multiple_of(lanes)
        && config.num_grow_ch.is_multiple_of(lanes)
    {
        winograd_body(&mut g, &b, config, &feat)?
    } else {
        standard_body(&mut g, &b, config, &feat)?
    };
    g.output(&out, "out");
    let mut model = g.finish()?;
    symbolic_hw(&mut model);
    Ok(model)
}

/// Everything after `conv_first`, in ONNX ops on NCHW tensors.
fn standard_body(
    g: &mut GraphBuilder,
    b: &Weights,
    config: &Config,
    feat: &str,
) -> Result<String, NnError> {
    let mut body = feat.to_string();
    for i in 0..config.num_block {
        body = rrdb(g, b, &body, &format!("body.{i}"))?;
    }
    let body = b.conv(g, &body, "conv_body")?;
    let mut f = g.add(feat, &body);
    for up in ["conv_up1", "conv_up2"] {
        let u = g.resize_nearest(&f, 2);
        let u = b.conv(g, &u, up)?;
        f = g.leaky_relu(&u, SLOPE);
    }
    let f = b.conv(g, &f, "conv_hr")?;
    let f = g.leaky_relu(&f, SLOPE);
    b.conv(g, &f, "conv_last")
}

/// Everything after `conv_first`, channels-last on `Conv3x3W` nodes; back to
/// NCHW (and the real output channels) at the end.
fn winograd_body(
    g: &mut GraphBuilder,
    b: &Weights,
    config: &Config,
    feat: &str,
) -> Result<String, NnError> {
    let nf = config.num_feat;
    let lrelu = vec![SLOPE; nf.max(config.num_grow_ch)];
    let feat = g.transpose(feat, &[0, 2, 3, 1]);
    let mut body = feat.clone();
    for i in 0..config.num_block {
        let p = format!("body.{i}");
        // RRDB(x) = RDB3(RDB2(RDB1(x)))·0.2 + x; RDB3's own residual
        // (conv5·0.2 + y) then becomes conv5·0.04 + y·0.2 + x.
        let r1 = rdb_w(g, b, config, &body, &format!("{p}.rdb1"), None, &lrelu)?;
        let r2 = rdb_w(g, b, config, &r1, &format!("{p}.rdb2"), None, &lrelu)?;
        body = rdb_w(g, b, config, &r2, &format!("{p}.rdb3"), Some(&body), &lrelu)?;
    }
    let mut f = b.winograd(g, &[&body], &[nf], "conv_body", 1.0, None, &[(&feat, 1.0)])?;
    for up in ["conv_up1", "conv_up2"] {
        let u = g.resize_nearest_nhwc(&f, 2);
        f = b.winograd(g, &[&u], &[nf], up, 1.0, Some(&lrelu), &[])?;
    }
    let f = b.winograd(g, &[&f], &[nf], "conv_hr", 1.0, Some(&lrelu), &[])?;
    let out = b.winograd(g, &[&f], &[nf], "conv_last", 1.0, None, &[])?;
    let out = g.transpose(&out, &[0, 3, 1, 2]);
    Ok(if g.shape(&out)[1] == config.num_out_ch {
        out
    } else {
        g.channels(&out, 0, config.num_out_ch)
    })
}

/// One RDB on channels-last `x`; `outer` is the enclosing RRDB's input when
/// this is its last RDB.
fn rdb_w(
    g: &mut GraphBuilder,
    b: &Weights,
    config: &Config,
    x: &str,
    p: &str,
    outer: Option<&str>,
    lrelu: &[f32],
) -> Result<String, NnError> {
    let mut xs: Vec<String> = vec![x.to_string()];
    let mut real = vec![config.num_feat];
    for k in 1..=4 {
        let refs: Vec<&str> = xs.iter().map(String::as_str).collect();
        let y = b.winograd(
            g,
            &refs,
            &real,
            &format!("{p}.conv{k}"),
            1.0,
            Some(lrelu),
            &[],
        )?;
        xs.push(y);
        real.push(config.num_grow_ch);
    }
    let refs: Vec<&str> = xs.iter().map(String::as_str).collect();
    let conv5 = format!("{p}.conv5");
    match outer {
        None => b.winograd(g, &refs, &real, &conv5, RES_SCALE, None, &[(x, 1.0)]),
        Some(o) => b.winograd(
            g,
            &refs,
            &real,
            &conv5,
            RES_SCALE * RES_SCALE,
            None,
            &[(x, RES_SCALE), (o, 1.0)],
        ),
    }
}

/// `RRDB`: three RDBs, then `out · 0.2 + x`.
fn rrdb(g: &mut GraphBuilder, b: &Weights, x: &str, p: &str) -> Result<String, NnError> {
    let mut out = x.to_string();
    for k in 1..=3 {
        out = rdb(g, b, &out, &format!("{p}.rdb{k}"))?;
    }
    let s = g.scale(&out, RES_SCALE);
    Ok(g.add(&s, x))
}

/// `ResidualDenseBlock`: five convs over a growing concatenation.
fn rdb(g: &mut GraphBuilder, b: &Weights, x: &str, p: &str) -> Result<String, NnError> {
    let mut cat: Vec<String> = vec![x.to_string()];
    for k in 1..=5 {
        let refs: Vec<&str> = cat.iter().map(String::as_str).collect();
        let input = if refs.len() == 1 {
            x.to_string()
        } else {
            g.concat(&refs, 1)
        };
        let y = b.conv(g, &input, &format!("{p}.conv{k}"))?;
        if k == 5 {
            let s = g.scale(&y, RES_SCALE);
            return Ok(g.add(&s, x));
        }
        cat.push(g.leaky_relu(&y, SLOPE));
    }
    unreachable!("the loop returns at k = 5")
}

/// `conv_first.weight` `[O, C·r², k, k]` with its input channels reordered
/// from torch's pixel-unshuffle order (`c·r² + i·r + j`) to SpaceToDepth's
/// (`(i·r + j)·C + c`).
fn permute_for_space_to_depth(w: &Tensor, r: usize) -> Tensor {
    let (o, cin, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
    let c = cin / (r * r);
    let k = kh * kw;
    let mut data = vec![0.0f32; w.data.len()];
    for oc in 0..o {
        for ch in 0..c {
            for ij in 0..r * r {
                let src = (oc * cin + ch * r * r + ij) * k;
                let dst = (oc * cin + ij * c + ch) * k;
                data[dst..dst + k].copy_from_slice(&w.data[src..src + k]);
            }
        }
    }
    Tensor {
        shape: w.shape.clone(),
        dtype: w.dtype,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::DType;

    #[test]
    fn conv_first_channels_follow_space_to_depth_order() {
        // O = 1, C = 2, r = 2, 1x1 kernel: torch channel c·4 + ij holds 10c + ij.
        let w = Tensor {
            shape: vec![1, 8, 1, 1],
            dtype: DType::F32,
            data: vec![0., 1., 2., 3., 10., 11., 12., 13.],
        };
        let p = permute_for_space_to_depth(&w, 2);
        // SpaceToDepth channel ij·2 + c must read torch channel c·4 + ij.
        assert_eq!(p.data, [0., 10., 1., 11., 2., 12., 3., 13.]);
    }
}
