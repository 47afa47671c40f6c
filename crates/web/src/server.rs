//! The HTTP server loop (issue 9 R3). `axum::serve` has no timeouts and no connection cap: 600
//! idle connections stopped it answering anyone. Here every connection holds one of
//! `max_connections` permits (past that, new connections wait in the kernel's queue rather than
//! taking file descriptors), a client must send a request's headers within `header_timeout` —
//! which also bounds how long an idle keep-alive connection is kept, since the wait for the next
//! request's headers is timed the same way — and its body within `body_timeout`.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::Request;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How much the server lets one client hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// How long shutdown waits for requests in progress.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Raises the soft limit on open files to the hard limit (allowed without privileges), so the
/// connection cap is not set by a distribution's low default (often 1,024); returns the soft
/// limit now in force, `None` where it cannot be read.
pub fn raise_open_files_limit() -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if let Some(hard) = limit.maximum
        && limit.current.is_some_and(|soft| soft < hard)
    {
        limit.current = Some(hard);
        if setrlimit(Resource::Nofile, limit).is_err() {
            tracing::warn!("could not raise the open-files limit");
        }
    }
    // Unlimited (`None`) is capped by the kernel's per-process maximum in practice.
    getrlimit(Resource::Nofile).current.or(Some(u64::MAX))
}

/// `wanted`, lowered to leave room under the descriptor limit for the database, files and logs.
pub fn connection_cap(wanted: usize, fd_limit: Option<u64>) -> usize {
    match fd_limit {
        Some(limit) => {
            let room = usize::try_from(limit.saturating_sub(64)).unwrap_or(usize::MAX).max(16);
            wanted.min(room)
        }
        None => wanted,
    }
    .max(1)
}

/// A request body that fails once its deadline passes (the extractor then refuses the request).
struct TimedBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err("request body not received in time".into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in progress finish
/// (up to `limits.shutdown_grace`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let permits = Arc::new(Semaphore::new(max));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or similar: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let body_timeout = limits.body_timeout;
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let mut req = req
                    .map(|inner| Body::new(TimedBody { inner, deadline: Box::pin(tokio::time::sleep(body_timeout)) }));
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(req)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, %peer, "connection ended");
                    }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    let _ = stop_tx.send(true);
    drop(listener);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.shutdown_grace, permits.acquire_many(all)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_descriptor_limit() {
        assert_eq!(connection_cap(512, Some(1024)), 512);
        assert_eq!(connection_cap(512, Some(256)), 192);
        assert_eq!(connection_cap(512, Some(10)), 16);
        assert_eq!(connection_cap(512, None), 512);
    }

    /// R3: the soft limit ends at the hard limit, as the kernel reports it to this process.
    #[test]
    fn the_open_files_limit_is_raised_to_the_hard_limit() {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let before = getrlimit(Resource::Nofile);
        if let (Some(hard), Some(_)) = (before.maximum, before.current) {
            // Start from a low soft limit, as a distribution default would.
            let low = rustix::process::Rlimit { current: Some(hard.min(256)), maximum: Some(hard) };
            setrlimit(Resource::Nofile, low).expect("lowering the soft limit is always allowed");
            assert_eq!(raise_open_files_limit(), Some(hard));
            let proc = std::fs::read_to_string("/proc/self/limits").unwrap();
            let line = proc.lines().find(|l| l.starts_with("Max open files")).unwrap();
            assert_eq!(line.split_whitespace().nth(3).unwrap(), hard.to_string());
        }
    }
}
