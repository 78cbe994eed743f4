//! Which network a state dict is for, read from its keys and shapes alone:
//! RIFE IFNet v4.x (`blockN.`), RRDBNet (`conv_first.` + `body.N.rdb`) or
//! SRVGGNetCompact (`body.N` only).

use serde::{Deserialize, Serialize};

use crate::arch::{rife, rrdbnet, srvgg, KeyList};
use crate::error::NnError;
use crate::state_dict::StateDict;

/// A detected architecture with its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "family", content = "config", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Architecture {
    Rife(rife::Config),
    Rrdbnet(rrdbnet::Config),
    Srvgg(srvgg::Config),
}

impl Architecture {
    /// "rife", "rrdbnet" or "srvgg".
    pub fn family(&self) -> &'static str {
        match self {
            Architecture::Rife(_) => "rife",
            Architecture::Rrdbnet(_) => "rrdbnet",
            Architecture::Srvgg(_) => "srvgg",
        }
    }

    /// The named preset this equals (`v4.25`, `x4plus`, `animevideov3`…), if any.
    pub fn preset(&self) -> Option<&'static str> {
        match self {
            Architecture::Rife(c) => c.preset(),
            Architecture::Rrdbnet(c) => c.preset(),
            Architecture::Srvgg(c) => c.preset(),
        }
    }

    /// A human description, e.g. "RIFE IFNet v4.6: 4 blocks (c = 192/128/96/64), no encoder".
    pub fn describe(&self) -> String {
        match self {
            Architecture::Rife(c) => c.describe(),
            Architecture::Rrdbnet(c) => c.describe(),
            Architecture::Srvgg(c) => c.describe(),
        }
    }

    /// The exact keys and shapes this architecture's checkpoint has.
    pub fn expected_keys(&self) -> KeyList {
        match self {
            Architecture::Rife(c) => c.expected_keys(),
            Architecture::Rrdbnet(c) => c.expected_keys(),
            Architecture::Srvgg(c) => c.expected_keys(),
        }
    }

    /// A short default model name, e.g. `rife-v4.25` or `rrdbnet-x4-b6`.
    pub fn short_name(&self) -> String {
        match self {
            Architecture::Rife(c) => match c.preset() {
                Some(p) => format!("rife-{p}"),
                None => format!("rife-{}b", c.blocks.len()),
            },
            Architecture::Rrdbnet(c) => format!("rrdbnet-x{}-b{}", c.scale, c.num_block),
            Architecture::Srvgg(c) => format!("srvgg-x{}-c{}", c.upscale, c.num_conv),
        }
    }
}

impl std::fmt::Display for Architecture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Reads the architecture from the keys and shapes. This only recognises;
/// [`check`] then holds the weights to the exact key list.
pub fn detect(sd: &StateDict) -> Result<Architecture, NnError> {
    let has = |p: &str| sd.keys().any(|k| k.starts_with(p));
    if has("block0.") {
        rife::Config::from_state_dict(sd).map(Architecture::Rife)
    } else if has("conv_first.") && has("body.0.rdb1.") {
        rrdbnet::Config::from_state_dict(sd).map(Architecture::Rrdbnet)
    } else if has("body.0.") && !has("conv_first.") {
        srvgg::Config::from_state_dict(sd).map(Architecture::Srvgg)
    } else {
        Err(NnError::UnknownArchitecture {
            reason: "keys match neither RIFE IFNet (blockN.), RRDBNet (conv_first., body.N.rdbM.) nor SRVGGNetCompact (body.N.)"
                .into(),
            sample_keys: sd.keys().take(5).map(str::to_string).collect(),
        })
    }
}

/// [`detect`], then [`StateDict::check_keys`] against the detected config:
/// every expected key present with its shape, and nothing else.
pub fn detect_strict(sd: &StateDict) -> Result<Architecture, NnError> {
    let arch = detect(sd)?;
    check(sd, &arch)?;
    Ok(arch)
}

/// Holds `sd` to `arch`'s exact key list.
pub fn check(sd: &StateDict, arch: &Architecture) -> Result<(), NnError> {
    sd.check_keys(&arch.describe(), &arch.expected_keys())
}
