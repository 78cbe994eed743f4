//! The planner: for every output timestamp, which source frame or which source
//! pair and which timestep t ∈ (0, 1).
//!
//! Output frame k sits at `T_k = T_0 + k / rate_out`, where `T_0` is the time of
//! the first source frame. Source frames keep their real timestamps (so VFR
//! input lands on a constant-rate timeline), and every `t` is computed from
//! exact rationals: `t = (T_k − t_i) / (t_{i+1} − t_i)`. Nothing accumulates,
//! so an hour of 24000/1001 → 60000/1001 has exactly the right frame count.
//! The clip ends at `t_last + 1/rate_in`; outputs after the last source frame
//! hold it.

use crate::rational::Rational;
use crate::CoreError;

/// How the output rate is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputRate {
    /// The source rate times this factor (≥ 2).
    Factor(u32),
    /// An exact output rate in frames per second.
    Fps(Rational),
}

impl OutputRate {
    /// Checks the user's value: factor ≥ 2, fps > 0.
    pub fn validate(self) -> Result<Self, CoreError> {
        match self {
            OutputRate::Factor(f) if f < 2 => Err(CoreError::InvalidOption(format!(
                "--factor must be 2 or more (got {f}); a factor of {f} would add no frames"
            ))),
            OutputRate::Fps(r) if !r.is_positive() => Err(CoreError::InvalidOption(format!(
                "--fps must be greater than 0 (got {r})"
            ))),
            ok => Ok(ok),
        }
    }

    /// The output rate for a source of rate `source`.
    pub fn resolve(self, source: Rational) -> Result<Rational, CoreError> {
        match self {
            OutputRate::Factor(f) => source
                .mul_int(f as i64)
                .ok_or_else(|| CoreError::InvalidOption(format!("{source} × {f} overflows"))),
            OutputRate::Fps(r) => Ok(r),
        }
    }
}

/// What one output frame is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Exactly the source frame at the start of the current interval.
    Source,
    /// An in-between frame at `t` ∈ (0, 1) of the current pair.
    Between(f64),
    /// After the last source frame: repeat it.
    HoldLast,
}

/// The output timeline: turns source timestamps into [`Step`]s, one source
/// interval at a time, so it never needs more than two frames.
#[derive(Debug, Clone)]
pub struct Timeline {
    rate_out: Rational,
    rate_in: Rational,
    start: Option<Rational>,
    next_k: i64,
}

impl Timeline {
    pub fn new(rate_in: Rational, rate_out: Rational) -> Result<Self, CoreError> {
        if !rate_in.is_positive() {
            return Err(CoreError::InvalidOption(format!(
                "source frame rate {rate_in} is not positive"
            )));
        }
        if !rate_out.is_positive() {
            return Err(CoreError::InvalidOption(format!(
                "output frame rate {rate_out} is not positive"
            )));
        }
        Ok(Timeline {
            rate_out,
            rate_in,
            start: None,
            next_k: 0,
        })
    }

    /// Time of output frame 0 (the first source frame's time), once known.
    pub fn start(&self) -> Option<Rational> {
        self.start
    }

    fn time_of(&self, k: i64) -> Rational {
        let start = self.start.expect("start set by the first interval");
        let offset = Rational::from_int(k)
            .checked_div(self.rate_out)
            .expect("rate_out is positive");
        start.checked_add(offset).expect("timestamp overflow")
    }

    /// The steps for the interval starting at source time `from` and ending
    /// before `to` (the next source frame), or, for the last frame (`to` =
    /// None), before `from + 1/rate_in`.
    pub fn interval(&mut self, from: Rational, to: Option<Rational>) -> Vec<Step> {
        if self.start.is_none() {
            self.start = Some(from);
        }
        let frame_len = self.rate_in.recip().expect("positive rate");
        let end = to.unwrap_or_else(|| from.checked_add(frame_len).expect("timestamp overflow"));
        let span = end.checked_sub(from).expect("timestamp overflow");
        let mut steps = Vec::new();
        loop {
            let tk = self.time_of(self.next_k);
            if tk >= end {
                break;
            }
            if tk < from {
                // Only reachable if the caller skipped time backwards; skip this slot.
                self.next_k += 1;
                continue;
            }
            let step = if tk == from {
                Step::Source
            } else if to.is_none() {
                Step::HoldLast
            } else {
                let t = tk
                    .checked_sub(from)
                    .and_then(|d| d.checked_div(span))
                    .expect("exact t");
                Step::Between(t.to_f64())
            };
            steps.push(step);
            self.next_k += 1;
        }
        steps
    }

    /// Expected number of output frames for `source_frames` frames of a
    /// constant-rate source (for progress bars).
    pub fn expected_outputs(rate_in: Rational, rate_out: Rational, source_frames: u64) -> u64 {
        // ceil(n · rate_out / rate_in)
        let num = source_frames as i128 * rate_out.num() as i128 * rate_in.den() as i128;
        let den = rate_out.den() as i128 * rate_in.num() as i128;
        if den <= 0 {
            return 0;
        }
        ((num + den - 1) / den) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rate_in: Rational, rate_out: Rational, times: &[Rational]) -> Vec<Step> {
        let mut tl = Timeline::new(rate_in, rate_out).unwrap();
        let mut out = Vec::new();
        for (i, &t) in times.iter().enumerate() {
            out.extend(tl.interval(t, times.get(i + 1).copied()));
        }
        out
    }

    fn cfr(n: i64, rate: Rational) -> Vec<Rational> {
        (0..n)
            .map(|i| Rational::from_int(i).checked_div(rate).unwrap())
            .collect()
    }

    #[test]
    fn factor_two_doubles_and_holds_last() {
        let r = Rational::from_int(24);
        let steps = run(r, r.mul_int(2).unwrap(), &cfr(3, r));
        assert_eq!(
            steps,
            vec![
                Step::Source,
                Step::Between(0.5),
                Step::Source,
                Step::Between(0.5),
                Step::Source,
                Step::HoldLast
            ]
        );
    }

    #[test]
    fn factor_four_timesteps() {
        let r = Rational::from_int(30);
        let steps = run(r, r.mul_int(4).unwrap(), &cfr(2, r));
        assert_eq!(
            &steps[..4],
            &[
                Step::Source,
                Step::Between(0.25),
                Step::Between(0.5),
                Step::Between(0.75)
            ]
        );
        assert_eq!(steps.len(), 8);
    }

    #[test]
    fn ntsc_film_to_ntsc_60_over_an_hour_has_exact_count() {
        let rin = Rational::new(24000, 1001);
        let rout = Rational::new(60000, 1001);
        // One hour of 23.976 fps: 86,314 frames (3600 · 24000/1001 rounded up).
        let n = 86_314u64;
        let mut tl = Timeline::new(rin, rout).unwrap();
        let mut count = 0u64;
        let mut sources = 0u64;
        let mut prev = Rational::ZERO;
        for i in 0..n as i64 {
            let t = Rational::new(i * 1001, 24000);
            let next = if (i as u64) + 1 < n {
                Some(Rational::new((i + 1) * 1001, 24000))
            } else {
                None
            };
            for s in tl.interval(t, next) {
                count += 1;
                if s == Step::Source {
                    sources += 1;
                }
            }
            prev = t;
        }
        let _ = prev;
        assert_eq!(count, Timeline::expected_outputs(rin, rout, n));
        assert_eq!(count, (n * 5).div_ceil(2));
        // Every other source frame lands exactly on an output frame (ratio 2.5).
        assert_eq!(sources, n.div_ceil(2));
    }

    #[test]
    fn vfr_uses_real_timestamps() {
        // Frames at 0, 0.1, 0.3 s (VFR); 10 fps output.
        let times = [Rational::ZERO, Rational::new(1, 10), Rational::new(3, 10)];
        let steps = run(Rational::from_int(10), Rational::from_int(10), &times);
        assert_eq!(
            steps,
            vec![Step::Source, Step::Source, Step::Between(0.5), Step::Source]
        );
    }

    #[test]
    fn nonzero_start_is_respected() {
        let r = Rational::from_int(25);
        let times: Vec<_> = cfr(2, r)
            .into_iter()
            .map(|t| t.checked_add(Rational::new(7, 3)).unwrap())
            .collect();
        let mut tl = Timeline::new(r, r.mul_int(2).unwrap()).unwrap();
        let s = tl.interval(times[0], Some(times[1]));
        assert_eq!(s, vec![Step::Source, Step::Between(0.5)]);
        assert_eq!(tl.start(), Some(Rational::new(7, 3)));
    }

    #[test]
    fn bad_rates_are_rejected() {
        assert!(OutputRate::Factor(1).validate().is_err());
        assert!(OutputRate::Factor(0).validate().is_err());
        assert!(OutputRate::Fps(Rational::ZERO).validate().is_err());
        assert!(OutputRate::Fps(Rational::new(-30, 1)).validate().is_err());
        assert!(OutputRate::Factor(2).validate().is_ok());
    }
}
