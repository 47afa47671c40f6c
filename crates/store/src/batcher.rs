//! Funnel writes through one task that commits them in batches. SQLite has one writer, and a
//! commit costs the same for one row as for hundreds, so under load many requests share each
//! transaction; each caller is answered only after the batch holding its write has committed,
//! so an acknowledged write survives the process being killed.

use std::future::Future;
use tokio::sync::{mpsc, oneshot};

type Job<Req, Resp> = (Req, oneshot::Sender<Resp>);

/// A handle to the batching task; cheap to clone.
pub struct Batcher<Req, Resp> {
    tx: mpsc::Sender<Job<Req, Resp>>,
}

impl<Req, Resp> Clone for Batcher<Req, Resp> {
    fn clone(&self) -> Self {
        Batcher { tx: self.tx.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("写入队列已关闭")]
pub struct Closed;

impl<Req: Send + 'static, Resp: Send + 'static> Batcher<Req, Resp> {
    /// Starts the task. `handle` gets each batch (at most `max_batch` requests, in arrival
    /// order) and must return one response per request, in the same order.
    pub fn spawn<F, Fut>(max_batch: usize, queue: usize, mut handle: F) -> Batcher<Req, Resp>
    where
        F: FnMut(Vec<Req>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<Resp>> + Send,
    {
        let (tx, mut rx) = mpsc::channel::<Job<Req, Resp>>(queue);
        tokio::spawn(async move {
            let mut jobs = Vec::with_capacity(max_batch);
            while rx.recv_many(&mut jobs, max_batch).await > 0 {
                let (reqs, replies): (Vec<Req>, Vec<oneshot::Sender<Resp>>) = jobs.drain(..).unzip();
                let resps = handle(reqs).await;
                debug_assert_eq!(resps.len(), replies.len(), "one response per request");
                for (reply, resp) in replies.into_iter().zip(resps) {
                    // The caller may have gone (client disconnected); the write stands.
                    let _ = reply.send(resp);
                }
            }
        });
        Batcher { tx }
    }

    /// Queues one request and waits for its batch to be handled.
    pub async fn submit(&self, req: Req) -> Result<Resp, Closed> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((req, reply)).await.map_err(|_| Closed)?;
        answer.await.map_err(|_| Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_requests_share_batches_and_get_their_own_answers() {
        let batches = Arc::new(AtomicUsize::new(0));
        let seen = batches.clone();
        let b = Batcher::spawn(64, 1024, move |reqs: Vec<u32>| {
            seen.fetch_add(1, Ordering::Relaxed);
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                reqs.into_iter().map(|r| r * 2).collect()
            }
        });
        let tasks: Vec<_> = (0..200u32)
            .map(|i| {
                let b = b.clone();
                tokio::spawn(async move { (i, b.submit(i).await.unwrap()) })
            })
            .collect();
        for t in tasks {
            let (i, doubled) = t.await.unwrap();
            assert_eq!(doubled, i * 2);
        }
        assert!(batches.load(Ordering::Relaxed) < 200, "requests were batched");
    }
}
