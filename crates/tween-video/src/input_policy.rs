//! What tween lets FFmpeg open: the file it was given, and nothing that file
//! names. FFmpeg follows playlists (HLS, DASH), concat lists, MOV external
//! data references, SDP sessions and URLs when a file asks it to; a server
//! that opens uploads that way reads whatever the upload names. So every
//! input is opened here, under one policy:
//!
//! - the container is detected from the file's bytes first, and must be one
//!   of [`ALLOWED_FORMATS`] (self-contained media and single images);
//!   anything else is refused by name (`hls`, `dash`, `concat`, …);
//! - the context's `io_open` opens the file itself (with `avio_open2`) and
//!   refuses everything else, so a demuxer that tries a nested open (a MOV
//!   reference, a segment) fails instead of reading it;
//! - FFmpeg gets `protocol_whitelist=none` (so a context a demuxer creates
//!   with FFmpeg's default `io_open`, as concat does, can open nothing),
//!   `format_whitelist` = the allowed list and `enable_drefs=0`;
//! - an image-sequence pattern (`frames/%04d.png`, only when no file of that
//!   literal name exists) is read by `image2` with `pattern_type=sequence`,
//!   and may open only files of its own folder whose names fit the pattern.
//!
//! The unsafe FFI of this policy lives here, one `// SAFETY:` per block.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::io::Read;
use std::path::Path;
use std::ptr;

use ffmpeg_next::format::context::Input;
use ffmpeg_next::{ffi, Dictionary};

use crate::error::VideoError;

/// FFmpeg demuxers (their `AVInputFormat.name`) tween reads: containers and
/// raw streams that hold their media themselves, and single images.
pub const ALLOWED_FORMATS: &[&str] = &[
    "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska,webm",
    "avi",
    "nut",
    "flv",
    "mpegts",
    "mpeg",
    "asf",
    "ogg",
    "yuv4mpegpipe",
    "ivf",
    "h264",
    "hevc",
    "m4v",
    "mjpeg",
    "gif",
    "apng",
    "wav",
    "w64",
    "mp3",
    "aac",
    "flac",
    "aiff",
    "png_pipe",
    "jpeg_pipe",
    "webp_pipe",
    "bmp_pipe",
    "tiff_pipe",
];

/// The file-sequence demuxer, allowed only for a pattern path.
const SEQUENCE_FORMAT: &str = "image2";

/// Bytes read to detect the container (FFmpeg's own probe limit).
const PROBE_MAX: usize = 1 << 20;

/// `AVERROR(EPERM)`: the answer to a refused open.
const REFUSED: c_int = -1;

/// Marks the contexts this module opened: `io_open` allows only their own
/// file. A nested context FFmpeg makes has another `opaque`.
static ROOT_MARK: u8 = 0;

fn root_mark() -> *mut c_void {
    ptr::addr_of!(ROOT_MARK) as *mut c_void
}

thread_local! {
    /// The last URL this thread's `io_open` refused, for the error message.
    static REFUSED_URL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Opens `url` (the ffmpeg name of `path`) under the policy; `pattern`: it is
/// an image-sequence pattern. Errors name `path`.
pub(crate) fn open(path: &Path, url: &str, pattern: bool) -> Result<Input, VideoError> {
    let refused = |reason: String| VideoError::InputRefused {
        path: path.to_path_buf(),
        reason,
    };
    let c_url = CString::new(url).map_err(|_| refused("the path holds a NUL byte".into()))?;
    let format = if pattern {
        check_pattern(path).map_err(refused)?;
        find_format(SEQUENCE_FORMAT)
    } else {
        let format = detect(path, &c_url)?;
        let name = format_name(format);
        if !ALLOWED_FORMATS.contains(&name.as_str()) {
            return Err(refused(why_refused(&name, format)));
        }
        format
    };
    let mut options = base_options();
    if pattern {
        options.set("format_whitelist", SEQUENCE_FORMAT);
        options.set("pattern_type", "sequence");
    } else {
        options.set("format_whitelist", &ALLOWED_FORMATS.join(","));
    }
    REFUSED_URL.with(|r| r.borrow_mut().take());
    let opened = open_guarded(&c_url, format, options);
    let nested = REFUSED_URL.with(|r| r.borrow_mut().take());
    match (opened, nested) {
        (Ok(input), _) => Ok(input),
        (Err(_), Some(other)) => Err(refused(format!(
            "it asks FFmpeg to open another resource ({other}); tween opens only the file itself"
        ))),
        (Err(e), None) => Err(VideoError::NotMedia {
            path: path.to_path_buf(),
            reason: match e {
                ffmpeg_next::Error::InvalidData if is_mp4_like(path) => {
                    "unrecognised or damaged data; an MP4/MOV cut short loses its index (moov atom)"
                        .to_string()
                }
                ffmpeg_next::Error::InvalidData => "unrecognised or damaged data".to_string(),
                e => e.to_string(),
            },
        }),
    }
}

/// Options of every open: no protocol at all for FFmpeg's own opens (the
/// guarded `io_open` opens the file itself directly, and a context a
/// demuxer makes inherits the empty whitelist), MOV references off.
fn base_options() -> Dictionary<'static> {
    let mut options = Dictionary::new();
    options.set("protocol_whitelist", NO_PROTOCOL);
    options.set("enable_drefs", "0");
    options
}

/// A protocol whitelist no protocol matches.
const NO_PROTOCOL: &str = "none";

fn is_mp4_like(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "mp4" | "mov" | "m4v" | "3gp")
}

/// Plain words for a refused container.
fn why_refused(name: &str, format: *const ffi::AVInputFormat) -> String {
    let what = match name {
        "hls" => "an HLS playlist (.m3u8), which names other files or URLs to read",
        "dash" => "a DASH manifest (.mpd), which names other files or URLs to read",
        "concat" => "a concat list (ffconcat), which names other files to read",
        "imf" => "an IMF composition playlist, which names other files to read",
        "webm_dash_manifest" => "a WebM DASH manifest, which names other files",
        "sdp" | "rtsp" | "rtp" => "a network session description (SDP/RTSP/RTP)",
        "image2" => "an image-sequence pattern",
        _ => "",
    };
    if what.is_empty() {
        format!(
            "its format '{}' ({name}) is not one tween reads; tween reads self-contained video files and single images",
            format_long_name(format)
        )
    } else {
        format!("it is {what}; tween opens only self-contained media files")
    }
}

/// A pattern must keep to one folder and one `%d` (with an optional width).
fn check_pattern(path: &Path) -> Result<(), String> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("the pattern is not valid UTF-8")?;
    split_pattern(name).map(|_| ()).ok_or_else(|| {
        format!("{name:?} is not an image-sequence pattern of one %d (e.g. frame%04d.png)")
    })
}

/// `f%03d.png` → ("f", ".png"); `None` unless exactly one `%d`/`%0Nd` (`%%` is a `%`).
fn split_pattern(name: &str) -> Option<(String, String)> {
    let mut prefix = String::new();
    let mut suffix = String::new();
    let mut seen = false;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        let out = if seen { &mut suffix } else { &mut prefix };
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            chars.next();
        }
        if seen || chars.next() != Some('d') {
            return None;
        }
        seen = true;
    }
    seen.then_some((prefix, suffix))
}

/// Whether `file` is a member of the sequence `pattern` (same folder, name
/// fits the pattern with digits in place of `%d`).
fn fits_pattern(pattern: &str, file: &str) -> bool {
    let strip = |s: &'_ str| s.strip_prefix("file:").unwrap_or(s).to_string();
    let (pattern, file) = (strip(pattern), strip(file));
    let split = |s: &str| match s.rsplit_once('/') {
        Some((d, n)) => (d.to_string(), n.to_string()),
        None => (String::new(), s.to_string()),
    };
    let ((pd, pn), (fd, fname)) = (split(&pattern), split(&file));
    let Some((prefix, suffix)) = split_pattern(&pn) else {
        return false;
    };
    pd == fd
        && fname.len() > prefix.len() + suffix.len()
        && fname.starts_with(&prefix)
        && fname.ends_with(&suffix)
        && fname[prefix.len()..fname.len() - suffix.len()]
            .bytes()
            .all(|b| b.is_ascii_digit())
}

/// The container FFmpeg would pick for `path`, from its first bytes (the
/// same growing-probe rule as `av_probe_input_buffer2`).
fn detect(path: &Path, c_url: &CStr) -> Result<*const ffi::AVInputFormat, VideoError> {
    let unreadable = |reason: String| VideoError::NotMedia {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut head = Vec::new();
    file.take(PROBE_MAX as u64)
        .read_to_end(&mut head)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut size = 2048.min(head.len()).max(1);
    loop {
        let last = size >= head.len();
        let mut buf = vec![0u8; size + ffi::AVPROBE_PADDING_SIZE as usize];
        buf[..size].copy_from_slice(&head[..size]);
        let data = ffi::AVProbeData {
            filename: c_url.as_ptr(),
            buf: buf.as_mut_ptr(),
            buf_size: size as c_int,
            mime_type: ptr::null(),
        };
        let mut score = if last {
            0
        } else {
            (ffi::AVPROBE_SCORE_MAX / 4) as c_int
        };
        // SAFETY: `data` points at `buf`, which holds `size` bytes and the
        // zeroed padding FFmpeg requires, and at `c_url`; both outlive the
        // call, which only reads them and returns a static AVInputFormat.
        let format = unsafe { ffi::av_probe_input_format2(&data, 1, &mut score) };
        if !format.is_null() {
            return Ok(format);
        }
        if last {
            let reason = if is_mp4_like(path) {
                "unrecognised or damaged data; an MP4/MOV cut short loses its index (moov atom)"
            } else {
                "unrecognised or damaged data"
            };
            return Err(unreadable(reason.into()));
        }
        size = (size * 2).min(head.len());
    }
}

fn find_format(name: &str) -> *const ffi::AVInputFormat {
    let c = CString::new(name).unwrap_or_default();
    // SAFETY: av_find_input_format reads the NUL-terminated name and returns
    // a static AVInputFormat or NULL.
    unsafe { ffi::av_find_input_format(c.as_ptr()) }
}

fn format_name(format: *const ffi::AVInputFormat) -> String {
    // SAFETY: `format` is a non-NULL static AVInputFormat from libavformat,
    // whose `name` is a static NUL-terminated string.
    unsafe {
        CStr::from_ptr((*format).name)
            .to_string_lossy()
            .into_owned()
    }
}

fn format_long_name(format: *const ffi::AVInputFormat) -> String {
    // SAFETY: as in `format_name`; `long_name` may be NULL.
    unsafe {
        let p = (*format).long_name;
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

/// `avformat_open_input` + `avformat_find_stream_info` on a context whose
/// `io_open` is [`guarded_io_open`].
fn open_guarded(
    url: &CStr,
    format: *const ffi::AVInputFormat,
    options: Dictionary,
) -> Result<Input, ffmpeg_next::Error> {
    // SAFETY: the context is allocated here and either handed to `Input`
    // (which closes it) or freed by avformat_open_input / avformat_close_input
    // on failure. `io_open` is set before FFmpeg uses it; `opaque` is a
    // static marker, never dereferenced. The options dictionary is owned
    // again after the call (FFmpeg may replace it).
    unsafe {
        let mut ctx = ffi::avformat_alloc_context();
        if ctx.is_null() {
            return Err(ffmpeg_next::Error::Bug);
        }
        (*ctx).io_open = Some(guarded_io_open);
        (*ctx).opaque = root_mark();
        let mut opts = options.disown();
        let r = ffi::avformat_open_input(&mut ctx, url.as_ptr(), format as _, &mut opts);
        Dictionary::own(opts);
        if r < 0 {
            return Err(ffmpeg_next::Error::from(r));
        }
        let r = ffi::avformat_find_stream_info(ctx, ptr::null_mut());
        if r < 0 {
            ffi::avformat_close_input(&mut ctx);
            return Err(ffmpeg_next::Error::from(r));
        }
        Ok(Input::wrap(ctx))
    }
}

/// Lets a context of this module open its own file (or, for a pattern, the
/// files of its sequence), directly with `avio_open2`; refuses every other
/// open, and every open of any other context.
unsafe extern "C" fn guarded_io_open(
    s: *mut ffi::AVFormatContext,
    pb: *mut *mut ffi::AVIOContext,
    url: *const c_char,
    flags: c_int,
    options: *mut *mut ffi::AVDictionary,
) -> c_int {
    // SAFETY: FFmpeg calls this with its live context and a NUL-terminated
    // URL; `s->url` is set (NUL-terminated) before any open, `s->iformat`
    // is NULL or a static format.
    let (allowed, shown) = unsafe {
        let shown = if url.is_null() {
            String::from("(no name)")
        } else {
            CStr::from_ptr(url).to_string_lossy().into_owned()
        };
        let own = !s.is_null() && (*s).opaque == root_mark() && !(*s).url.is_null();
        let allowed = own && !url.is_null() && flags & ffi::AVIO_FLAG_WRITE as c_int == 0 && {
            let mine = CStr::from_ptr((*s).url);
            let wanted = CStr::from_ptr(url);
            let sequence = !(*s).iformat.is_null()
                && format_name((*s).iformat) == SEQUENCE_FORMAT
                && mine.to_bytes().contains(&b'%');
            wanted == mine
                || (sequence && fits_pattern(&mine.to_string_lossy(), &wanted.to_string_lossy()))
        };
        (allowed, shown)
    };
    if allowed {
        // SAFETY: `s` is FFmpeg's live context (checked non-NULL above), the
        // other arguments are FFmpeg's own; avio_open2 opens the file
        // protocol (the name is a plain path or starts with `file:`).
        return unsafe { ffi::avio_open2(pb, url, flags, &(*s).interrupt_callback, options) };
    }
    tracing::warn!(
        "refused FFmpeg's request to open {shown}: tween opens only the input file itself"
    );
    REFUSED_URL.with(|r| *r.borrow_mut() = Some(shown));
    REFUSED
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64x48 MPEG-TS clip at `path`, made by the ffmpeg command.
    fn clip(path: &Path) {
        let ok = std::process::Command::new("ffmpeg")
            .args(["-y", "-v", "error", "-nostdin", "-f", "lavfi", "-i"])
            .args(["testsrc2=size=64x48:rate=10", "-t", "1"])
            .arg(path)
            .status()
            .expect("ffmpeg runs");
        assert!(ok.success());
    }

    /// Opens `url` with `format` forced, past the container allowlist: only
    /// the guarded io_open stands between the demuxer and the other file.
    fn open_forced(url: &Path, format: &str) -> (bool, Option<String>) {
        crate::init_ffmpeg();
        let mut options = base_options();
        // concat's own check of names, off: the guard alone must hold.
        options.set("safe", "0");
        REFUSED_URL.with(|r| r.borrow_mut().take());
        let c = CString::new(url.to_str().unwrap()).unwrap();
        let opened = open_guarded(&c, find_format(format), options).is_ok();
        (opened, REFUSED_URL.with(|r| r.borrow_mut().take()))
    }

    #[test]
    fn nested_opens_are_refused_even_past_the_allowlist() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret.ts");
        clip(&secret);
        let list = dir.path().join("list.m3u8");
        std::fs::write(
            &list,
            format!(
                "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{}\n#EXT-X-ENDLIST\n",
                secret.display()
            ),
        )
        .unwrap();
        let (opened, refused) = open_forced(&list, "hls");
        assert!(!opened, "the playlist's segment is not read");
        assert!(
            refused.is_some_and(|u| u.contains("secret.ts")),
            "the segment's open was refused"
        );
        let concat = dir.path().join("list.ffconcat");
        std::fs::write(
            &concat,
            format!("ffconcat version 1.0\nfile {}\n", secret.display()),
        )
        .unwrap();
        // concat opens its files in a context of its own, with FFmpeg's
        // default io_open: the inherited empty protocol whitelist stops it.
        let (opened, _) = open_forced(&concat, "concat");
        assert!(!opened, "the listed file is not read");
        // The file itself still opens through the same guard.
        let (opened, refused) = open_forced(&secret, "mpegts");
        assert!(opened && refused.is_none());
    }

    #[test]
    fn patterns_have_one_number_and_stay_in_their_folder() {
        assert_eq!(
            split_pattern("f%03d.png"),
            Some(("f".into(), ".png".into()))
        );
        assert_eq!(split_pattern("a%%b%d"), Some(("a%b".into(), String::new())));
        assert_eq!(split_pattern("f%03d_%d.png"), None);
        assert_eq!(split_pattern("f%s.png"), None);
        assert_eq!(split_pattern("plain.png"), None);
        assert!(fits_pattern("/x/f%03d.png", "/x/f001.png"));
        assert!(fits_pattern("file:/x/f%03d.png", "file:/x/f12345.png"));
        assert!(!fits_pattern("/x/f%03d.png", "/y/f001.png"));
        assert!(!fits_pattern(
            "/x/f%03d.png",
            "/x/f001.png/../../etc/passwd"
        ));
        assert!(!fits_pattern("/x/f%03d.png", "/x/f.png"));
        assert!(!fits_pattern("/x/f%03d.png", "/x/f0a1.png"));
        assert!(!fits_pattern("/x/f%03d.png", "http://x/f001.png"));
    }
}
