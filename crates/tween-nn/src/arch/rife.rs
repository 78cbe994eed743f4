//! RIFE IFNet v4.x (Huang et al., "Real-Time Intermediate Flow Estimation for
//! Video Frame Interpolation", ECCV 2022; hzwer/Practical-RIFE `IFNet_HDv3`).
//!
//! v4.6 has 4 IFBlocks and no feature encoder; v4.25/v4.26 have 5 IFBlocks and
//! a 4-channel `encode` head. Keys are the checkpoint's after `module.` is
//! stripped.

use serde::{Deserialize, Serialize};

use super::{conv, dim, indices, KeyList};
use crate::error::NnError;
use crate::state_dict::StateDict;

/// One IFBlock: width `c`, `in_ch` input channels, `k` output channels after PixelShuffle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub c: usize,
    pub in_ch: usize,
    pub k: usize,
}

/// The feature encoder (`encode.cnn0..3`): 3 → `hidden` → `hidden` → `hidden` → `out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encoder {
    pub hidden: usize,
    pub out: usize,
}

/// An IFNet configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub blocks: Vec<Block>,
    pub encoder: Option<Encoder>,
}

/// ResConvs per IFBlock.
const CONVBLOCKS: usize = 8;

impl Config {
    /// v4.6: 4 blocks (192, 128, 96, 64), no encoder, K = 6.
    pub fn v4_6() -> Self {
        let blocks = [192, 128, 96, 64]
            .iter()
            .enumerate()
            .map(|(i, &c)| Block {
                c,
                in_ch: if i == 0 { 7 } else { 12 },
                k: 6,
            })
            .collect();
        Config {
            blocks,
            encoder: None,
        }
    }

    /// v4.25 (and v4.26, same network): 5 blocks (192 … 32), encoder 16 → 4, K = 13.
    pub fn v4_25() -> Self {
        let blocks = [192, 128, 96, 64, 32]
            .iter()
            .enumerate()
            .map(|(i, &c)| Block {
                c,
                in_ch: if i == 0 { 15 } else { 28 },
                k: 13,
            })
            .collect();
        Config {
            blocks,
            encoder: Some(Encoder { hidden: 16, out: 4 }),
        }
    }

    /// The preset this config equals, if any.
    pub fn preset(&self) -> Option<&'static str> {
        if *self == Self::v4_25() {
            Some("v4.25")
        } else if *self == Self::v4_6() {
            Some("v4.6")
        } else {
            None
        }
    }

    /// Every key and shape of a checkpoint for this config.
    pub fn expected_keys(&self) -> KeyList {
        let mut keys = KeyList::new();
        for (n, b) in self.blocks.iter().enumerate() {
            let p = format!("block{n}");
            conv(&mut keys, &format!("{p}.conv0.0.0"), b.c / 2, b.in_ch, 3);
            conv(&mut keys, &format!("{p}.conv0.1.0"), b.c, b.c / 2, 3);
            for i in 0..CONVBLOCKS {
                keys.push((format!("{p}.convblock.{i}.beta"), vec![1, b.c, 1, 1]));
                conv(&mut keys, &format!("{p}.convblock.{i}.conv"), b.c, b.c, 3);
            }
            // ConvTranspose2d weight is [in, out, kh, kw].
            keys.push((format!("{p}.lastconv.0.weight"), vec![b.c, 4 * b.k, 4, 4]));
            keys.push((format!("{p}.lastconv.0.bias"), vec![4 * b.k]));
        }
        if let Some(e) = self.encoder {
            conv(&mut keys, "encode.cnn0", e.hidden, 3, 3);
            conv(&mut keys, "encode.cnn1", e.hidden, e.hidden, 3);
            conv(&mut keys, "encode.cnn2", e.hidden, e.hidden, 3);
            keys.push(("encode.cnn3.weight".into(), vec![e.hidden, e.out, 4, 4]));
            keys.push(("encode.cnn3.bias".into(), vec![e.out]));
        }
        keys
    }

    /// Reads the config from the keys and shapes (`blockN.` count, `encode.`
    /// presence, widths from the conv shapes).
    pub fn from_state_dict(sd: &StateDict) -> Result<Self, NnError> {
        let fail = |reason: String| NnError::UnknownArchitecture {
            reason,
            sample_keys: sd.keys().take(5).map(str::to_string).collect(),
        };
        let ids = indices(sd, "block");
        if ids.is_empty() || ids != (0..ids.len()).collect::<Vec<_>>() {
            return Err(fail(format!("IFNet blocks are not numbered 0..n: {ids:?}")));
        }
        let mut blocks = Vec::new();
        for n in ids {
            let p = format!("block{n}");
            let (Some(c), Some(in_ch), Some(k4)) = (
                dim(sd, &format!("{p}.conv0.1.0.weight"), 0),
                dim(sd, &format!("{p}.conv0.0.0.weight"), 1),
                dim(sd, &format!("{p}.lastconv.0.weight"), 1),
            ) else {
                return Err(fail(format!(
                    "{p} lacks conv0.0.0 / conv0.1.0 / lastconv.0 weights"
                )));
            };
            if k4 % 4 != 0 {
                return Err(fail(format!(
                    "{p}.lastconv.0 has {k4} channels, not a multiple of 4"
                )));
            }
            blocks.push(Block {
                c,
                in_ch,
                k: k4 / 4,
            });
        }
        let encoder = match (
            dim(sd, "encode.cnn0.weight", 0),
            dim(sd, "encode.cnn3.weight", 1),
        ) {
            (Some(hidden), Some(out)) => Some(Encoder { hidden, out }),
            (None, None) if !sd.keys().any(|k| k.starts_with("encode.")) => None,
            _ => return Err(fail("encode.* is incomplete (needs cnn0 and cnn3)".into())),
        };
        Ok(Config { blocks, encoder })
    }

    /// E.g. "RIFE IFNet v4.25 (5 blocks, with encoder)".
    pub fn describe(&self) -> String {
        let shape = format!(
            "{} blocks (c = {}), {}",
            self.blocks.len(),
            self.blocks
                .iter()
                .map(|b| b.c.to_string())
                .collect::<Vec<_>>()
                .join("/"),
            match self.encoder {
                Some(e) => format!("encoder {}→{}", e.hidden, e.out),
                None => "no encoder".into(),
            }
        );
        match self.preset() {
            Some("v4.25") => format!("RIFE IFNet v4.25/v4.26: {shape}"),
            Some(p) => format!("RIFE IFNet {p}: {shape}"),
            None if self.encoder.is_some() => format!("RIFE IFNet v4.x, v4.25-like: {shape}"),
            None => format!("RIFE IFNet v4.x, v4.6-like: {shape}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_counts_match_the_official_networks() {
        assert_eq!(Config::v4_25().expected_keys().len(), 158);
        assert_eq!(Config::v4_6().expected_keys().len(), 120);
        let params = |c: Config| {
            c.expected_keys()
                .iter()
                .map(|(_, s)| s.iter().product::<usize>())
                .sum::<usize>()
        };
        assert_eq!(params(Config::v4_25()), 5_664_776);
        assert_eq!(params(Config::v4_6()), 5_306_256);
    }
}
