//! A room's live feed: Server-Sent Events of the messages a member reads.
//!
//! The feed starts after the last message the page showed (`?after=`, or `Last-Event-ID` when
//! the browser reconnects) and reads the store from there whenever the room's hub wakes it, so
//! it sends every message once, in order, whatever process wrote it, and a lost connection
//! loses nothing. Every 15 s it re-reads the store anyway (a message written by another server
//! process has no hub here) and sends a comment line, which also tells it when the reader left.

use super::pages::{Line, Place, party_place};
use crate::AppState;
use crate::ui::error::PageResult;
use crate::ui::staff::Staff;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tongxin_store::mediation::DisputeView;

/// How often an idle feed re-reads the store and pings.
const IDLE: Duration = Duration::from_secs(15);
/// Messages read from the store per step.
const BATCH: i64 = 200;

#[derive(Deserialize, Default)]
pub struct FeedQuery {
    #[serde(default)]
    after: i64,
}

/// Where the feed starts: the browser's `Last-Event-ID` on a reconnect, else `?after=`.
fn start(headers: &HeaderMap, q: &FeedQuery) -> i64 {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(q.after)
        .max(0)
}

/// `GET /rooms/{id}/feed`.
pub async fn staff_feed(
    State(s): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<FeedQuery>,
) -> PageResult {
    let (d, _, place) = super::pages::staff_place(&s, &staff, id).await?;
    Ok(stream(s, d, place, start(&headers, &q)))
}

/// `GET /r/{invite}/feed`.
pub async fn party_feed(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(invite): Path<String>,
    Query(q): Query<FeedQuery>,
) -> PageResult {
    let (d, _, place, _) = party_place(&s, &headers, &invite).await?;
    Ok(stream(s, d, place, start(&headers, &q)))
}

/// One event: `id` (for reconnects), `data` the line as JSON.
fn event(line: &Line) -> Bytes {
    let data = serde_json::to_string(line).unwrap_or_else(|_| "{}".into());
    Bytes::from(format!("id: {}\nevent: line\ndata: {data}\n\n", line.id))
}

fn stream(s: AppState, d: DisputeView, place: Place, after: i64) -> Response {
    let (mut tx, body) = http_body_util::channel::Channel::<Bytes, Infallible>::new(16);
    let mut wake = s.rooms.subscribe(d.id);
    tokio::spawn(async move {
        let mut last = after;
        // Tell the browser to retry after 3 s if the connection drops.
        if tx.send_data(Bytes::from_static(b"retry: 3000\n\n")).await.is_err() {
            return;
        }
        loop {
            // Everything after `last`, in order.
            loop {
                let Ok(batch) = s.store.mediation().room_messages(d.id, place.member, last, BATCH).await else {
                    return;
                };
                let full = batch.len() as i64 == BATCH;
                for m in &batch {
                    last = m.id;
                    if tx.send_data(event(&Line::of(m, &place, &d))).await.is_err() {
                        return;
                    }
                }
                if !full {
                    break;
                }
            }
            tokio::select! {
                woke = wake.recv() => match woke {
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                },
                _ = tokio::time::sleep(IDLE) => {
                    if tx.send_data(Bytes::from_static(b": ping\n\n")).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    let mut resp = Body::new(body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies (nginx) must pass events on as they come.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}
