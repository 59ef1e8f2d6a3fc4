//! The attempts of one client that run under its request timeout, in the order they started.
//!
//! Every attempt of a client gets the same timeout, so deadlines grow with the order of
//! registration: the queue is a FIFO, the next deadline is always at its front, and expiry
//! walks the front only. An attempt learns that it timed out from one atomic load
//! ([`TimeoutQueue::has_expired`]), because entries expire strictly in sequence order.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;
use std::time::{Duration, Instant};

/// Below this length the queue is never compacted: finished entries behind a slow front cost
/// less than sweeping them.
const COMPACT_FROM: usize = 64;

/// A deadline that is, in practice, never reached (a year), for timeouts too long to add.
const FAR_FUTURE: Duration = Duration::from_secs(365 * 24 * 3600);

/// The running attempts of one client, each waiting for its deadline.
#[derive(Debug)]
pub(crate) struct TimeoutQueue {
    timeout: Duration,
    /// `timeout`, at most a year: added to a clock reading, it never overflows.
    span: Duration,
    /// Every entry whose sequence number is below this has timed out (or finished first).
    expired_below: AtomicU64,
    state: parking_lot::Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// In sequence order, so in deadline order.
    entries: VecDeque<Entry>,
    next_seq: u64,
    /// Entries still running (the others are finished and wait to be dropped from the front).
    running: usize,
}

#[derive(Debug)]
struct Entry {
    seq: u64,
    deadline: Instant,
    /// The task to wake at the deadline; `None` once the attempt has finished.
    waker: Option<Waker>,
}

impl TimeoutQueue {
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            span: timeout.min(FAR_FUTURE),
            expired_below: AtomicU64::new(0),
            state: parking_lot::Mutex::new(State::default()),
        }
    }

    /// The timeout every attempt of this queue gets.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// How long after its start an attempt expires: the timeout, at most a year.
    pub(crate) fn span(&self) -> Duration {
        self.span
    }

    /// Adds an attempt that started at `now`; returns its sequence number, and its deadline
    /// when it is the queue's first (the watcher must learn of it; a later entry's deadline
    /// never comes before the first's).
    pub(crate) fn register(&self, now: Instant, waker: &Waker) -> (u64, Option<Instant>) {
        let mut deadline = now + self.span;
        let mut state = self.lock();
        let first = match state.entries.back() {
            // Two threads may read the clock in one order and lock in the other: the later
            // entry never gets the earlier deadline, so the front stays the first to expire.
            Some(last) => {
                deadline = deadline.max(last.deadline);
                None
            }
            None => Some(deadline),
        };
        let seq = state.next_seq;
        state.next_seq += 1;
        state.running += 1;
        state.entries.push_back(Entry { seq, deadline, waker: Some(waker.clone()) });
        (seq, first)
    }

    /// Whether the attempt `seq` has reached its deadline.
    pub(crate) fn has_expired(&self, seq: u64) -> bool {
        seq < self.expired_below.load(Ordering::Acquire)
    }

    /// The attempt `seq` was polled again, maybe by another task: wake the latest at the
    /// deadline.
    pub(crate) fn update_waker(&self, seq: u64, waker: &Waker) {
        let mut state = self.lock();
        if let Some(index) = state.index_of(seq)
            && let Some(stored) = &mut state.entries[index].waker
            && !stored.will_wake(waker)
        {
            stored.clone_from(waker);
        }
    }

    /// The attempt `seq` ended (answered, failed or was dropped) before its deadline, or has
    /// expired and is gone already.
    pub(crate) fn finish(&self, seq: u64) {
        let mut state = self.lock();
        // Dropped after the lock is released: a waker's drop may run arbitrary code.
        let waker = if state.entries.front().is_some_and(|front| front.seq == seq) {
            // Attempts mostly end in the order they started.
            state.entries.pop_front().and_then(|entry| entry.waker)
        } else {
            let Some(index) = state.index_of(seq) else {
                return;
            };
            state.entries[index].waker.take()
        };
        if waker.is_some() {
            state.running -= 1;
        }
        state.drop_finished_front();
        // A slow attempt at the front holds back everything behind it: sweep when the queue is
        // mostly finished entries, so memory follows the running attempts (amortised O(1)).
        if state.entries.len() >= COMPACT_FROM && state.running * 4 < state.entries.len() {
            state.entries.retain(|entry| entry.waker.is_some());
        }
        drop(state);
        drop(waker);
    }

    /// Expires every running attempt whose deadline is at or before `now`, pushing its waker
    /// onto `woken`; returns the next deadline, if any attempt is still running.
    pub(crate) fn expire(&self, now: Instant, woken: &mut Vec<Waker>) -> Option<Instant> {
        let mut state = self.lock();
        loop {
            state.drop_finished_front();
            let front = state.entries.front()?;
            if front.deadline > now {
                return Some(front.deadline);
            }
            let seq = front.seq;
            let entry = state.entries.pop_front()?;
            state.running -= 1;
            // Published before the wake, under the lock: the woken task sees it.
            self.expired_below.store(seq + 1, Ordering::Release);
            woken.extend(entry.waker);
        }
    }

    /// How many entries the queue holds, finished ones included.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }

    fn lock(&self) -> parking_lot::MutexGuard<'_, State> {
        self.state.lock()
    }
}

impl State {
    /// Where entry `seq` is, if it is still queued.
    fn index_of(&self, seq: u64) -> Option<usize> {
        let first = self.entries.front()?.seq;
        let guess = usize::try_from(seq.checked_sub(first)?).ok()?;
        // Without compaction, sequence numbers are dense and the guess is right.
        if self.entries.get(guess).is_some_and(|entry| entry.seq == seq) {
            return Some(guess);
        }
        self.entries.binary_search_by_key(&seq, |entry| entry.seq).ok()
    }

    fn drop_finished_front(&mut self) {
        while self.entries.front().is_some_and(|entry| entry.waker.is_none()) {
            self.entries.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    use super::*;

    /// A waker that counts its wakes.
    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter::default());
        (counter.clone(), Waker::from(counter))
    }

    #[allow(clippy::disallowed_methods)] // a fixed origin; the tests move time by hand
    fn origin() -> Instant {
        Instant::now()
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn attempts_expire_in_order_at_their_deadlines() {
        let queue = TimeoutQueue::new(10 * SECOND);
        let t0 = origin();
        let (count, waker) = counter();
        let (first, due) = queue.register(t0, &waker);
        let (second, _) = queue.register(t0 + 3 * SECOND, &waker);
        assert_eq!(due, Some(t0 + 10 * SECOND));

        let mut woken = Vec::new();
        assert_eq!(queue.expire(t0 + 9 * SECOND, &mut woken), Some(t0 + 10 * SECOND));
        assert!(woken.is_empty() && !queue.has_expired(first));

        assert_eq!(queue.expire(t0 + 10 * SECOND, &mut woken), Some(t0 + 13 * SECOND));
        assert!(queue.has_expired(first) && !queue.has_expired(second));
        woken.drain(..).for_each(Waker::wake);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);

        assert_eq!(queue.expire(t0 + 20 * SECOND, &mut woken), None);
        assert!(queue.has_expired(second));
        assert_eq!(woken.len(), 1);
    }

    #[test]
    fn finished_attempts_never_expire_nor_wake() {
        let queue = TimeoutQueue::new(SECOND);
        let t0 = origin();
        let (count, waker) = counter();
        let (first, _) = queue.register(t0, &waker);
        let (second, _) = queue.register(t0, &waker);
        queue.finish(first);
        queue.finish(second);
        queue.finish(second); // twice is harmless

        let mut woken = Vec::new();
        assert_eq!(queue.expire(t0 + 5 * SECOND, &mut woken), None);
        assert!(woken.is_empty());
        assert_eq!(queue.len(), 0);
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_later_registration_never_gets_an_earlier_deadline() {
        let queue = TimeoutQueue::new(SECOND);
        let t0 = origin();
        let (_, waker) = counter();
        let (first, _) = queue.register(t0 + SECOND, &waker);
        // This thread read the clock first but locked second.
        let (second, _) = queue.register(t0, &waker);
        let mut woken = Vec::new();
        assert_eq!(queue.expire(t0 + SECOND + SECOND / 2, &mut woken), Some(t0 + 2 * SECOND));
        queue.expire(t0 + 2 * SECOND, &mut woken);
        assert!(queue.has_expired(first) && queue.has_expired(second));
        assert_eq!(woken.len(), 2);
    }

    #[test]
    fn a_slow_front_does_not_hold_finished_entries_forever() {
        let queue = TimeoutQueue::new(30 * SECOND);
        let t0 = origin();
        let (_, waker) = counter();
        let (slow, _) = queue.register(t0, &waker);
        for _ in 0..10_000 {
            let (seq, _) = queue.register(t0, &waker);
            queue.finish(seq);
        }
        assert!(queue.len() < 4 * COMPACT_FROM, "{} entries kept", queue.len());

        // Entries behind a compaction are still found, finished and expired in order.
        let kept: Vec<u64> = (0..100).map(|_| queue.register(t0, &waker).0).collect();
        for seq in kept.iter().step_by(2) {
            queue.finish(*seq);
        }
        let mut woken = Vec::new();
        assert_eq!(queue.expire(t0 + 31 * SECOND, &mut woken), None);
        assert_eq!(woken.len(), 1 + kept.len() / 2);
        assert!(queue.has_expired(slow));
    }

    #[test]
    fn an_updated_waker_is_the_one_woken() {
        let queue = TimeoutQueue::new(SECOND);
        let t0 = origin();
        let (old, old_waker) = counter();
        let (new, new_waker) = counter();
        let (seq, _) = queue.register(t0, &old_waker);
        queue.update_waker(seq, &new_waker);
        let mut woken = Vec::new();
        queue.expire(t0 + SECOND, &mut woken);
        woken.drain(..).for_each(Waker::wake);
        assert_eq!(old.0.load(Ordering::SeqCst), 0);
        assert_eq!(new.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_timeout_too_long_to_add_is_a_year() {
        let queue = TimeoutQueue::new(Duration::MAX);
        let t0 = origin();
        let (_, waker) = counter();
        assert_eq!(queue.register(t0, &waker).1, Some(t0 + FAR_FUTURE));
        assert_eq!(queue.timeout(), Duration::MAX);
    }

    #[test]
    fn only_the_first_deadline_is_reported() {
        let queue = TimeoutQueue::new(SECOND);
        let t0 = origin();
        let (_, waker) = counter();
        let (first, due) = queue.register(t0, &waker);
        assert_eq!(due, Some(t0 + SECOND));
        assert_eq!(queue.register(t0, &waker).1, None);
        queue.finish(first);
        assert_eq!(queue.register(t0, &waker).1, None, "the second is still running");
    }
}
