//! The sandbox test clock: platform time that moves forward on request.

use chrono::{DateTime, Utc};
use souk_kernel::{Actor, DomainError};
use souk_storage::{db_error, platform_clock};

use crate::users::require_admin;
use crate::{JobRun, Marketplace};

/// The most one call may move the clock: ten years.
pub const MAX_ADVANCE_SECONDS: i64 = 10 * 366 * 24 * 3600;

/// Platform time after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockState {
    /// The platform's current time.
    pub now: DateTime<Utc>,
    /// How far platform time is ahead of wall-clock time, in seconds.
    pub offset_seconds: i64,
}

impl Marketplace {
    /// Reloads the persisted offset (another process may have moved time).
    pub async fn sync_clock(&self) -> Result<(), DomainError> {
        let offset = platform_clock::load_offset_ms(&self.db.conn).await.map_err(db_error)?;
        self.clock.set_offset_ms(offset);
        Ok(())
    }

    /// The current platform time and offset.
    pub fn clock_state(&self) -> ClockState {
        ClockState { now: self.clock().now(), offset_seconds: self.clock.offset_ms() / 1000 }
    }

    /// Moves platform time forward (admin, sandbox mode), then runs the jobs that became due.
    pub async fn advance_clock(
        &self,
        actor: &Actor,
        seconds: i64,
    ) -> Result<(ClockState, Vec<JobRun>), DomainError> {
        self.require_sandbox_admin(actor)?;
        if !(1..=MAX_ADVANCE_SECONDS).contains(&seconds) {
            return Err(DomainError::invalid(
                "advance_seconds",
                format!("must be between 1 and {MAX_ADVANCE_SECONDS}"),
            ));
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let offset =
            platform_clock::advance(&tx, seconds * 1000, chrono::Utc::now()).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        self.clock.set_offset_ms(offset);
        let runs = self.run_due_jobs().await?;
        Ok((self.clock_state(), runs))
    }

    /// Sandbox endpoints exist only in sandbox mode (`NotFound` otherwise) and only for admins.
    pub fn require_sandbox_admin(&self, actor: &Actor) -> Result<(), DomainError> {
        if !self.settings.sandbox {
            return Err(DomainError::NotFound { resource: "sandbox endpoint" });
        }
        require_admin(actor)
    }
}
