//! One thread per process that wakes attempts at their deadlines.
//!
//! A thread rather than a tokio task: a task lives on one runtime, and an attempt on another
//! runtime (a client shared by two) would lose its timeout when that runtime stops, or stalls
//! while a current-thread runtime is not being driven. The thread sleeps until the earliest
//! deadline of every queue; an attempt wakes it only when its own deadline comes sooner than
//! that, which with one timeout per queue happens once per idle-to-busy change, not per request.
//!
//! A thread does not survive `fork`: clients built in a forked child get a watcher of the
//! child's own (the process id is checked when a client is built), but a client built before
//! the fork and used in the child has no watcher there, and its attempts never time out.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Instant;

use super::queue::TimeoutQueue;

/// `next_wake` while the thread is awake: every registration tells it, so none is missed.
const AWAKE: u64 = 0;
/// `next_wake` while the thread sleeps with nothing to wait for.
const NEVER: u64 = u64::MAX;

/// Sweeps with nothing running after which the thread sleeps until an attempt tells it.
const IDLE_SWEEPS: u32 = 2;

/// The process's watcher, started on first use.
static WATCHER: Mutex<Option<Arc<Watcher>>> = Mutex::new(None);

#[derive(Debug)]
pub(crate) struct Watcher {
    /// The process that started the thread: a forked child needs a thread of its own.
    pid: u32,
    origin: Instant,
    /// When the thread will next wake, in nanoseconds after `origin`, or `AWAKE` or `NEVER`.
    next_wake: AtomicU64,
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Debug, Default)]
struct State {
    queues: Vec<Weak<TimeoutQueue>>,
    /// How many queues were alive at the last pruning of dropped ones.
    alive_at_prune: usize,
    /// A deadline earlier than the thread's next wake was registered.
    dirty: bool,
}

impl Watcher {
    /// The process's watcher, spawning its thread on first use (and again in a forked child);
    /// `None` when the thread cannot be spawned (attempts then fall back to tokio's timer, and
    /// the next client built tries again).
    pub(crate) fn shared() -> Option<Arc<Watcher>> {
        let mut slot = WATCHER.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        if let Some(watcher) = slot.as_ref().filter(|watcher| watcher.pid == pid) {
            return Some(watcher.clone());
        }
        #[allow(clippy::disallowed_methods)] // wire time: see `super`
        let origin = Instant::now();
        let watcher = Arc::new(Watcher {
            pid,
            origin,
            next_wake: AtomicU64::new(AWAKE),
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let run = watcher.clone();
        std::thread::Builder::new()
            .name("nango-http-timeouts".to_owned())
            .spawn(move || run.run())
            .ok()?;
        *slot = Some(watcher.clone());
        Some(watcher)
    }

    /// Watches `queue` until it is dropped.
    pub(crate) fn watch(&self, queue: &Arc<TimeoutQueue>) {
        let mut state = self.lock();
        // Clients built and dropped without a request never wake the thread to prune them:
        // pruned here when the list has doubled, so it follows the clients alive.
        if state.queues.len() >= 2 * state.alive_at_prune.max(16) {
            state.queues.retain(|queue| queue.strong_count() > 0);
            state.alive_at_prune = state.queues.len();
        }
        state.queues.push(Arc::downgrade(queue));
    }

    /// How many queues are watched (dropped ones not yet pruned included).
    #[cfg(test)]
    pub(crate) fn watched(&self) -> usize {
        self.lock().queues.len()
    }

    /// An attempt was registered with `deadline`: wakes the thread if it would sleep past it.
    pub(crate) fn deadline_added(&self, deadline: Instant) {
        let next_wake = self.next_wake.load(Ordering::SeqCst);
        if next_wake != AWAKE && next_wake <= self.nanos(deadline) {
            return;
        }
        self.lock().dirty = true;
        self.wake.notify_one();
    }

    /// Nanoseconds from `origin` to `at`, never `AWAKE` nor `NEVER`.
    fn nanos(&self, at: Instant) -> u64 {
        let nanos = at.saturating_duration_since(self.origin).as_nanos();
        u64::try_from(nanos).unwrap_or(NEVER - 1).clamp(AWAKE + 1, NEVER - 1)
    }

    fn run(&self) {
        let mut woken = Vec::new();
        let mut queues = Vec::new();
        let mut idle_sweeps = 0;
        let mut state = self.lock();
        loop {
            self.next_wake.store(AWAKE, Ordering::SeqCst);
            state.dirty = false;
            state.queues.retain(|queue| match queue.upgrade() {
                Some(queue) => {
                    queues.push(queue);
                    true
                }
                None => false,
            });
            drop(state);

            #[allow(clippy::disallowed_methods)] // wire time: see `super`
            let now = Instant::now();
            let shortest = queues.iter().map(|queue| queue.span()).min();
            let next = queues.drain(..).filter_map(|queue| queue.expire(now, &mut woken)).min();
            for waker in woken.drain(..) {
                // A waker that panics must not stop the thread every client's timeouts need.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| waker.wake()));
            }
            let next = match next {
                Some(deadline) => {
                    idle_sweeps = 0;
                    Some(deadline)
                }
                // Nothing is running. Sleeping one shortest timeout still means that attempts
                // starting meanwhile need not wake the thread (their deadlines come later),
                // which spares sparse traffic a wake-up per request; after a few such sweeps
                // the thread sleeps until an attempt tells it.
                None if idle_sweeps < IDLE_SWEEPS => {
                    idle_sweeps += 1;
                    shortest.map(|span| now + span)
                }
                None => None,
            };

            state = self.lock();
            // A registration raced the sweep above with an earlier deadline: sweep again.
            if state.dirty {
                continue;
            }
            state = match next {
                None => {
                    self.next_wake.store(NEVER, Ordering::SeqCst);
                    self.wake.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner())
                }
                Some(deadline) => {
                    self.next_wake.store(self.nanos(deadline), Ordering::SeqCst);
                    #[allow(clippy::disallowed_methods)] // wire time: see `super`
                    let wait = deadline.saturating_duration_since(Instant::now());
                    let (state, _) = self
                        .wake
                        .wait_timeout(state, wait)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    state
                }
            };
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
