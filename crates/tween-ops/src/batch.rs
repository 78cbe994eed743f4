//! A whole folder, one output per input, resumable: `tween batch IN_DIR -o
//! OUT_DIR [options]`.
//!
//! Every output is written under a temporary name and renamed when complete,
//! so a file under its final name is always whole. After each success the
//! batch records the output in `OUT_DIR/.tween-batch.json` (input size and
//! modification time, the options, the frame count); a later run skips an
//! output only when that record matches and the file still probes with the
//! recorded frame count. A crash or Ctrl-C therefore loses at most the file
//! in progress, and temporary files that a killed run left behind are
//! removed at the start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tween_core::Progress;

use crate::{OpsError, ProcessRequest, Report};

/// Name of the record kept in the output folder.
pub const RECORD: &str = ".tween-batch.json";

/// Extensions taken as videos.
const VIDEO_EXTS: &[&str] = &[
    "mp4", "mkv", "mov", "avi", "webm", "m4v", "mpg", "mpeg", "ts", "mts", "m2ts", "wmv", "flv",
    "y4m", "nut",
];

/// What is done to each file. The input and output fields of the template
/// are replaced per file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum BatchOp {
    /// Interpolation and/or upscaling (`tween process`).
    Process(ProcessRequest),
}

impl BatchOp {
    fn run(
        &self,
        input: &Path,
        output: &Path,
        progress: &dyn Progress,
    ) -> Result<Report, OpsError> {
        match self {
            BatchOp::Process(t) => {
                let req = ProcessRequest {
                    input: input.to_path_buf(),
                    output: output.to_path_buf(),
                    overwrite: true,
                    ..t.clone()
                };
                crate::process(&req, progress)
            }
        }
    }

    /// The options as a stable string, to tell whether a recorded output
    /// was made with the same ones. Paths, `overwrite`, thread counts and
    /// limits do not change an output and are left out.
    fn fingerprint(&self) -> String {
        fn strip(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(o) => {
                    for key in ["input", "output", "overwrite", "threads", "limits"] {
                        o.remove(key);
                    }
                    o.values_mut().for_each(strip);
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
                _ => {}
            }
        }
        let mut v = serde_json::to_value(self).unwrap_or_default();
        strip(&mut v);
        v.to_string()
    }

    fn accepts(&self, path: &Path) -> bool {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        match self {
            BatchOp::Process(p) => {
                VIDEO_EXTS.contains(&ext.as_str())
                    || (p.interpolate.is_none() && crate::stills::is_image(path))
            }
        }
    }
}

/// `tween batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRequest {
    pub input_dir: PathBuf,
    pub output_dir: PathBuf,
    pub op: BatchOp,
    /// Container of the outputs (their extension); default "mp4".
    #[serde(default = "default_ext")]
    pub extension: String,
    /// Redo outputs that are already finished.
    #[serde(default)]
    pub overwrite: bool,
}

fn default_ext() -> String {
    "mp4".into()
}

/// What happened to one input.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum FileOutcome {
    Done {
        output: PathBuf,
        frames: u64,
        seconds: f64,
    },
    Skipped {
        output: PathBuf,
    },
    Failed {
        error: String,
    },
}

/// Progress of a batch, for the front end.
#[derive(Debug)]
pub enum BatchEvent<'a> {
    /// Work on file `index` (of `total`) begins.
    Started {
        index: usize,
        total: usize,
        input: &'a Path,
    },
    Finished {
        input: &'a Path,
        outcome: &'a FileOutcome,
    },
}

/// The batch's summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchSummary {
    pub files: Vec<(PathBuf, FileOutcome)>,
    pub seconds: f64,
    /// True when the run was cancelled before the end.
    pub cancelled: bool,
}

impl BatchSummary {
    fn count(&self, f: impl Fn(&FileOutcome) -> bool) -> usize {
        self.files.iter().filter(|(_, o)| f(o)).count()
    }
    pub fn done(&self) -> usize {
        self.count(|o| matches!(o, FileOutcome::Done { .. }))
    }
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, FileOutcome::Skipped { .. }))
    }
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, FileOutcome::Failed { .. }))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    input: String,
    input_size: u64,
    input_mtime_ns: u128,
    options: String,
    frames: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    outputs: BTreeMap<String, Entry>,
}

impl Record {
    fn load(path: &Path) -> Result<Self, OpsError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                OpsError::Output(format!(
                    "{}: the batch record is damaged ({e}); delete it to start the batch afresh",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Record::default()),
            Err(e) => Err(OpsError::io(path, "cannot read", e)),
        }
    }

    /// Written to a temporary file and renamed: the record is never half-written.
    fn save(&self, path: &Path) -> Result<(), OpsError> {
        let tmp = path.with_extension(format!("json.tmp.{}", std::process::id()));
        let bytes = serde_json::to_vec_pretty(self).expect("plain data serialises");
        std::fs::write(&tmp, bytes).map_err(|e| OpsError::io(&tmp, "cannot write", e))?;
        std::fs::rename(&tmp, path).map_err(|e| OpsError::io(path, "cannot write", e))
    }
}

fn stamp(path: &Path) -> Result<(u64, u128), OpsError> {
    let m = std::fs::metadata(path).map_err(|e| OpsError::io(path, "cannot read", e))?;
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Ok((m.len(), mtime))
}

impl BatchRequest {
    /// Checks the folders: both exist (the output one is created if its
    /// parent exists), and the output folder is not the input folder or
    /// inside it (outputs would become inputs of the next run).
    fn check_dirs(&self) -> Result<(), OpsError> {
        if !self.input_dir.is_dir() {
            return Err(OpsError::Input(format!(
                "{}: not a folder",
                self.input_dir.display()
            )));
        }
        let input = self
            .input_dir
            .canonicalize()
            .map_err(|e| OpsError::io(&self.input_dir, "cannot read", e))?;
        // The output folder may not exist yet: resolve its nearest existing ancestor.
        let mut probe = self.output_dir.clone();
        let mut tail = Vec::new();
        let out = loop {
            match probe.canonicalize() {
                Ok(p) => break tail.iter().rev().fold(p, |acc: PathBuf, c| acc.join(c)),
                Err(_) => match (probe.file_name(), probe.parent()) {
                    (Some(name), Some(parent)) => {
                        tail.push(name.to_os_string());
                        probe = if parent.as_os_str().is_empty() {
                            PathBuf::from(".")
                        } else {
                            parent.to_path_buf()
                        };
                    }
                    _ => break self.output_dir.clone(),
                },
            }
        };
        if out.starts_with(&input) {
            return Err(OpsError::Params(format!(
                "{}: the output folder is inside the input folder {}; choose one outside it \
                 (outputs would be taken as inputs)",
                self.output_dir.display(),
                self.input_dir.display()
            )));
        }
        if self.extension.is_empty() || self.extension.contains(['/', '\\', '.']) {
            return Err(OpsError::Params(format!(
                "--ext must be a plain extension such as mp4 (got '{}')",
                self.extension
            )));
        }
        Ok(())
    }

    /// The inputs, sorted by name.
    fn inputs(&self) -> Result<Vec<PathBuf>, OpsError> {
        let read = std::fs::read_dir(&self.input_dir)
            .map_err(|e| OpsError::io(&self.input_dir, "cannot list", e))?;
        let mut files: Vec<PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && self.op.accepts(p))
            .collect();
        files.sort();
        Ok(files)
    }

    /// The output name of `input`: same stem, the batch's extension (png
    /// for images).
    pub fn output_for(&self, input: &Path) -> PathBuf {
        let stem = input.file_stem().unwrap_or_default().to_string_lossy();
        let ext = if crate::stills::is_image(input) {
            "png"
        } else {
            &self.extension
        };
        self.output_dir.join(format!("{stem}.{ext}"))
    }
}

/// Runs `tween batch`. Failures of single files are in the summary; an
/// error is returned only when the batch cannot run at all.
pub fn batch(
    req: &BatchRequest,
    progress: &dyn Progress,
    on_event: &mut dyn FnMut(BatchEvent<'_>),
) -> Result<BatchSummary, OpsError> {
    req.check_dirs()?;
    if !req.output_dir.exists() {
        std::fs::create_dir(&req.output_dir)
            .map_err(|e| OpsError::io(&req.output_dir, "cannot create", e))?;
    }
    remove_stale_partials(&req.output_dir);
    let record_path = req.output_dir.join(RECORD);
    let mut record = Record::load(&record_path)?;
    let inputs = req.inputs()?;
    let options = req.op.fingerprint();
    let started = Instant::now();
    let mut summary = BatchSummary::default();
    let total = inputs.len();
    let mut taken = std::collections::HashMap::new();
    for (index, input) in inputs.iter().enumerate() {
        on_event(BatchEvent::Started {
            index,
            total,
            input,
        });
        let output = req.output_for(input);
        let name = output
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // Two inputs with one stem (a.mp4, a.mkv) would share an output.
        let result = match taken.insert(name.clone(), input.clone()) {
            Some(first) => {
                taken.insert(name.clone(), first.clone());
                Err(OpsError::Input(format!(
                    "{}: its output {name} is already that of {}; rename one of them",
                    input.display(),
                    first.display()
                )))
            }
            None => one_file(req, input, &output, &name, &options, &mut record, progress),
        };
        let outcome = match result {
            Ok(o) => o,
            Err(OpsError::Cancelled) => {
                summary.cancelled = true;
                break;
            }
            Err(e) => FileOutcome::Failed {
                error: e.to_string(),
            },
        };
        if matches!(outcome, FileOutcome::Done { .. }) {
            record.save(&record_path)?;
        }
        on_event(BatchEvent::Finished {
            input,
            outcome: &outcome,
        });
        summary.files.push((input.clone(), outcome));
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn one_file(
    req: &BatchRequest,
    input: &Path,
    output: &Path,
    name: &str,
    options: &str,
    record: &mut Record,
    progress: &dyn Progress,
) -> Result<FileOutcome, OpsError> {
    let (size, mtime) = stamp(input)?;
    let entry = Entry {
        input: input
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        input_size: size,
        input_mtime_ns: mtime,
        options: options.to_string(),
        frames: 0,
    };
    if output.exists() && !req.overwrite {
        match record.outputs.get(name) {
            Some(done)
                if Entry {
                    frames: done.frames,
                    ..entry.clone()
                } == *done =>
            {
                if verified(output, done.frames) {
                    return Ok(FileOutcome::Skipped {
                        output: output.to_path_buf(),
                    });
                }
                tracing::warn!(output = %output.display(), "recorded as done but does not verify: redoing it");
            }
            Some(_) => {
                tracing::info!(output = %output.display(), "input or options changed: redoing it")
            }
            None => {
                return Err(OpsError::Output(format!(
                    "{}: exists but was not made by this batch; move it away or use --overwrite",
                    output.display()
                )))
            }
        }
    }
    record.outputs.remove(name);
    let report = req.op.run(input, output, progress)?;
    record.outputs.insert(
        name.to_string(),
        Entry {
            frames: report.frames,
            ..entry
        },
    );
    Ok(FileOutcome::Done {
        output: output.to_path_buf(),
        frames: report.frames,
        seconds: report.seconds,
    })
}

/// The output still probes as a video with the frame count recorded (headers
/// only: the frame count of the stream or its duration × rate).
fn verified(output: &Path, frames: u64) -> bool {
    match tween_video::probe(output) {
        Ok(info) => info
            .frame_count
            .map_or(frames <= 1, |n| n.abs_diff(frames) <= 1),
        Err(_) => false,
    }
}

/// Removes `.NAME.partial-PID.EXT` files whose process is gone (a run killed
/// with SIGKILL or a power cut leaves them).
fn remove_stale_partials(dir: &Path) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for e in read.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = partial_pid(&name) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            tracing::info!(file = %e.path().display(), "removing a temporary file left by an interrupted run");
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The PID in a `.NAME.partial-PID[.EXT]` name.
fn partial_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let rest = &name[name.rfind(".partial-")? + ".partial-".len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_names_give_their_pid() {
        assert_eq!(partial_pid(".a.mp4.partial-123.mp4"), Some(123));
        assert_eq!(partial_pid(".a.partial-9"), Some(9));
        assert_eq!(partial_pid("a.mp4.partial-123.mp4"), None);
        assert_eq!(partial_pid(".a.mp4"), None);
    }

    #[test]
    fn threads_and_paths_do_not_change_the_fingerprint() {
        let mut a = ProcessRequest::new("a.mp4", "out/a.mp4");
        a.interpolate = Some(crate::Interpolation::default());
        let mut b = a.clone();
        b.input = "b.mp4".into();
        b.interpolate.as_mut().unwrap().model.threads = Some(1);
        assert_eq!(
            BatchOp::Process(a.clone()).fingerprint(),
            BatchOp::Process(b).fingerprint()
        );
        let mut c = a.clone();
        c.interpolate.as_mut().unwrap().factor = Some(4);
        assert_ne!(
            BatchOp::Process(a).fingerprint(),
            BatchOp::Process(c).fingerprint()
        );
    }

    #[test]
    fn output_inside_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let req = |out: PathBuf| BatchRequest {
            input_dir: dir.path().to_path_buf(),
            output_dir: out,
            op: BatchOp::Process(ProcessRequest::new("", "")),
            extension: "mp4".into(),
            overwrite: false,
        };
        for out in [
            dir.path().join("out"),
            dir.path().join("a/b"),
            dir.path().to_path_buf(),
        ] {
            let e = req(out.clone()).check_dirs().unwrap_err().to_string();
            assert!(
                e.contains("inside the input folder"),
                "{}: {e}",
                out.display()
            );
        }
        let other = tempfile::tempdir().unwrap();
        req(other.path().join("new")).check_dirs().unwrap();
    }
}
