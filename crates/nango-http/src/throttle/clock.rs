//! Governor reads time through the injected [`Clock`], never the real one.

use std::sync::Arc;
use std::time::Instant;

use governor::nanos::Nanos;

use crate::time::Clock;

/// A governor clock over an injected [`Clock`]: instants are [`Nanos`] since a fixed epoch read
/// from that clock when the throttle was made.
#[derive(Debug, Clone)]
pub(crate) struct GovernorClock {
    clock: Arc<dyn Clock>,
    epoch: Instant,
}

impl GovernorClock {
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        let epoch = clock.now();
        Self { clock, epoch }
    }
}

impl governor::clock::Clock for GovernorClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::from(self.clock.now().saturating_duration_since(self.epoch))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use governor::clock::Clock as _;

    use super::*;
    use crate::time::ManualClock;

    #[test]
    fn follows_the_injected_clock() {
        let manual = ManualClock::new(SystemTime::UNIX_EPOCH);
        let clock = GovernorClock::new(Arc::new(manual.clone()));
        assert_eq!(clock.now(), Nanos::from(Duration::ZERO));
        manual.advance(Duration::from_millis(1500));
        assert_eq!(clock.now(), Nanos::from(Duration::from_millis(1500)));
    }
}
