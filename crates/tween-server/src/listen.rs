//! The accept loop: HTTP/1.1 connections served by hyper with bounded
//! patience and a bounded count, so that slow or idle clients cannot hold
//! the server.
//!
//! - a connection has `header_timeout` to send each request's headers (and
//!   may sit idle that long between requests) before it is closed;
//! - a request body that stops arriving for `body_timeout` fails;
//! - at most `max_connections` connections are open, and at most
//!   `max_connections_per_client` from one address; past either, a new
//!   connection is closed as soon as it is accepted, so the clients within
//!   their share (a health check) are still served.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::client::LocalAddr;
use crate::config::ServerConfig;

/// How long stopping waits for open connections (event streams never end
/// by themselves) before it closes them.
const DRAIN: Duration = Duration::from_secs(5);

/// Open connections, in all and by client address.
#[derive(Debug)]
pub(crate) struct ConnLimits {
    max_total: usize,
    max_per_client: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One admitted connection; gives its place back when dropped.
#[derive(Debug)]
pub(crate) struct ConnPermit {
    limits: Arc<ConnLimits>,
    ip: IpAddr,
}

impl ConnLimits {
    pub(crate) fn new(max_total: usize, max_per_client: usize) -> Arc<Self> {
        Arc::new(ConnLimits {
            max_total,
            max_per_client,
            open: Mutex::default(),
        })
    }

    /// A place for a connection from `ip`, if both limits allow one.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<ConnPermit> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (total, by_ip) = &mut *open;
        let mine = by_ip.get(&ip).copied().unwrap_or(0);
        if *total >= self.max_total || mine >= self.max_per_client {
            return None;
        }
        *total += 1;
        by_ip.insert(ip, mine + 1);
        Some(ConnPermit {
            limits: self.clone(),
            ip,
        })
    }

    /// Open connections now.
    pub(crate) fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).0
    }
}

impl Drop for ConnPermit {
    fn drop(&mut self) {
        let mut open = self.limits.open.lock().unwrap_or_else(|p| p.into_inner());
        let (total, by_ip) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(n) = by_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                by_ip.remove(&self.ip);
            }
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub(crate) async fn run(
    listener: TcpListener,
    router: Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = ConnLimits::new(config.max_connections, config.max_connections_per_client);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .keep_alive(true);
    let body_timeout = config.body_timeout;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => r,
        };
        let (stream, remote) = match accepted {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                tracing::warn!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(permit) = limits.admit(remote.ip()) else {
            tracing::debug!(%remote, open = limits.open(), "connection refused: limit reached");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let local = stream.local_addr().ok();
        let router = router.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(|b| Body::new(IdleTimeout::new(b, body_timeout)));
            req.extensions_mut().insert(ConnectInfo(remote));
            if let Some(local) = local {
                req.extensions_mut().insert(LocalAddr(local));
            }
            router.clone().oneshot(req)
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%remote, "connection ended: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::info!("connections still open after {DRAIN:?} are closed");
    }
    Ok(())
}

/// A request body that fails when no data arrives for `timeout` (counted
/// from the handler's first read, then from each chunk).
struct IdleTimeout {
    inner: Incoming,
    timeout: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl IdleTimeout {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        IdleTimeout {
            inner,
            timeout,
            sleep: None,
        }
    }
}

impl HttpBody for IdleTimeout {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let timeout = this.timeout;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                sleep.as_mut().reset(Instant::now() + timeout);
                Poll::Ready(frame.map(|r| r.map_err(Into::into)))
            }
            Poll::Pending => match sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(format!(
                    "no data of the request body arrived for {} s",
                    timeout.as_secs()
                )
                .into()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_by_client_and_in_all_and_free_on_drop() {
        let l = ConnLimits::new(3, 2);
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        let a1 = l.admit(a).unwrap();
        let _a2 = l.admit(a).unwrap();
        assert!(l.admit(a).is_none(), "per-client limit");
        let _b1 = l.admit(b).unwrap();
        assert!(l.admit(b).is_none(), "total limit");
        drop(a1);
        let _b2 = l.admit(b).expect("a place came free");
        assert_eq!(l.open(), 3);
    }
}
