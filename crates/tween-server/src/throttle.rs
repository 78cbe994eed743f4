//! Failed logins, counted per client: after `max_failed_logins` wrong
//! tokens within `login_window`, every token that client presents (right or
//! wrong, at `/api/login` or on any API request) gets 429
//! `too_many_attempts` until the window ends. Memory is bounded: at most
//! [`MAX_CLIENTS`] clients are tracked, expired windows are dropped first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Clients tracked at once.
pub const MAX_CLIENTS: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    failures: u32,
}

/// The failed-login counter of a server.
#[derive(Debug)]
pub struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    clients: Mutex<HashMap<String, Window>>,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        LoginThrottle {
            max_failures: max_failures.max(1),
            window,
            clients: Mutex::default(),
        }
    }

    /// `Err(wait)` while `client` has used up its attempts.
    pub fn check(&self, client: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let map = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(client) {
            Some(w) if w.failures >= self.max_failures => {
                let end = w.start + self.window;
                if end > now {
                    Err(end - now)
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// Counts a wrong token from `client`.
    pub fn fail(&self, client: &str) {
        let now = Instant::now();
        let mut map = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(client) && map.len() >= MAX_CLIENTS {
            let window = self.window;
            map.retain(|_, w| now.duration_since(w.start) < window);
            if map.len() >= MAX_CLIENTS {
                if let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, w)| w.start)
                    .map(|(k, _)| k.clone())
                {
                    map.remove(&oldest);
                }
            }
        }
        let w = map.entry(client.to_string()).or_insert(Window {
            start: now,
            failures: 0,
        });
        if now.duration_since(w.start) >= self.window {
            *w = Window {
                start: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }

    /// Clients tracked now.
    pub fn tracked(&self) -> usize {
        self.clients.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// The 429 a throttled client gets, with `Retry-After`.
pub fn too_many_attempts(wait: Duration) -> Response {
    let secs = wait.as_secs() + 1;
    let mut res = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!("Too many wrong tokens from your address; try again in {secs} s."),
    )
    .into_response();
    if let Ok(v) = secs.to_string().parse() {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_out_one_client_for_the_window_only() {
        let t = LoginThrottle::new(3, Duration::from_millis(200));
        for _ in 0..3 {
            assert!(t.check("a").is_ok());
            t.fail("a");
        }
        assert!(t.check("a").is_err());
        assert!(t.check("b").is_ok(), "another client is not affected");
        std::thread::sleep(Duration::from_millis(250));
        assert!(t.check("a").is_ok(), "the window ended");
        for i in 0..(MAX_CLIENTS + 10) {
            t.fail(&format!("c{i}"));
        }
        assert!(t.tracked() <= MAX_CLIENTS);
    }
}
