//! The load generator: a fixed number of workers, each with its own connection, calling one
//! operation back to back for a fixed time; latencies of the measured window are kept whole.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Durations and connection counts of a run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// How long each measured window lasts.
    pub duration: Duration,
    /// Connections per run.
    pub concurrency: Vec<usize>,
}

/// What one call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// It got the answer the scenario expects.
    Ok,
    /// It failed or got another answer.
    Error,
    /// The scenario has nothing left to do (its pool of objects is used up).
    Exhausted,
}

/// One worker's call: `(worker, iteration)` to its outcome.
pub type Call = Arc<dyn Fn(usize, u64) -> Pin<Box<dyn Future<Output = Step> + Send>> + Send + Sync>;

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Calls answered as expected in the measured window.
    pub ok: u64,
    /// Calls that failed in the measured window.
    pub errors: u64,
    /// Length of the measured window.
    pub elapsed: Duration,
    /// Latency of every successful measured call, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// Whether a worker ran out of objects before the window ended.
    pub exhausted: bool,
}

impl Outcome {
    /// Successful calls per second.
    pub fn per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 { self.ok as f64 / seconds } else { 0.0 }
    }

    /// The latency at `percent` (0..=100), in milliseconds.
    pub fn percentile_ms(&self, percent: usize) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let index = (self.latencies_us.len() * percent / 100).min(self.latencies_us.len() - 1);
        f64::from(self.latencies_us[index]) / 1000.0
    }
}

/// Runs `connections` workers of `call` for a short warm-up and then `duration`, measuring only
/// the second part.
pub async fn drive(connections: usize, duration: Duration, call: Call) -> Outcome {
    let warm_up = (duration / 5).min(Duration::from_secs(1));
    let started = Instant::now();
    let measured_from = started + warm_up;
    let deadline = measured_from + duration;
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                let mut iteration = 0u64;
                loop {
                    let sent = Instant::now();
                    if sent >= deadline {
                        break;
                    }
                    let step = call(worker, iteration).await;
                    iteration += 1;
                    if step == Step::Exhausted {
                        outcome.exhausted = true;
                        break;
                    }
                    if sent < measured_from {
                        continue;
                    }
                    if step == Step::Ok {
                        outcome.ok += 1;
                        outcome
                            .latencies_us
                            .push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                    } else {
                        outcome.errors += 1;
                    }
                }
                outcome
            })
        })
        .collect();
    let mut total = Outcome::default();
    for worker in workers {
        match worker.await {
            Ok(outcome) => {
                total.ok += outcome.ok;
                total.errors += outcome.errors;
                total.exhausted |= outcome.exhausted;
                total.latencies_us.extend(outcome.latencies_us);
            }
            // A worker that died is one connection's worth of failure, not a silent smaller load.
            Err(_) => total.errors += 1,
        }
    }
    total.elapsed = Instant::now().min(deadline).saturating_duration_since(measured_from);
    total.latencies_us.sort_unstable();
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_index_the_sorted_latencies() {
        let outcome = Outcome {
            ok: 100,
            elapsed: Duration::from_secs(2),
            latencies_us: (1..=100).map(|ms| ms * 1000).collect(),
            ..Outcome::default()
        };
        assert_eq!(outcome.per_second(), 50.0);
        assert_eq!(outcome.percentile_ms(50), 51.0);
        assert_eq!(outcome.percentile_ms(99), 100.0);
        assert_eq!(outcome.percentile_ms(100), 100.0);
        assert_eq!(Outcome::default().percentile_ms(99), 0.0);
    }

    #[tokio::test]
    async fn only_the_measured_window_counts_and_a_used_up_pool_stops_the_worker() {
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let seen = counter.clone();
        let call: Call = Arc::new(move |_, iteration| {
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Box::pin(async move { if iteration < 3 { Step::Ok } else { Step::Exhausted } })
        });
        let outcome = drive(2, Duration::from_millis(50), call).await;
        assert!(outcome.exhausted);
        assert_eq!(counter.load(std::sync::atomic::Ordering::Relaxed), 8);
        assert!(outcome.ok <= 6);
    }
}
