//! Conversions between FFmpeg's rationals/timestamps and tween's exact
//! [`Rational`] seconds.

use ffmpeg_next as ff;
use tween_core::Rational;

/// FFmpeg rational → tween rational; `None` for 0/0 or x/0 ("unknown").
pub(crate) fn from_ff(r: ff::Rational) -> Option<Rational> {
    Rational::checked_new(r.numerator() as i64, r.denominator() as i64)
}

/// tween rational → FFmpeg rational; `None` when it does not fit in i32/i32.
pub(crate) fn to_ff(r: Rational) -> Option<ff::Rational> {
    let n = i32::try_from(r.num()).ok()?;
    let d = i32::try_from(r.den()).ok()?;
    Some(ff::Rational::new(n, d))
}

/// `ts × time_base` in seconds, exactly.
pub(crate) fn ts_to_seconds(ts: i64, time_base: Rational) -> Option<Rational> {
    time_base.mul_int(ts)
}

/// Seconds → the nearest tick of `time_base` (halves rounded up).
pub(crate) fn seconds_to_ts(seconds: Rational, time_base: Rational) -> Option<i64> {
    Some(seconds.checked_div(time_base)?.round())
}

/// Puts back onto their constant-rate grid the timestamps of a stream that
/// the container rounded to a coarse time base: Matroska and WebM store
/// milliseconds, so a 30 fps video arrives at 0, 33, 67, 100 ms instead of
/// k/30 s. Each frame is checked as it arrives: while every timestamp lies
/// within the container's rounding (1.5 ticks of the time base: half a tick
/// of rounding at each end of an interval, plus one for muxers that
/// truncate) of `origin + k / rate`, with k increasing, it is replaced by
/// that exact grid time. From the first frame that does not fit (real
/// variable frame rate: gaps that are not whole frames, phone captures) the
/// stream keeps its own timestamps to the end, as it would without this.
/// Nothing is buffered.
#[derive(Debug, Clone)]
pub(crate) struct GridSnap {
    step: Rational,
    tolerance: Rational,
    /// Grid origin and index of the last frame snapped.
    last: Option<(Rational, i64)>,
    active: bool,
}

impl GridSnap {
    /// A snapper for frames of nominal `rate` stored in ticks of `time_base`.
    /// Inactive when a frame lasts no more than 3 ticks (the rounding would
    /// be ambiguous, and such a time base is fine enough anyway).
    pub(crate) fn new(rate: Rational, time_base: Rational) -> Self {
        let step = rate.recip().unwrap_or(Rational::ZERO);
        let tolerance = time_base.checked_mul(Rational::new(3, 2));
        let active = match (step.is_positive(), tolerance, time_base.mul_int(3)) {
            (true, Some(_), Some(three)) => step > three,
            _ => false,
        };
        GridSnap {
            step,
            tolerance: tolerance.unwrap_or(Rational::ZERO),
            last: None,
            active,
        }
    }

    /// Whether timestamps are still being snapped (no frame has left the grid).
    #[cfg(test)]
    pub(crate) fn is_snapping(&self) -> bool {
        self.active
    }

    /// The nearest grid point `origin + k·step` to `t`, with k, when `t` lies
    /// within the tolerance of it.
    fn fit(&self, origin: Rational, t: Rational) -> Option<(Rational, i64)> {
        let k = t.checked_sub(origin)?.checked_div(self.step)?.round();
        let grid = origin.checked_add(self.step.mul_int(k)?)?;
        let off = t.checked_sub(grid)?;
        let abs = if off < Rational::ZERO {
            Rational::ZERO.checked_sub(off)?
        } else {
            off
        };
        (abs <= self.tolerance).then_some((grid, k))
    }

    /// The time to use for a frame stamped `t` (seconds), frames in
    /// presentation order.
    pub(crate) fn snap(&mut self, t: Rational) -> Rational {
        if !self.active {
            return t;
        }
        let fitted = match self.last {
            // The first frame: on the grid through time zero when it fits
            // (what the muxer rounded), else the grid starts at it.
            None => Some(
                self.fit(Rational::ZERO, t)
                    .map_or((Rational::ZERO, t, 0), |(g, k)| (Rational::ZERO, g, k)),
            ),
            Some((origin, last_k)) => self
                .fit(origin, t)
                .filter(|&(_, k)| k > last_k)
                .map(|(g, k)| (origin, g, k)),
        };
        match fitted {
            Some((origin, grid, k)) => {
                self.last = Some((origin, k));
                grid
            }
            None => {
                tracing::debug!(
                    "frame at {:.6} s is off the {:.6} s grid: timestamps kept as stored from here on",
                    t.to_f64(),
                    self.step.to_f64()
                );
                self.active = false;
                t
            }
        }
    }
}

/// Parses a Matroska `DURATION` tag, `HH:MM:SS.nnnnnnnnn`, exactly.
pub(crate) fn parse_hms(s: &str) -> Option<Rational> {
    let mut parts = s.trim().split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let h: i64 = h.parse().ok()?;
    let m: i64 = m.parse().ok()?;
    let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
    let frac = &frac[..frac.len().min(9)];
    let whole: i64 = whole.parse().ok()?;
    let den = 10i64.pow(frac.len() as u32);
    let f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    Rational::from_int(h * 3600 + m * 60 + whole).checked_add(Rational::checked_new(f, den)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_matroska_durations() {
        assert_eq!(
            super::parse_hms("00:00:02.000000000"),
            Some(Rational::from_int(2))
        );
        assert_eq!(super::parse_hms("01:02:03.5"), Some(Rational::new(7447, 2)));
        assert_eq!(super::parse_hms("garbage"), None);
    }

    use super::*;

    #[test]
    fn round_trips() {
        let tb = Rational::new(1, 90000);
        let t = ts_to_seconds(3003, tb).unwrap();
        assert_eq!(t, Rational::new(1001, 30000));
        assert_eq!(seconds_to_ts(t, tb), Some(3003));
        assert_eq!(from_ff(ff::Rational::new(0, 0)), None);
        assert_eq!(
            to_ff(Rational::new(60000, 1001)),
            Some(ff::Rational::new(60000, 1001))
        );
    }

    fn ms(v: &[i64]) -> Vec<Rational> {
        v.iter().map(|&m| Rational::new(m, 1000)).collect()
    }

    #[test]
    fn rounded_milliseconds_snap_to_the_exact_grid() {
        let mut g = GridSnap::new(Rational::from_int(30), Rational::new(1, 1000));
        let got: Vec<Rational> = ms(&[0, 33, 67, 100, 133, 167, 200])
            .into_iter()
            .map(|t| g.snap(t))
            .collect();
        let want: Vec<Rational> = (0..7).map(|k| Rational::new(k, 30)).collect();
        assert_eq!(got, want);
        assert!(g.is_snapping());
    }

    #[test]
    fn ntsc_rate_and_a_late_start_snap_too() {
        // 30000/1001 starting at frame 5, truncated rather than rounded.
        let rate = Rational::new(30000, 1001);
        let mut g = GridSnap::new(rate, Rational::new(1, 1000));
        for k in 5..300i64 {
            let exact = Rational::new(k * 1001, 30000);
            let stored = Rational::new(exact.mul_int(1000).unwrap().floor(), 1000);
            assert_eq!(g.snap(stored), exact, "frame {k}");
        }
        // A dropped frame (a gap of two whole frames) stays on the grid.
        let exact = Rational::new(301 * 1001, 30000);
        let stored = Rational::new(exact.mul_int(1000).unwrap().round(), 1000);
        assert_eq!(g.snap(stored), exact);
    }

    #[test]
    fn real_vfr_keeps_its_timestamps_from_the_first_frame_off_the_grid() {
        let mut g = GridSnap::new(Rational::from_int(30), Rational::new(1, 1000));
        let stored = ms(&[0, 33, 67, 85, 100, 133]);
        let got: Vec<Rational> = stored.iter().map(|&t| g.snap(t)).collect();
        assert_eq!(
            &got[..3],
            &[Rational::ZERO, Rational::new(1, 30), Rational::new(2, 30)]
        );
        assert_eq!(
            &got[3..],
            &stored[3..],
            "raw from the first frame off the grid"
        );
        assert!(!g.is_snapping());
    }

    #[test]
    fn fine_time_bases_and_repeated_stamps_are_left_alone() {
        // 1/90000: exact stamps stay exact; off-grid ones are not moved.
        let mut g = GridSnap::new(Rational::from_int(30), Rational::new(1, 90000));
        assert_eq!(g.snap(Rational::new(3000, 90000)), Rational::new(1, 30));
        assert_eq!(
            g.snap(Rational::new(6100, 90000)),
            Rational::new(6100, 90000)
        );
        // A repeated grid slot is not a constant-rate stream.
        let mut g = GridSnap::new(Rational::from_int(30), Rational::new(1, 1000));
        g.snap(Rational::ZERO);
        assert_eq!(g.snap(Rational::new(1, 1000)), Rational::new(1, 1000));
        assert!(!g.is_snapping());
        // A time base as coarse as the frame: nothing to snap.
        let g = GridSnap::new(Rational::from_int(30), Rational::new(1, 30));
        assert!(!g.is_snapping());
    }
}
