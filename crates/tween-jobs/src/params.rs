//! Job parameters: the JSON a client sends, checked and turned into typed
//! parameters per kind. Problems name the field.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ParamError;
use crate::model::JobKind;

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InputRef {
    /// A file uploaded with `POST /api/uploads`.
    Upload { upload: String },
    /// A file under the server's input folder, relative to it.
    Path { path: String },
    /// A result of a finished job.
    Job { job: String, file: String },
}

/// Settings of an upscale step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpscaleStep {
    #[serde(default = "two")]
    pub scale: u32,
    #[serde(default = "lanczos")]
    pub model: String,
    #[serde(default)]
    pub tile: u32,
    #[serde(default = "none")]
    pub color_fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractParams {
    pub input: InputRef,
    pub start: u64,
    pub end: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairParams {
    pub first: InputRef,
    pub second: InputRef,
    #[serde(default)]
    pub passes: Option<u32>,
    #[serde(default)]
    pub frames: Option<u64>,
    #[serde(default = "fps25")]
    pub fps: String,
    #[serde(default = "classical")]
    pub model: String,
    #[serde(default = "error")]
    pub resize: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainParams {
    pub inputs: Vec<InputRef>,
    #[serde(default = "one")]
    pub passes: u32,
    #[serde(default)]
    pub fps: Option<String>,
    #[serde(default = "classical")]
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterpolateParams {
    pub input: InputRef,
    #[serde(default)]
    pub factor: Option<u32>,
    #[serde(default)]
    pub fps: Option<String>,
    #[serde(default = "classical")]
    pub model: String,
    #[serde(default = "hold")]
    pub scene_cut: String,
    #[serde(default)]
    pub upscale: Option<UpscaleStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpscaleParams {
    pub input: InputRef,
    #[serde(default = "two")]
    pub scale: u32,
    #[serde(default = "lanczos")]
    pub model: String,
    #[serde(default)]
    pub tile: u32,
    #[serde(default = "none")]
    pub color_fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReencodeParams {
    pub input: InputRef,
    #[serde(default = "libx264")]
    pub codec: String,
    #[serde(default = "high")]
    pub profile: String,
    #[serde(default = "yuv420p")]
    pub pix_fmt: String,
    #[serde(default = "crf18")]
    pub crf: u32,
    #[serde(default = "medium")]
    pub preset: String,
    #[serde(default = "bt709")]
    pub color: String,
}

/// A job's parameters, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Params {
    Extract(ExtractParams),
    Pair(PairParams),
    Chain(ChainParams),
    Interpolate(InterpolateParams),
    Upscale(UpscaleParams),
    Reencode(ReencodeParams),
}

impl Params {
    /// Checks `value` for `kind`: the right fields with usable values.
    pub fn parse(kind: JobKind, value: &Value) -> Result<Params, ParamError> {
        if !value.is_object() {
            return Err(ParamError::new("params", "must be a JSON object"));
        }
        let params = match kind {
            JobKind::Extract => Params::Extract(decode(value)?),
            JobKind::Pair => Params::Pair(decode(value)?),
            JobKind::Chain => Params::Chain(decode(value)?),
            JobKind::Interpolate => Params::Interpolate(decode(value)?),
            JobKind::Upscale => Params::Upscale(decode(value)?),
            JobKind::Reencode => Params::Reencode(decode(value)?),
        };
        params.check()?;
        Ok(params)
    }

    /// The parameters with every default filled in, as JSON (what the job stores).
    pub fn to_value(&self) -> Value {
        let v = match self {
            Params::Extract(p) => serde_json::to_value(p),
            Params::Pair(p) => serde_json::to_value(p),
            Params::Chain(p) => serde_json::to_value(p),
            Params::Interpolate(p) => serde_json::to_value(p),
            Params::Upscale(p) => serde_json::to_value(p),
            Params::Reencode(p) => serde_json::to_value(p),
        };
        v.unwrap_or(Value::Null)
    }

    /// Every input the job reads, with the field it came from.
    pub fn inputs(&self) -> Vec<(String, &InputRef)> {
        match self {
            Params::Extract(p) => vec![("input".into(), &p.input)],
            Params::Pair(p) => vec![("first".into(), &p.first), ("second".into(), &p.second)],
            Params::Chain(p) => p
                .inputs
                .iter()
                .enumerate()
                .map(|(i, r)| (format!("inputs[{i}]"), r))
                .collect(),
            Params::Interpolate(p) => vec![("input".into(), &p.input)],
            Params::Upscale(p) => vec![("input".into(), &p.input)],
            Params::Reencode(p) => vec![("input".into(), &p.input)],
        }
    }

    fn check(&self) -> Result<(), ParamError> {
        match self {
            Params::Extract(p) => {
                if p.start > p.end {
                    return Err(ParamError::new(
                        "start",
                        format!("start ({}) must not be after end ({})", p.start, p.end),
                    ));
                }
            }
            Params::Pair(p) => {
                if let Some(passes) = p.passes {
                    range("passes", passes, 1, 6)?;
                }
                if let Some(frames) = p.frames {
                    if frames < 2 {
                        return Err(ParamError::new(
                            "frames",
                            "must be at least 2 (the two images)",
                        ));
                    }
                    if frames > 100_000 {
                        return Err(ParamError::new("frames", "must be at most 100000"));
                    }
                }
                if p.passes.is_some() && p.frames.is_some() {
                    return Err(ParamError::new("frames", "give passes or frames, not both"));
                }
                rate("fps", &p.fps)?;
                one_of("resize", &p.resize, &["error", "fit"])?;
            }
            Params::Chain(p) => {
                if p.inputs.len() < 2 {
                    return Err(ParamError::new("inputs", "needs at least two clips"));
                }
                range("passes", p.passes, 1, 6)?;
                if let Some(fps) = &p.fps {
                    rate("fps", fps)?;
                }
            }
            Params::Interpolate(p) => {
                if let Some(f) = p.factor {
                    if !matches!(f, 2 | 4 | 8 | 16) {
                        return Err(ParamError::new(
                            "factor",
                            format!("must be 2, 4, 8 or 16, not {f}"),
                        ));
                    }
                }
                if p.factor.is_some() && p.fps.is_some() {
                    return Err(ParamError::new("fps", "give factor or fps, not both"));
                }
                if let Some(fps) = &p.fps {
                    rate("fps", fps)?;
                }
                one_of("scene_cut", &p.scene_cut, &["hold", "blend", "interpolate"])?;
                if let Some(u) = &p.upscale {
                    upscale_step("upscale.", u.scale, &u.color_fix)?;
                }
            }
            Params::Upscale(p) => upscale_step("", p.scale, &p.color_fix)?,
            Params::Reencode(p) => {
                range("crf", p.crf, 0, 63)?;
                if p.codec.is_empty() {
                    return Err(ParamError::new("codec", "must not be empty"));
                }
            }
        }
        for (field, input) in self.inputs() {
            check_input(&field, input)?;
        }
        Ok(())
    }
}

fn decode<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, ParamError> {
    serde_json::from_value(value.clone()).map_err(|e| {
        let text = e.to_string();
        // serde names the field in "missing field `x`" / "unknown field `x`".
        let field = text
            .split('`')
            .nth(1)
            .filter(|_| text.contains("field"))
            .unwrap_or("params")
            .to_string();
        ParamError::new(field, text)
    })
}

fn check_input(field: &str, input: &InputRef) -> Result<(), ParamError> {
    match input {
        InputRef::Upload { upload } if upload.is_empty() => {
            Err(ParamError::new(field, "the upload id is empty"))
        }
        InputRef::Path { path } if path.is_empty() => {
            Err(ParamError::new(field, "the path is empty"))
        }
        InputRef::Job { job, file } if job.is_empty() || file.is_empty() => Err(ParamError::new(
            field,
            "a job result needs both job and file",
        )),
        _ => Ok(()),
    }
}

fn upscale_step(prefix: &str, scale: u32, color_fix: &str) -> Result<(), ParamError> {
    if !matches!(scale, 2 | 4) {
        return Err(ParamError::new(
            format!("{prefix}scale"),
            format!("must be 2 or 4, not {scale}"),
        ));
    }
    one_of(
        &format!("{prefix}color_fix"),
        color_fix,
        &["none", "adain", "wavelet"],
    )
}

fn range(field: &str, v: u32, lo: u32, hi: u32) -> Result<(), ParamError> {
    if v < lo || v > hi {
        return Err(ParamError::new(
            field,
            format!("must be between {lo} and {hi}, not {v}"),
        ));
    }
    Ok(())
}

fn one_of(field: &str, v: &str, allowed: &[&str]) -> Result<(), ParamError> {
    if !allowed.contains(&v) {
        return Err(ParamError::new(
            field,
            format!("must be one of {}, not {v:?}", allowed.join(", ")),
        ));
    }
    Ok(())
}

/// A frame rate: a positive number ("25", "59.94") or a ratio ("30000/1001").
fn rate(field: &str, v: &str) -> Result<(), ParamError> {
    let ok = match v.split_once('/') {
        Some((n, d)) => {
            matches!((n.trim().parse::<u64>(), d.trim().parse::<u64>()), (Ok(n), Ok(d)) if n > 0 && d > 0)
        }
        None => v
            .trim()
            .parse::<f64>()
            .is_ok_and(|f| f.is_finite() && f > 0.0 && f <= 1000.0),
    };
    if ok {
        Ok(())
    } else {
        Err(ParamError::new(
            field,
            format!("{v:?} is not a frame rate (e.g. 25, 59.94, 30000/1001)"),
        ))
    }
}

fn two() -> u32 {
    2
}
fn one() -> u32 {
    1
}
fn crf18() -> u32 {
    18
}
fn lanczos() -> String {
    "lanczos".into()
}
fn none() -> String {
    "none".into()
}
fn fps25() -> String {
    "25".into()
}
fn classical() -> String {
    "classical".into()
}
fn error() -> String {
    "error".into()
}
fn hold() -> String {
    "hold".into()
}
fn libx264() -> String {
    "libx264".into()
}
fn high() -> String {
    "high".into()
}
fn yuv420p() -> String {
    "yuv420p".into()
}
fn medium() -> String {
    "medium".into()
}
fn bt709() -> String {
    "bt709".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_filled_in() {
        let p = Params::parse(JobKind::Reencode, &json!({"input": {"upload": "u_ab"}})).unwrap();
        let v = p.to_value();
        assert_eq!(v["codec"], "libx264");
        assert_eq!(v["crf"], 18);
        assert_eq!(v["input"], json!({"upload": "u_ab"}));
    }

    #[test]
    fn problems_name_the_field() {
        let e = Params::parse(
            JobKind::Extract,
            &json!({"input": {"path": "a.mp4"}, "start": 9, "end": 3}),
        )
        .unwrap_err();
        assert_eq!(e.field, "start");
        let e = Params::parse(
            JobKind::Interpolate,
            &json!({"input": {"path": "a.mp4"}, "factor": 3}),
        )
        .unwrap_err();
        assert_eq!(e.field, "factor");
        let e = Params::parse(
            JobKind::Extract,
            &json!({"input": {"path": "a.mp4"}, "end": 3}),
        )
        .unwrap_err();
        assert_eq!(e.field, "start", "{e}");
        let e = Params::parse(
            JobKind::Chain,
            &json!({"inputs": [{"path": "a.mp4"}], "passes": 1}),
        )
        .unwrap_err();
        assert_eq!(e.field, "inputs");
        let e = Params::parse(
            JobKind::Pair,
            &json!({"first": {"path": "a"}, "second": {"path": "b"}, "fps": "x"}),
        )
        .unwrap_err();
        assert_eq!(e.field, "fps");
    }

    #[test]
    fn input_refs_of_each_form() {
        let p = Params::parse(
            JobKind::Chain,
            &json!({"inputs": [{"upload": "u_1"}, {"path": "x/y.mp4"}, {"job": "j_1", "file": "end.png"}]}),
        )
        .unwrap();
        let inputs = p.inputs();
        assert_eq!(inputs.len(), 3);
        assert_eq!(
            inputs[2].1,
            &InputRef::Job {
                job: "j_1".into(),
                file: "end.png".into()
            }
        );
    }
}
