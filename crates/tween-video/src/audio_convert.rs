//! The filter graph both audio re-encoding paths (`audio_transcode`,
//! `audio_source`) use to turn decoded audio into what an encoder takes:
//! `abuffer → anull → abuffersink`, with the sink's sample format, channel
//! layout and rate set, so that FFmpeg inserts the conversion.

use ffmpeg_next::{filter, format, ChannelLayout, Error};

/// A decoder's channel layout, or the default one for `channels` where the
/// stream left it unset or it disagrees with the channel count.
pub(crate) fn input_layout(layout: ChannelLayout, channels: i32) -> ChannelLayout {
    if layout.is_empty() || layout.channels() != channels {
        ChannelLayout::default(channels)
    } else {
        layout
    }
}

/// The converting graph from decoded `(rate, format, layout)` to the
/// encoder's `(format, layout, rate)`; pads `in` and `out`, validated.
pub(crate) fn converter(
    (in_rate, in_format, in_layout): (u32, format::Sample, ChannelLayout),
    (out_format, out_layout, out_rate): (format::Sample, ChannelLayout, u32),
) -> Result<filter::Graph, Error> {
    let mut graph = filter::Graph::new();
    let args = format!(
        "time_base=1/{in_rate}:sample_rate={in_rate}:sample_fmt={}:channel_layout=0x{:x}",
        in_format.name(),
        in_layout.bits()
    );
    graph.add(
        &filter::find("abuffer").ok_or(Error::FilterNotFound)?,
        "in",
        &args,
    )?;
    graph.add(
        &filter::find("abuffersink").ok_or(Error::FilterNotFound)?,
        "out",
        "",
    )?;
    {
        let mut out = graph.get("out").expect("added above");
        out.set_sample_format(out_format);
        out.set_channel_layout(out_layout);
        out.set_sample_rate(out_rate);
    }
    graph.output("in", 0)?.input("out", 0)?.parse("anull")?;
    graph.validate()?;
    Ok(graph)
}
