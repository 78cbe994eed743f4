//! RRDBNet (Wang et al., "ESRGAN", ECCVW 2018; Real-ESRGAN, ICCVW 2021;
//! BasicSR `rrdbnet_arch.py`): residual-in-residual dense blocks.
//!
//! Scale 2 and 1 pixel-unshuffle the input first (×4 / ×16 channels), so the
//! scale is read from `conv_first`'s input channels.

use serde::{Deserialize, Serialize};

use super::{conv, dim, indices, KeyList};
use crate::error::NnError;
use crate::state_dict::StateDict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub num_in_ch: usize,
    pub num_out_ch: usize,
    pub num_feat: usize,
    pub num_block: usize,
    pub num_grow_ch: usize,
    /// Network scale: 4, 2 (pixel-unshuffle 2) or 1 (pixel-unshuffle 4).
    pub scale: usize,
}

impl Config {
    fn base(num_block: usize, scale: usize) -> Self {
        Config {
            num_in_ch: 3,
            num_out_ch: 3,
            num_feat: 64,
            num_block,
            num_grow_ch: 32,
            scale,
        }
    }
    /// RealESRGAN_x4plus (and ESRGAN x4): 23 blocks.
    pub fn x4plus() -> Self {
        Self::base(23, 4)
    }
    /// RealESRGAN_x2plus: 23 blocks, pixel-unshuffle 2.
    pub fn x2plus() -> Self {
        Self::base(23, 2)
    }
    /// RealESRGAN_x4plus_anime_6B: 6 blocks.
    pub fn x4plus_anime_6b() -> Self {
        Self::base(6, 4)
    }

    pub fn preset(&self) -> Option<&'static str> {
        [
            ("x4plus", Self::x4plus()),
            ("x2plus", Self::x2plus()),
            ("x4plus_anime_6B", Self::x4plus_anime_6b()),
        ]
        .into_iter()
        .find(|(_, c)| c == self)
        .map(|(n, _)| n)
    }

    /// Input channels of `conv_first` after the pixel-unshuffle.
    fn first_in(&self) -> usize {
        match self.scale {
            2 => self.num_in_ch * 4,
            1 => self.num_in_ch * 16,
            _ => self.num_in_ch,
        }
    }

    pub fn expected_keys(&self) -> KeyList {
        let (nf, gc) = (self.num_feat, self.num_grow_ch);
        let mut keys = KeyList::new();
        conv(&mut keys, "conv_first", nf, self.first_in(), 3);
        for b in 0..self.num_block {
            for r in 1..=3 {
                for c in 1..=4 {
                    conv(
                        &mut keys,
                        &format!("body.{b}.rdb{r}.conv{c}"),
                        gc,
                        nf + (c - 1) * gc,
                        3,
                    );
                }
                conv(
                    &mut keys,
                    &format!("body.{b}.rdb{r}.conv5"),
                    nf,
                    nf + 4 * gc,
                    3,
                );
            }
        }
        for name in ["conv_body", "conv_up1", "conv_up2", "conv_hr"] {
            conv(&mut keys, name, nf, nf, 3);
        }
        conv(&mut keys, "conv_last", self.num_out_ch, nf, 3);
        keys
    }

    pub fn from_state_dict(sd: &StateDict) -> Result<Self, NnError> {
        let fail = |reason: String| NnError::UnknownArchitecture {
            reason,
            sample_keys: sd.keys().take(5).map(str::to_string).collect(),
        };
        let ids = indices(sd, "body.");
        if ids.is_empty() || ids != (0..ids.len()).collect::<Vec<_>>() {
            return Err(fail(format!(
                "RRDB body blocks are not numbered 0..n: {ids:?}"
            )));
        }
        let (Some(num_feat), Some(first_in), Some(num_grow_ch), Some(num_out_ch)) = (
            dim(sd, "conv_first.weight", 0),
            dim(sd, "conv_first.weight", 1),
            dim(sd, "body.0.rdb1.conv1.weight", 0),
            dim(sd, "conv_last.weight", 0),
        ) else {
            return Err(fail(
                "RRDBNet needs conv_first, body.0.rdb1.conv1 and conv_last weights".into(),
            ));
        };
        let (scale, num_in_ch) = if first_in == num_out_ch {
            (4, first_in)
        } else if first_in == 4 * num_out_ch {
            (2, first_in / 4)
        } else if first_in == 16 * num_out_ch {
            (1, first_in / 16)
        } else {
            return Err(fail(format!(
                "conv_first takes {first_in} channels for {num_out_ch} out: not scale 4, 2 or 1"
            )));
        };
        Ok(Config {
            num_in_ch,
            num_out_ch,
            num_feat,
            num_block: ids.len(),
            num_grow_ch,
            scale,
        })
    }

    pub fn describe(&self) -> String {
        let p = self.preset().map(|p| format!(" ({p})")).unwrap_or_default();
        format!(
            "RRDBNet{p}: x{}, {} blocks, {} features, grow {}",
            self.scale, self.num_block, self.num_feat, self.num_grow_ch
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_counts_match_the_official_networks() {
        assert_eq!(Config::x4plus().expected_keys().len(), 702);
        let params = |c: Config| {
            c.expected_keys()
                .iter()
                .map(|(_, s)| s.iter().product::<usize>())
                .sum::<usize>()
        };
        assert_eq!(params(Config::x4plus()), 16_697_987);
        assert_eq!(params(Config::x2plus()), 16_703_171);
        assert_eq!(params(Config::x4plus_anime_6b()), 4_467_779);
    }
}
