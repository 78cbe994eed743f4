//! [`NeuralUpscaler`]: a Real-ESRGAN network behind `tween_core::Upscaler`,
//! running `RealESRGANer.enhance` ([`super::enhance`]) per frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tween_core::{Frame, UpscaleError, Upscaler};

use super::dni::dni;
use super::enhance::{enhance, F32Sink, FrameSink};
use super::models::SrModel;
use super::tile::Geometry;
use crate::engine::{Device, Runtime, SessionConfig};
use crate::error::NnError;
use crate::model::sr::SrNet;
use crate::state_dict::{load_verified, StateDict};

/// Resizes a frame to `(width, height)`, keeping its sample depth: the hook
/// for an output scale other than the network's (Real-ESRGAN uses cv2
/// LANCZOS4 there), e.g. `tween_core::resample::resize`.
pub type Resizer = Arc<dyn Fn(&Frame, u32, u32) -> Result<Frame, String> + Send + Sync>;

/// How a [`NeuralUpscaler`] runs. The defaults are `inference_realesrgan.py`'s
/// (`--tile 0 --tile_pad 10 --pre_pad 0`, output scale = the net's).
#[derive(Clone)]
pub struct UpscaleOptions {
    /// Tile size in input pixels; 0 runs the whole frame at once. With
    /// tiles, memory no longer grows with the frame beyond the frames
    /// themselves.
    pub tile: usize,
    /// Context added around every tile (then cut from its output).
    pub tile_pad: usize,
    /// Reflect rows/columns added at the bottom/right before the net.
    pub pre_pad: usize,
    /// ONNX Runtime intra-op threads; `None` means every core.
    pub threads: Option<usize>,
    /// CPU, or CUDA (with the `cuda` feature).
    pub device: Device,
    /// The output scale; `None` is the network's. Another scale needs `resize`.
    pub scale: Option<u32>,
    /// Resizes the network's output to `scale` (see [`Resizer`]).
    pub resize: Option<Resizer>,
    /// realesr-general-x4v3 only: denoise strength `s` in [0, 1]; the
    /// weights become `s · x4v3 + (1 − s) · wdn` (`--denoise_strength`; 1
    /// is the plain model and needs no twin).
    pub denoise: Option<f64>,
    /// The `-wdn-` twin's weights; by default the weight file's name with
    /// `realesr-general-x4v3` replaced by `realesr-general-wdn-x4v3`.
    pub denoise_weights: Option<PathBuf>,
}

impl Default for UpscaleOptions {
    fn default() -> Self {
        UpscaleOptions {
            tile: 0,
            tile_pad: 10,
            pre_pad: 0,
            threads: None,
            device: Device::Cpu,
            scale: None,
            resize: None,
            denoise: None,
            denoise_weights: None,
        }
    }
}

impl std::fmt::Debug for UpscaleOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpscaleOptions")
            .field("tile", &self.tile)
            .field("tile_pad", &self.tile_pad)
            .field("pre_pad", &self.pre_pad)
            .field("threads", &self.threads)
            .field("device", &self.device)
            .field("scale", &self.scale)
            .field("resize", &self.resize.is_some())
            .field("denoise", &self.denoise)
            .field("denoise_weights", &self.denoise_weights)
            .finish()
    }
}

/// A Real-ESRGAN network as an upscaler. Keeps no state between frames;
/// one instance serves a whole video and is shared between threads (runs of
/// its single session are serialised).
pub struct NeuralUpscaler {
    name: String,
    net: SrNet,
    tile: usize,
    tile_pad: usize,
    pre_pad: usize,
    scale: u32,
    resize: Option<Resizer>,
}

impl std::fmt::Debug for NeuralUpscaler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NeuralUpscaler")
            .field("name", &self.name)
            .field("net", &self.net.describe())
            .field("tile", &self.tile)
            .field("tile_pad", &self.tile_pad)
            .field("pre_pad", &self.pre_pad)
            .field("scale", &self.scale)
            .finish()
    }
}

impl NeuralUpscaler {
    /// Loads `weights`, checks they hold the network `model` names (see
    /// [`SrModel::parse`]; `any` takes whatever RRDBNet/SRVGGNetCompact
    /// they hold), applies the denoise blend if asked, and builds the
    /// session. Every bad combination is an error before any frame runs.
    pub fn from_file(
        model: &str,
        weights: &Path,
        runtime: &Runtime,
        options: UpscaleOptions,
    ) -> Result<Self, NnError> {
        let kind = SrModel::parse(model)?;
        // The network is checked on the declared keys and shapes, before any
        // tensor data is read.
        let (sd, arch) = load_verified(weights, |declared| kind.check(weights, declared))?;
        let sd = match options.denoise {
            Some(s) if s != 1.0 => {
                if kind != SrModel::GeneralX4v3 {
                    return Err(NnError::BadUpscaleOptions {
                        model: kind.name().into(),
                        reason: "denoise strength needs realesr-general-x4v3 (blended with realesr-general-wdn-x4v3)".into(),
                    });
                }
                let twin = match &options.denoise_weights {
                    Some(p) => p.clone(),
                    None => wdn_path(weights).ok_or_else(|| NnError::BadUpscaleOptions {
                        model: kind.name().into(),
                        reason: format!(
                            "{}: cannot derive the realesr-general-wdn-x4v3 file name from it; give the denoise weights",
                            weights.display()
                        ),
                    })?,
                };
                let (twin_sd, _) = load_verified(&twin, |declared| {
                    SrModel::GeneralX4v3.check(&twin, declared)
                })?;
                dni(&sd, &twin_sd, s)?
            }
            _ => sd,
        };
        let name = match kind {
            SrModel::Any => arch.short_name(),
            k => k.name().to_string(),
        };
        Self::from_state_dict(&name, &arch, &sd, runtime, options)
    }

    /// The same from weights already loaded and checked against `arch`.
    pub fn from_state_dict(
        name: &str,
        arch: &crate::detect::Architecture,
        weights: &StateDict,
        runtime: &Runtime,
        options: UpscaleOptions,
    ) -> Result<Self, NnError> {
        let session = SessionConfig {
            device: options.device,
            intra_threads: options.threads,
        };
        let net = SrNet::load(arch, weights, runtime, session)?;
        Self::new(name, net, options)
    }

    /// Wraps a loaded network, checking the options against it.
    pub fn new(name: &str, net: SrNet, options: UpscaleOptions) -> Result<Self, NnError> {
        let bad = |reason: String| NnError::BadUpscaleOptions {
            model: name.into(),
            reason,
        };
        let (tile, tile_pad) = (options.tile, options.tile_pad);
        if tile > 0 && tile < tile_pad {
            return Err(bad(format!(
                "tile {tile} is smaller than its padding (tile_pad {tile_pad})"
            )));
        }
        let m = net.multiple();
        if tile > 0 && (tile % m != 0 || tile_pad % m != 0) {
            return Err(bad(format!(
                "{} pixel-unshuffles by {m}: tile ({tile}) and tile_pad ({tile_pad}) must be multiples of {m}",
                net.describe()
            )));
        }
        let net_scale = net.scale() as u32;
        let scale = options.scale.unwrap_or(net_scale);
        if scale == 0 || scale > 16 {
            return Err(bad(format!("output scale {scale} is outside 1..=16")));
        }
        if scale != net_scale && options.resize.is_none() {
            return Err(bad(format!(
                "the network upscales ×{net_scale}; ×{scale} needs a resize after it, and none was given"
            )));
        }
        Ok(NeuralUpscaler {
            name: name.into(),
            net,
            tile,
            tile_pad,
            pre_pad: options.pre_pad,
            scale,
            resize: options.resize,
        })
    }

    /// The network.
    pub fn net(&self) -> &SrNet {
        &self.net
    }

    /// `post_process()`'s float output, unclamped, planar `[3, H·s, W·s]`
    /// at the network's scale (before any resize): for checks against the
    /// reference.
    pub fn enhance_f32(&self, frame: &Frame) -> Result<F32Sink, NnError> {
        let geo = self.geometry(frame);
        let mut sink = F32Sink::new(&geo);
        enhance(
            &self.net,
            frame,
            self.pre_pad,
            self.tile,
            self.tile_pad,
            &mut sink,
        )?;
        Ok(sink)
    }

    fn geometry(&self, frame: &Frame) -> Geometry {
        Geometry::new(
            frame.height() as usize,
            frame.width() as usize,
            self.pre_pad,
            self.net.scale(),
        )
    }
}

/// `…realesr-general-x4v3…` → `…realesr-general-wdn-x4v3…` in the file name,
/// as `inference_realesrgan.py` finds the twin.
fn wdn_path(p: &Path) -> Option<PathBuf> {
    let name = p.file_name()?.to_str()?;
    name.contains("realesr-general-x4v3")
        .then(|| p.with_file_name(name.replace("realesr-general-x4v3", "realesr-general-wdn-x4v3")))
}

impl Upscaler for NeuralUpscaler {
    fn name(&self) -> &str {
        &self.name
    }

    fn scale(&self) -> u32 {
        self.scale
    }

    fn upscale(&self, frame: &Frame) -> Result<Frame, UpscaleError> {
        let (w, h) = (frame.width(), frame.height());
        let bad = |reason: &str| UpscaleError::BadFrame {
            width: w,
            height: h,
            reason: reason.into(),
        };
        if w == 0 || h == 0 {
            return Err(bad("the frame is empty"));
        }
        let big = u64::from(w.max(h)) * u64::from(self.scale.max(self.net.scale() as u32));
        if big > 1 << 16 {
            return Err(bad("the output would be over 65536 pixels on a side"));
        }
        let geo = self.geometry(frame);
        let mut sink = FrameSink::new(&geo, frame.is_high_depth());
        enhance(
            &self.net,
            frame,
            self.pre_pad,
            self.tile,
            self.tile_pad,
            &mut sink,
        )
        .map_err(|e| UpscaleError::Backend(format!("{}: {e}", self.name)))?;
        let out = sink.into_frame();
        if self.scale == self.net.scale() as u32 {
            return Ok(out);
        }
        let resize = self.resize.as_ref().expect("checked in new()");
        resize(&out, w * self.scale, h * self.scale)
            .map_err(|e| UpscaleError::Backend(format!("{}: resize: {e}", self.name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wdn_twin_is_found_by_name() {
        assert_eq!(
            wdn_path(Path::new("/m/realesr-general-x4v3.pth")).unwrap(),
            Path::new("/m/realesr-general-wdn-x4v3.pth")
        );
        assert!(wdn_path(Path::new("/m/other.pth")).is_none());
    }
}
