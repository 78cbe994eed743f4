//! RIFE IFNet v4.x forward (Huang et al., "Real-Time Intermediate Flow
//! Estimation for Video Frame Interpolation", ECCV 2022; hzwer/Practical-RIFE
//! `train_log/IFNet_HDv3.py`) as an ONNX graph built from the checkpoint's
//! weights. The config (blocks, encoder) is [`crate::arch::rife::Config`];
//! v4.6 and v4.25/v4.26 differ only there (and in how the mask is carried:
//! summed without an encoder, replaced with one).
//!
//! A graph is built per (padded size, scale) and kept; the timestep is an
//! input, so one graph serves every t.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::arch::rife::Config;
use crate::engine::{Array, ArrayView, Engine, OrtEngine, Runtime, SessionConfig};
use crate::error::NnError;
use crate::onnx::{GraphBuilder, Model};
use crate::state_dict::StateDict;

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
            engines: Mutex::new(HashMap::new()),
        })
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
        let model = build_graph(&self.config, &self.weights, h, w, scale)?;
        let e = Arc::new(OrtEngine::new(&self.runtime, &model, &self.session)?);
        self.engines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, e.clone());
        Ok(e)
    }
}

/// The IFNet graph for frames of `h`×`w` (padded) at `scale`. Inputs `img0`,
/// `img1` `[1, 3, h, w]` and `timestep` `[1, 1, 1, 1]`; outputs `out`,
/// `flow`, `mask` (sigmoid).
pub fn build_graph(
    config: &Config,
    sd: &StateDict,
    h: usize,
    w: usize,
    scale: f32,
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
    let b = Weights { sd, graph: &name };
    let img0 = g.input("img0", &[1, 3, h, w]);
    let img1 = g.input("img1", &[1, 3, h, w]);
    let t = g.input("timestep", &[1, 1, 1, 1]);
    let t = g.expand(&t, &[1, 1, h, w]);
    let feats = match config.encoder {
        Some(_) => Some((encode(&mut g, &b, &img0)?, encode(&mut g, &b, &img1)?)),
        None => None,
    };
    let scales = Rife::scale_list(config, scale);
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
                let (f, m, ft) = ifblock(&mut g, &b, &p, &x, None, s)?;
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
                let (fd, md, ft) = ifblock(&mut g, &b, &p, &x, Some(flow), s)?;
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
        w0 = g.warp(&img0, &fl0);
        w1 = g.warp(&img1, &fl1);
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
    g.finish()
}

/// Weight lookup with the graph name in the error.
struct Weights<'a> {
    sd: &'a StateDict,
    graph: &'a str,
}

impl Weights<'_> {
    fn get(&self, g: &mut GraphBuilder, key: &str) -> Result<String, NnError> {
        let t = self.sd.get(key).ok_or_else(|| NnError::Graph {
            graph: self.graph.into(),
            reason: format!("weight `{key}` is missing"),
        })?;
        Ok(g.weight(t, key))
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
        Ok(g.conv(x, &w, &b, stride, pad))
    }
    fn deconv(&self, g: &mut GraphBuilder, x: &str, p: &str) -> Result<String, NnError> {
        let w = self.get(g, &format!("{p}.weight"))?;
        let b = self.get(g, &format!("{p}.bias"))?;
        Ok(g.conv_transpose(x, &w, &b, 2, 1))
    }
}

/// `Head`: conv s2 → lrelu → conv → lrelu → conv → lrelu → ConvTranspose s2.
fn encode(g: &mut GraphBuilder, b: &Weights, x: &str) -> Result<String, NnError> {
    let x = b.conv(g, x, "encode.cnn0", 2, 1)?;
    let x = g.leaky_relu(&x, SLOPE);
    let x = b.conv(g, &x, "encode.cnn1", 1, 1)?;
    let x = g.leaky_relu(&x, SLOPE);
    let x = b.conv(g, &x, "encode.cnn2", 1, 1)?;
    let x = g.leaky_relu(&x, SLOPE);
    b.deconv(g, &x, "encode.cnn3")
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
    let f = b.conv(g, &x, &format!("{p}.conv0.0.0"), 2, 1)?;
    let f = g.leaky_relu(&f, SLOPE);
    let f = b.conv(g, &f, &format!("{p}.conv0.1.0"), 2, 1)?;
    let mut f = g.leaky_relu(&f, SLOPE);
    for i in 0..8 {
        let q = format!("{p}.convblock.{i}");
        let c = b.conv(g, &f, &format!("{q}.conv"), 1, 1)?;
        let beta = b.get(g, &format!("{q}.beta"))?;
        let c = g.mul(&c, &beta);
        let c = g.add(&c, &f);
        f = g.leaky_relu(&c, SLOPE);
    }
    let tmp = b.deconv(g, &f, &format!("{p}.lastconv.0"))?;
    let tmp = g.pixel_shuffle(&tmp, 2);
    let tmp = g.resize_bilinear(&tmp, s);
    let k = g.shape(&tmp)[1];
    let fl = g.channels(&tmp, 0, 4);
    let fl = g.scale(&fl, s);
    let mask = g.channels(&tmp, 4, 5);
    let feat = (k > 6).then(|| g.channels(&tmp, 5, k));
    Ok((fl, mask, feat))
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
}
