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
}
