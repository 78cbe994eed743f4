//! [`GraphBuilder`]: writes an ONNX graph op by op, from Rust, with every
//! value's shape known at build time (a session is built per frame size, so
//! every shape is fixed and ORT can plan memory once). Each helper states the
//! PyTorch operation it reproduces.

use std::collections::HashMap;

use super::proto::{Attribute, Dim, ElemType, Model, Node, TensorProto, ValueInfo};
use crate::error::NnError;
use crate::tensor::Tensor;

/// The `ai.onnx` opset tween's graphs use (GridSample needs 16; Resize 13).
pub const OPSET: i64 = 17;

/// A graph under construction. Values are named by `String`s it hands out.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    model: Model,
    shapes: HashMap<String, Vec<usize>>,
    next_id: usize,
    /// The `warp` base grid per (h, w), built once and shared.
    grids: HashMap<(usize, usize), String>,
}

impl GraphBuilder {
    pub fn new(name: &str) -> Self {
        let mut b = GraphBuilder::default();
        b.model.graph_name = name.into();
        b.model.opsets.push((String::new(), OPSET));
        b
    }

    /// The shape of value `v` (panics on a name this builder did not hand out:
    /// that is a bug in the graph code, not bad input).
    pub fn shape(&self, v: &str) -> &[usize] {
        self.shapes
            .get(v)
            .unwrap_or_else(|| panic!("graph value `{v}` is unknown"))
    }

    fn fresh(&mut self, hint: &str) -> String {
        self.next_id += 1;
        format!("{hint}_{}", self.next_id)
    }

    /// A float32 graph input of a fixed shape.
    pub fn input(&mut self, name: &str, shape: &[usize]) -> String {
        self.model.inputs.push(ValueInfo {
            name: name.into(),
            elem: ElemType::Float,
            dims: shape.iter().map(|&d| Dim::Fixed(d)).collect(),
        });
        self.shapes.insert(name.into(), shape.to_vec());
        name.into()
    }

    /// Declares `v` as a graph output named `name`.
    pub fn output(&mut self, v: &str, name: &str) {
        let shape = self.shape(v).to_vec();
        self.node("Identity", &[v], name, shape, vec![]);
        self.model.outputs.push(ValueInfo {
            name: name.into(),
            elem: ElemType::Float,
            dims: self.shape(name).iter().map(|&d| Dim::Fixed(d)).collect(),
        });
    }

    /// Adds a node with one output `out` of shape `shape`; returns `out`.
    pub fn node(
        &mut self,
        op: &str,
        inputs: &[&str],
        out: &str,
        shape: Vec<usize>,
        attributes: Vec<Attribute>,
    ) -> String {
        let name = format!("n{}_{op}", self.model.nodes.len());
        self.model.nodes.push(Node {
            name,
            op_type: op.into(),
            domain: String::new(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: vec![out.into()],
            attributes,
        });
        self.shapes.insert(out.into(), shape);
        out.into()
    }

    fn op(
        &mut self,
        op: &str,
        inputs: &[&str],
        shape: Vec<usize>,
        attrs: Vec<Attribute>,
    ) -> String {
        let out = self.fresh(&op.to_ascii_lowercase());
        self.node(op, inputs, &out, shape, attrs)
    }

    /// A float32 constant (an initializer).
    pub fn const_f32(&mut self, hint: &str, shape: &[usize], data: &[f32]) -> String {
        let name = self.fresh(hint);
        self.model
            .initializers
            .push(TensorProto::f32(name.clone(), shape, data));
        self.shapes.insert(name.clone(), shape.to_vec());
        name
    }

    /// A 1-D int64 constant (shapes, axes, starts …).
    pub fn const_i64(&mut self, hint: &str, data: &[i64]) -> String {
        let name = self.fresh(hint);
        self.model
            .initializers
            .push(TensorProto::i64(name.clone(), &[data.len()], data));
        self.shapes.insert(name.clone(), vec![data.len()]);
        name
    }

    /// A weight from a state dict, by key.
    pub fn weight(&mut self, t: &Tensor, key: &str) -> String {
        let name = key.to_string();
        if !self.shapes.contains_key(&name) {
            self.model
                .initializers
                .push(TensorProto::f32(name.clone(), &t.shape, &t.data));
            self.shapes.insert(name.clone(), t.shape.clone());
        }
        name
    }

    /// `nn.Conv2d(k, stride, padding)` with weight `[out, in, k, k]` and bias `[out]`.
    pub fn conv(&mut self, x: &str, w: &str, b: &str, stride: usize, pad: usize) -> String {
        let (xs, ws) = (self.shape(x).to_vec(), self.shape(w).to_vec());
        let k = ws[2];
        let oh = (xs[2] + 2 * pad - k) / stride + 1;
        let ow = (xs[3] + 2 * pad - k) / stride + 1;
        let attrs = vec![
            Attribute::ints("kernel_shape", &[k as i64, k as i64]),
            Attribute::ints("strides", &[stride as i64; 2]),
            Attribute::ints("pads", &[pad as i64; 4]),
        ];
        self.op("Conv", &[x, w, b], vec![xs[0], ws[0], oh, ow], attrs)
    }

    /// `nn.ConvTranspose2d(k, stride, padding)` with weight `[in, out, k, k]`.
    pub fn conv_transpose(
        &mut self,
        x: &str,
        w: &str,
        b: &str,
        stride: usize,
        pad: usize,
    ) -> String {
        let (xs, ws) = (self.shape(x).to_vec(), self.shape(w).to_vec());
        let k = ws[2];
        let oh = (xs[2] - 1) * stride + k - 2 * pad;
        let ow = (xs[3] - 1) * stride + k - 2 * pad;
        let attrs = vec![
            Attribute::ints("kernel_shape", &[k as i64, k as i64]),
            Attribute::ints("strides", &[stride as i64; 2]),
            Attribute::ints("pads", &[pad as i64; 4]),
        ];
        self.op(
            "ConvTranspose",
            &[x, w, b],
            vec![xs[0], ws[1], oh, ow],
            attrs,
        )
    }

    pub fn leaky_relu(&mut self, x: &str, alpha: f32) -> String {
        let s = self.shape(x).to_vec();
        self.op("LeakyRelu", &[x], s, vec![Attribute::float("alpha", alpha)])
    }

    pub fn sigmoid(&mut self, x: &str) -> String {
        let s = self.shape(x).to_vec();
        self.op("Sigmoid", &[x], s, vec![])
    }

    fn binary(&mut self, op: &str, a: &str, b: &str) -> String {
        let s = broadcast(self.shape(a), self.shape(b));
        self.op(op, &[a, b], s, vec![])
    }
    pub fn add(&mut self, a: &str, b: &str) -> String {
        self.binary("Add", a, b)
    }
    pub fn sub(&mut self, a: &str, b: &str) -> String {
        self.binary("Sub", a, b)
    }
    pub fn mul(&mut self, a: &str, b: &str) -> String {
        self.binary("Mul", a, b)
    }
    pub fn div(&mut self, a: &str, b: &str) -> String {
        self.binary("Div", a, b)
    }

    /// `x * c` for a scalar `c`.
    pub fn scale(&mut self, x: &str, c: f32) -> String {
        let k = self.const_f32("k", &[1], &[c]);
        self.mul(x, &k)
    }

    /// `torch.cat(xs, dim=axis)`.
    pub fn concat(&mut self, xs: &[&str], axis: usize) -> String {
        let mut s = self.shape(xs[0]).to_vec();
        s[axis] = xs.iter().map(|x| self.shape(x)[axis]).sum();
        self.op("Concat", xs, s, vec![Attribute::int("axis", axis as i64)])
    }

    /// `x[:, start:end]` (channels).
    pub fn channels(&mut self, x: &str, start: usize, end: usize) -> String {
        let mut s = self.shape(x).to_vec();
        s[1] = end - start;
        let starts = self.const_i64("starts", &[start as i64]);
        let ends = self.const_i64("ends", &[end as i64]);
        let axes = self.const_i64("axes", &[1]);
        self.op("Slice", &[x, &starts, &ends, &axes], s, vec![])
    }

    pub fn reshape(&mut self, x: &str, shape: &[usize]) -> String {
        debug_assert_eq!(
            self.shape(x).iter().product::<usize>(),
            shape.iter().product::<usize>()
        );
        let target: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        let t = self.const_i64("shape", &target);
        self.op("Reshape", &[x, &t], shape.to_vec(), vec![])
    }

    pub fn transpose(&mut self, x: &str, perm: &[usize]) -> String {
        let s0 = self.shape(x);
        let s = perm.iter().map(|&p| s0[p]).collect();
        let perm: Vec<i64> = perm.iter().map(|&p| p as i64).collect();
        self.op("Transpose", &[x], s, vec![Attribute::ints("perm", &perm)])
    }

    /// Broadcasts `x` to `shape` (ONNX Expand).
    pub fn expand(&mut self, x: &str, shape: &[usize]) -> String {
        let target: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        let t = self.const_i64("shape", &target);
        let s = broadcast(self.shape(x), shape);
        self.op("Expand", &[x, &t], s, vec![])
    }

    /// `F.interpolate(x, scale_factor=s, mode='bilinear', align_corners=False)`:
    /// ONNX Resize, linear, `half_pixel` (src = (dst + 0.5) / s − 0.5, clamped
    /// to the edges), no antialias; output size `floor(size · s)`.
    pub fn resize_bilinear(&mut self, x: &str, s: f32) -> String {
        if s == 1.0 {
            return x.to_string();
        }
        let mut shape = self.shape(x).to_vec();
        shape[2] = (shape[2] as f64 * f64::from(s)).floor() as usize;
        shape[3] = (shape[3] as f64 * f64::from(s)).floor() as usize;
        let scales = self.const_f32("scales", &[4], &[1.0, 1.0, s, s]);
        let attrs = vec![
            Attribute::string("mode", "linear"),
            Attribute::string("coordinate_transformation_mode", "half_pixel"),
        ];
        self.op("Resize", &[x, "", &scales], shape, attrs)
    }

    /// Practical-RIFE `warplayer.warp(x, flow)`: `grid_sample(x, base + flow /
    /// ((W−1)/2, (H−1)/2), bilinear, border, align_corners=True)`, i.e. x
    /// sampled at (x + fx, y + fy), clamped to the image. `flow` is `[N, 2, H, W]`.
    pub fn warp(&mut self, x: &str, flow: &str) -> String {
        let xs = self.shape(x).to_vec();
        let (h, w) = (xs[2], xs[3]);
        let base = match self.grids.get(&(h, w)) {
            Some(b) => b.clone(),
            None => {
                let mut data = linspace(w).repeat(h);
                data.extend(linspace(h).iter().flat_map(|&v| std::iter::repeat_n(v, w)));
                let b = self.const_f32("grid", &[1, 2, h, w], &data);
                self.grids.insert((h, w), b.clone());
                b
            }
        };
        let half = [(w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0];
        let half = self.const_f32("half", &[1, 2, 1, 1], &half);
        let f = self.div(flow, &half);
        let g = self.add(&base, &f);
        let g = self.transpose(&g, &[0, 2, 3, 1]);
        let attrs = vec![
            Attribute::int("align_corners", 1),
            Attribute::string("mode", "bilinear"),
            Attribute::string("padding_mode", "border"),
        ];
        self.op("GridSample", &[x, &g], xs, attrs)
    }

    /// `F.pixel_unshuffle(x, r)`: `out[c·r² + i·r + j, y, x] = in[c, r·y + i, r·x + j]`
    /// (torch order; ONNX SpaceToDepth orders channels differently).
    pub fn pixel_unshuffle(&mut self, x: &str, r: usize) -> String {
        let s = self.shape(x).to_vec();
        let (n, c, h, w) = (s[0], s[1], s[2] / r, s[3] / r);
        let t = self.reshape(x, &[n, c, h, r, w, r]);
        let t = self.transpose(&t, &[0, 1, 3, 5, 2, 4]);
        self.reshape(&t, &[n, c * r * r, h, w])
    }

    /// `nn.PixelShuffle(r)`: the inverse of [`GraphBuilder::pixel_unshuffle`].
    pub fn pixel_shuffle(&mut self, x: &str, r: usize) -> String {
        let s = self.shape(x).to_vec();
        let (n, c, h, w) = (s[0], s[1] / (r * r), s[2], s[3]);
        let t = self.reshape(x, &[n, c, r, r, h, w]);
        let t = self.transpose(&t, &[0, 1, 4, 2, 5, 3]);
        self.reshape(&t, &[n, c, h * r, w * r])
    }

    /// `nn.PReLU(num_parameters=C)`: `x > 0 ? x : a[c]·x`, `slope` is `[C]`
    /// (stored `[C, 1, 1]` so it broadcasts over NCHW).
    pub fn prelu(&mut self, x: &str, slope: &[f32]) -> String {
        let s = self.shape(x).to_vec();
        let a = self.const_f32("prelu", &[slope.len(), 1, 1], slope);
        self.op("PRelu", &[x, &a], s, vec![])
    }

    /// `F.interpolate(x, scale_factor=r, mode='nearest')` for an integer `r`:
    /// `out[y, x] = in[y / r, x / r]` (ONNX Resize, asymmetric, floor). Needs
    /// no fixed shape, so it also serves graphs with symbolic H and W.
    pub fn resize_nearest(&mut self, x: &str, r: usize) -> String {
        self.resize_nearest_at(x, r, [2, 3])
    }

    /// [`GraphBuilder::resize_nearest`] for a channels-last `[1, H, W, C]`.
    pub fn resize_nearest_nhwc(&mut self, x: &str, r: usize) -> String {
        self.resize_nearest_at(x, r, [1, 2])
    }

    fn resize_nearest_at(&mut self, x: &str, r: usize, axes: [usize; 2]) -> String {
        let mut shape = self.shape(x).to_vec();
        let mut scales = [1.0f32; 4];
        for a in axes {
            shape[a] *= r;
            scales[a] = r as f32;
        }
        let scales = self.const_f32("scales", &[4], &scales);
        let attrs = vec![
            Attribute::string("mode", "nearest"),
            Attribute::string("coordinate_transformation_mode", "asymmetric"),
            Attribute::string("nearest_mode", "floor"),
        ];
        self.op("Resize", &[x, "", &scales], shape, attrs)
    }

    /// `nn.PixelShuffle(r)` as ONNX DepthToSpace, mode CRD (the same channel
    /// order as torch); unlike [`GraphBuilder::pixel_shuffle`] it needs no
    /// fixed shape.
    pub fn depth_to_space(&mut self, x: &str, r: usize) -> String {
        let s = self.shape(x).to_vec();
        let shape = vec![s[0], s[1] / (r * r), s[2] * r, s[3] * r];
        let attrs = vec![
            Attribute::int("blocksize", r as i64),
            Attribute::string("mode", "CRD"),
        ];
        self.op("DepthToSpace", &[x], shape, attrs)
    }

    /// ONNX SpaceToDepth: `out[(i·r + j)·C + c, y, x] = in[c, r·y + i, r·x + j]`.
    /// This is NOT torch's `pixel_unshuffle` order (`c·r² + i·r + j`); a
    /// following conv takes it when its input channels are permuted to match.
    pub fn space_to_depth(&mut self, x: &str, r: usize) -> String {
        let s = self.shape(x).to_vec();
        let shape = vec![s[0], s[1] * r * r, s[2] / r, s[3] / r];
        let attrs = vec![Attribute::int("blocksize", r as i64)];
        self.op("SpaceToDepth", &[x], shape, attrs)
    }

    /// The finished model.
    pub fn finish(self) -> Result<Model, NnError> {
        if self.model.outputs.is_empty() {
            return Err(NnError::Graph {
                graph: self.model.graph_name,
                reason: "the graph has no outputs".into(),
            });
        }
        Ok(self.model)
    }
}

/// `torch.linspace(-1, 1, n)` as PyTorch's CPU kernel computes it (from the
/// start for the first half, from the end for the second).
fn linspace(n: usize) -> Vec<f32> {
    if n == 1 {
        return vec![-1.0];
    }
    let step = 2.0f32 / (n - 1) as f32;
    let half = n / 2;
    (0..n)
        .map(|i| {
            if i < half {
                -1.0 + step * i as f32
            } else {
                1.0 - step * (n - 1 - i) as f32
            }
        })
        .collect()
}

/// NumPy broadcasting of two shapes (equal rank, as every graph here uses, or
/// a rank-1 scalar on the right).
fn broadcast(a: &[usize], b: &[usize]) -> Vec<usize> {
    let n = a.len().max(b.len());
    let get = |s: &[usize], i: usize| {
        let pad = n - s.len();
        if i < pad {
            1
        } else {
            s[i - pad]
        }
    };
    (0..n).map(|i| get(a, i).max(get(b, i))).collect()
}

/// Custom-domain nodes and casts (for tween's own ONNX Runtime operators,
/// `crate::engine::warp_op`, and reduced-precision graphs).
impl GraphBuilder {
    /// A node of the custom operator domain `domain` (version 1) with one
    /// output per shape in `outputs`; returns the output names.
    pub fn custom(
        &mut self,
        domain: &str,
        op: &str,
        inputs: &[&str],
        outputs: &[Vec<usize>],
        attributes: Vec<Attribute>,
    ) -> Vec<String> {
        if !self.model.opsets.iter().any(|(d, _)| d == domain) {
            self.model.opsets.push((domain.to_string(), 1));
        }
        let outs: Vec<String> = outputs
            .iter()
            .map(|_| self.fresh(&op.to_ascii_lowercase()))
            .collect();
        self.model.nodes.push(Node {
            name: format!("n{}_{op}", self.model.nodes.len()),
            op_type: op.into(),
            domain: domain.into(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: outs.clone(),
            attributes,
        });
        for (o, s) in outs.iter().zip(outputs) {
            self.shapes.insert(o.clone(), s.clone());
        }
        outs
    }

    /// ONNX Cast to `to` (an ONNX `TensorProto.DataType` code: 1 float,
    /// 10 float16, 16 bfloat16). Shapes are tracked, element types are not.
    pub fn cast(&mut self, x: &str, to: i64) -> String {
        let s = self.shape(x).to_vec();
        self.op("Cast", &[x], s, vec![Attribute::int("to", to)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_matches_torch_at_the_ends() {
        let l = linspace(5);
        assert_eq!(l, [-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(*linspace(1280).last().unwrap(), 1.0);
    }

    #[test]
    fn broadcasting_pads_on_the_left() {
        assert_eq!(broadcast(&[1, 3, 4, 5], &[1]), [1, 3, 4, 5]);
        assert_eq!(broadcast(&[1, 2, 1, 1], &[1, 2, 4, 5]), [1, 2, 4, 5]);
    }
}
