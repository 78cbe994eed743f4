//! `tween probe`: what tween sees in a video.

use anyhow::Result;

use crate::args::ProbeArgs;
use crate::stdout::outln;

pub fn run(args: ProbeArgs) -> Result<()> {
    let info = tween_video::probe(&args.input)?;
    outln!("file:        {}", args.input.display());
    outln!("container:   {}", info.container);
    outln!(
        "video:       {} {}x{} {} ({}-bit, {:?})",
        info.codec,
        info.width,
        info.height,
        info.pixel_format,
        info.bit_depth,
        info.chroma
    );
    outln!(
        "frame rate:  {} ({:.3} fps)",
        info.frame_rate,
        info.frame_rate.to_f64()
    );
    match info.frame_count {
        Some(n) => outln!("frames:      {n}"),
        None => outln!("frames:      unknown"),
    }
    match info.duration {
        Some(d) => outln!("duration:    {:.3} s", d.to_f64()),
        None => outln!("duration:    unknown"),
    }
    outln!("scan:        {}", info.field_order);
    if let Some(r) = info.rotation {
        outln!("rotation:    {r:.0}° (display matrix)");
    }
    if let Some(sar) = info.sample_aspect_ratio {
        outln!("pixel shape: {sar} (sample aspect ratio)");
    }
    outln!(
        "colour:      primaries {} transfer {} matrix {} range {:?}",
        info.color.primaries,
        info.color.transfer,
        info.color.matrix,
        info.color.range
    );
    outln!("audio:       {} stream(s)", info.audio_streams);
    outln!("subtitles:   {} stream(s)", info.subtitle_streams);
    Ok(())
}
