//! Platform time. Domain code never reads the system clock directly, so sandbox mode can move
//! time forward for trials, holds and expiries.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, DurationRound, Utc};

/// A source of the current platform time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current platform time, in UTC, truncated to microseconds (what both databases keep).
    fn now(&self) -> DateTime<Utc>;
}

fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::microseconds(1)).unwrap_or(at)
}

/// The system clock plus an offset that sandbox mode may advance.
#[derive(Debug, Default)]
pub struct SystemClock {
    offset_ms: AtomicI64,
}

impl SystemClock {
    /// A system clock shifted by `offset_ms` milliseconds.
    pub fn with_offset_ms(offset_ms: i64) -> Self {
        Self { offset_ms: AtomicI64::new(offset_ms) }
    }

    /// The current offset from wall-clock time, in milliseconds.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }

    /// Replaces the offset (for example with the one another process persisted).
    pub fn set_offset_ms(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::SeqCst);
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(Utc::now() + Duration::milliseconds(self.offset_ms()))
    }
}

/// A clock that only moves when told to; for tests of time-dependent rules.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock stopped at `at`.
    pub fn at(at: DateTime<Utc>) -> Self {
        Self { now: Mutex::new(truncate(at)) }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_applies_its_offset() {
        let clock = SystemClock::with_offset_ms(86_400_000);
        let skew = clock.now() - Utc::now();
        assert!(skew > Duration::hours(23) && skew < Duration::hours(25));
        clock.set_offset_ms(0);
        assert!((clock.now() - Utc::now()).num_seconds().abs() < 5);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let clock = ManualClock::at(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::days(14));
        assert_eq!(clock.now(), start + Duration::days(14));
    }

    #[test]
    fn now_is_truncated_to_microseconds() {
        let clock = SystemClock::default();
        assert_eq!(clock.now().timestamp_subsec_nanos() % 1_000, 0);
    }
}
