//! Where an output path really leads (through `./`, `..` and symbolic
//! links, whether or not the file exists yet), and what already stands there.

use std::fs::FileType;
use std::path::{Component, Path, PathBuf};

/// The absolute path `path` would write to: its folder canonicalised, and a
/// symbolic link at the name followed (even one pointing to a file that does
/// not exist yet). Paths that cannot be resolved (missing folder) are made
/// absolute and cleaned of `.` only.
pub fn resolve(path: &Path) -> PathBuf {
    let mut current = absolute(path);
    // Bounded like the kernel's own limit on nested links.
    for _ in 0..40 {
        let (Some(parent), Some(name)) = (current.parent(), current.file_name()) else {
            return current;
        };
        let parent = parent
            .canonicalize()
            .unwrap_or_else(|_| parent.to_path_buf());
        let joined = parent.join(name);
        match std::fs::read_link(&joined) {
            Ok(target) => current = absolute(&parent.join(target)),
            Err(_) => return joined,
        }
    }
    current
}

/// True when `a` and `b` lead to the same file (see [`resolve`]): `x.mp4`,
/// `./x.mp4`, `dir/../x.mp4` and a symbolic link to `x.mp4` all do.
pub fn same_destination(a: &Path, b: &Path) -> bool {
    resolve(a) == resolve(b)
}

/// `path` made absolute against the current folder, `.` components dropped
/// (`..` is kept: it is resolved with the folder by canonicalising).
fn absolute(path: &Path) -> PathBuf {
    let base = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().unwrap_or_default()
    };
    let mut out = base;
    for c in path.components() {
        if c != Component::CurDir {
            out.push(c.as_os_str());
        }
    }
    out
}

/// What kind of thing stands at a path, in words, when it is not a regular
/// file ("a folder", "a symbolic link to X", "a FIFO (named pipe)", …).
pub(crate) fn not_regular(path: &Path, kind: FileType) -> Option<String> {
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a folder".into());
    }
    if kind.is_symlink() {
        return Some(match std::fs::read_link(path) {
            Ok(t) => format!("a symbolic link (to {})", t.display()),
            Err(_) => "a symbolic link".into(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)".into());
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("a device".into());
        }
        if kind.is_socket() {
            return Some("a socket".into());
        }
    }
    Some("not a regular file".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_and_links_lead_to_the_same_place() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        let x = d.join("x.mp4");
        assert!(same_destination(&x, &d.join("./x.mp4")));
        assert!(same_destination(&x, &d.join("sub/../x.mp4")));
        assert!(!same_destination(&x, &d.join("sub/x.mp4")));
        #[cfg(unix)]
        {
            // A link to a file that does not exist yet, and a link to a link.
            std::os::unix::fs::symlink("x.mp4", d.join("l1.zip")).unwrap();
            std::os::unix::fs::symlink(d.join("l1.zip"), d.join("sub/l2.zip")).unwrap();
            assert!(same_destination(&x, &d.join("l1.zip")));
            assert!(same_destination(&x, &d.join("sub/l2.zip")));
            // A linked folder.
            std::os::unix::fs::symlink(d, d.join("sub/up")).unwrap();
            assert!(same_destination(&x, &d.join("sub/up/x.mp4")));
        }
    }
}
