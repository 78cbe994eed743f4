//! `tween serve`: a REST API (OpenAPI 3 at `/api/openapi.json`, Swagger UI
//! at `/api/docs`), job progress as Server-Sent Events, `/metrics`, and the
//! web UI embedded from `ui/`. Jobs run on the tween-jobs worker threads,
//! never on the async runtime.
//!
//! [`router`] is the whole application (tested without a socket);
//! [`serve`] binds, runs the workers and the retention clean-up, and stops
//! gracefully (running jobs go back to the queue).

mod auth;
mod client;
pub mod config;
mod download;
mod error;
mod events;
mod guard;
mod jobs;
mod limits;
mod listen;
mod media;
mod metrics;
mod models;
mod openapi;
pub mod runner;
mod state;
mod throttle;
mod ui;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use tween_jobs::{JobQueue, JobRunner, JobsError, QueueConfig, WorkerPool};

pub use config::{ConfigError, Limits, ServerConfig};
pub use error::{ApiError, ErrorBody};
pub use guard::host_allowed;
pub use openapi::ApiDoc;
pub use runner::OpsRunner;
pub use state::AppState;
pub use ui::files as ui_files;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Jobs(#[from] JobsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// The application: every route, the token check, response counting.
pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .route(
            "/api/uploads",
            // The upload handler counts bytes itself against --max-upload-mb.
            post(uploads::create).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/uploads/{id}", get(uploads::get))
        .route("/api/uploads/{id}/file", get(uploads::file))
        .route("/api/jobs", post(jobs::create).get(jobs::list))
        .route("/api/estimate", post(jobs::estimate))
        .route("/api/jobs/{id}", get(jobs::get).delete(jobs::delete))
        .route("/api/jobs/{id}/cancel", post(jobs::cancel))
        .route("/api/jobs/{id}/events", get(events::stream))
        .route("/api/jobs/{id}/results/{name}", get(jobs::result))
        .route("/api/models", get(models::list))
        .route("/metrics", get(metrics::render))
        .merge(openapi::router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    Router::new()
        .merge(protected)
        .route("/api/health", get(models::health))
        .route("/api/login", post(auth::login))
        .fallback(ui::asset)
        .layer(middleware::from_fn_with_state(state.clone(), guard::check))
        .layer(middleware::from_fn(error::json_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::count_responses,
        ))
        .with_state(state)
}

mod uploads;

/// A started application: the state for [`router`] and the workers behind it.
pub struct App {
    pub state: AppState,
    pool: Option<WorkerPool>,
}

impl App {
    /// Opens the queue in `config.data_dir` (interrupted jobs are queued
    /// again) and starts `config.workers` threads running `runner`.
    /// Settings are checked first ([`ServerConfig::validate`]); a data folder
    /// another process holds is refused ([`JobsError::DataDirInUse`]) before
    /// anything in it is touched.
    pub fn start(config: ServerConfig, runner: Arc<dyn JobRunner>) -> Result<Self, ServeError> {
        config.validate()?;
        let queue = JobQueue::open(&QueueConfig {
            data_dir: config.data_dir.clone(),
            input_dir: config.input_dir.clone(),
        })?;
        let pool = WorkerPool::start(queue.clone(), runner, config.workers);
        Ok(App {
            state: AppState::new(queue, config),
            pool: Some(pool),
        })
    }

    /// The queue with the real runner (tween-ops).
    pub fn start_default(config: ServerConfig) -> Result<Self, ServeError> {
        let runner = OpsRunner {
            models_dir: config.models_dir.clone(),
            threads: (config.threads_per_job > 0).then_some(config.threads_per_job),
        };
        Self::start(config, Arc::new(runner))
    }

    pub fn router(&self) -> Router {
        router(self.state.clone())
    }

    /// Stops the workers; running jobs go back to the queue.
    pub fn shutdown(mut self) {
        if let Some(pool) = self.pool.take() {
            pool.shutdown();
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves (header and body
/// timeouts, connection limits: see `listen`), with a retention clean-up
/// every ten minutes; then stops the workers.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let state = app.state.clone();
    let cleaner = tokio::spawn(retention_loop(state.clone()));
    let served = listen::run(listener, app.router(), &state.config, shutdown).await;
    cleaner.abort();
    tracing::info!("stopping: running jobs go back to the queue");
    tokio::task::spawn_blocking(move || app.shutdown())
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    served.map_err(ServeError::Io)
}

/// `tween serve`: binds `config.bind`, runs until Ctrl-C or SIGTERM.
pub async fn serve(config: ServerConfig) -> Result<(), ServeError> {
    let addr = config.bind;
    let app = App::start_default(config)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let local = listener.local_addr()?;
    tracing::info!("tween serve listening on http://{local}");
    eprintln!(
        "tween serve: listening on http://{local} (data in {})",
        app.state.queue.storage.root().display()
    );
    serve_on(listener, app, shutdown_signal()).await
}

async fn retention_loop(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let queue = state.queue.clone();
        let retention = state.config.retention;
        let r = tokio::task::spawn_blocking(move || {
            tween_jobs::retention::cleanup(&queue, retention, Duration::from_secs(3600))
        })
        .await;
        if let Ok(Err(e)) = r {
            tracing::warn!("retention clean-up failed: {e}");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
