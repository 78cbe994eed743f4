//! The OpenAPI 3 document (utoipa) at `/api/openapi.json` and Swagger UI at
//! `/api/docs`, served from the utoipa-swagger-ui-vendored assets compiled
//! into the binary (its `vendored` feature: nothing is downloaded at build
//! or run time).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "tween serve", description = "Frame interpolation and upscaling jobs: uploads, jobs, progress events, results."),
    paths(
        crate::models::health,
        crate::models::list,
        crate::auth::login,
        crate::uploads::create,
        crate::uploads::get,
        crate::uploads::file,
        crate::jobs::create,
        crate::jobs::list,
        crate::jobs::get,
        crate::jobs::cancel,
        crate::jobs::delete,
        crate::jobs::result,
        crate::jobs::estimate,
        crate::events::stream,
        crate::metrics::render,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&BearerToken),
    security(("token" = []))
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `/api/docs` and `/api/openapi.json`.
pub fn router() -> axum::Router<AppState> {
    SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", ApiDoc::openapi())
        .into()
}
