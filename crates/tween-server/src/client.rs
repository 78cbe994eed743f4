//! Who is asking: the remote address (from the connection), used for the
//! per-client job limit and the login throttle; and the local address the
//! connection came in on, used by the Host check.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::Extensions;

/// The client of a request: its IP address, or `local` when the request did
/// not come over a socket (tests through the router).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client(pub String);

impl Client {
    pub fn of(extensions: &Extensions) -> Self {
        Client(
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "local".to_string(), |ci| ci.0.ip().to_string()),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Client::of(&parts.extensions))
    }
}

/// The server's own address of the connection a request came on (set by
/// the listener; absent for requests sent to the router directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddr(pub SocketAddr);
