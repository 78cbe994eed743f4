//! SRVGGNetCompact (Real-ESRGAN `srvgg_arch.py`; realesr-general-x4v3,
//! realesr-animevideov3): a plain conv + PReLU stack, PixelShuffle, plus a
//! nearest-upsampled copy of the input.
//!
//! `body` is a ModuleList: conv at even indices, PReLU (weight `[num_feat]`)
//! at odd ones, the last conv at `2·(num_conv+1)` with `out·upscale²` channels.

use serde::{Deserialize, Serialize};

use super::{conv, dim, indices, KeyList};
use crate::error::NnError;
use crate::state_dict::StateDict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub num_in_ch: usize,
    pub num_out_ch: usize,
    pub num_feat: usize,
    pub num_conv: usize,
    pub upscale: usize,
}

impl Config {
    /// realesr-general-x4v3 (and its -wdn- twin): 32 convs, ×4.
    pub fn general_x4v3() -> Self {
        Config {
            num_in_ch: 3,
            num_out_ch: 3,
            num_feat: 64,
            num_conv: 32,
            upscale: 4,
        }
    }
    /// realesr-animevideov3: 16 convs, ×4.
    pub fn animevideov3() -> Self {
        Config {
            num_conv: 16,
            ..Self::general_x4v3()
        }
    }

    pub fn preset(&self) -> Option<&'static str> {
        [
            ("general-x4v3", Self::general_x4v3()),
            ("animevideov3", Self::animevideov3()),
        ]
        .into_iter()
        .find(|(_, c)| c == self)
        .map(|(n, _)| n)
    }

    pub fn expected_keys(&self) -> KeyList {
        let nf = self.num_feat;
        let mut keys = KeyList::new();
        conv(&mut keys, "body.0", nf, self.num_in_ch, 3);
        keys.push(("body.1.weight".into(), vec![nf]));
        for k in 1..=self.num_conv {
            conv(&mut keys, &format!("body.{}", 2 * k), nf, nf, 3);
            keys.push((format!("body.{}.weight", 2 * k + 1), vec![nf]));
        }
        let last = 2 * (self.num_conv + 1);
        conv(
            &mut keys,
            &format!("body.{last}"),
            self.num_out_ch * self.upscale * self.upscale,
            nf,
            3,
        );
        keys
    }

    pub fn from_state_dict(sd: &StateDict) -> Result<Self, NnError> {
        let fail = |reason: String| NnError::UnknownArchitecture {
            reason,
            sample_keys: sd.keys().take(5).map(str::to_string).collect(),
        };
        let ids = indices(sd, "body.");
        let Some(&last) = ids.last() else {
            return Err(fail("no body.N keys".into()));
        };
        if sd.get("body.1.weight").map(|t| t.shape.len()) != Some(1) {
            return Err(fail(
                "body.1 is not a PReLU: only the PReLU variant is supported".into(),
            ));
        }
        if last < 2 || last % 2 != 0 || ids.len() != last + 1 {
            return Err(fail(format!(
                "body indices 0..={last} are not conv/PReLU pairs"
            )));
        }
        let (Some(num_feat), Some(num_in_ch), Some(out_ch)) = (
            dim(sd, "body.0.weight", 0),
            dim(sd, "body.0.weight", 1),
            dim(sd, &format!("body.{last}.weight"), 0),
        ) else {
            return Err(fail(
                "SRVGGNetCompact needs body.0 and last conv weights".into(),
            ));
        };
        // out_ch = 3·upscale² for RGB out.
        let num_out_ch = num_in_ch;
        let upscale = (1..=8)
            .find(|r| num_out_ch * r * r == out_ch)
            .ok_or_else(|| {
                fail(format!(
                    "last conv has {out_ch} channels: not {num_out_ch}·upscale²"
                ))
            })?;
        Ok(Config {
            num_in_ch,
            num_out_ch,
            num_feat,
            num_conv: last / 2 - 1,
            upscale,
        })
    }

    pub fn describe(&self) -> String {
        let p = self.preset().map(|p| format!(" ({p})")).unwrap_or_default();
        format!(
            "SRVGGNetCompact{p}: x{}, {} convs, {} features",
            self.upscale, self.num_conv, self.num_feat
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_counts_match_the_official_networks() {
        assert_eq!(Config::general_x4v3().expected_keys().len(), 101);
        assert_eq!(Config::animevideov3().expected_keys().len(), 53);
        let params = |c: Config| {
            c.expected_keys()
                .iter()
                .map(|(_, s)| s.iter().product::<usize>())
                .sum::<usize>()
        };
        assert_eq!(params(Config::general_x4v3()), 1_213_296);
        assert_eq!(params(Config::animevideov3()), 621_424);
    }
}
