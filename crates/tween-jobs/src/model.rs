//! What a job is: its id, kind, state, parameters, progress, results and error.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A job's id, `j_` followed by 32 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub String);

impl JobId {
    /// A fresh random id.
    pub fn new() -> Self {
        JobId(format!("j_{}", uuid::Uuid::new_v4().simple()))
    }

    /// Parses an id a client sent: `j_` then hex digits only (so it can be
    /// used as a folder name).
    pub fn parse(s: &str) -> Option<Self> {
        is_id(s, "j_").then(|| JobId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for JobId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An upload's id, `u_` followed by 32 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UploadId(pub String);

impl UploadId {
    pub fn new() -> Self {
        UploadId(format!("u_{}", uuid::Uuid::new_v4().simple()))
    }

    pub fn parse(s: &str) -> Option<Self> {
        is_id(s, "u_").then(|| UploadId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for UploadId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UploadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JobKind {
    Extract,
    Pair,
    Chain,
    Interpolate,
    Upscale,
    Reencode,
}

impl JobKind {
    pub const ALL: [JobKind; 6] = [
        JobKind::Extract,
        JobKind::Pair,
        JobKind::Chain,
        JobKind::Interpolate,
        JobKind::Upscale,
        JobKind::Reencode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Extract => "extract",
            JobKind::Pair => "pair",
            JobKind::Chain => "chain",
            JobKind::Interpolate => "interpolate",
            JobKind::Upscale => "upscale",
            JobKind::Reencode => "reencode",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        JobState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Done, failed or cancelled: nothing will change any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

/// How far a job has got.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobProgress {
    /// Frames written so far.
    pub done: u64,
    /// Frames the job will write, when known.
    pub total: Option<u64>,
    /// Frames per second of wall-clock time so far.
    pub fps: f64,
    /// Seconds left at the current speed, when the total is known.
    pub eta_s: Option<f64>,
    /// done / total, when the total is known.
    pub fraction: Option<f64>,
}

impl JobProgress {
    /// Progress from the counts and the seconds spent.
    pub fn compute(done: u64, total: Option<u64>, elapsed_s: f64) -> Self {
        let fps = if elapsed_s > 0.0 {
            done as f64 / elapsed_s
        } else {
            0.0
        };
        let fraction = total.map(|t| {
            if t == 0 {
                1.0
            } else {
                (done as f64 / t as f64).min(1.0)
            }
        });
        let eta_s = match total {
            Some(t) if fps > 0.0 => Some(t.saturating_sub(done) as f64 / fps),
            _ => None,
        };
        JobProgress {
            done,
            total,
            fps,
            eta_s,
            fraction,
        }
    }
}

/// Why a job failed: a stable code and a readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
}

/// One file a finished job made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultFile {
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub url: String,
}

/// A job as the store keeps it and the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "j_0123456789abcdef0123456789abcdef"))]
    pub id: JobId,
    pub kind: JobKind,
    pub state: JobState,
    /// The parameters as the client sent them (validated).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: serde_json::Value,
    /// RFC 3339.
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub progress: JobProgress,
    pub error: Option<ErrorInfo>,
    pub results: Vec<ResultFile>,
    /// Facts about the result (re-encode: its encoding).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub info: Option<serde_json::Value>,
    /// Who submitted it (remote address or token holder); not shown to clients.
    #[serde(skip)]
    pub client: String,
    /// How many times a worker has started it (restarts count).
    #[serde(skip)]
    pub attempts: u32,
}

/// An uploaded file: the client's name is metadata only, the file lives
/// under a generated name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Upload {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "u_0123456789abcdef0123456789abcdef"))]
    pub id: UploadId,
    /// The name the client gave (display only).
    pub name: String,
    pub size: u64,
    /// "video" or "image".
    pub kind: String,
    /// Probe (video) or image information.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub info: serde_json::Value,
    pub created_at: String,
    /// Where it is stored, relative to the storage root.
    #[serde(skip)]
    pub stored: String,
    #[serde(skip)]
    pub client: String,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// RFC 3339 text for a millisecond time.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_anything_but_prefix_and_hex() {
        assert!(JobId::parse(JobId::new().as_str()).is_some());
        assert!(JobId::parse("j_../../etc").is_none());
        assert!(JobId::parse("u_abc").is_none());
        assert!(JobId::parse("j_").is_none());
        assert!(UploadId::parse("u_0a9F").is_some());
        assert!(UploadId::parse("u_0a/9").is_none());
    }

    #[test]
    fn progress_fraction_and_eta() {
        let p = JobProgress::compute(50, Some(200), 5.0);
        assert_eq!(p.fps, 10.0);
        assert_eq!(p.fraction, Some(0.25));
        assert_eq!(p.eta_s, Some(15.0));
        let p = JobProgress::compute(7, None, 0.0);
        assert_eq!((p.fps, p.fraction, p.eta_s), (0.0, None, None));
    }
}
