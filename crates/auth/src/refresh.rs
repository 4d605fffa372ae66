//! Refresh tokens: opaque, stored as digests, rotated on every use; presenting a rotated token
//! again means it leaked, so its whole family is revoked.

use chrono::{DateTime, Duration, Utc};
use souk_kernel::UserId;
use uuid::Uuid;

use crate::secret::{digest, random_secret};

/// How long a refresh token lives.
pub const REFRESH_TTL: Duration = Duration::days(30);

/// A stored refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// Row id.
    pub id: Uuid,
    /// The account.
    pub user_id: UserId,
    /// Every token descended from one login shares a family.
    pub family_id: Uuid,
    /// Digest of the token.
    pub token_hash: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Set when it was exchanged for a new one.
    pub rotated_at: Option<DateTime<Utc>>,
    /// Set when its family was revoked (logout or reuse).
    pub revoked_at: Option<DateTime<Utc>>,
    /// Issue time.
    pub created_at: DateTime<Utc>,
}

/// What presenting a refresh token means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshVerdict {
    /// Valid: rotate it.
    Rotate,
    /// Already rotated: a replay; revoke the family.
    Reused,
    /// Expired or revoked.
    Dead,
}

/// The digest a token is stored and looked up by.
pub fn refresh_digest(token: &str) -> String {
    digest("refresh", token)
}

/// A new token (plain text for the client) in a family (a new family when `None`).
pub fn issue_refresh(user: UserId, family: Option<Uuid>, now: DateTime<Utc>) -> (String, RefreshToken) {
    let plain = random_secret(32);
    let token = RefreshToken {
        id: Uuid::now_v7(),
        user_id: user,
        family_id: family.unwrap_or_else(Uuid::now_v7),
        token_hash: refresh_digest(&plain),
        expires_at: now + REFRESH_TTL,
        rotated_at: None,
        revoked_at: None,
        created_at: now,
    };
    (plain, token)
}

/// Judges a presented token.
pub fn judge_refresh(token: &RefreshToken, now: DateTime<Utc>) -> RefreshVerdict {
    if token.revoked_at.is_some() || now >= token.expires_at {
        RefreshVerdict::Dead
    } else if token.rotated_at.is_some() {
        RefreshVerdict::Reused
    } else {
        RefreshVerdict::Rotate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_rotate_once_then_count_as_reuse() {
        let now = Utc::now();
        let (plain, mut token) = issue_refresh(UserId::new(), None, now);
        assert_eq!(token.token_hash, refresh_digest(&plain));
        assert_eq!(judge_refresh(&token, now), RefreshVerdict::Rotate);
        token.rotated_at = Some(now);
        assert_eq!(judge_refresh(&token, now), RefreshVerdict::Reused);
        token.revoked_at = Some(now);
        assert_eq!(judge_refresh(&token, now), RefreshVerdict::Dead);
    }

    #[test]
    fn families_carry_over_and_tokens_expire() {
        let now = Utc::now();
        let (_, first) = issue_refresh(UserId::new(), None, now);
        let (_, second) = issue_refresh(first.user_id, Some(first.family_id), now);
        assert_eq!(first.family_id, second.family_id);
        assert_eq!(judge_refresh(&first, now + REFRESH_TTL), RefreshVerdict::Dead);
    }
}
