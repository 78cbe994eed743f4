//! `tween probe`: what tween sees in a video.

use anyhow::Result;

use crate::args::ProbeArgs;

pub fn run(args: ProbeArgs) -> Result<()> {
    let info = tween_video::probe(&args.input)?;
    println!("file:        {}", args.input.display());
    println!("container:   {}", info.container);
    println!(
        "video:       {} {}x{} {} ({}-bit, {:?})",
        info.codec, info.width, info.height, info.pixel_format, info.bit_depth, info.chroma
    );
    println!(
        "frame rate:  {} ({:.3} fps)",
        info.frame_rate,
        info.frame_rate.to_f64()
    );
    match info.frame_count {
        Some(n) => println!("frames:      {n}"),
        None => println!("frames:      unknown"),
    }
    match info.duration {
        Some(d) => println!("duration:    {:.3} s", d.to_f64()),
        None => println!("duration:    unknown"),
    }
    println!(
        "colour:      primaries {} transfer {} matrix {} range {:?}",
        info.color.primaries, info.color.transfer, info.color.matrix, info.color.range
    );
    println!("audio:       {} stream(s)", info.audio_streams);
    println!("subtitles:   {} stream(s)", info.subtitle_streams);
    Ok(())
}
