//! Background jobs: each finds what is due at platform time and handles it in its own
//! transaction. The server's job loop and `POST /sandbox/jobs/run` both call [`Marketplace::run_due_jobs`].

use chrono::Duration;
use souk_kernel::{Actor, DomainError};
use souk_storage::{db_error, idempotency};

use crate::Marketplace;

/// How long a stored idempotent response is replayed.
pub const IDEMPOTENCY_RETENTION: Duration = Duration::hours(24);

/// What one job did in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// The job's name.
    pub name: &'static str,
    /// How many items it handled.
    pub processed: u64,
}

impl Marketplace {
    /// Runs every job once, in a fixed order, and reports what each did.
    pub async fn run_due_jobs(&self) -> Result<Vec<JobRun>, DomainError> {
        self.sync_clock().await?;
        let purged = self.purge_expired_idempotency_keys().await?;
        let expired = self.expire_unpaid_orders().await?;
        let returns = self.expire_returns().await?;
        let released = self.release_due_orders().await?;
        let delivered = self.deliver_webhooks().await?;
        let mailed = self.send_notifications().await?;
        Ok(vec![
            JobRun { name: "purge_expired_idempotency_keys", processed: purged },
            JobRun { name: "expire_unpaid_orders", processed: expired },
            JobRun { name: "expire_returns", processed: returns },
            JobRun { name: "release_due_orders", processed: released },
            JobRun { name: "deliver_webhooks", processed: delivered },
            JobRun { name: "send_notifications", processed: mailed },
        ])
    }

    /// Runs due jobs on request (admin, sandbox mode).
    pub async fn run_jobs_now(&self, actor: &Actor) -> Result<Vec<JobRun>, DomainError> {
        self.require_sandbox_admin(actor)?;
        self.run_due_jobs().await
    }

    /// Deletes idempotency records older than the retention window (wall-clock time, like
    /// every request-level expiry).
    async fn purge_expired_idempotency_keys(&self) -> Result<u64, DomainError> {
        let cutoff = chrono::Utc::now() - IDEMPOTENCY_RETENTION;
        idempotency::purge_created_before(&self.db.conn, cutoff).await.map_err(db_error)
    }
}
