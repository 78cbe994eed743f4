//! `GET /api/models` (built-in interpolators and upscalers, then imported
//! weights from the model store) and `GET /api/health`.

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::error::ApiResult;
use crate::state::AppState;

/// A model a job can name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModelInfo {
    pub name: String,
    /// "interpolate" or "upscale".
    pub task: String,
    pub needs_weights: bool,
    pub description: String,
    /// True for weights imported with `tween models import`.
    pub imported: bool,
}

/// The models jobs can use.
#[utoipa::path(get, path = "/api/models", tag = "models", responses((status = 200, body = Vec<ModelInfo>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<ModelInfo>>> {
    let dir = state.config.models_dir.clone();
    let models = tokio::task::spawn_blocking(move || collect(dir.as_deref())).await?;
    Ok(Json(models))
}

fn collect(models_dir: Option<&std::path::Path>) -> Vec<ModelInfo> {
    let builtin = |task: &str, (name, description): &(&str, &str)| ModelInfo {
        name: name.to_string(),
        task: task.to_string(),
        needs_weights: !matches!(*name, "classical" | "blend" | "lanczos"),
        description: description.to_string(),
        imported: false,
    };
    let mut out: Vec<ModelInfo> = tween_ops::KNOWN_INTERPOLATORS
        .iter()
        .map(|m| builtin("interpolate", m))
        .chain(
            tween_ops::KNOWN_UPSCALERS
                .iter()
                .map(|m| builtin("upscale", m)),
        )
        .collect();
    let Some(dir) = models_dir else { return out };
    let store = tween_nn::ModelStore::new(dir);
    match store.list() {
        Ok(listing) => {
            for (name, manifest) in listing {
                let Ok(m) = manifest else { continue };
                out.push(ModelInfo {
                    name,
                    task: if m.architecture.family() == "rife" {
                        "interpolate"
                    } else {
                        "upscale"
                    }
                    .into(),
                    needs_weights: false,
                    description: if m.description.is_empty() {
                        m.architecture.to_string()
                    } else {
                        m.description
                    },
                    imported: true,
                });
            }
        }
        Err(e) => tracing::warn!("cannot list imported models in {}: {e}", dir.display()),
    }
    out
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    pub workers: usize,
    pub queue: u64,
}

/// Liveness and queue length (open even with a token).
#[utoipa::path(get, path = "/api/health", tag = "health", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        workers: state.workers,
        queue: state.queue.queue_length()?,
    }))
}
