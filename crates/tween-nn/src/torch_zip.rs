//! The torch zip container (`torch.save` since 1.6): `<prefix>/data.pkl` holds
//! the pickle, `<prefix>/data/<key>` each storage's raw little-endian bytes.
//! The prefix is whatever the archive uses (`archive/`, `flownet/`, …).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::NnError;
use crate::pickle::{self, StorageRef, Value};
use crate::storage::StorageBytes;

/// Largest `data.pkl` accepted. A state dict's pickle is KBs to a few MBs;
/// tensor bytes are elsewhere.
pub(crate) const MAX_PICKLE_BYTES: u64 = 64 << 20;

/// An opened torch zip: the unpickled root and the storages to read on demand.
pub(crate) struct TorchZip {
    path: PathBuf,
    archive: zip::ZipArchive<BufReader<File>>,
    prefix: String,
    cache: HashMap<String, Vec<u8>>,
}

impl TorchZip {
    /// Opens `path` and runs its pickle; storages are read later, when a
    /// tensor asks for them.
    pub(crate) fn open(path: &Path) -> Result<(Value, TorchZip), NnError> {
        let bad = |reason: String| NnError::BadArchive {
            path: path.to_path_buf(),
            reason,
        };
        let file = File::open(path).map_err(|e| NnError::io(path, e))?;
        let mut archive = zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| bad(format!("not a readable zip: {e}")))?;
        let pkl = archive
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .filter(|n| {
                n == "data.pkl" || (n.ends_with("/data.pkl") && n.matches('/').count() == 1)
            })
            .min_by_key(|n| n.len())
            .ok_or_else(|| bad("no data.pkl in the archive".into()))?;
        let prefix = pkl.trim_end_matches("data.pkl").to_string();
        if let Some(order) = read_small(&mut archive, &format!("{prefix}byteorder")) {
            if order.trim() != "little" {
                return Err(bad(format!(
                    "byte order `{}` (only little-endian files are supported)",
                    order.trim()
                )));
            }
        }
        let bytes = {
            let entry = archive
                .by_name(&pkl)
                .map_err(|e| bad(format!("{pkl}: {e}")))?;
            if entry.size() > MAX_PICKLE_BYTES {
                return Err(NnError::TooLarge {
                    path: path.to_path_buf(),
                    what: pkl.clone(),
                    size: entry.size(),
                    limit: MAX_PICKLE_BYTES,
                });
            }
            // The header can lie: inflating stops one byte past the size it
            // declares, and more than that is refused.
            let declared = entry.size();
            let mut bytes = Vec::with_capacity(declared as usize);
            entry
                .take(declared + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| bad(format!("{pkl}: {e}")))?;
            if bytes.len() as u64 > declared {
                return Err(bad(format!(
                    "{pkl} inflates past the {declared} bytes its header declares"
                )));
            }
            bytes
        };
        let (root, _) =
            pickle::unpickle(&bytes, 0).map_err(|f| crate::state_dict::fault(path, f))?;
        Ok((
            root,
            TorchZip {
                path: path.to_path_buf(),
                archive,
                prefix,
                cache: HashMap::new(),
            },
        ))
    }
}

/// A small text entry (`byteorder`), if present and readable.
fn read_small(archive: &mut zip::ZipArchive<BufReader<File>>, name: &str) -> Option<String> {
    let entry = archive.by_name(name).ok()?;
    let mut s = String::new();
    entry.take(64).read_to_string(&mut s).ok()?;
    Some(s)
}

impl StorageBytes for TorchZip {
    fn bytes(&mut self, s: &StorageRef, elements: usize) -> Result<&[u8], NnError> {
        if !self.cache.contains_key(&s.key) {
            let name = format!("{}data/{}", self.prefix, s.key);
            let bad = |reason: String| NnError::BadArchive {
                path: self.path.clone(),
                reason,
            };
            let declared = s
                .numel
                .checked_mul(s.dtype.size())
                .ok_or_else(|| bad(format!("storage {} declares an impossible size", s.key)))?;
            // Only what the tensors reach is read (bounded by the caller).
            let need = elements.min(s.numel) * s.dtype.size();
            let entry = self
                .archive
                .by_name(&name)
                .map_err(|e| bad(format!("storage {name}: {e}")))?;
            if entry.size() < declared as u64 {
                return Err(bad(format!(
                    "storage {name} holds {} bytes, the pickle declares {} elements of {} ({declared} bytes)",
                    entry.size(),
                    s.numel,
                    s.dtype
                )));
            }
            // The entry's header can lie about its size: the inflater is cut
            // off at `need` bytes whatever it says, and the buffer grows only
            // as real bytes arrive.
            let mut buf = Vec::with_capacity(need.min(64 << 20));
            entry
                .take(need as u64)
                .read_to_end(&mut buf)
                .map_err(|e| bad(format!("storage {name}: {e}")))?;
            if buf.len() != need {
                return Err(bad(format!(
                    "storage {name} ends after {} of {need} bytes",
                    buf.len()
                )));
            }
            self.cache.insert(s.key.clone(), buf);
        }
        Ok(&self.cache[&s.key])
    }
}
