//! Classical optical-flow frame interpolation: tween's default interpolator,
//! no weights.
//!
//! [`FlowInterpolator::prepare`] converts both frames once to grayscale `f32`
//! pyramids at a reduced finest scale and computes dense optical flow in both
//! directions with DIS (Kroeger et al., "Fast Optical Flow using Dense Inverse
//! Search", ECCV 2016: patch inverse search, densification, variational
//! refinement, coarse to fine), sharpens the motion boundaries (each pixel near
//! one may take a neighbour's flow that matches the frames better and that the
//! other direction's flow confirms), plus a forward/backward consistency map.
//! [`PreparedPair::render`] splats the flows to time t, decides per pixel which
//! frame shows it, and backward-warps and blends both frames at full
//! resolution; where the two warped frames still disagree (the flow is
//! unreliable there) it mixes the result smoothly toward a blurred copy.
//!
//! ```
//! use tween_core::{Frame, Interpolator};
//! use tween_flow::{FlowConfig, FlowInterpolator};
//!
//! let a = Frame::from_u8(64, 48, vec![10; 64 * 48 * 3]);
//! let b = Frame::from_u8(64, 48, vec![30; 64 * 48 * 3]);
//! let interp = FlowInterpolator::new(FlowConfig::fast()).unwrap();
//! let mid = interp.prepare(&a, &b).unwrap().render(0.5).unwrap();
//! assert_eq!(mid.width(), 64);
//! ```

mod config;
mod densify;
mod dis;
mod field;
mod occlusion;
mod patch_search;
mod pyramid;
mod sharpen;
mod simd;
mod soften;
mod time_flow;
mod variational;
mod warp;

pub use config::{FlowConfig, FlowError};
pub use field::FlowField;

use dis::{compute_flow, plan_levels, LevelPlan};
use field::Plane;
use pyramid::{luma_at_scale, match_photometry, Pyramid};
use simd::Kernel;
use tween_core::interpolate::check_pair;
use tween_core::{Frame, InterpolateError, Interpolator, Pixels, PreparedPair, Timesteps};

/// The DIS optical-flow interpolator.
#[derive(Debug, Clone)]
pub struct FlowInterpolator {
    config: FlowConfig,
    kernel: Kernel,
}

impl Default for FlowInterpolator {
    fn default() -> Self {
        FlowInterpolator::new(FlowConfig::default()).expect("the default preset is valid")
    }
}

impl FlowInterpolator {
    /// An interpolator with checked settings.
    pub fn new(config: FlowConfig) -> Result<Self, FlowError> {
        config.validate()?;
        let kernel = Kernel::detect(config.simd);
        Ok(FlowInterpolator { config, kernel })
    }

    pub fn config(&self) -> &FlowConfig {
        &self.config
    }

    /// Dense flow from `a` to `b` at full resolution, in pixels (for
    /// inspection and evaluation; interpolation does not need it).
    pub fn flow(&self, a: &Frame, b: &Frame) -> Result<FlowField, InterpolateError> {
        check_pair(a, b)?;
        let (w, h) = (a.width() as usize, a.height() as usize);
        match self.flows(a, b) {
            Some(f) => Ok(f.f01.resized(w, h, (1u32 << f.plan.shift) as f32)),
            None => Ok(FlowField::zeros(w, h)),
        }
    }

    fn flows(&self, a: &Frame, b: &Frame) -> Option<Flows> {
        let plan = plan_levels(a.width() as usize, a.height() as usize, &self.config)?;
        let (g0, mut g1) = rayon::join(
            || luma_at_scale(a, plan.shift),
            || luma_at_scale(b, plan.shift),
        );
        match_photometry(&g0, &mut g1);
        let (p0, p1) = rayon::join(
            || Pyramid::build(g0, plan.levels),
            || Pyramid::build(g1, plan.levels),
        );
        let cfg = &self.config;
        let (f01, f10) = rayon::join(
            || compute_flow(&p0, &p1, cfg, self.kernel),
            || compute_flow(&p1, &p0, cfg, self.kernel),
        );
        let (f01, f10) = rayon::join(
            || sharpen::sharpen(&f01, &f10, &p0.levels[0].img, &p1.levels[0].img),
            || sharpen::sharpen(&f10, &f01, &p1.levels[0].img, &p0.levels[0].img),
        );
        let (c0, c1) = rayon::join(
            || occlusion::consistency(&f01, &f10),
            || occlusion::consistency(&f10, &f01),
        );
        let (f01, f10) = rayon::join(
            || occlusion::fill_occluded(&f01, &c0, &p0.levels[0].img),
            || occlusion::fill_occluded(&f10, &c1, &p1.levels[0].img),
        );
        let (g0, g1) = (p0.levels[0].img.clone(), p1.levels[0].img.clone());
        Some(Flows {
            plan,
            f01,
            f10,
            c0,
            c1,
            g0,
            g1,
        })
    }
}

/// Both flows of a pair at the flow resolution and their consistencies.
struct Flows {
    plan: LevelPlan,
    f01: FlowField,
    f10: FlowField,
    c0: Plane,
    c1: Plane,
    /// Luma of both frames at the flow resolution (photometry matched).
    g0: Plane,
    g1: Plane,
}

struct FlowPair<'a> {
    kernel: Kernel,
    soften: bool,
    a: &'a Frame,
    b: &'a Frame,
    /// `None` for frames smaller than a patch: those are blended.
    flows: Option<Flows>,
}

impl Interpolator for FlowInterpolator {
    fn name(&self) -> &str {
        "dis-flow"
    }

    fn timesteps(&self) -> Timesteps {
        Timesteps::Any
    }

    fn prepare<'a>(
        &'a self,
        a: &'a Frame,
        b: &'a Frame,
    ) -> Result<Box<dyn PreparedPair + 'a>, InterpolateError> {
        check_pair(a, b)?;
        Ok(Box::new(FlowPair {
            kernel: self.kernel,
            soften: self.config.soften,
            a,
            b,
            flows: self.flows(a, b),
        }))
    }
}

impl PreparedPair for FlowPair<'_> {
    fn render(&self, t: f64) -> Result<Frame, InterpolateError> {
        if !(t > 0.0 && t < 1.0) {
            return Err(InterpolateError::BadTimestep { t });
        }
        let Some(f) = &self.flows else {
            return Ok(self.a.blend(self.b, t as f32));
        };
        let t = t as f32;
        let tf = time_flow::at_time(&f.f01, &f.c0, &f.f10, &f.c1, t);
        let (w, h) = (self.a.width(), self.a.height());
        let (wu, hu) = (w as usize, h as usize);
        let shift = f.plan.shift;
        let soft = self.soften.then(|| soften::weight(&f.g0, &f.g1, &tf, t));
        Ok(match (self.a.pixels(), self.b.pixels()) {
            (Pixels::U8(pa), Pixels::U8(pb)) => {
                let mut out = warp::render(pa, pb, wu, hu, &tf, shift, t, self.kernel);
                if let Some(wt) = &soft {
                    soften::apply(&mut out, wu, hu, wt, shift);
                }
                Frame::from_u8(w, h, out)
            }
            (Pixels::U16(pa), Pixels::U16(pb)) => {
                let mut out = warp::render(pa, pb, wu, hu, &tf, shift, t, self.kernel);
                if let Some(wt) = &soft {
                    soften::apply(&mut out, wu, hu, wt, shift);
                }
                Frame::from_u16(w, h, out)
            }
            _ => unreachable!("check_pair compared the sample depths"),
        })
    }
}
