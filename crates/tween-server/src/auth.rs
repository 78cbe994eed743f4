//! The optional API token: `Authorization: Bearer T`, the `tween_token`
//! cookie (set by `POST /api/login`) or `?token=T` (for EventSource and
//! downloads). Without a configured token everything is open.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::client::Client;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Rejects requests without the token (when one is configured). A wrong
/// token counts as a failed login; a client with too many gets 429.
pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(token) = &state.config.token else {
        return next.run(req).await;
    };
    let Some(given) = presented(&req) else {
        return unauthorized(
            "This server needs its API token: send `Authorization: Bearer TOKEN` or log in.",
        );
    };
    let client = Client::of(req.extensions());
    if let Err(wait) = state.logins.check(&client.0) {
        return crate::throttle::too_many_attempts(wait);
    }
    if same(&given, token) {
        next.run(req).await
    } else {
        state.logins.fail(&client.0);
        unauthorized("That token is not this server's token.")
    }
}

fn unauthorized(message: &str) -> Response {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response()
}

/// The token a request carries, from the header, the cookie or the query.
pub fn presented(req: &Request) -> Option<String> {
    from_headers(req.headers()).or_else(|| {
        req.uri().query().and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "token")
                .map(|(_, v)| percent_decode(v))
        })
    })
}

fn from_headers(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Some(t.trim().to_string());
        }
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == "tween_token")
        .map(|(_, v)| percent_decode(v))
}

/// Compares in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(())
                {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Login {
    pub token: String,
}

/// Checks a token and sets it as an HttpOnly cookie for the web UI.
#[utoipa::path(post, path = "/api/login", tag = "auth", request_body = Login,
    responses((status = 204, description = "Logged in (cookie set)"),
              (status = 401, description = "Wrong token", body = crate::error::ErrorBody),
              (status = 429, description = "`too_many_attempts`: too many wrong tokens from this address", body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<Login>,
) -> ApiResult<Response> {
    if state.config.token.is_some() {
        if let Err(wait) = state.logins.check(&client.0) {
            return Ok(crate::throttle::too_many_attempts(wait));
        }
    }
    match &state.config.token {
        None => Ok(StatusCode::NO_CONTENT.into_response()),
        Some(t) if same(&body.token, t) => {
            let cookie = format!(
                "tween_token={}; Path=/; HttpOnly; SameSite=Strict",
                body.token
                    .bytes()
                    .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    })
                    .collect::<String>()
            );
            Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
        }
        Some(_) => {
            state.logins.fail(&client.0);
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "That token is not this server's token.",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_and_compare() {
        assert_eq!(percent_decode("a%20b%2F"), "a b/");
        assert_eq!(percent_decode("x%"), "x%");
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
