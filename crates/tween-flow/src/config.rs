//! Settings of the flow interpolator, with named presets in the manner of the
//! DIS presets (Kroeger et al. 2016; OpenCV's ultrafast/fast/medium), and the
//! typed error for settings that cannot work.

/// How the optical flow is computed. Start from a preset and change fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowConfig {
    /// Flow is computed at 1/2^`finest_scale` of the frame size (2: a quarter)
    /// and upsampled; warping and blending always run at full resolution.
    pub finest_scale: u32,
    /// Side of the square patches of the inverse search (a multiple of 8 uses
    /// the SIMD kernel). 4..=32.
    pub patch_size: usize,
    /// Distance between patch origins; smaller is denser and slower. 1..=patch_size.
    pub patch_stride: usize,
    /// Gauss-Newton iterations per patch (stops early once converged).
    pub search_iterations: usize,
    /// Outer (fixed-point) iterations of the variational refinement per level; 0 skips it.
    pub refine_iterations: usize,
    /// Inner SOR sweeps per outer iteration.
    pub sor_iterations: usize,
    /// Weight of the smoothness term of the refinement.
    pub smoothness: f32,
    /// Weight of the brightness-constancy term of the refinement.
    pub brightness_weight: f32,
    /// Weight of the gradient-constancy term of the refinement.
    pub gradient_weight: f32,
    /// Use the SIMD kernels where the CPU has them (false: plain code only).
    pub simd: bool,
    /// Soften the output where the two frames disagree after warping (the
    /// flow is unreliable there): a smooth mix toward a blurred copy instead
    /// of misplaced sharp fragments.
    pub soften: bool,
}

impl Default for FlowConfig {
    /// Balanced preset: quarter-resolution flow, dense patches, refined.
    fn default() -> Self {
        FlowConfig {
            finest_scale: 2,
            patch_size: 8,
            patch_stride: 4,
            search_iterations: 16,
            refine_iterations: 1,
            sor_iterations: 5,
            smoothness: 20.0,
            brightness_weight: 5.0,
            gradient_weight: 10.0,
            simd: true,
            soften: true,
        }
    }
}

impl FlowConfig {
    /// Fastest preset: sparser patches, fewer iterations, no refinement.
    pub fn fast() -> Self {
        FlowConfig {
            patch_stride: 6,
            search_iterations: 12,
            refine_iterations: 0,
            ..FlowConfig::default()
        }
    }

    /// Best quality: half-resolution flow, more refinement.
    pub fn quality() -> Self {
        FlowConfig {
            finest_scale: 1,
            search_iterations: 25,
            refine_iterations: 2,
            ..FlowConfig::default()
        }
    }

    /// Checks that the settings can work.
    pub fn validate(&self) -> Result<(), FlowError> {
        let bad = |field: &'static str, value: String, expected: &'static str| {
            Err(FlowError::InvalidConfig {
                field,
                value,
                expected,
            })
        };
        if self.finest_scale > 6 {
            return bad("finest_scale", self.finest_scale.to_string(), "0..=6");
        }
        if !(4..=crate::simd::MAX_PATCH).contains(&self.patch_size) {
            return bad("patch_size", self.patch_size.to_string(), "4..=32");
        }
        if self.patch_stride == 0 || self.patch_stride > self.patch_size {
            return bad(
                "patch_stride",
                self.patch_stride.to_string(),
                "1..=patch_size",
            );
        }
        if self.search_iterations == 0 || self.search_iterations > 1000 {
            return bad(
                "search_iterations",
                self.search_iterations.to_string(),
                "1..=1000",
            );
        }
        if self.refine_iterations > 100 || self.sor_iterations > 100 {
            return bad(
                "refine_iterations/sor_iterations",
                "over 100".into(),
                "0..=100",
            );
        }
        for (field, v) in [
            ("smoothness", self.smoothness),
            ("brightness_weight", self.brightness_weight),
            ("gradient_weight", self.gradient_weight),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(field, v.to_string(), "a finite value >= 0");
            }
        }
        Ok(())
    }
}

/// Errors of this crate's own API (interpolation itself reports
/// [`tween_core::InterpolateError`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    #[error("invalid flow setting {field} = {value}: expected {expected}")]
    InvalidConfig {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        for c in [
            FlowConfig::default(),
            FlowConfig::fast(),
            FlowConfig::quality(),
        ] {
            c.validate().unwrap();
        }
    }

    #[test]
    fn bad_stride_is_a_typed_error() {
        let c = FlowConfig {
            patch_stride: 0,
            ..FlowConfig::default()
        };
        assert!(matches!(
            c.validate(),
            Err(FlowError::InvalidConfig {
                field: "patch_stride",
                ..
            })
        ));
    }
}
