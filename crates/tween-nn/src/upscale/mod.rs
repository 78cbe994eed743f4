//! Real-ESRGAN upscaling (Wang et al., "Real-ESRGAN: Training Real-World
//! Blind Super-Resolution with Pure Synthetic Data", ICCVW 2021): the
//! networks of [`crate::model::rrdbnet`] and [`crate::model::srvgg`] run the
//! way `RealESRGANer.enhance` runs them: reflect `pre_pad`, the mod pad for
//! net scales 2 and 1, tiles with `tile_pad` context ([`tile`]), the pads
//! cropped again, clamp and round half-to-even ([`enhance`]); the denoise
//! blend of realesr-general-x4v3 ([`dni`]); model names and the check of
//! weights against them ([`models`]); and [`NeuralUpscaler`], all of it
//! behind `tween_core::Upscaler`.
//!
//! ```no_run
//! use tween_core::Upscaler;
//! use tween_nn::engine::{Runtime, RuntimeConfig};
//! use tween_nn::upscale::{NeuralUpscaler, UpscaleOptions};
//!
//! let rt = Runtime::load(&RuntimeConfig::default())?;
//! let opts = UpscaleOptions { tile: 256, threads: Some(2), ..UpscaleOptions::default() };
//! let up = NeuralUpscaler::from_file(
//!     "realesr-animevideov3",
//!     std::path::Path::new("realesr-animevideov3.pth"),
//!     &rt,
//!     opts,
//! )?;
//! let frame = tween_core::Frame::from_u8(64, 36, vec![128; 64 * 36 * 3]);
//! let big = up.upscale(&frame).unwrap();
//! assert_eq!((big.width(), big.height()), (256, 144));
//! # Ok::<(), tween_nn::NnError>(())
//! ```

pub mod dni;
pub mod enhance;
pub mod models;
pub mod tile;
mod upscaler;

pub use models::SrModel;
pub use upscaler::{NeuralUpscaler, Resizer, UpscaleOptions};
