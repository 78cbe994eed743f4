//! Command-line arguments. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// tween: smoother and sharper videos.
#[derive(Debug, Parser)]
#[command(name = "tween", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output (-v info, -vv debug). TWEEN_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No progress bar, errors only.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a video smoother: synthesise in-between frames (2x/4x/8x/16x or any fps).
    Interpolate(InterpolateArgs),
    /// Make a video or an image larger: Lanczos3 (default) or a Real-ESRGAN model.
    Upscale(UpscaleArgs),
    /// Interpolate then upscale in one streamed pass (no intermediate file).
    Process(ProcessArgs),
    /// Every video (or image) in a folder, resumable: finished outputs are skipped.
    Batch(BatchArgs),
    /// Two still images → a video of the motion between them (and the frames as a zip).
    Pair(PairArgs),
    /// Join clips with generated transitions: clip 1, transition, clip 2, …
    Chain(ChainArgs),
    /// Frames by index (0-based) out of a video, as PNG files.
    Extract(ExtractArgs),
    /// Re-encode for delivery: H.264 high profile, yuv420p, CRF 18, preset medium, BT.709 tags.
    Reencode(ReencodeArgs),
    /// Measure quality and speed against FFmpeg minterpolate and blending, on generated clips or (--real) real footage.
    Eval(EvalArgs),
    /// Print what tween sees in a video (size, rate, frames, depth, colour tags, streams).
    Probe(ProbeArgs),
    /// Manage neural-network weights: import (safely), list, verify.
    Models(crate::commands::models::ModelsArgs),
    /// Run the web UI and REST API with a job queue (127.0.0.1:8080 by default).
    Serve(crate::commands::serve::ServeArgs),
}

#[derive(Debug, Args)]
pub struct InterpolateArgs {
    /// Input video (any format FFmpeg reads).
    pub input: PathBuf,
    /// Output video; the container follows the extension (.mp4, .mkv, .mov, .webm).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Multiply the frame rate by this factor (2, 4, 8, 16 or any integer ≥ 2). Default 2.
    #[arg(long, conflicts_with = "fps")]
    pub factor: Option<u32>,
    /// Resample to this exact rate: 60, 59.94 (= 60000/1001), 60000/1001, 48…
    #[arg(long)]
    pub fps: Option<String>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// What to do at a scene cut: hold the nearer frame, blend, or interpolate anyway.
    #[arg(long, value_enum, default_value_t = SceneCutArg::Hold)]
    pub scene_cut: SceneCutArg,
    /// Scene-cut sensitivity: the cut score above which frames are not interpolated (0..1).
    #[arg(long, default_value_t = tween_core::scene::DEFAULT_SCENE_THRESHOLD)]
    pub scene_threshold: f64,
    #[command(flatten)]
    pub encode: EncodeArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Deinterlace the input first (bwdif); interlaced input is otherwise
    /// read as it is, with a warning.
    #[arg(long)]
    pub deinterlace: bool,
    /// Replace the output if it exists.
    #[arg(long)]
    pub overwrite: bool,
    /// Worker threads for interpolation (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `--model` and the options that go with it.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Interpolator: `classical` (optical flow, default, no weights), `blend` (cross-fade),
    /// `rife-v4.25`, `rife-v4.26`, `rife-v4.6` or `rife` (RIFE IFNet v4, any version; needs
    /// ONNX Runtime and weights: `--weights FILE`, or a model imported with `tween models
    /// import` under that name), or the NAME of any imported RIFE model.
    #[arg(long, default_value = "classical")]
    pub model: String,
    /// RIFE weights (flownet.pkl, .pth or .safetensors); the version is detected and must
    /// match the one `--model` names.
    #[arg(long, value_name = "PATH")]
    pub weights: Option<PathBuf>,
    /// RIFE flow scale: 0.25, 0.5, 1 (default), 2 or 4. 0.5 suits 4K (faster, coarser flow).
    #[arg(long)]
    pub scale: Option<f32>,
    /// RIFE padding: `minimal` (the multiple the network needs, default) or `practical`
    /// (Practical-RIFE inference_video.py: multiple of max(128, 128/scale)).
    #[arg(long, value_enum)]
    pub pad_policy: Option<PadPolicyArg>,
    /// RIFE float type: fp32 (default), fp16 or bf16 where the hardware runs it. ONNX
    /// Runtime's CPU provider has no fp16/bf16 convolutions: on CPU only fp32 is accepted.
    #[arg(long)]
    pub precision: Option<String>,
    /// Models folder for `--model NAME`. Default: $TWEEN_MODELS_DIR, else
    /// ~/.local/share/tween/models ($XDG_DATA_HOME/tween/models).
    #[arg(long)]
    pub models_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// Video codec: libx264 (h264, default), libx265 (h265/hevc), av1 (libsvtav1), vp9, ffv1 (lossless).
    #[arg(long, default_value = "libx264")]
    pub codec: String,
    /// Constant rate factor (quality; lower is better). Default: 18 for x264/x265, the codec's own otherwise.
    #[arg(long)]
    pub crf: Option<u8>,
    /// Encoder preset (x264/x265: ultrafast … veryslow; default medium).
    #[arg(long)]
    pub preset: Option<String>,
    /// Output bits per sample: 8 or 10. Default: 10 for sources of more than 8 bits, else 8.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["8", "10"]))]
    pub bit_depth: Option<String>,
}

/// How large a job may go; refused before anything is decoded when over.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Most pixels (width × height) of an output frame. Default 268435456 (16384 × 16384).
    #[arg(long, value_name = "N", default_value_t = tween_ops::DEFAULT_MAX_OUTPUT_PIXELS)]
    pub max_pixels: u64,
    /// Most pixels of an input frame or image. Default 67108864 (8192 × 8192).
    #[arg(long, value_name = "N", default_value_t = tween_ops::DEFAULT_MAX_INPUT_PIXELS)]
    pub max_input_pixels: u64,
    /// Most frames in the output video. Default 2000000.
    #[arg(long, value_name = "N", default_value_t = tween_ops::DEFAULT_MAX_OUTPUT_FRAMES)]
    pub max_frames: u64,
}

impl LimitArgs {
    pub fn limits(&self) -> tween_ops::Limits {
        tween_ops::Limits {
            max_input_pixels: self.max_input_pixels,
            max_output_pixels: self.max_pixels,
            max_output_frames: self.max_frames,
        }
    }
}

#[derive(Debug, Args)]
pub struct UpscaleArgs {
    /// Input video or image (PNG, JPEG, WebP, BMP, TIFF).
    pub input: PathBuf,
    /// Output video, or .png for an image.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Output size = input × scale (1..8). A network of another native scale is
    /// followed by Lanczos (Real-ESRGAN's --outscale).
    #[arg(long, default_value_t = 2)]
    pub scale: u32,
    /// `lanczos` (default, no weights), RealESRGAN_x4plus, RealESRGAN_x2plus,
    /// RealESRGAN_x4plus_anime_6B, realesr-general-x4v3, realesr-animevideov3, or `any`.
    #[arg(long, default_value = "lanczos")]
    pub model: String,
    /// Real-ESRGAN weights (.pth with params_ema/params, or .safetensors).
    #[arg(long, value_name = "PATH")]
    pub weights: Option<PathBuf>,
    #[command(flatten)]
    pub tiles: TileArgs,
    #[command(flatten)]
    pub encode: EncodeArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Deinterlace the input first (bwdif); interlaced input is otherwise
    /// read as it is, with a warning.
    #[arg(long)]
    pub deinterlace: bool,
    /// Replace the output if it exists.
    #[arg(long)]
    pub overwrite: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Tiling, denoise and colour fix of the upscaler.
#[derive(Debug, Args)]
pub struct TileArgs {
    /// Tile size in input pixels (0: whole frames). Bounds memory on large frames.
    #[arg(long, default_value_t = 0)]
    pub tile: usize,
    /// Context around each tile, cut off after.
    #[arg(long, default_value_t = 10)]
    pub tile_pad: usize,
    /// Reflect padding at the bottom/right before the network.
    #[arg(long, default_value_t = 0)]
    pub pre_pad: usize,
    /// realesr-general-x4v3: denoise strength 0..1 (blends its wdn twin, like -dn).
    #[arg(long)]
    pub denoise: Option<f64>,
    /// The realesr-general-wdn-x4v3 weights (default: found beside --weights).
    #[arg(long, value_name = "PATH")]
    pub denoise_weights: Option<PathBuf>,
    /// Colour correction of the result against its source: none, adain or wavelet.
    #[arg(long, value_enum, default_value_t = ColorFixArg::None)]
    pub color_fix: ColorFixArg,
}

#[derive(Debug, Args)]
pub struct ProcessArgs {
    /// Input video.
    pub input: PathBuf,
    /// Output video.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub opts: ProcessOpts,
    /// Replace the output if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

/// What `process` and `batch` do to each input.
#[derive(Debug, Args)]
pub struct ProcessOpts {
    /// Interpolate: multiply the frame rate (2x, 4x, 8x, 16x).
    #[arg(long, value_name = "Nx")]
    pub interpolate: Option<String>,
    /// Interpolate to this exact rate instead (60, 59.94, 60000/1001).
    #[arg(long, value_name = "FPS")]
    pub target_fps: Option<String>,
    /// Upscale by this factor (2x, 4x).
    #[arg(long, value_name = "Nx")]
    pub upscale: Option<String>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Upscaling model: `lanczos` (default) or a Real-ESRGAN model (see `tween upscale --help`).
    #[arg(long, default_value = "lanczos")]
    pub upscale_model: String,
    /// Real-ESRGAN weights for --upscale-model.
    #[arg(long, value_name = "PATH")]
    pub upscale_weights: Option<PathBuf>,
    #[command(flatten)]
    pub tiles: TileArgs,
    /// What to do at a scene cut: hold the nearer frame, blend, or interpolate anyway.
    #[arg(long, value_enum, default_value_t = SceneCutArg::Hold)]
    pub scene_cut: SceneCutArg,
    /// Scene-cut sensitivity (0..1).
    #[arg(long, default_value_t = tween_core::scene::DEFAULT_SCENE_THRESHOLD)]
    pub scene_threshold: f64,
    #[command(flatten)]
    pub encode: EncodeArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Deinterlace the input first (bwdif); interlaced input is otherwise
    /// read as it is, with a warning.
    #[arg(long)]
    pub deinterlace: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Folder of inputs (videos; images too when only upscaling). Not recursive.
    pub input_dir: PathBuf,
    /// Folder for the outputs (created if missing; must not be inside the input folder).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Container of the video outputs, e.g. mp4 or mkv (images are written as png).
    #[arg(long, default_value = "mp4")]
    pub ext: String,
    #[command(flatten)]
    pub opts: ProcessOpts,
    /// Redo outputs that are already finished.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorFixArg {
    None,
    Adain,
    Wavelet,
}

#[derive(Debug, Args)]
pub struct PairArgs {
    /// The first image (PNG, JPEG, WebP, BMP, TIFF; 16-bit PNG stays 16-bit).
    pub first: PathBuf,
    /// The second image.
    pub second: PathBuf,
    /// Output video.
    #[arg(short, long)]
    pub output: PathBuf,
    /// 2^passes − 1 frames between the images (1..6). Default 3 (7 frames between).
    #[arg(long, conflicts_with = "frames")]
    pub passes: Option<u32>,
    /// Or exactly this many frames in all, both images included.
    #[arg(long)]
    pub frames: Option<u64>,
    /// Frame rate of the video.
    #[arg(long, default_value = "25")]
    pub fps: String,
    /// Also write every frame as PNG into this zip file.
    #[arg(long, value_name = "ZIP")]
    pub frames_zip: Option<PathBuf>,
    /// Images of different sizes: `error` (default) or `fit` (resize the second to the first).
    #[arg(long, value_enum, default_value_t = ResizeArg::Error)]
    pub resize: ResizeArg,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub encode: EncodeArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Replace outputs that exist.
    #[arg(long)]
    pub overwrite: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ChainArgs {
    /// Two or more clips, in order.
    #[arg(required = true, num_args = 2..)]
    pub inputs: Vec<PathBuf>,
    /// Output video.
    #[arg(short, long)]
    pub output: PathBuf,
    /// A transition of 2^passes − 1 frames at each join (1..6).
    #[arg(long, default_value_t = 2)]
    pub passes: u32,
    /// Output rate (default: the first clip's); clips at other rates are interpolated to it.
    #[arg(long)]
    pub fps: Option<String>,
    /// Clips of another size than the first: `error` (default) or `fit` (resize).
    #[arg(long, value_enum, default_value_t = ResizeArg::Error)]
    pub resize: ResizeArg,
    /// What to do at a scene cut inside a clip.
    #[arg(long, value_enum, default_value_t = SceneCutArg::Hold)]
    pub scene_cut: SceneCutArg,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub encode: EncodeArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Replace the output if it exists.
    #[arg(long)]
    pub overwrite: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Input video.
    pub input: PathBuf,
    /// First frame (0-based).
    #[arg(long)]
    pub start: u64,
    /// Last frame (0-based, included). Default: the start frame.
    #[arg(long)]
    pub end: Option<u64>,
    /// Only the frames at --start and --end, not those between.
    #[arg(long)]
    pub ends_only: bool,
    /// Folder for the PNGs (frame_NNNNNN.png); it must exist.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Replace PNGs that exist.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Debug, Args)]
pub struct ReencodeArgs {
    /// Input video.
    pub input: PathBuf,
    /// Output video.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Video codec.
    #[arg(long, default_value = "libx264")]
    pub codec: String,
    /// Encoder profile (x264/x265).
    #[arg(long, default_value = "high")]
    pub profile: String,
    /// Pixel format: yuv420p, yuv422p, yuv444p or their 10-bit forms (yuv420p10le…).
    #[arg(long, default_value = "yuv420p")]
    pub pix_fmt: String,
    /// Constant rate factor (default 18; x264/x265 0–51, AV1/VP9 0–63; none for ffv1).
    #[arg(long)]
    pub crf: Option<u8>,
    /// Encoder preset (default: medium for x264/x265, the codec's own otherwise).
    #[arg(long)]
    pub preset: Option<String>,
    /// Colour tags: `bt709` (default) or `source` (keep the input's).
    #[arg(long, value_enum, default_value_t = ColorArg::Bt709)]
    pub color: ColorArg,
    /// Replace the output if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResizeArg {
    Error,
    Fit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Bt709,
    Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PadPolicyArg {
    Minimal,
    Practical,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SceneCutArg {
    Hold,
    Blend,
    Interpolate,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Frame size of the generated clips, WxH.
    #[arg(long, default_value = "1280x720")]
    pub size: String,
    /// Input frames per clip (the ground truth has twice as many).
    #[arg(long, default_value_t = 40)]
    pub frames: u32,
    /// Folder for report.json, worst.png and temporary clips.
    #[arg(short, long, default_value = "eval-out")]
    pub out: PathBuf,
    /// Keep the generated and interpolated clips.
    #[arg(long)]
    pub keep: bool,
    /// Clips to run (default all): pan, zoom, rotate, sprites, brightness, cut, combined.
    #[arg(long, value_delimiter = ',')]
    pub clips: Vec<String>,
    /// Score real footage instead of the generated clips (those do not run):
    /// DIR/<seq>/00000.jpg (or .png) ..., the even frames as 30 fps input, the
    /// odd ones held out; writes real.json and worst-<seq>.png to --out.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["size", "frames", "clips"])]
    pub real: Option<PathBuf>,
    /// With --real: only these sequences (sub-folder names).
    #[arg(long, value_delimiter = ',', requires = "real")]
    pub seq: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Video to describe.
    pub input: PathBuf,
}
