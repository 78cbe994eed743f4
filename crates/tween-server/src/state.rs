//! What every handler shares.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tween_jobs::JobQueue;

use crate::config::ServerConfig;
use crate::throttle::LoginThrottle;

/// Shared state: the queue, the settings, HTTP counters.
#[derive(Clone)]
pub struct AppState {
    pub queue: Arc<JobQueue>,
    pub config: Arc<ServerConfig>,
    /// Responses by status code, for `/metrics`.
    pub responses: Arc<Mutex<BTreeMap<u16, u64>>>,
    /// Worker threads running jobs.
    pub workers: usize,
    /// Wrong tokens by client.
    pub logins: Arc<LoginThrottle>,
}

impl AppState {
    pub fn new(queue: Arc<JobQueue>, config: ServerConfig) -> Self {
        let workers = config.workers.max(1);
        let logins = Arc::new(LoginThrottle::new(
            config.limits.max_failed_logins,
            config.limits.login_window,
        ));
        AppState {
            logins,
            queue,
            config: Arc::new(config),
            responses: Arc::default(),
            workers,
        }
    }
}
