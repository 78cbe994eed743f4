//! Depth-first bisection for interpolators that can only make midpoints.
//!
//! A requested t is rounded to the nearest k/2^depth and reached by halving
//! the interval [0, 1] `depth` times at most. Requests for one pair come in
//! increasing t, so the path of intervals is kept as a stack and shared
//! between neighbouring requests: a 16x factor renders each of its 15 nodes
//! once, and memory is bounded by the depth (two frames per level), never by
//! the factor.

use std::sync::Arc;

use crate::frame::Frame;
use crate::interpolate::{InterpolateError, Interpolator};

/// One interval on the current path: frames at `lo` and `hi` (in units of
/// 1/2^depth) and, once rendered, its midpoint.
struct Node {
    lo: u64,
    hi: u64,
    a: Arc<Frame>,
    b: Arc<Frame>,
    mid: Option<Arc<Frame>>,
}

/// Renders arbitrary timesteps of one pair through midpoints only.
pub struct Bisector<'i> {
    interp: &'i dyn Interpolator,
    depth: u32,
    stack: Vec<Node>,
}

impl<'i> Bisector<'i> {
    /// Starts on the pair (a, b) with at most `depth` halvings (1..=16).
    pub fn new(interp: &'i dyn Interpolator, a: Arc<Frame>, b: Arc<Frame>, depth: u32) -> Self {
        let depth = depth.clamp(1, 16);
        let root = Node {
            lo: 0,
            hi: 1 << depth,
            a,
            b,
            mid: None,
        };
        Bisector {
            interp,
            depth,
            stack: vec![root],
        }
    }

    /// The grid position nearest `t`, in 1..2^depth − 1.
    pub fn quantize(&self, t: f64) -> u64 {
        let full = 1u64 << self.depth;
        ((t * full as f64).round() as u64).clamp(1, full - 1)
    }

    /// The frame at `t` (rounded to the grid). Calls must come in
    /// non-decreasing t for the stack to be reused; earlier t still works
    /// (the path is rebuilt from the root).
    pub fn render(&mut self, t: f64) -> Result<Arc<Frame>, InterpolateError> {
        if !(t > 0.0 && t < 1.0) {
            return Err(InterpolateError::BadTimestep { t });
        }
        let q = self.quantize(t);
        // Unwind to the deepest interval that contains q.
        while self.stack.len() > 1 {
            let top = self.stack.last().expect("non-empty");
            if top.lo <= q && q <= top.hi {
                break;
            }
            self.stack.pop();
        }
        loop {
            let top = self.stack.last_mut().expect("root stays");
            if q == top.lo {
                return Ok(top.a.clone());
            }
            if q == top.hi {
                return Ok(top.b.clone());
            }
            let m = (top.lo + top.hi) / 2;
            let mid = match &top.mid {
                Some(f) => f.clone(),
                None => {
                    let f = Arc::new(self.interp.prepare(&top.a, &top.b)?.render(0.5)?);
                    top.mid = Some(f.clone());
                    f
                }
            };
            if q == m {
                return Ok(mid);
            }
            let child = if q < m {
                Node {
                    lo: top.lo,
                    hi: m,
                    a: top.a.clone(),
                    b: mid,
                    mid: None,
                }
            } else {
                Node {
                    lo: m,
                    hi: top.hi,
                    a: mid,
                    b: top.b.clone(),
                    mid: None,
                }
            };
            self.stack.push(child);
        }
    }

    /// Frames currently held on the path (for tests of the memory bound).
    pub fn held_levels(&self) -> usize {
        self.stack.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::interpolate::{PreparedPair, Timesteps};

    /// A midpoint-only "interpolator" on 1×1 frames whose value is the time,
    /// counting its calls.
    struct Mid(AtomicUsize);
    struct MidPair(u8, u8);
    impl PreparedPair for MidPair {
        fn render(&self, t: f64) -> Result<Frame, InterpolateError> {
            if t != 0.5 {
                return Err(InterpolateError::MidpointOnly { t });
            }
            let v = ((self.0 as u16 + self.1 as u16) / 2) as u8;
            Ok(Frame::from_u8(1, 1, vec![v; 3]))
        }
    }
    impl Interpolator for Mid {
        fn name(&self) -> &str {
            "mid"
        }
        fn timesteps(&self) -> Timesteps {
            Timesteps::MidpointOnly
        }
        fn prepare<'a>(
            &'a self,
            a: &'a Frame,
            b: &'a Frame,
        ) -> Result<Box<dyn PreparedPair + 'a>, InterpolateError> {
            self.0.fetch_add(1, Ordering::Relaxed);
            let v = |f: &Frame| match f.pixels() {
                crate::Pixels::U8(p) => p[0],
                _ => unreachable!(),
            };
            Ok(Box::new(MidPair(v(a), v(b))))
        }
    }

    fn value(f: &Frame) -> u8 {
        match f.pixels() {
            crate::Pixels::U8(p) => p[0],
            _ => unreachable!(),
        }
    }

    #[test]
    fn sixteen_x_renders_each_node_once_with_bounded_stack() {
        let m = Mid(AtomicUsize::new(0));
        let a = Arc::new(Frame::from_u8(1, 1, vec![0; 3]));
        let b = Arc::new(Frame::from_u8(1, 1, vec![160; 3]));
        let mut bis = Bisector::new(&m, a, b, 4);
        for k in 1..16 {
            let f = bis.render(k as f64 / 16.0).unwrap();
            assert_eq!(value(&f), (k * 10) as u8, "t = {k}/16");
            assert!(bis.held_levels() <= 4);
        }
        assert_eq!(m.0.load(Ordering::Relaxed), 15);
    }

    #[test]
    fn non_dyadic_t_rounds_to_grid() {
        let m = Mid(AtomicUsize::new(0));
        let a = Arc::new(Frame::from_u8(1, 1, vec![0; 3]));
        let b = Arc::new(Frame::from_u8(1, 1, vec![64; 3]));
        let mut bis = Bisector::new(&m, a, b, 3);
        // 0.4 → 3/8 of the way: 24.
        assert_eq!(value(&bis.render(0.4).unwrap()), 24);
        // Going back in time still works.
        assert_eq!(value(&bis.render(0.1).unwrap()), 8);
    }
}
