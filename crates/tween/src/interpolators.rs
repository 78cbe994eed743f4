//! Which interpolator a `--model` name means.

use anyhow::{bail, Result};
use tween_core::{Blend, Interpolator};

/// The interpolators this build knows, for help and error messages.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "classical",
        "optical flow (DIS-style, occlusion-aware), the default; needs no weights",
    ),
    (
        "blend",
        "cross-fade of the two frames; fast, ghosts on motion",
    ),
];

/// Builds the interpolator for `name`.
pub fn by_name(name: &str) -> Result<Box<dyn Interpolator>> {
    match name {
        "classical" | "flow" | "dis" => Ok(Box::new(tween_flow::FlowInterpolator::default())),
        "blend" => Ok(Box::new(Blend)),
        other => {
            let list: Vec<String> = KNOWN.iter().map(|(n, d)| format!("  {n}: {d}")).collect();
            bail!(
                "unknown model '{other}'; this build has:\n{}",
                list.join("\n")
            )
        }
    }
}
