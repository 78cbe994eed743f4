//! Requests must be meant for this server, from its own pages.
//!
//! - `Host` must name this server: `localhost`, `127.0.0.1`, `[::1]`, the
//!   address the connection came in on, or a name given with
//!   `--allowed-host` — with this server's port or none. A web page on
//!   another site that rebinds its DNS name to 127.0.0.1 sends its own name
//!   and is refused (403 `host_not_allowed`).
//! - A state-changing request (POST, PUT, PATCH, DELETE) that carries an
//!   `Origin` must come from this server's own origin (same host and port
//!   as `Host`); a form another site posts here is refused (403
//!   `origin_not_allowed`), and so is `Sec-Fetch-Site: cross-site`.
//!
//! Requests without `Host` (HTTP/1.0 tools, requests handed to the router
//! in process) are not from a browser and pass the Host check.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::client::LocalAddr;
use crate::error::ApiError;
use crate::state::AppState;

/// Refuses requests for other hosts and cross-origin writes.
pub async fn check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let local = req.extensions().get::<LocalAddr>().map(|l| l.0);
    let allowed = &state.config.allowed_hosts;
    let host = match req.headers().get(header::HOST).map(|h| h.to_str()) {
        None => None,
        Some(Ok(h)) => Some(h.to_string()),
        Some(Err(_)) => return refuse_host("(not text)"),
    };
    if let Some(h) = &host {
        if !host_allowed(h, local, allowed) {
            return refuse_host(h);
        }
    }
    if writes(req.method()) {
        let cross_site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("(not text)").to_string();
            if !origin_allowed(&origin, host.as_deref(), local, allowed) {
                return refuse_origin(&origin);
            }
        } else if cross_site {
            return refuse_origin("another site");
        }
    }
    next.run(req).await
}

fn writes(m: &Method) -> bool {
    matches!(
        *m,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

fn refuse_host(host: &str) -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "host_not_allowed",
        format!(
            "This server does not answer for host {host:?}. Use the address it listens on, or start it with --allowed-host NAME."
        ),
    )
    .into_response()
}

fn refuse_origin(origin: &str) -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "origin_not_allowed",
        format!("Requests that change things must come from this server's own pages, not from {origin:?}."),
    )
    .into_response()
}

/// `name[:port]` split, the name lower-case without a trailing dot; IPv6 in
/// brackets keeps them. None when the port is not a number.
fn split_host(host: &str) -> Option<(String, Option<u16>)> {
    let host = host.trim();
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok()?),
        };
        (format!("[{}]", inside.to_ascii_lowercase()), port)
    } else {
        match host.rsplit_once(':') {
            Some((n, p)) => (n.to_ascii_lowercase(), Some(p.parse().ok()?)),
            None => (host.to_ascii_lowercase(), None),
        }
    };
    let name = name.strip_suffix('.').unwrap_or(&name).to_string();
    (!name.is_empty()).then_some((name, port))
}

fn ip_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("[{v6}]"),
        },
    }
}

/// Whether `host` (a `Host` header) names this server.
pub fn host_allowed(host: &str, local: Option<SocketAddr>, extra: &[String]) -> bool {
    let Some((name, port)) = split_host(host) else {
        return false;
    };
    let port_ok = match (port, local) {
        (None, _) | (_, None) => true,
        (Some(p), Some(l)) => p == l.port(),
    };
    let builtin = ["localhost", "127.0.0.1", "[::1]"].contains(&name.as_str())
        || local.is_some_and(|l| ip_name(l.ip()) == name);
    if builtin && port_ok {
        return true;
    }
    extra.iter().any(|e| match split_host(e) {
        Some((n, None)) => n == name && port_ok,
        Some((n, Some(p))) => n == name && port == Some(p),
        None => false,
    })
}

/// Whether a write from `origin` is same-origin with `host` (and `host` is
/// this server), or from another name this server answers for.
fn origin_allowed(
    origin: &str,
    host: Option<&str>,
    local: Option<SocketAddr>,
    extra: &[String],
) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false; // "null" (sandboxed pages, file://) and anything odd
    };
    if !matches!(scheme, "http" | "https") || authority.contains(['/', '@']) {
        return false;
    }
    let same = host.is_some_and(|h| h.trim().eq_ignore_ascii_case(authority));
    same || host_allowed(authority, local, extra) && authority_has_port_or_local(authority)
}

/// An origin without a port is only taken as this server's when the server
/// runs on the scheme's default port, which `host_allowed` cannot know; be
/// strict: a portless origin must equal `Host` exactly (checked above).
fn authority_has_port_or_local(authority: &str) -> bool {
    split_host(authority).is_some_and(|(_, p)| p.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_this_server_only() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let l = Some(local);
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST.:8080",
            "[::1]:8080",
            "localhost",
        ] {
            assert!(host_allowed(ok, l, &[]), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1:9999",
            "localhost.evil.example:8080",
            "127.0.0.1.nip.io:8080",
            "",
            "[::1",
            "localhost:x",
        ] {
            assert!(!host_allowed(bad, l, &[]), "{bad}");
        }
        let extra = vec!["tween.lan".to_string(), "proxy.example:443".to_string()];
        assert!(host_allowed("tween.lan:8080", l, &extra));
        assert!(host_allowed("proxy.example:443", l, &extra));
        assert!(!host_allowed("proxy.example:8080", l, &extra));
        let lan: SocketAddr = "192.168.1.5:8080".parse().unwrap();
        assert!(host_allowed("192.168.1.5:8080", Some(lan), &[]));
        assert!(!host_allowed("192.168.1.6:8080", Some(lan), &[]));
    }

    #[test]
    fn origins_must_be_this_server() {
        let l = Some("127.0.0.1:8080".parse().unwrap());
        let h = Some("127.0.0.1:8080");
        assert!(origin_allowed("http://127.0.0.1:8080", h, l, &[]));
        assert!(origin_allowed("http://localhost:8080", h, l, &[]));
        assert!(!origin_allowed("http://evil.example", h, l, &[]));
        assert!(!origin_allowed("http://evil.example:8080", h, l, &[]));
        assert!(!origin_allowed("null", h, l, &[]));
        assert!(!origin_allowed("http://127.0.0.1:3000", h, l, &[]));
        assert!(origin_allowed(
            "https://tween.example",
            Some("tween.example"),
            l,
            &["tween.example".into()]
        ));
    }
}
