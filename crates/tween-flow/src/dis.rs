//! The coarse-to-fine driver of DIS (Kroeger et al. 2016): at each pyramid
//! level, from the coarsest, the flow of the level above (upsampled) seeds the
//! patch inverse search, the patch flows are densified, and the dense flow is
//! refined variationally. Also decides how many levels a frame size gets.

use crate::config::FlowConfig;
use crate::densify::densify;
use crate::field::FlowField;
use crate::patch_search::{search, PatchGrid};
use crate::pyramid::Pyramid;
use crate::simd::Kernel;
use crate::variational::{refine, RefineParams};

/// Longer side, in pixels, below which the flow grid is not made coarser
/// than the frame by `finest_scale`.
pub const MIN_FLOW_SIZE: usize = 256;

/// Where flow is computed for a frame size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelPlan {
    /// The finest flow level is 1/2^shift of the frame.
    pub shift: u32,
    /// Number of pyramid levels, finest included.
    pub levels: usize,
}

/// The levels for a `w`×`h` frame, or `None` when the frame is smaller than
/// one patch (then there is no motion to find and the pair is blended).
pub fn plan_levels(w: usize, h: usize, cfg: &FlowConfig) -> Option<LevelPlan> {
    let p = cfg.patch_size;
    let dims = |s: u32| (w.div_ceil(1 << s), h.div_ceil(1 << s));
    // Small frames get a finer flow grid: its longer side stays >= MIN_FLOW_SIZE.
    let mut shift = cfg.finest_scale;
    while shift > 0 && w.max(h).div_ceil(1 << shift) < MIN_FLOW_SIZE {
        shift -= 1;
    }
    while {
        let (fw, fh) = dims(shift);
        fw < p || fh < p
    } {
        if shift == 0 {
            return None;
        }
        shift -= 1;
    }
    let (mut cw, mut ch) = dims(shift);
    let mut levels = 1;
    // Coarsen while the next level still holds a couple of patches each way.
    while cw.div_ceil(2).min(ch.div_ceil(2)) >= 2 * p {
        cw = cw.div_ceil(2);
        ch = ch.div_ceil(2);
        levels += 1;
    }
    Some(LevelPlan { shift, levels })
}

/// Dense flow from the finest level of `p0` to that of `p1`, in pixels of
/// that level.
pub fn compute_flow(p0: &Pyramid, p1: &Pyramid, cfg: &FlowConfig, kernel: Kernel) -> FlowField {
    let n = p0.levels.len();
    let top = &p0.levels[n - 1].img;
    let mut flow = FlowField::zeros(top.w, top.h);
    let prm = RefineParams {
        fixed_point: cfg.refine_iterations,
        sor: cfg.sor_iterations,
        alpha: cfg.smoothness,
        gamma: cfg.gradient_weight,
        delta: cfg.brightness_weight,
    };
    for lvl in (0..n).rev() {
        let (l0, l1) = (&p0.levels[lvl], &p1.levels[lvl]);
        let (w, h) = (l0.img.w, l0.img.h);
        if flow.w != w || flow.h != h {
            flow = flow.resized(w, h, 2.0);
        }
        let grid = PatchGrid::new(w, h, cfg.patch_size, cfg.patch_stride);
        let patches = search(l0, l1, &flow, &grid, cfg.search_iterations, kernel);
        flow = densify(l0, l1, &grid, &patches);
        refine(&l0.img, &l1.img, &mut flow, &prm);
        flow.sanitize();
    }
    flow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_for_common_and_tiny_sizes() {
        let c = FlowConfig::default();
        assert_eq!(
            plan_levels(1280, 720, &c),
            Some(LevelPlan {
                shift: 2,
                levels: 4
            })
        );
        assert_eq!(
            plan_levels(640, 360, &c),
            Some(LevelPlan {
                shift: 1,
                levels: 4
            })
        );
        assert_eq!(
            plan_levels(256, 192, &c),
            Some(LevelPlan {
                shift: 0,
                levels: 4
            })
        );
        assert_eq!(
            plan_levels(33, 17, &c),
            Some(LevelPlan {
                shift: 0,
                levels: 1
            })
        );
        assert_eq!(plan_levels(7, 5, &c), None);
        assert_eq!(plan_levels(1, 1, &c), None);
    }
}
