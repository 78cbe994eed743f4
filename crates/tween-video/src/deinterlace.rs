//! Deinterlacing decoded frames before they become RGB: libavfilter's
//! `bwdif` in `send_frame` mode (one progressive frame per interlaced
//! frame, same timestamps), so that interpolation never treats two fields
//! woven into one picture as a frame.

use ffmpeg_next::{filter, frame, Error, Rescale};

/// `buffer → bwdif → buffersink`, built on the first frame (its pixel
/// format and size are what the graph is configured for).
pub(crate) struct Deinterlacer {
    time_base: ffmpeg_next::Rational,
    graph: Option<filter::Graph>,
    flushed: bool,
}

/// What [`Deinterlacer::pull`] found.
pub(crate) enum Pulled {
    Frame,
    /// Feed more frames (or flush).
    NeedMore,
    /// Flushed and empty.
    End,
}

impl Deinterlacer {
    /// A deinterlacer for frames whose timestamps are in `time_base`.
    pub(crate) fn new(time_base: ffmpeg_next::Rational) -> Self {
        Deinterlacer {
            time_base,
            graph: None,
            flushed: false,
        }
    }

    fn build(&self, f: &frame::Video) -> Result<filter::Graph, Error> {
        let mut graph = filter::Graph::new();
        let pix: ffmpeg_next::ffi::AVPixelFormat = f.format().into();
        let sar = f.aspect_ratio();
        let (sn, sd) = if sar.numerator() > 0 && sar.denominator() > 0 {
            (sar.numerator(), sar.denominator())
        } else {
            (1, 1)
        };
        let args = format!(
            "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect={sn}/{sd}",
            f.width(),
            f.height(),
            pix as i32,
            self.time_base.numerator(),
            self.time_base.denominator().max(1),
        );
        graph.add(
            &filter::find("buffer").ok_or(Error::FilterNotFound)?,
            "in",
            &args,
        )?;
        graph.add(
            &filter::find("buffersink").ok_or(Error::FilterNotFound)?,
            "out",
            "",
        )?;
        graph
            .output("in", 0)?
            .input("out", 0)?
            .parse("bwdif=mode=send_frame:parity=auto:deint=all")?;
        graph.validate()?;
        Ok(graph)
    }

    /// Hands a decoded frame to the filter; its best-effort timestamp
    /// becomes the pts the filter carries through.
    pub(crate) fn push(&mut self, f: &mut frame::Video) -> Result<(), Error> {
        if self.graph.is_none() {
            self.graph = Some(self.build(f)?);
        }
        let pts = f.timestamp().or(f.pts());
        f.set_pts(pts);
        let graph = self.graph.as_mut().expect("built above");
        graph.get("in").expect("built").source().add(f)
    }

    /// Tells the filter that no more frames come, so it returns the last one.
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        self.flushed = true;
        match self.graph.as_mut() {
            Some(g) => g.get("in").expect("built").source().flush(),
            None => Ok(()),
        }
    }

    /// Takes a deinterlaced frame into `out` when one is ready.
    pub(crate) fn pull(&mut self, out: &mut frame::Video) -> Result<Pulled, Error> {
        let Some(graph) = self.graph.as_mut() else {
            return Ok(if self.flushed {
                Pulled::End
            } else {
                Pulled::NeedMore
            });
        };
        let mut sink = graph.get("out").expect("built");
        let mut sink = sink.sink();
        match sink.frame(out) {
            Ok(()) => {
                // bwdif halves the time base (for its field mode); back to the stream's.
                let tb = sink.time_base();
                if let Some(pts) = out.pts() {
                    out.set_pts(Some(pts.rescale(tb, self.time_base)));
                }
                Ok(Pulled::Frame)
            }
            Err(Error::Other {
                errno: ffmpeg_next::util::error::EAGAIN,
            }) if !self.flushed => Ok(Pulled::NeedMore),
            Err(Error::Eof)
            | Err(Error::Other {
                errno: ffmpeg_next::util::error::EAGAIN,
            }) => Ok(Pulled::End),
            Err(e) => Err(e),
        }
    }
}
