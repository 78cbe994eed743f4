//! `Conv3x3W` (domain [`super::warp_op::DOMAIN`]): a 3×3, stride-1,
//! padding-1 convolution by [`crate::winograd`] on channels-last tensors,
//! with its bias, scaled residuals and PReLU fused in.
//!
//! Inputs, in order: `U` `[36, K, N]` (from [`crate::winograd::prepare`]),
//! bias `[N]`, slopes `[N]`, then attribute `inputs` tensors `[1, H, W, Cᵢ]`
//! read as one concatenation (Σ Cᵢ = K), then one residual `[1, H, W, N]`
//! per entry of attribute `res_scales`. Output `[1, H, W, N]`. Use
//! [`conv3x3`] to add one to a graph.

use ort::operator::{
    BoxedKernel, ComputeContext, KernelContext, Operator, OperatorInput, OperatorOutput,
};
use ort::value::TensorElementType;

use super::warp_op::{err, input_f32, par_rows, DOMAIN};
use crate::onnx::proto::Attribute;
use crate::onnx::GraphBuilder;
use crate::winograd::{self, Input, Prepared, Residual, Weights};

/// Adds a `Conv3x3W` node over channels-last `inputs` (`[1, h, w, cᵢ]`,
/// cᵢ multiples of [`winograd::LANES`]) and returns its output `[1, h, w, n]`.
pub fn conv3x3(
    g: &mut GraphBuilder,
    inputs: &[&str],
    weights: &Prepared,
    residuals: &[(&str, f32)],
    hint: &str,
) -> String {
    let (k, n) = (weights.k, weights.n);
    let u = g.const_f32(&format!("{hint}.u"), &[36, k, n], &weights.u);
    let b = g.const_f32(&format!("{hint}.b"), &[n], &weights.bias);
    let s = g.const_f32(&format!("{hint}.slope"), &[n], &weights.slope);
    let s0 = g.shape(inputs[0]).to_vec();
    let mut all = vec![u.as_str(), b.as_str(), s.as_str()];
    all.extend_from_slice(inputs);
    all.extend(residuals.iter().map(|r| r.0));
    let scales: Vec<f32> = residuals.iter().map(|r| r.1).collect();
    let mut attrs = vec![Attribute::int("inputs", inputs.len() as i64)];
    if !scales.is_empty() {
        attrs.push(Attribute::floats("res_scales", &scales));
    }
    g.custom(DOMAIN, "Conv3x3W", &all, &[vec![1, s0[1], s0[2], n]], attrs)
        .remove(0)
}

pub(crate) struct Conv3x3Op;

impl Operator for Conv3x3Op {
    type Kernel<'attr> = BoxedKernel<'attr>;

    fn name(&self) -> &str {
        "Conv3x3W"
    }

    fn inputs(&self) -> impl IntoIterator<Item = OperatorInput> {
        [OperatorInput::variadic(4).homogenous(TensorElementType::Float32)]
    }

    fn outputs(&self) -> impl IntoIterator<Item = OperatorOutput> {
        [OperatorOutput::required(TensorElementType::Float32)]
    }

    fn create_kernel<'attr>(&self, k: &KernelContext<'attr>) -> ort::Result<Self::Kernel<'attr>> {
        let n_in = k
            .get::<i64>("inputs")
            .filter(|&n| n >= 1)
            .ok_or_else(|| err("Conv3x3W: attribute `inputs` (≥ 1) missing"))?
            as usize;
        let scales = k.get::<Vec<f32>>("res_scales").unwrap_or_default();
        Ok(Box::new(move |ctx: &ComputeContext| {
            let op = "Conv3x3W";
            let total = ctx.num_inputs()?;
            if total != 3 + n_in + scales.len() {
                return Err(err(format!(
                    "{op}: {total} inputs, attributes say {}",
                    3 + n_in + scales.len()
                )));
            }
            let (us, u) = input_f32(ctx, 0, op)?;
            let (_, bias) = input_f32(ctx, 1, op)?;
            let (_, slope) = input_f32(ctx, 2, op)?;
            let &[36, kk, n] = &us[..] else {
                return Err(err(format!("{op}: weights are {us:?}, not [36, K, N]")));
            };
            let weights = Weights {
                u,
                k: kk as usize,
                n: n as usize,
                bias,
                slope,
            };
            let mut hw = None;
            let mut inputs = Vec::with_capacity(n_in);
            for i in 0..n_in {
                let (s, data) = input_f32(ctx, 3 + i, op)?;
                let &[1, h, w, c] = &s[..] else {
                    return Err(err(format!("{op}: input {i} is {s:?}, not [1, H, W, C]")));
                };
                if *hw.get_or_insert((h, w)) != (h, w) {
                    return Err(err(format!("{op}: input {i} is {s:?}, beside {hw:?}")));
                }
                inputs.push(Input {
                    data,
                    c: c as usize,
                });
            }
            let (h, w) = hw.expect("at least one input");
            let residuals = scales
                .iter()
                .enumerate()
                .map(|(j, &scale)| {
                    let (_, data) = input_f32(ctx, 3 + n_in + j, op)?;
                    Ok(Residual { data, scale })
                })
                .collect::<ort::Result<Vec<_>>>()?;
            let mut out = ctx
                .output(0, vec![1, h, w, n])?
                .ok_or_else(|| err(format!("{op}: no output")))?;
            let (_, data) = out.try_extract_tensor_mut::<f32>()?;
            let par = par_rows(ctx);
            winograd::conv3x3(
                &inputs,
                (h as usize, w as usize),
                &weights,
                &residuals,
                data,
                &par,
            )
            .map_err(|e| err(format!("{op}: {e}")))
        }))
    }
}
