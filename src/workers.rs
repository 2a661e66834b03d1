//! A few dedicated threads for CPU- and memory-heavy work (password hashes, image decoding and
//! encoding), with bounded concurrency: a burst queues instead of taking every blocking thread
//! or all memory.
//!
//! Fixed threads rather than the shared blocking pool: the allocator keeps freed memory per
//! thread, so spreading big allocations over dozens of blocking threads holds far more memory
//! than a fixed few do.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::error::ApiError;

type Job = Box<dyn FnOnce() + Send>;

/// `concurrency` threads named `name` running queued jobs in order. Its threads end when the
/// last clone is dropped.
#[derive(Clone)]
pub struct Workers {
    jobs: mpsc::Sender<Job>,
    name: &'static str,
}

impl Workers {
    /// Starts `concurrency` (at least one) threads.
    pub fn new(name: &'static str, concurrency: usize) -> Result<Self, ApiError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..concurrency.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A job that panics fails alone (its caller hears of it); the
                            // thread goes on with the next.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| ApiError::Internal(format!("no {name} thread: {e}")))?;
        }
        Ok(Self { jobs, name })
    }

    /// Runs `work` on one of the threads and waits for its result without blocking the caller.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (reply, answer) = oneshot::channel();
        let name = self.name;
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(work());
            }))
            .map_err(|_| ApiError::Unavailable(format!("the {name} threads have stopped")))?;
        answer
            .await
            .map_err(|_| ApiError::Internal(format!("a {name} thread failed")))
    }
}
