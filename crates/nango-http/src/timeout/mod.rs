//! The wire timeout of each attempt, without a tokio timer per request.
//!
//! A tokio timer costs every request a registration in the runtime's timer wheel and a removal
//! (about 900 instructions of a loopback request's 62,000, measured by `cargo xtask bench`).
//! Every attempt of a client has the same timeout, so its deadlines come in the order the
//! attempts start: a client keeps them in a FIFO ([`queue`]), and one thread per process
//! ([`watcher`]) sleeps until the earliest deadline of every client and wakes the attempts
//! that reach theirs. Starting an attempt costs a lock and a push, finishing it a lock and a
//! pop; no timer is touched. An attempt with another timeout (its request's own, or what is
//! left of the deadline when that is shorter) uses tokio's timer as before.
//!
//! The timeout is wall-clock time (`std::time::Instant`), not the injected
//! [`crate::time::Clock`]: a hung socket does not care about virtual time.

mod queue;
mod watcher;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use queue::TimeoutQueue;
use watcher::Watcher;

/// The timeout fired before the future finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Elapsed;

/// How one client bounds its attempts: its timeout's queue, watched by the process's thread.
#[derive(Clone)]
pub(crate) struct Timeouts {
    queue: Arc<TimeoutQueue>,
    /// `None` when the watcher thread could not be started: every attempt uses tokio's timer.
    watcher: Option<Arc<Watcher>>,
}

impl fmt::Debug for Timeouts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeouts")
            .field("timeout", &self.queue.timeout())
            .field("watched", &self.watcher.is_some())
            .finish()
    }
}

impl Timeouts {
    /// Attempts bounded by `timeout`, the client's request timeout.
    pub(crate) fn new(timeout: Duration) -> Self {
        let queue = Arc::new(TimeoutQueue::new(timeout));
        let watcher = Watcher::shared();
        if let Some(watcher) = &watcher {
            watcher.watch(&queue);
        }
        Self { queue, watcher }
    }

    /// The client's request timeout.
    pub(crate) fn timeout(&self) -> Duration {
        self.queue.timeout()
    }

    /// `future`, failed with [`Elapsed`] if it has not finished `timeout` after its first poll.
    pub(crate) fn bound<F: Future>(&self, timeout: Duration, future: F) -> Bounded<'_, F> {
        match &self.watcher {
            Some(watcher) if timeout == self.queue.timeout() => {
                Bounded::Queued { inner: future, queue: &self.queue, watcher, ticket: None }
            }
            // Boxed: the rare fallback's timer does not make every attempt's future larger.
            _ => Bounded::Timer { timer: Box::pin(tokio::time::timeout(timeout, future)) },
        }
    }
}

pin_project! {
    /// A future bounded by a timeout: see [`Timeouts::bound`].
    #[project = BoundedProjection]
    pub(crate) enum Bounded<'a, F> {
        /// In the client's queue.
        Queued {
            #[pin]
            inner: F,
            queue: &'a TimeoutQueue,
            watcher: &'a Watcher,
            ticket: Option<Ticket<'a>>,
        },
        /// On tokio's timer.
        Timer { timer: Pin<Box<tokio::time::Timeout<F>>> },
    }
}

/// An attempt's place in its queue; leaving the queue when dropped (answered or cancelled).
pub(crate) struct Ticket<'a> {
    queue: &'a TimeoutQueue,
    seq: u64,
    /// Still in the queue: not expired.
    queued: bool,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.queued {
            self.queue.finish(self.seq);
        }
    }
}

impl<F: Future> Future for Bounded<'_, F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (inner, queue, watcher, ticket) = match self.project() {
            BoundedProjection::Timer { timer } => {
                return timer.as_mut().poll(cx).map_err(|_| Elapsed);
            }
            BoundedProjection::Queued { inner, queue, watcher, ticket } => {
                (inner, queue, watcher, ticket)
            }
        };
        // The future first, as tokio's timeout does: an answer ready at the deadline wins.
        if let Poll::Ready(output) = inner.poll(cx) {
            *ticket = None;
            return Poll::Ready(Ok(output));
        }
        let Some(held) = ticket else {
            #[allow(clippy::disallowed_methods)] // wire time: see the module's docs
            let now = Instant::now();
            let (seq, first_deadline) = queue.register(now, cx.waker());
            *ticket = Some(Ticket { queue, seq, queued: true });
            if let Some(deadline) = first_deadline {
                watcher.deadline_added(deadline);
            }
            return Poll::Pending;
        };
        // Polls after the first are rare (a body in several reads): the lock is cheap there.
        queue.update_waker(held.seq, cx.waker());
        // After the waker is current: an expiry between the two wakes the old task, then this
        // check sees it.
        if queue.has_expired(held.seq) {
            held.queued = false;
            return Poll::Ready(Err(Elapsed));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_future_that_finishes_in_time_is_returned() {
        let timeouts = Timeouts::new(Duration::from_secs(30));
        let answer = timeouts.bound(Duration::from_secs(30), async {
            tokio::task::yield_now().await;
            7
        });
        assert_eq!(answer.await, Ok(7));
        assert_eq!(timeouts.queue.expire(far_future(), &mut Vec::new()), None, "left queued");
    }

    #[tokio::test]
    async fn a_hung_future_times_out_on_the_watcher_thread() {
        let timeouts = Timeouts::new(Duration::from_millis(20));
        let hung = timeouts.bound(Duration::from_millis(20), std::future::pending::<()>());
        assert_eq!(hung.await, Err(Elapsed));
    }

    #[tokio::test]
    async fn many_hung_futures_all_time_out() {
        let timeouts = Timeouts::new(Duration::from_millis(20));
        let hung = (0..200)
            .map(|_| timeouts.bound(Duration::from_millis(20), std::future::pending::<()>()));
        let results = futures::future::join_all(hung).await;
        assert!(results.iter().all(|result| *result == Err(Elapsed)));
    }

    #[tokio::test]
    async fn another_timeout_uses_tokios_timer() {
        let timeouts = Timeouts::new(Duration::from_secs(30));
        let hung = timeouts.bound(Duration::from_millis(10), std::future::pending::<()>());
        assert!(matches!(hung, Bounded::Timer { .. }));
        assert_eq!(hung.await, Err(Elapsed));
    }

    #[tokio::test]
    async fn a_dropped_attempt_leaves_the_queue() {
        let timeouts = Timeouts::new(Duration::from_secs(30));
        let mut hung =
            Box::pin(timeouts.bound(Duration::from_secs(30), std::future::pending::<()>()));
        assert!(futures::poll!(hung.as_mut()).is_pending());
        drop(hung);
        assert_eq!(timeouts.queue.expire(far_future(), &mut Vec::new()), None);
    }

    /// Regression: a watcher living on one runtime would stop timing out the attempts of
    /// another when its runtime ends. The thread serves every runtime.
    #[test]
    fn a_client_shared_by_two_runtimes_keeps_its_timeouts() {
        let timeouts = Timeouts::new(Duration::from_millis(20));
        for _ in 0..2 {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let runtime = runtime.unwrap();
            let hung = timeouts.bound(Duration::from_millis(20), std::future::pending::<()>());
            assert_eq!(runtime.block_on(hung), Err(Elapsed));
        }
    }

    #[test]
    fn attempts_from_many_threads_starting_and_ending_all_time_out() {
        // Each attempt finds its queue empty, so each tells the watcher of its deadline: the
        // path that must never lose a wake-up.
        let timeouts = Timeouts::new(Duration::from_millis(2));
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
                    for _ in 0..50 {
                        let hung = timeouts.bound(timeouts.timeout(), std::future::pending::<()>());
                        assert_eq!(runtime.block_on(hung), Err(Elapsed));
                    }
                });
            }
        });
    }

    #[test]
    fn clients_dropped_without_a_request_are_pruned() {
        let Some(watcher) = Watcher::shared() else { return };
        for _ in 0..10_000 {
            drop(Timeouts::new(Duration::from_secs(30)));
        }
        // Other tests' clients may be alive too, but never thousands.
        assert!(watcher.watched() < 1_000, "{} queues watched", watcher.watched());
    }

    #[tokio::test]
    async fn a_waker_that_panics_does_not_stop_the_watcher() {
        struct Panics;
        impl std::task::Wake for Panics {
            fn wake(self: Arc<Self>) {
                panic!("this waker panics (expected by the test)");
            }
        }
        let timeouts = Timeouts::new(Duration::from_millis(5));
        #[allow(clippy::disallowed_methods)] // wire time, as the attempts read it
        let now = Instant::now();
        let waker = std::task::Waker::from(Arc::new(Panics));
        let (seq, first) = timeouts.queue.register(now, &waker);
        if let (Some(deadline), Some(watcher)) = (first, &timeouts.watcher) {
            watcher.deadline_added(deadline);
        }
        // Queued after it: expires only if the thread lived through the panic.
        let hung = timeouts.bound(timeouts.timeout(), std::future::pending::<()>());
        assert_eq!(hung.await, Err(Elapsed));
        assert!(timeouts.queue.has_expired(seq));
    }

    #[allow(clippy::disallowed_methods)] // an instant past every deadline of these tests
    fn far_future() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }
}
