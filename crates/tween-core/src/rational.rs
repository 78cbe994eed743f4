//! Exact rational numbers for timestamps and frame rates.
//!
//! Frame rates such as 24000/1001 and timestamps over hours of video are kept
//! exact: numerator and denominator are i64, always reduced, denominator > 0,
//! and intermediate products use i128 so that nothing overflows or drifts.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A reduced fraction `num/den` with `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    num: i64,
    den: i64,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rational {
    pub const ZERO: Rational = Rational { num: 0, den: 1 };
    pub const ONE: Rational = Rational { num: 1, den: 1 };

    /// `num/den`, reduced. Panics when `den == 0` (use [`Rational::checked_new`]
    /// for values that come from users or files).
    pub fn new(num: i64, den: i64) -> Self {
        Self::checked_new(num, den).expect("rational with zero denominator or out of range")
    }

    /// `num/den`, reduced, or `None` when `den == 0`.
    pub fn checked_new(num: i64, den: i64) -> Option<Self> {
        Self::from_i128(num as i128, den as i128)
    }

    fn from_i128(num: i128, den: i128) -> Option<Self> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = -n;
            d = -d;
        }
        Some(Rational {
            num: i64::try_from(n).ok()?,
            den: i64::try_from(d).ok()?,
        })
    }

    pub fn from_int(n: i64) -> Self {
        Rational { num: n, den: 1 }
    }

    pub fn num(self) -> i64 {
        self.num
    }

    pub fn den(self) -> i64 {
        self.den
    }

    pub fn is_positive(self) -> bool {
        self.num > 0
    }

    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// 1/self, or `None` for zero.
    pub fn recip(self) -> Option<Self> {
        Self::from_i128(self.den as i128, self.num as i128)
    }

    pub fn checked_add(self, o: Self) -> Option<Self> {
        Self::from_i128(
            self.num as i128 * o.den as i128 + o.num as i128 * self.den as i128,
            self.den as i128 * o.den as i128,
        )
    }

    pub fn checked_sub(self, o: Self) -> Option<Self> {
        self.checked_add(Rational {
            num: -o.num,
            den: o.den,
        })
    }

    pub fn checked_mul(self, o: Self) -> Option<Self> {
        Self::from_i128(
            self.num as i128 * o.num as i128,
            self.den as i128 * o.den as i128,
        )
    }

    pub fn checked_div(self, o: Self) -> Option<Self> {
        self.checked_mul(o.recip()?)
    }

    /// Largest integer ≤ self.
    pub fn floor(self) -> i64 {
        self.num.div_euclid(self.den)
    }

    /// Nearest integer, halves rounded up.
    pub fn round(self) -> i64 {
        (2 * self.num as i128 + self.den as i128).div_euclid(2 * self.den as i128) as i64
    }

    /// `self * n` where n is an integer, without reducing through f64.
    pub fn mul_int(self, n: i64) -> Option<Self> {
        Self::from_i128(self.num as i128 * n as i128, self.den as i128)
    }
}

impl Ord for Rational {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.num as i128 * o.den as i128).cmp(&(o.num as i128 * self.den as i128))
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// Error of [`Rational::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a number or fraction (examples: 60, 59.94, 60000/1001)")]
pub struct ParseRationalError(pub String);

impl FromStr for Rational {
    type Err = ParseRationalError;

    /// Parses `60`, `59.94` (taken as the exact decimal 5994/100, except the
    /// NTSC rates 23.976, 29.97, 59.94, 119.88 which mean 24000/1001 etc.),
    /// and `60000/1001`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseRationalError(s.to_string());
        let t = s.trim();
        if let Some((n, d)) = t.split_once('/') {
            let n: i64 = n.trim().parse().map_err(|_| err())?;
            let d: i64 = d.trim().parse().map_err(|_| err())?;
            return Rational::checked_new(n, d).ok_or_else(err);
        }
        match t {
            "23.976" | "23.98" => return Ok(Rational::new(24000, 1001)),
            "29.97" => return Ok(Rational::new(30000, 1001)),
            "47.952" | "47.95" => return Ok(Rational::new(48000, 1001)),
            "59.94" => return Ok(Rational::new(60000, 1001)),
            "119.88" => return Ok(Rational::new(120000, 1001)),
            _ => {}
        }
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        if frac.len() > 9 || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        let den = 10i64.pow(frac.len() as u32);
        let neg = int.starts_with('-');
        let i: i64 = if int.is_empty() || int == "-" {
            0
        } else {
            int.parse().map_err(|_| err())?
        };
        let f: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| err())?
        };
        let num = i.checked_mul(den).and_then(|v| {
            if neg {
                v.checked_sub(f)
            } else {
                v.checked_add(f)
            }
        });
        Rational::checked_new(num.ok_or_else(err)?, den).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates() {
        assert_eq!("60".parse::<Rational>().unwrap(), Rational::new(60, 1));
        assert_eq!(
            "59.94".parse::<Rational>().unwrap(),
            Rational::new(60000, 1001)
        );
        assert_eq!(
            "60000/1001".parse::<Rational>().unwrap(),
            Rational::new(60000, 1001)
        );
        assert_eq!("12.5".parse::<Rational>().unwrap(), Rational::new(25, 2));
        assert_eq!("-0.5".parse::<Rational>().unwrap(), Rational::new(-1, 2));
        assert!("abc".parse::<Rational>().is_err());
        assert!("1/0".parse::<Rational>().is_err());
    }

    #[test]
    fn exact_arithmetic_over_an_hour() {
        // 24000/1001 → 60000/1001 for one hour: frame k of the output sits at
        // k·1001/60000 s; after 215,784 output frames no drift has accumulated.
        let out = Rational::new(60000, 1001);
        let k = 215_784;
        let t = Rational::from_int(k).checked_div(out).unwrap();
        assert_eq!(t, Rational::new(k * 1001, 60000));
        let src_pos = t.checked_mul(Rational::new(24000, 1001)).unwrap();
        assert_eq!(src_pos, Rational::new(k * 2, 5));
    }

    #[test]
    fn ordering_and_rounding() {
        assert!(Rational::new(1, 3) < Rational::new(1, 2));
        assert_eq!(Rational::new(7, 2).floor(), 3);
        assert_eq!(Rational::new(-7, 2).floor(), -4);
        assert_eq!(Rational::new(5, 2).round(), 3);
        assert_eq!(Rational::new(7, 3).round(), 2);
    }
}
