//! The Real-ESRGAN model names an upscaler answers to, the network each
//! implies, and the check of a weight file against the name.

use std::path::Path;

use crate::arch::{rrdbnet, srvgg};
use crate::detect::{detect_strict, Architecture};
use crate::error::NnError;
use crate::state_dict::StateDict;

/// A released Real-ESRGAN model (by its official name), or any SR weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SrModel {
    /// `RealESRGAN_x4plus`: RRDBNet, 23 blocks, ×4.
    X4plus,
    /// `RealESRGAN_x2plus`: RRDBNet, 23 blocks, pixel-unshuffle 2, ×2.
    X2plus,
    /// `RealESRGAN_x4plus_anime_6B`: RRDBNet, 6 blocks, ×4.
    X4plusAnime6B,
    /// `realesr-general-x4v3`: SRVGGNetCompact, 32 convs, ×4 (denoise blend
    /// with its `realesr-general-wdn-x4v3` twin).
    GeneralX4v3,
    /// `realesr-animevideov3`: SRVGGNetCompact, 16 convs, ×4.
    AnimeVideoV3,
    /// Whatever RRDBNet or SRVGGNetCompact the weights hold (`any`).
    Any,
}

impl SrModel {
    /// Every name [`SrModel::parse`] accepts (`auto` is also `any`).
    pub const NAMES: [&'static str; 6] = [
        "RealESRGAN_x4plus",
        "RealESRGAN_x2plus",
        "RealESRGAN_x4plus_anime_6B",
        "realesr-general-x4v3",
        "realesr-animevideov3",
        "any",
    ];

    /// The model called `name` (the official names, case-insensitive).
    pub fn parse(name: &str) -> Result<Self, NnError> {
        let all = [
            SrModel::X4plus,
            SrModel::X2plus,
            SrModel::X4plusAnime6B,
            SrModel::GeneralX4v3,
            SrModel::AnimeVideoV3,
            SrModel::Any,
        ];
        if name.eq_ignore_ascii_case("auto") {
            return Ok(SrModel::Any);
        }
        all.into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| NnError::UnknownModel {
                name: name.into(),
                known: Self::NAMES.to_vec(),
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            SrModel::X4plus => Self::NAMES[0],
            SrModel::X2plus => Self::NAMES[1],
            SrModel::X4plusAnime6B => Self::NAMES[2],
            SrModel::GeneralX4v3 => Self::NAMES[3],
            SrModel::AnimeVideoV3 => Self::NAMES[4],
            SrModel::Any => Self::NAMES[5],
        }
    }

    /// The network this name stands for; `None` for [`SrModel::Any`].
    pub fn architecture(self) -> Option<Architecture> {
        Some(match self {
            SrModel::X4plus => Architecture::Rrdbnet(rrdbnet::Config::x4plus()),
            SrModel::X2plus => Architecture::Rrdbnet(rrdbnet::Config::x2plus()),
            SrModel::X4plusAnime6B => Architecture::Rrdbnet(rrdbnet::Config::x4plus_anime_6b()),
            SrModel::GeneralX4v3 => Architecture::Srvgg(srvgg::Config::general_x4v3()),
            SrModel::AnimeVideoV3 => Architecture::Srvgg(srvgg::Config::animevideov3()),
            SrModel::Any => return None,
        })
    }

    /// Detects the network in `sd` (read from `path`) and holds it to this
    /// name: the exact preset for a named model, any RRDBNet or
    /// SRVGGNetCompact for [`SrModel::Any`]. Anything else is
    /// [`NnError::WrongArchitecture`] naming the file.
    pub fn check(self, path: &Path, sd: &StateDict) -> Result<Architecture, NnError> {
        let wrong = |found: String| NnError::WrongArchitecture {
            path: path.to_path_buf(),
            model: self.name().into(),
            expected: self.architecture().map_or_else(
                || "an RRDBNet or SRVGGNetCompact network".into(),
                |a| a.describe(),
            ),
            found,
        };
        let found = detect_strict(sd).map_err(|e| wrong(format!("no network it knows ({e})")))?;
        match self.architecture() {
            Some(want) if want != found => Err(wrong(found.describe())),
            None if !matches!(found, Architecture::Rrdbnet(_) | Architecture::Srvgg(_)) => {
                Err(wrong(found.describe()))
            }
            _ => Ok(found),
        }
    }
}

impl std::fmt::Display for SrModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known_ones() {
        for n in SrModel::NAMES {
            assert_eq!(SrModel::parse(n).unwrap().name(), n);
        }
        assert_eq!(SrModel::parse("AUTO").unwrap(), SrModel::Any);
        let e = SrModel::parse("esrgan-x8").unwrap_err().to_string();
        assert!(
            e.contains("esrgan-x8") && e.contains("realesr-animevideov3"),
            "{e}"
        );
    }
}
