//! tween's own ONNX Runtime operators (domain [`DOMAIN`]), implemented in
//! Rust and registered on every [`super::OrtEngine`] session. They run on the
//! CPU, on ORT's intra-op thread pool (`KernelContext_ParallelFor`), so they
//! share the session's threads instead of competing with them.
//!
//! - `RifeInput`: an IFBlock's whole input (warps, shrink, concatenation,
//!   flow scaling) in one pass at the block's resolution
//!   ([`crate::warp::rife_input`]); attributes `has_flow`, `warped`,
//!   `extras` (per extra input: 0 broadcast, else its enlargement factor),
//!   `flow_out`, `down`.
//! - `RifeMerge`: the final warp + sigmoid + blend at full resolution
//!   ([`crate::warp::rife_merge`]); attribute `up` (the mask's enlargement).
//! - `Conv3x3W`: a Winograd 3×3 convolution on channels-last tensors
//!   ([`super::winograd_op`]).
//!
//! Measured at 720p on 2 threads, ORT's own `GridSample` costs about 3x the
//! Rust warp, and IFNet_HDv3 warps 18 planes sets per frame at full
//! resolution; these operators replace those and the full-resolution
//! concatenations and resizes around them.

use ort::operator::{
    BoxedKernel, ComputeContext, KernelContext, Operator, OperatorDomain, OperatorInput,
    OperatorOutput,
};
use ort::value::TensorElementType;

use crate::warp::{rife_input, rife_merge, Extra, Planes};

/// The custom operator domain of tween's graphs.
pub const DOMAIN: &str = "com.tween";

/// The domain with every tween operator (one per session, which keeps it).
pub(crate) fn domain() -> ort::Result<OperatorDomain> {
    OperatorDomain::new(DOMAIN)?
        .add(RifeInputOp)?
        .add(RifeMergeOp)?
        .add(super::winograd_op::Conv3x3Op)
}

pub(super) fn err(msg: impl Into<String>) -> ort::Error {
    ort::Error::new(msg.into())
}

/// Input `idx` as float32: its shape and values.
pub(super) fn input_f32<'a>(
    ctx: &'a ComputeContext,
    idx: usize,
    op: &str,
) -> ort::Result<(Vec<i64>, &'a [f32])> {
    let v = ctx
        .input(idx)?
        .ok_or_else(|| err(format!("{op}: input {idx} is missing")))?;
    // The value lives as long as the kernel context; `ValueRef` only borrows it.
    let (shape, data) = v.try_extract_tensor::<f32>()?;
    // SAFETY: `data` points into the OrtValue owned by the kernel context,
    // which outlives this compute call; the ValueRef wrapper does not own it.
    let data = unsafe { std::slice::from_raw_parts(data.as_ptr(), data.len()) };
    Ok((shape.to_vec(), data))
}

/// `[1, C, H, W]` of input `idx`.
fn planes<'a>(ctx: &'a ComputeContext, idx: usize, op: &str) -> ort::Result<Planes<'a>> {
    let (shape, data) = input_f32(ctx, idx, op)?;
    let &[1, c, h, w] = &shape[..] else {
        return Err(err(format!(
            "{op}: input {idx} is {shape:?}, not [1, C, H, W]"
        )));
    };
    Ok(Planes {
        data,
        c: c as usize,
        h: h as usize,
        w: w as usize,
    })
}

pub(super) fn par_rows(ctx: &ComputeContext) -> impl Fn(usize, &(dyn Fn(usize) + Sync)) + '_ {
    move |rows, f| {
        if ctx.par_for(rows, 0, f).is_err() {
            // ParallelFor only fails without a thread pool; run here instead.
            (0..rows).for_each(f);
        }
    }
}

struct RifeInputOp;

struct RifeInputAttrs {
    has_flow: bool,
    warped: usize,
    extras: Vec<Extra>,
    flow_out: bool,
    down: usize,
}

impl Operator for RifeInputOp {
    type Kernel<'attr> = BoxedKernel<'attr>;

    fn name(&self) -> &str {
        "RifeInput"
    }

    fn inputs(&self) -> impl IntoIterator<Item = OperatorInput> {
        [OperatorInput::variadic(1).homogenous(TensorElementType::Float32)]
    }

    fn outputs(&self) -> impl IntoIterator<Item = OperatorOutput> {
        [OperatorOutput::required(TensorElementType::Float32)]
    }

    fn create_kernel<'attr>(&self, k: &KernelContext<'attr>) -> ort::Result<Self::Kernel<'attr>> {
        let int = |n: &str| {
            k.get::<i64>(n)
                .ok_or_else(|| err(format!("RifeInput: attribute `{n}` missing")))
        };
        let extras = k
            .get::<Vec<i64>>("extras")
            .unwrap_or_default()
            .into_iter()
            .map(|u| match u {
                0 => Ok(Extra::Broadcast),
                u if u > 0 => Ok(Extra::Up(u as usize)),
                u => Err(err(format!("RifeInput: extras factor {u}"))),
            })
            .collect::<ort::Result<Vec<_>>>()?;
        let a = RifeInputAttrs {
            has_flow: int("has_flow")? != 0,
            warped: int("warped")? as usize,
            extras,
            flow_out: int("flow_out")? != 0,
            down: int("down")? as usize,
        };
        if a.down == 0 || (a.down != 1 && !a.down.is_multiple_of(2)) || (a.flow_out && !a.has_flow)
        {
            return Err(err(format!(
                "RifeInput: down {} must be 1 or even; flow_out needs a flow",
                a.down
            )));
        }
        Ok(Box::new(move |ctx: &ComputeContext| {
            let n = ctx.num_inputs()?;
            let first = usize::from(a.has_flow);
            if n != first + a.warped + a.extras.len() {
                return Err(err(format!(
                    "RifeInput: {n} inputs, attributes say {}",
                    first + a.warped + a.extras.len()
                )));
            }
            let flow = if a.has_flow {
                Some(planes(ctx, 0, "RifeInput")?)
            } else {
                None
            };
            let warped = (first..first + a.warped)
                .map(|i| planes(ctx, i, "RifeInput"))
                .collect::<ort::Result<Vec<_>>>()?;
            let extras = a
                .extras
                .iter()
                .enumerate()
                .map(|(j, &e)| Ok((planes(ctx, first + a.warped + j, "RifeInput")?, e)))
                .collect::<ort::Result<Vec<_>>>()?;
            let (h, w) = match (&flow, warped.first()) {
                (Some(f), _) | (None, Some(f)) => (f.h, f.w),
                _ => return Err(err("RifeInput: nothing to take the frame size from")),
            };
            if h % a.down != 0 || w % a.down != 0 {
                return Err(err(format!(
                    "RifeInput: {h}x{w} is not a multiple of {}",
                    a.down
                )));
            }
            for p in flow.iter().chain(&warped) {
                if (p.h, p.w) != (h, w) {
                    return Err(err(format!("RifeInput: {}x{} beside {h}x{w}", p.h, p.w)));
                }
            }
            if flow.is_some_and(|f| f.c != 4) {
                return Err(err("RifeInput: the flow must have 4 channels"));
            }
            for (p, e) in &extras {
                let ok = match *e {
                    Extra::Broadcast => p.h == 1 && p.w == 1,
                    Extra::Up(u) => p.h * u == h && p.w * u == w,
                };
                if !ok {
                    return Err(err(format!(
                        "RifeInput: extra {}x{} does not fit {h}x{w} as {e:?}",
                        p.h, p.w
                    )));
                }
            }
            let c = warped.iter().map(|p| p.c).sum::<usize>()
                + extras.iter().map(|(p, _)| p.c).sum::<usize>()
                + if a.flow_out { 4 } else { 0 };
            let (oh, ow) = (h / a.down, w / a.down);
            let mut out = ctx
                .output(0, vec![1i64, c as i64, oh as i64, ow as i64])?
                .ok_or_else(|| err("RifeInput: no output"))?;
            let (_, data) = out.try_extract_tensor_mut::<f32>()?;
            let par = par_rows(ctx);
            rife_input(
                flow,
                &warped,
                &extras,
                a.flow_out,
                (h, w),
                a.down,
                data,
                &par,
            );
            Ok(())
        }))
    }
}

struct RifeMergeOp;

impl Operator for RifeMergeOp {
    type Kernel<'attr> = BoxedKernel<'attr>;

    fn name(&self) -> &str {
        "RifeMerge"
    }

    fn inputs(&self) -> impl IntoIterator<Item = OperatorInput> {
        (0..4).map(|_| OperatorInput::required(TensorElementType::Float32))
    }

    fn outputs(&self) -> impl IntoIterator<Item = OperatorOutput> {
        [
            OperatorOutput::required(TensorElementType::Float32),
            OperatorOutput::required(TensorElementType::Float32),
        ]
    }

    fn create_kernel<'attr>(&self, k: &KernelContext<'attr>) -> ort::Result<Self::Kernel<'attr>> {
        let up = k
            .get::<i64>("up")
            .filter(|&u| u >= 1)
            .ok_or_else(|| err("RifeMerge: attribute `up` (≥ 1) missing"))?
            as usize;
        Ok(Box::new(move |ctx: &ComputeContext| {
            let flow = planes(ctx, 0, "RifeMerge")?;
            let img0 = planes(ctx, 1, "RifeMerge")?;
            let img1 = planes(ctx, 2, "RifeMerge")?;
            let mask = planes(ctx, 3, "RifeMerge")?;
            let (h, w) = (flow.h, flow.w);
            if flow.c != 4
                || (img0.c, img0.h, img0.w) != (img1.c, h, w)
                || (img1.h, img1.w) != (h, w)
                || mask.c != 1
                || (mask.h * up, mask.w * up) != (h, w)
            {
                return Err(err(format!(
                    "RifeMerge: flow {}x{}x{}, images {}x{}x{} and {}x{}x{}, mask {}x{}x{} at up {up} do not fit",
                    flow.c, h, w, img0.c, img0.h, img0.w, img1.c, img1.h, img1.w, mask.c, mask.h, mask.w
                )));
            }
            let dims = |c: usize| vec![1i64, c as i64, h as i64, w as i64];
            let mut out = ctx
                .output(0, dims(img0.c))?
                .ok_or_else(|| err("RifeMerge: no output 0"))?;
            let mut m = ctx
                .output(1, dims(1))?
                .ok_or_else(|| err("RifeMerge: no output 1"))?;
            let (_, out) = out.try_extract_tensor_mut::<f32>()?;
            let (_, m) = m.try_extract_tensor_mut::<f32>()?;
            let par = par_rows(ctx);
            rife_merge(flow, img0, img1, mask, up, out, m, &par);
            Ok(())
        }))
    }
}
