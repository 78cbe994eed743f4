//! Counters the workers keep for `/metrics`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::model::JobKind;

/// Upper bounds of the job-duration histogram, seconds.
pub const DURATION_BUCKETS: [f64; 10] = [
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

/// One histogram: counts per bucket (cumulative when rendered), sum, count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    pub buckets: [u64; DURATION_BUCKETS.len()],
    pub sum: f64,
    pub count: u64,
}

impl Histogram {
    pub fn observe(&mut self, v: f64) {
        for (i, le) in DURATION_BUCKETS.iter().enumerate() {
            if v <= *le {
                self.buckets[i] += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }
}

/// Counters since the process started.
#[derive(Debug, Default)]
pub struct JobMetrics {
    frames: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
    durations: Mutex<BTreeMap<&'static str, Histogram>>,
}

impl JobMetrics {
    pub fn add_frames(&self, n: u64) {
        self.frames.fetch_add(n, Ordering::Relaxed);
    }

    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    pub fn add_error(&self, code: &str) {
        *self
            .errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(code.to_string())
            .or_default() += 1;
    }

    pub fn errors(&self) -> BTreeMap<String, u64> {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A run of `kind` ended after `seconds`.
    pub fn observe_duration(&self, kind: JobKind, seconds: f64) {
        self.durations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(kind.as_str())
            .or_default()
            .observe(seconds);
    }

    pub fn durations(&self) -> BTreeMap<&'static str, Histogram> {
        self.durations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
